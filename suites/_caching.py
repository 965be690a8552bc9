"""What the cache suites (test_cache*.py) share: exact instants, windows, kids, and queries
by one path.

A cache requirement shows in the mock server's fetch log, whatever the store is asked
through, so every cache test needs only one of two paths, and each example draws one of
those its adapter declares (`paths`): ``named`` asks ``named("verify", kid)``; ``verify``
verifies a token that a key of the set signed, with the key's ``kid`` (a token without one
needs valid-secret resolution, which is ORD-02's business). A verify-only library is tested
as fully as a store, and a run against one that has both exercises both.

With ``verify`` a resolver may reuse a secret until its lease ends (LEASE-02), so every
store here is configured with `SHORT_LEASE`; a verification meant to reach the store comes
at least `GAP` after the previous verification of its kid. Where a test must know that a
verification reached the store even if the resolver kept secrets too long (a LEASE-02
failure, not the cache's), it uses a kid it has not verified before.

Windows are drawn at 11 s or more: 10 s exactly is CFG-04's boundary, not the cache's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from hypothesis import strategies as st

from jwkconform.fixtures import private_jwk, sign_token
from jwkconform.harness import StoreRig, Target
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE, material, require_a_probe
from jwkconform.suites.strategies import Keys, kids, quick_signers

__all__ = [
    "GAP",
    "MS",
    "ROTATED_IN",
    "Queries",
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


def paths(target: Target) -> st.SearchStrategy[str]:
    """The paths the adapter offers (the calling test skips if it offers neither)."""
    require_a_probe(target)
    return st.sampled_from([p for p in ("named", "verify") if p in target.capabilities])


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
    folded = {kid.casefold() for kid in known}
    return st.lists(
        kids().filter(lambda kid: kid.casefold() not in folded),
        min_size=min_size,
        max_size=max_size,
        unique_by=str.casefold,
    )


class Queries:
    """One store, asked by one path: ``named`` or ``verify`` (see the module's docstring)."""

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
        """Ask for ``key``'s kid: whether the answer is ``key`` (a verified token)."""
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
        if what == "valid":
            return "valid()"
        return f"named({kid!r})" if self.path == "named" else f"a token with kid {kid!r}"
