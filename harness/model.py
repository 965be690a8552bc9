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
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "PURPOSE_OPS",
    "PURPOSE_USE",
    "ReloadDecision",
    "StoreModel",
    "alg_fits",
    "fits",
    "fitting",
    "named_in",
]

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


Fetching = Literal["must", "may", "must-not"]


@dataclass(frozen=True)
class ReloadDecision:
    """Whether a conformant store fetches for one query, and which requirement says so.

    ``requirement`` owns the decision (a failure of it counts there); ``cause`` is the
    requirement of the reload itself when CACHE-06 decides only when it may happen (a retry
    after a failed reload is still a reload for staleness or for a miss); ``why`` says what
    the situation was, for messages.
    """

    fetch: Fetching
    requirement: str
    why: str
    cause: str = ""

    @property
    def reload_for(self) -> str:
        """The requirement of the reload this decision is about (CACHE-02 or CACHE-03)."""
        return self.cause or self.requirement


class StoreModel:
    """What a conformant store has loaded and when: the model of CACHE-01..03 and CACHE-06.

    `decide` says, before a query, whether a conformant store fetches for it: it must (the
    first query, LOAD-01; any query on a stale set, CACHE-02; a kid miss once the miss
    window has passed, CACHE-03), it must not (a hit or a valid query on a fresh set,
    CACHE-01; a miss inside the window, CACHE-03), or it may (a reload due less than
    ``miss_window`` after a failed attempt: CACHE-06 lets a store hold retries back that
    long). `fetched` then records each fetch the store made, and whether it loaded, so the
    model follows what the store really did and stays exact through failures.

    >>> model = StoreModel(cache_timeout=60, miss_window=30)
    >>> model.decide(now=0.0, kid=None).fetch
    'must'
    >>> model.fetched(now=0.0, served=[{"kid": "a", "kty": "EC", "crv": "P-256"}], ok=True)
    >>> model.decide(now=29.0, kid="zz").requirement, model.decide(now=30.0, kid="zz").fetch
    ('CACHE-03', 'must')
    >>> model.fetched(now=30.0, served=[], ok=False)
    >>> model.decide(now=45.0, kid="zz").fetch, model.decide(now=60.0, kid="a").requirement
    ('may', 'CACHE-06')
    """

    def __init__(self, *, cache_timeout: float, miss_window: float) -> None:
        self.cache_timeout = cache_timeout
        self.miss_window = miss_window
        self.keys: list[Mapping[str, Any]] | None = None
        self.loaded_at = 0.0
        # The last failed attempt since the last successful load (None: none since).
        self.failed_at: float | None = None
        self.fetches = 0

    def decide(self, *, now: float, kid: str | None, purpose: str = "verify") -> ReloadDecision:
        """What a conformant store does about fetching for a query for ``kid`` (None: a
        valid query, or a token without kid) at ``now``."""
        if self.keys is None:
            return self._reload(now, "LOAD-01", "the first query")
        age = now - self.loaded_at
        if age >= self.cache_timeout:
            why = f"a query {age:g} s after the last load (cacheTimeout {self.cache_timeout:g} s)"
            return self._reload(now, "CACHE-02", why)
        missed = kid is not None and named_in(self.keys, purpose, kid) is None
        window = f"cacheMissCacheTime {self.miss_window:g} s"
        if missed and age > 0 and age >= self.miss_window:
            return self._reload(now, "CACHE-03", f"a miss {age:g} s after the last load ({window})")
        if missed:
            return ReloadDecision(
                "must-not", "CACHE-03", f"a miss {age:g} s after a load ({window})"
            )
        what = "a hit" if kid is not None else "a query"
        why = f"{what} {age:g} s after a load (fresh for {self.cache_timeout:g} s)"
        return ReloadDecision("must-not", "CACHE-01", why)

    def _reload(self, now: float, requirement: str, why: str) -> ReloadDecision:
        if self.failed_at is None:
            return ReloadDecision("must", requirement, why)
        since = now - self.failed_at
        why = f"{why}, {since:g} s after a failed reload"
        fetch: Fetching = "must" if since >= self.miss_window else "may"
        return ReloadDecision(fetch, "CACHE-06", why, cause=requirement)

    def fetched(self, *, now: float, served: Sequence[Mapping[str, Any]], ok: bool) -> None:
        """Record one fetch at ``now``: it loaded ``served`` if ``ok``, else it failed."""
        self.fetches += 1
        if ok:
            self.keys, self.loaded_at, self.failed_at = list(served), now, None
        else:
            self.failed_at = now
