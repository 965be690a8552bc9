"""Whether a secret may verify a token signed with a given ``alg`` (PUR-05, PUR-06).

One row per JWS algorithm: the key type it needs, the curves allowed, and the smallest key.
An algorithm with no row (``none`` among them) never verifies.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ALGORITHMS", "constraint_failure", "key_bits", "smallest_key_bits"]


@dataclass(frozen=True)
class _AlgRule:
    kty: str
    curves: frozenset[str] = frozenset()
    min_bits: int = 0


def _rsa(bits: int = 2048) -> _AlgRule:
    return _AlgRule("RSA", min_bits=bits)


_RULES: Mapping[str, _AlgRule] = {
    **{f"{family}{size}": _rsa() for family in ("RS", "PS") for size in (256, 384, 512)},
    "ES256": _AlgRule("EC", frozenset({"P-256"})),
    "ES384": _AlgRule("EC", frozenset({"P-384"})),
    "ES512": _AlgRule("EC", frozenset({"P-521"})),
    "EdDSA": _AlgRule("OKP", frozenset({"Ed25519", "Ed448"})),
    # RFC 7518 3.2: an HMAC key must be at least as long as the hash output.
    "HS256": _AlgRule("oct", min_bits=256),
    "HS384": _AlgRule("oct", min_bits=384),
    "HS512": _AlgRule("oct", min_bits=512),
}

ALGORITHMS: frozenset[str] = frozenset(_RULES)


def smallest_key_bits(kty: str) -> int:
    """The smallest key of type ``kty`` that some accepted algorithm takes; a shorter one
    is of no use at all (LOAD-03)."""
    return min((rule.min_bits for rule in _RULES.values() if rule.kty == kty), default=0)


def _b64decode(value: object) -> bytes:
    if not isinstance(value, str):
        return b""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def key_bits(jwk: Mapping[str, Any]) -> int:
    """The size that algorithm rules compare: the RSA modulus, or the length of an HMAC key."""
    if jwk.get("kty") == "RSA":
        return int.from_bytes(_b64decode(jwk.get("n")), "big").bit_length()
    if jwk.get("kty") == "oct":
        return len(_b64decode(jwk.get("k"))) * 8
    return 0


def constraint_failure(jwk: Mapping[str, Any], bits: int, alg: str) -> str | None:
    """Why ``jwk`` (of size ``bits``, see `key_bits`) may not verify an ``alg`` signature,
    or ``None`` when it may."""
    rule = _RULES.get(alg)
    if rule is None:
        return f"algorithm {alg!r} is not accepted"
    if "alg" in jwk and jwk["alg"] != alg:
        return f"key alg {jwk['alg']!r} differs from token alg {alg!r}"
    if jwk.get("kty") != rule.kty:
        return f"{alg} needs a {rule.kty} key, not {jwk.get('kty')!r}"
    if rule.curves and jwk.get("crv") not in rule.curves:
        return f"{alg} does not take curve {jwk.get('crv')!r}"
    if bits < rule.min_bits:
        return f"{alg} needs a key of at least {rule.min_bits} bits"
    return None
