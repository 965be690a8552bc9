"""The catalogue's rules as small pure functions, for suites to compute what they expect.

This is the harness's own reading of the specification, written apart from the reference
implementation so that the two check each other.

>>> fits({"kty": "EC", "crv": "P-256", "use": "enc"}, "verify")
False
>>> alg_fits("ES256", {"kty": "EC", "crv": "P-256"})
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["PURPOSE_OPS", "PURPOSE_USE", "StoreModel", "alg_fits", "fits", "fitting", "named_in"]

# Purpose -> the `use` value and the `key_ops` values that fit it (see the catalogue).
PURPOSE_USE: Mapping[str, str] = {
    "verify": "sig",
    "encrypt": "enc",
    "sign": "sig",
    "decrypt": "enc",
}
PURPOSE_OPS: Mapping[str, frozenset[str]] = {
    "verify": frozenset({"verify"}),
    "encrypt": frozenset({"encrypt", "wrapKey"}),
    "sign": frozenset({"sign"}),
    "decrypt": frozenset({"decrypt", "unwrapKey"}),
}

# Which purposes a key type can serve at all (docs/decisions.md D-3).
_SIG = frozenset({"verify", "sign"})
_ENC = frozenset({"encrypt", "decrypt"})
_KEY_TYPE_PURPOSES: Mapping[tuple[str, str | None], frozenset[str]] = {
    ("RSA", None): _SIG | _ENC,
    ("EC", "P-256"): _SIG | _ENC,
    ("EC", "P-384"): _SIG | _ENC,
    ("EC", "P-521"): _SIG | _ENC,
    ("OKP", "Ed25519"): _SIG,
    ("OKP", "Ed448"): _SIG,
    ("OKP", "X25519"): _ENC,
    ("OKP", "X448"): _ENC,
    ("oct", None): _SIG | _ENC,
}

# PUR-05: the key type and curves an algorithm takes (RSA: 2048 bits or more, PUR-06).
_ALG_KEYS: Mapping[str, tuple[str, frozenset[str | None]]] = {
    **{f"{f}{n}": ("RSA", frozenset({None})) for f in ("RS", "PS") for n in (256, 384, 512)},
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
}


def _key_type(jwk: Mapping[str, Any]) -> tuple[str, str | None]:
    kty = str(jwk.get("kty"))
    return (kty, None) if kty in {"RSA", "oct"} else (kty, jwk.get("crv"))


def fits(jwk: Mapping[str, Any], purpose: str) -> bool:
    """Whether a public ``jwk`` fits ``purpose`` (``verify`` or ``encrypt``) by the
    catalogue's rule on ``use`` and ``key_ops``, for a key type that can serve it."""
    use, ops = jwk.get("use"), jwk.get("key_ops")
    return (
        purpose in _KEY_TYPE_PURPOSES.get(_key_type(jwk), frozenset())
        and (use is None or use == PURPOSE_USE[purpose])
        and (ops is None or not PURPOSE_OPS[purpose].isdisjoint(ops))
    )


def fitting(keys: Sequence[Mapping[str, Any]], purpose: str) -> list[Mapping[str, Any]]:
    """The JWKs of ``keys`` that fit ``purpose``, in set order (PUR-01, ORD-01)."""
    return [k for k in keys if fits(k, purpose)]


def alg_fits(alg: str, jwk: Mapping[str, Any]) -> bool:
    """Whether a token signed with ``alg`` may be checked with ``jwk`` (PUR-05); RSA keys
    are assumed to be 2048 bits or more (the pool's signing keys are)."""
    rule = _ALG_KEYS.get(alg)
    if rule is None:
        return False
    kty, curves = rule
    return _key_type(jwk)[0] == kty and jwk.get("crv") in curves and jwk.get("alg", alg) == alg


def named_in(keys: Sequence[Mapping[str, Any]], purpose: str, kid: str) -> Mapping[str, Any] | None:
    """The named secret the catalogue expects: the first JWK with that exact ``kid`` that
    fits ``purpose`` (KID-01, KID-04, KID-05)."""
    return next((k for k in keys if k.get("kid") == kid and fits(k, purpose)), None)


class StoreModel:
    """What a conformant store has loaded, and how many fetches it has made.

    The model is *exact* while every fetch succeeds and every store query is one the suite
    made: it then predicts each fetch (CACHE-01..04). A failed fetch, or a verification
    (whose provider may reuse leased secrets instead of asking the store, LEASE-02), makes it
    *loose*: answers must then come from one of the sets the store may hold, and fetches are
    not counted, until `resync` (a query long after any set went stale) makes it exact again.

    >>> model = StoreModel(cache_timeout=60, miss_window=30)
    >>> model.query(now=0.0, served=[{"kid": "a"}], kid=None)
    True
    >>> model.query(now=59.0, served=[], kid="zz")  # a miss past the window reloads
    True
    """

    def __init__(self, *, cache_timeout: float, miss_window: float) -> None:
        self.cache_timeout = cache_timeout
        self.miss_window = miss_window
        self.keys: list[Mapping[str, Any]] | None = None
        self.loaded_at = 0.0
        self.fetches = 0
        self.exact = True
        self.candidates: list[list[Mapping[str, Any]]] = []

    def _must_fetch(self, now: float, kid: str | None, purpose: str) -> bool:
        if self.keys is None:
            return True
        age = now - self.loaded_at
        if age >= self.cache_timeout:
            return True
        missed = kid is not None and named_in(self.keys, purpose, kid) is None
        return missed and age > 0 and age >= self.miss_window

    def query(
        self,
        *,
        now: float,
        served: Sequence[Mapping[str, Any]],
        kid: str | None,
        purpose: str = "verify",
    ) -> bool:
        """Account for one store query; returns whether a conformant store fetches now."""
        if not self.exact:
            self.candidates.append(list(served))
            return False
        if not self._must_fetch(now, kid, purpose):
            return False
        self.fetches += 1
        self.keys, self.loaded_at = list(served), now
        return True

    def loosen(self, served: Sequence[Mapping[str, Any]]) -> None:
        """Stop predicting fetches; the store may now hold its last set or the served one."""
        if self.exact:
            self.candidates = [list(self.keys or [])]
        self.exact = False
        self.candidates.append(list(served))

    def possible_sets(self) -> list[list[Mapping[str, Any]]]:
        """The sets a conformant store may be answering from."""
        return [self.keys or []] if self.exact else self.candidates

    def resync(self, *, now: float, served: Sequence[Mapping[str, Any]], fetches: int) -> None:
        """After a query made once every set is stale: exact again from here."""
        self.exact, self.candidates = True, []
        self.keys, self.loaded_at, self.fetches = list(served), now, fetches
