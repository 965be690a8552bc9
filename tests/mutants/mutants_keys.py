"""Broken stores: the reference with one behaviour of named secrets, purposes, order or
leases changed (KID, PUR, ORD, LEASE). See mutant_support.py for how a mutant works.

A mutant's targets are every requirement it violates by the letter of the specification.
Where a suite test reaches its requirement only once another requirement holds (the decoy
of KID-05 must first not be a verification key, PUR-01), that other requirement is a
premise and the mutant's target; the docstrings say which and why.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from mutant_support import registry

from jwkconform.reference import (
    _constraints,
    _jwks,
    _key_material,
    _provider,
    _purposes,
    _secrets,
    _store,
)
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


def _patch_index(change: Callable[[Any, Sequence[Any]], Any]) -> None:
    """Let ``change(built, entries)`` rewrite every loaded set's index."""
    original_index = _store._KeySet.index.__func__  # type: ignore[attr-defined]

    def index(cls: Any, entries: Any, loaded_at: float) -> Any:
        return change(original_index(cls, entries, loaded_at), entries)

    _store._KeySet.index = classmethod(index)  # type: ignore[assignment,method-assign]


def _patch_resolution(
    named_path: Callable[[Any, str, Any, list[Any]], Any] | None = None,
    *,
    fall_back_when: Callable[[Any, str], bool] = lambda secret, alg: False,
) -> None:
    """Rewrite `SecretsProvider.verify`: ``named_path(jws, alg, secret, tried)`` replaces
    the check of a named secret, and a named secret for which ``fall_back_when`` holds is
    passed over for the valid secrets."""

    def verify(self: Any, token: str) -> Any:
        try:
            jws, alg, kid = _provider._parse(token)
        except _provider._BadToken as exc:
            return _provider.Verification(False, None, (), f"malformed token: {exc}")
        now = self._clock()
        try:
            named = self._named_secret(kid, now) if kid is not None else None
            if named is not None and not fall_back_when(named, alg):
                if named_path is not None:
                    return named_path(jws, alg, named, [])
                return _provider._try_in_order(jws, alg, [named], reason="the named secret")
            secrets = self._valid_secrets(now)
            return _provider._try_in_order(jws, alg, secrets, reason="no valid secret")
        except LoadError as exc:
            return _provider.Verification(False, None, (), str(exc))

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]


# -- named secrets and fallback ---------------------------------------------------------------


class _Folding(dict[Any, Any]):
    def __init__(self, data: dict[Any, Any], transform: Callable[[str], str]) -> None:
        super().__init__(data)
        self._transform = transform

    def get(self, key: Any, default: Any = None) -> Any:
        purpose, kid = key
        return super().get((purpose, self._transform(kid)), default)


@mutant("KID-01")
def case_insensitive_kid() -> None:
    """kids are compared without regard to case (the first JWK in set order wins)."""

    def fold(built: Any, entries: Sequence[Any]) -> Any:
        named = {(p, k.lower()): e for (p, k), e in reversed(list(built.named.items()))}
        return replace(built, named=_Folding(named, str.lower))

    _patch_index(fold)


@mutant("KID-02")
def fallback_after_failed_named_secret() -> None:
    """When the named secret fails, the valid secrets are tried too."""
    original = _provider.SecretsProvider.verify

    def verify(self: Any, token: str) -> Any:
        result = original(self, token)
        if result.verified:
            return result
        try:
            jws, alg, _ = _provider._parse(token)
        except _provider._BadToken:
            return result
        secrets = self._valid_secrets(self._clock())
        return _provider._try_in_order(jws, alg, secrets, reason="fallback")

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]


@mutant("KID-02")
def unfit_named_secret_is_a_miss() -> None:
    """A named secret whose `alg`, type or curve does not fit the token counts as no match,
    and the valid secrets are tried (decision D-20 turned round). Not PUR-05: the unfit
    JWK is never used; KID-05's no-match is about purpose only."""
    _patch_resolution(
        fall_back_when=lambda secret, alg: (
            _provider.constraint_failure(secret.jwk, secret.bits, alg) is not None
        )
    )


@mutant("KID-03")
def no_fallback() -> None:
    """A kid with no matching JWK makes the token invalid. KID-05's fallback tests are
    blocked by their KID-03 premise (a kid nobody holds falls back)."""
    original = _provider.SecretsProvider._named_secret

    def named(self: Any, kid: str, now: float) -> Any:
        found = original(self, kid, now)
        if found is None:
            raise LoadError("(named)", f"no secret named {kid!r}")
        return found

    _provider.SecretsProvider._named_secret = named  # type: ignore[method-assign]


@mutant("KID-04")
def last_duplicate_wins() -> None:
    """The last JWK with a shared kid is the named secret."""
    original_index = _store._KeySet.index.__func__  # type: ignore[attr-defined]

    def last_wins(built: Any, entries: Sequence[Any]) -> Any:
        backwards = original_index(type(built), list(reversed(entries)), built.loaded_at)
        return replace(built, named=backwards.named)

    _patch_index(last_wins)


@mutant("KID-05", "PUR-01", "PUR-02", "PUR-03", "PUR-04")
def named_lookup_ignores_purpose() -> None:
    """A kid matches whatever the JWK's purpose. By the letter that is KID-05, and also
    every purpose rule on the named path: a `use: enc` JWK is served for verify (PUR-02),
    an X25519 one too (PUR-03, D-3), one whose members disagree (PUR-04), and a JWK that
    does not fit verify verifies the tokens naming it (PUR-01)."""

    def any_purpose(built: Any, entries: Sequence[Any]) -> Any:
        named = dict(built.named)
        for entry in entries:
            if entry.kid is not None:
                for purpose in _purposes.Purpose:
                    named.setdefault((purpose, entry.kid), entry)
        return replace(built, named=named)

    _patch_index(any_purpose)


@dataclass(frozen=True)
class _WithKids(_store._KeySet):
    every_kid: frozenset[str] = frozenset()


@mutant("KID-05")
def decoy_kid_never_reloads() -> None:
    """A kid that only JWKs of another purpose hold is no named secret and falls back, but
    it never counts as a miss for the miss rules: it reloads nothing (a rotated-in signing
    key under that kid waits for cacheTimeout)."""
    _patch_index(
        lambda built, entries: _WithKids(
            built.valid, built.named, built.loaded_at, frozenset(e.kid for e in entries)
        )
    )
    original = _store.JwkSetSecretStore._miss_may_reload
    asked: dict[int, str] = {}
    original_named = _store.JwkSetSecretStore.named

    def named(self: Any, purpose: Any, kid: str) -> Any:
        asked[id(self)] = kid
        return original_named(self, purpose, kid)

    def may_reload(self: Any, keys: Any, now: float) -> bool:
        held = asked.get(id(self)) in getattr(keys, "every_kid", frozenset())
        return not held and original(self, keys, now)

    _store.JwkSetSecretStore.named = named  # type: ignore[method-assign]
    _store.JwkSetSecretStore._miss_may_reload = may_reload  # type: ignore[method-assign]


@mutant("KID-06")
def empty_verification_secret_id_accepted() -> None:
    """An empty verificationSecretId is accepted."""
    original = _provider.SecretsProvider.__init__

    def init(self: Any, store: Any, *, verification_secret_id: str, **kwargs: Any) -> None:
        original(self, store, verification_secret_id=verification_secret_id or "x", **kwargs)

    _provider.SecretsProvider.__init__ = init  # type: ignore[method-assign]


# -- purposes ---------------------------------------------------------------------------------


def _purposes_by(rule: Callable[[Mapping[str, Any], Any], bool]) -> None:
    _jwks.purposes_of = lambda jwk: frozenset(p for p in _purposes.Purpose if rule(jwk, p))


@mutant("PUR-01", "PUR-02", "PUR-04")
def use_and_key_ops_ignored() -> None:
    """Every key fits every purpose its type allows: JWKs that do not fit verify are valid
    secrets (PUR-01), encryption-only ones included (PUR-02), and disagreeing ones fit
    both (PUR-04). A bare JWK still fits what its type can do, so PUR-03 holds; KID-05 is
    blocked by its PUR-01 premise (the decoy is no verification key)."""
    _purposes_by(lambda jwk, p: _purposes.fits({"kty": jwk.get("kty"), "crv": jwk.get("crv")}, p))


@mutant("PUR-01", "PUR-02", "PUR-04")
def use_ignored() -> None:
    """`use` is ignored; only `key_ops` is checked: a `use: enc` JWK is a verification key
    (PUR-01, PUR-02) and `use: enc` with `key_ops: [verify]` fits verify (PUR-04). KID-05
    is blocked by its PUR-01 premise, as for use_and_key_ops_ignored."""
    _purposes_by(lambda jwk, p: _purposes.fits({k: v for k, v in jwk.items() if k != "use"}, p))


@mutant("PUR-01", "PUR-03")
def purpose_must_be_explicit() -> None:
    """A JWK with neither `use` nor `key_ops` fits nothing: PUR-03, and PUR-01, whose rule
    lets an absent `use` and absent `key_ops` verify."""
    _purposes_by(lambda jwk, p: ("use" in jwk or "key_ops" in jwk) and _purposes.fits(jwk, p))


@mutant("PUR-01", "PUR-04")
def key_ops_win_over_use() -> None:
    """When `use` and `key_ops` disagree, `key_ops` decides: PUR-04, and PUR-01, which
    needs both members to allow verification."""

    def rule(jwk: Mapping[str, Any], purpose: Any) -> bool:
        if "key_ops" in jwk:
            jwk = {k: v for k, v in jwk.items() if k != "use"}
        return _purposes.fits(jwk, purpose)

    _purposes_by(rule)


@mutant("PUR-01")
def sign_op_fits_verify() -> None:
    """`key_ops: [sign]` is read as allowing verification too (the two halves of one
    signature key). Only PUR-01 names `key_ops` containing `verify`; such a JWK neither
    suits only encryption (PUR-02) nor disagrees with a `use` (PUR-04)."""

    def rule(jwk: Mapping[str, Any], purpose: Any) -> bool:
        ops = jwk.get("key_ops")
        if purpose is _purposes.Purpose.VERIFY and isinstance(ops, list) and "sign" in ops:
            jwk = {**jwk, "key_ops": [*ops, "verify"]}
        return _purposes.fits(jwk, purpose)

    _purposes_by(rule)


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

    _patch_resolution(named_path)


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


# -- order ------------------------------------------------------------------------------------


def _order_by(sort: Callable[[list[Any]], list[Any]]) -> None:
    _patch_index(
        lambda built, entries: replace(
            built, valid={p: tuple(sort(list(v))) for p, v in built.valid.items()}
        )
    )


@mutant("ORD-01")
def reversed_order() -> None:
    """Valid secrets come back in reverse set order. Tries follow the valid secrets, so
    ORD-02 and ORD-03 tests are blocked by their ORD-01 premise."""
    _order_by(lambda entries: entries[::-1])


@mutant("ORD-01")
def sorted_by_kid() -> None:
    """Valid secrets come back sorted by kid."""
    _order_by(lambda entries: sorted(entries, key=lambda e: e.stable_id))


@mutant("ORD-01")
def large_sets_reversed() -> None:
    """Valid secrets come back in reverse set order when there are more than 8."""
    _order_by(lambda entries: entries[::-1] if len(entries) > 8 else entries)


@mutant("PUR-01")
def duplicate_kid_left_out_of_valid() -> None:
    """A JWK whose kid an earlier valid JWK already has is left out of the valid secrets
    (a dict keyed by kid): the valid secrets are no longer all the fitting JWKs. The
    named secret is still the first (KID-04 holds)."""

    def first_per_kid(entries: list[Any]) -> list[Any]:
        seen: set[str] = set()
        kept = []
        for entry in entries:
            if entry.kid is None or entry.kid not in seen:
                kept.append(entry)
            if entry.kid is not None:
                seen.add(entry.kid)
        return kept

    _order_by(first_per_kid)


@mutant("ORD-02")
def tries_from_the_last() -> None:
    """The provider tries valid secrets from the last to the first."""
    original = _provider._try_in_order
    _provider._try_in_order = lambda jws, alg, secrets, *, reason: original(
        jws, alg, list(secrets)[::-1], reason=reason
    )


@mutant("ORD-02")
def large_sets_tried_from_the_last() -> None:
    """The provider tries valid secrets from the last when there are more than 8."""
    original = _provider._try_in_order

    def tries(jws: Any, alg: str, secrets: Sequence[Any], *, reason: str) -> Any:
        ordered = list(secrets)[::-1] if len(secrets) > 8 else list(secrets)
        return original(jws, alg, ordered, reason=reason)

    _provider._try_in_order = tries


@mutant("ORD-03")
def first_order_kept_after_reload() -> None:
    """After a reload, a store keeps its keys in the order in which it first saw them."""
    original = _store.JwkSetSecretStore._load

    def load(self: Any, now: float) -> Any:
        keys = original(self, now)
        seen: dict[str, int] = self.__dict__.setdefault("_first_seen", {})
        valid = {}
        for purpose, entries in keys.valid.items():
            for entry in entries:
                seen.setdefault(_identity(entry), len(seen))
            valid[purpose] = tuple(sorted(entries, key=lambda e: seen[_identity(e)]))
        keys = replace(keys, valid=valid)
        with self._lock:
            self._keys = keys
        return keys

    _store.JwkSetSecretStore._load = load  # type: ignore[method-assign]


def _identity(entry: Any) -> str:
    return json.dumps(dict(entry.public_jwk), sort_keys=True)


# -- leases -----------------------------------------------------------------------------------


def _lease_anchor(anchor: Callable[[Any, float], float]) -> None:
    original = _store.JwkSetSecretStore._produce

    def produce(self: Any, entry: Any, now: float) -> Any:
        return original(self, entry, anchor(self, now))

    _store.JwkSetSecretStore._produce = produce  # type: ignore[method-assign]


@mutant("LEASE-01")
def lease_from_load_time() -> None:
    """A secret's lease counts from when the set was loaded, not when it was produced."""
    _lease_anchor(lambda store, now: store._keys.loaded_at)


@mutant("LEASE-01")
def lease_from_reload_time() -> None:
    """After a reload (not after the first load), a secret's lease counts from the reload."""
    original = _store.JwkSetSecretStore._load

    def load(self: Any, now: float) -> Any:
        self.__dict__["_loads"] = self.__dict__.get("_loads", 0) + 1
        return original(self, now)

    _store.JwkSetSecretStore._load = load  # type: ignore[method-assign]
    _lease_anchor(
        lambda store, now: store._keys.loaded_at if store.__dict__.get("_loads", 0) > 1 else now
    )


@mutant("LEASE-02", "LEASE-03")
def lease_ignored() -> None:
    """The provider keeps its secrets for ever."""
    _secrets.Secret.is_expired = lambda self, now: False  # type: ignore[method-assign]


@mutant("LEASE-02")
def lease_end_exclusive() -> None:
    """A lease still holds at the very instant it expires (expiry is exclusive). LEASE-03's
    bound still holds: the last lease of a removed key ends before it."""
    _secrets.Secret.is_expired = lambda self, now: now > self.expires_at  # type: ignore[method-assign]
