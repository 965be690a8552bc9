"""Broken stores: the reference with one key constraint changed: a JWK's `alg`, its curve or
size, `alg: none`, symmetric keys from a remote set (PUR-05 to PUR-07). See mutant_support.py
for how a mutant works.

A mutant's targets are every requirement it violates by the letter of the specification;
where there are several, the docstring says why.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from mutant_support import patch_resolution, registry

from jwkconform.reference import _constraints, _jwks, _key_material, _provider

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- constraints ------------------------------------------------------------------------------


def _constraints_without(check: str) -> None:
    original = _constraints.constraint_failure

    def failure(jwk: Mapping[str, Any], bits: int, alg: str) -> str | None:
        if check == "alg" and alg in _constraints.ALGORITHMS:
            jwk = {k: v for k, v in jwk.items() if k != "alg"}
        if check == "curve":
            jwk = {k: v for k, v in jwk.items() if k != "crv"}
            rule = _constraints._RULES.get(alg)
            if rule is not None and rule.curves and jwk.get("kty") == rule.kty:
                return None
        if check == "size":
            bits = 1 << 20
        return original(jwk, bits, alg)

    _provider.constraint_failure = failure


@mutant("PUR-05")
def jwk_alg_ignored() -> None:
    """A JWK's `alg` member is not compared with the token's."""
    _constraints_without("alg")


@mutant("PUR-05")
def named_jwk_alg_ignored() -> None:
    """A JWK's `alg` member is compared with the token's only when the valid secrets are
    tried; a kid that names the JWK skips the comparison."""

    def named_path(jws: Any, alg: str, secret: Any, tried: list[Any]) -> Any:
        jwk = {k: v for k, v in secret.jwk.items() if k != "alg"}
        if _constraints.constraint_failure(jwk, secret.bits, alg) is not None:
            return _provider.Verification(False, None, (), "the named secret does not fit")
        if _provider._signature_holds(jws, alg, secret):
            return _provider.Verification(True, secret.stable_id, (secret.stable_id,))
        return _provider.Verification(False, None, (secret.stable_id,), "no match")

    patch_resolution(named_path)


@mutant("PUR-05")
def wrong_curve_accepted() -> None:
    """An EC or OKP key of any curve is tried for an algorithm (the crypto library still
    refuses the curve, so only the tries show it)."""
    _constraints_without("curve")


_HASHES = {"ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}


@mutant("PUR-05")
def es512_takes_any_curve() -> None:
    """ES512 tokens are checked with EC keys of any curve, the key's own curve deciding
    the signature's size and `alg` only the hash (how some libraries verify ECDSA)."""
    original_failure = _provider.constraint_failure
    original_holds = _provider._signature_holds

    def failure(jwk: Mapping[str, Any], bits: int, alg: str) -> str | None:
        if alg == "ES512" and jwk.get("kty") == "EC":
            jwk = {**jwk, "crv": "P-521"}
        return original_failure(jwk, bits, alg)

    def holds(jws: Any, alg: str, secret: Any) -> bool:
        if alg != "ES512" or secret.jwk.get("crv") == "P-521":
            return original_holds(jws, alg, secret)
        key = secret.key.get_op_key("verify")
        signature = jws.objects["signature"]
        half = len(signature) // 2
        r, s = (int.from_bytes(part, "big") for part in (signature[:half], signature[half:]))
        protected = jws.objects["protected"]
        signed = _b64(protected.encode()) + b"." + _b64(jws.objects["payload"])
        try:
            key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(_HASHES[alg]))
        except Exception:
            return False
        return True

    _provider.constraint_failure = failure
    _provider._signature_holds = holds


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@mutant("PUR-06", "LOAD-03")
def weak_rsa_accepted() -> None:
    """RSA keys under 2048 bits are loaded and used: PUR-06, and LOAD-03, since D-26 makes
    such a modulus invalid material to be skipped. No mutant can use a short key without
    loading it, so PUR-06's size rule has no mutant of its own."""
    _key_material.MIN_RSA_BITS = 0  # type: ignore[misc]
    _constraints_without("size")


@mutant("PUR-06")
def alg_none_accepted() -> None:
    """`alg: none` tokens verify."""
    original = _provider.SecretsProvider.verify

    def verify(self: Any, token: str) -> Any:
        header = _provider._header(token.split(".", 1)[0]) if token.count(".") == 2 else {}
        if header.get("alg") == "none":
            return _provider.Verification(True, "none", ())
        return original(self, token)

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]


@mutant("PUR-07")
def remote_hmac_key_accepted() -> None:
    """Symmetric keys from a remote set are used."""
    original = _jwks._entry
    _jwks._entry = lambda member, *, remote: original(member, remote=False)


@mutant("PUR-05")
def hmac_keys_one_byte_longer() -> None:
    """Each HMAC algorithm asks for one byte more than its hash: keys of exactly the hash's
    length are never used (D-11)."""
    rules = dict(_constraints._RULES)
    for alg in ("HS256", "HS384", "HS512"):
        rules[alg] = replace(rules[alg], min_bits=rules[alg].min_bits + 8)
    _constraints._RULES = rules  # type: ignore[misc]


@mutant("PUR-05")
def a_key_without_alg_verifies_nothing() -> None:
    """A JWK without ``alg`` is never used to verify: the library binds every key to its
    ``alg`` (a key that carries one still verifies its own algorithm)."""
    original = _constraints.constraint_failure

    def constraint_failure(jwk: Any, bits: int, alg: str) -> str | None:
        if "alg" not in jwk:
            return "a key without alg verifies nothing"
        return original(jwk, bits, alg)

    _provider.constraint_failure = constraint_failure
