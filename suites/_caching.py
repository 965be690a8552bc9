"""What the cache suites (test_cache*.py) share: exact instants, windows, kids, and queries
by one path.

A cache requirement shows in the mock server's fetch log, whatever the store is asked
through, so every cache test needs only one path, and each example draws one of those its
adapter declares (`paths`): ``named`` asks ``named("verify", kid)``; ``verify`` verifies a
token that a key of the set signed, with the key's ``kid`` (a token without one needs
valid-secret resolution, which is ORD-02's business); ``valid`` lists the valid secrets,
where the test asks for no kid the set lacks (`paths` with ``listing=True``: freshness,
reloads once stale, retries after a failure). A verify-only or a list-only library is tested
as fully as a store, and a run against one that has several exercises each.

With ``verify`` a resolver may reuse a secret until its lease ends (LEASE-02), so every
store here is configured with `SHORT_LEASE`; a verification meant to reach the store comes
at least `GAP` after the previous verification of its kid. Where a test must know that a
verification reached the store even if the resolver kept secrets too long (a LEASE-02
failure, not the cache's), it uses a kid it has not verified before.

Windows are drawn at 11 s or more: 10 s exactly is CFG-04's boundary, not the cache's.

The cache requirements presume no setting: an implementation whose cache lifetime or miss
window cannot be configured (no ``cache-timeout`` or ``miss-window`` capability) is judged at
the catalogue's defaults, 2 minutes each (CFG-03, CFG-05). `Windows` draws a configured value
where the adapter takes one and uses the default where it does not, and `Windows.config`
sets only the members the implementation takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Final

from hypothesis import strategies as st

from jwkconform.fixtures import private_jwk, sign_token
from jwkconform.harness import StoreRig, Target, check, premise
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE, material, require_a_probe
from jwkconform.suites.store_strategies import Keys, other_kid, quick_signers

__all__ = [
    "DEFAULT_CACHE_TIMEOUT",
    "DEFAULT_MISS_WINDOW",
    "GAP",
    "MS",
    "ROTATED_IN",
    "Queries",
    "Windows",
    "config",
    "paths",
    "signers",
    "to",
    "unknown_kids",
    "window",
]

# One millisecond: the step just before a boundary.
MS: Final = 0.001
# Between two verifications of one kid: more than SHORT_LEASE, so the second reaches the store.
GAP: Final = 0.002
# A key the endpoint starts to publish while the store's set is cached; "~" is outside the
# kid alphabet of the strategies, so no drawn kid can clash with it, whatever the case.
ROTATED_IN: Final[Mapping[str, Any]] = private_jwk("EC-P-384", 3, kid="rotated~in", use="sig")


def paths(target: Target, *, listing: bool = False) -> st.SearchStrategy[str]:
    """The paths the adapter offers (the calling test skips if it offers none); ``valid``
    too with ``listing``, for a test that needs no kid miss."""
    require_a_probe(target, by_kid=not listing)
    offered = ("named", "verify", "valid") if listing else ("named", "verify")
    return st.sampled_from([p for p in offered if p in target.capabilities])


# CFG-03 and CFG-05: the lifetime and the miss window of an implementation left unconfigured.
DEFAULT_CACHE_TIMEOUT: Final = 120
DEFAULT_MISS_WINDOW: Final = 120
# Each cache setting, the capability that lets an adapter configure it, and its default.
_SETTINGS: Final = {
    "cacheTimeout": ("cache-timeout", DEFAULT_CACHE_TIMEOUT),
    "cacheMissCacheTime": ("miss-window", DEFAULT_MISS_WINDOW),
}


class Windows:
    """The cache lifetime and miss window one example runs with, in seconds: drawn where
    the adapter can configure them, the catalogue's defaults where it cannot.

    >>> w = Windows(target, data, cacheTimeout=st.integers(11, 600))  # doctest: +SKIP
    >>> w.timeout, w.config()  # doctest: +SKIP
    (120, {'leaseExpiry': '1 ms'})           # an adapter without cache-timeout
    """

    def __init__(
        self,
        target: Target,
        data: st.DataObject | None = None,
        **drawn: st.SearchStrategy[float] | float | tuple[str, float],
    ) -> None:
        unknown = set(drawn) - set(_SETTINGS)
        if unknown:
            raise ValueError(f"not a cache setting: {sorted(unknown)}")
        self.taken: dict[str, str] = {}
        values: dict[str, float] = {}
        for member, (capability, default) in _SETTINGS.items():
            wanted = drawn.get(member)
            if wanted is None or capability not in target.capabilities:
                values[member] = default
                continue
            if isinstance(wanted, st.SearchStrategy):
                if data is None:
                    raise ValueError(f"{member} is a strategy: give data to draw it")
                wanted = data.draw(wanted, f"{member} (s)")
            # A (text, seconds) pair from `window` keeps its text in the gateway's syntax.
            text, seconds = wanted if isinstance(wanted, tuple) else (_duration(wanted), wanted)
            values[member] = seconds
            self.taken[member] = text
        self.timeout = values["cacheTimeout"]
        self.miss = values["cacheMissCacheTime"]

    def config(self, **members: str) -> dict[str, str]:
        """The store configuration: the short lease, the settings the implementation takes,
        and ``members``."""
        return config(**self.taken, **members)

    def reload_owner(self, own: str, *, is_premise: bool = False) -> AbstractContextManager[None]:
        """Who owns "the store reloaded once cacheTimeout ran out": ``own`` where the
        lifetime was configured (a check, or a premise of ``own`` with ``is_premise``);
        where it is the default, a store that does not reload then has another default
        lifetime: CFG-03's failure, which blocks the test's own requirements."""
        if "cacheTimeout" not in self.taken:
            return premise("CFG-03")
        return premise(own) if is_premise else check(own)

    def miss_owner(self, own: str, *, is_premise: bool = False) -> AbstractContextManager[None]:
        """The same for "a miss reloaded once the miss window passed": CFG-05 owns it where
        the window is the default."""
        if "cacheMissCacheTime" not in self.taken:
            return premise("CFG-05")
        return premise(own) if is_premise else check(own)

    def describe(self) -> str:
        """The two windows as messages name them, saying which are defaults."""
        return ", ".join(
            f"{member} {value:g} s" + ("" if member in self.taken else " (default)")
            for member, value in (("cacheTimeout", self.timeout), ("cacheMissCacheTime", self.miss))
        )


def _duration(seconds: float) -> str:
    # Whole milliseconds are exact in the gateway's syntax; the windows drawn here are.
    return f"{seconds:g} s" if float(seconds).is_integer() else f"{round(seconds * 1000)} ms"


def config(**members: str) -> dict[str, str]:
    """A store configuration: ``members`` (cacheTimeout, cacheMissCacheTime) and the short
    lease that makes every verification reach the store."""
    return {**SHORT_LEASE, **members}


def to(rig: StoreRig, when: float) -> None:
    """Move the fake clock to exactly ``when`` (start and ``when`` stay within a factor of
    two of each other, so ``now + (when - now) == when`` holds in floating point)."""
    rig.clock.advance(when - rig.clock.now())


@st.composite
def window(draw: st.DrawFn, *, min_s: int = 11, max_s: int = 300) -> tuple[str, float]:
    """(a duration in the gateway's syntax, its value in seconds), in steps of 1/8 s so that
    the value and every sum of it with the clock's start are exact binary fractions."""
    eighths = draw(st.integers(min_s * 8, max_s * 8))
    minutes, rest = divmod(eighths, 60 * 8)
    seconds, part = divmod(rest, 8)
    pieces = []
    if minutes:
        pieces.append(f"{minutes} {draw(st.sampled_from(['min', 'minutes', 'm']))}")
    if seconds:
        pieces.append(f"{seconds} {draw(st.sampled_from(['s', 'seconds', 'sec']))}")
    if part:
        pieces.append(f"{part * 125} ms")
    return draw(st.sampled_from([" ", " and ", ", "])).join(pieces), eighths / 8


def signers(*, min_size: int, max_size: int) -> st.SearchStrategy[Keys]:
    """Fast signers the adapter supports, their kids distinct even ignoring letter case (a
    cache test must not depend on exact kid comparison, KID-01's business)."""
    return quick_signers(min_size=min_size, max_size=max_size).filter(
        lambda keys: len({str(k["kid"]).casefold() for _, k in keys}) == len(keys)
    )


def unknown_kids(
    known: set[str], *, min_size: int = 1, max_size: int = 8
) -> st.SearchStrategy[list[str]]:
    """Kids that none of ``known`` matches, even ignoring letter case."""
    return st.lists(
        other_kid(known),
        min_size=min_size,
        max_size=max_size,
        unique_by=str.casefold,
    )


class Queries:
    """One store, asked by one path: ``named``, ``verify`` or ``valid`` (see the module's
    docstring)."""

    def __init__(self, target: Target, rig: StoreRig, path: str) -> None:
        if path not in target.capabilities:
            raise ValueError(f"{target.name} does not offer {path}()")
        self.rig = rig
        self.path = path

    @property
    def fetches(self) -> int:
        """How many times the store has fetched its set so far."""
        return self.rig.jwks.fetch_count()

    def serves(self, alg: str, key: Mapping[str, Any]) -> bool:
        """Ask for ``key``'s kid: whether the answer is ``key`` (a verified token); through
        ``valid``, whether ``key`` is among the valid secrets."""
        if self.path == "valid":
            return any(material(s.jwk) == material(key) for s in self.rig.store.valid("verify"))
        kid = str(key["kid"])
        if self.path == "named":
            secret = self.rig.store.named("verify", kid)
            return (
                secret is not None
                and secret.stable_id == kid
                and material(secret.jwk) == material(key)
            )
        return self.rig.store.verify(sign_token(key, alg, kid=kid), SECRET_ID).verified

    def miss(self, kid: str, signer: tuple[str, Mapping[str, Any]]) -> None:
        """Ask for a kid the set does not hold; a token is signed by ``signer``."""
        if self.path == "valid":
            raise ValueError("valid() names no kid: a test that misses draws no valid path")
        if self.path == "named":
            self.rig.store.named("verify", kid)
        else:
            alg, key = signer
            self.rig.store.verify(sign_token(key, alg, kid=kid), SECRET_ID)

    def valid(self) -> list[str]:
        """The stable IDs of the valid secrets (for adapters that declare ``valid``)."""
        return [s.stable_id for s in self.rig.store.valid("verify")]

    def how(self, what: str, kid: str | None = None) -> str:
        """A query as messages name it: ``named('a')``, ``a token with kid 'a'``..."""
        if what == "valid" or self.path == "valid":
            return "valid()"
        return f"named({kid!r})" if self.path == "named" else f"a token with kid {kid!r}"
