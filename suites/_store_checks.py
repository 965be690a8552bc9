"""What the configuration and loading suites (CFG, LOAD) share: signers the adapter
supports, a first query by whatever path the adapter offers, refusals that may come late,
reload boundaries probed with a margin, and both transports.

A boundary owned by the cache requirements is never sat on here: a value is probed a
millisecond before it (no reload) and a millisecond after it (reload), so an off-by-one
comparison, which CACHE-02 and CACHE-03 own, passes, while a wrong value fails.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Final

import pytest

from jwkconform.fixtures import ALG_KINDS, key_pool, private_jwk, sign_token
from jwkconform.harness import (
    ConfigRefused,
    ImplementationRaised,
    LoadFailed,
    StoreRig,
    Target,
    UnexpectedException,
    check,
    premise,
)
from jwkconform.harness.spec._keys import alg_required
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE, Probe, raised
from jwkconform.suites.store_strategies import QUICK_ALGS, SIGNING_ALGS, Keys, public_set

__all__ = [
    "MARGIN",
    "Owner",
    "answer_first_query",
    "assumed",
    "checked",
    "not_loaded",
    "refusal",
    "signers",
    "stale_after",
    "transports",
]

# The step either side of a boundary: far from it for a value, close enough to catch one.
MARGIN: Final = 0.001
Owner = Callable[[], AbstractContextManager[None]]
# A kid no test set holds (the kid alphabet of the strategies has no space).
_ABSENT: Final = "not there"


def checked(requirement: str) -> Owner:
    """A block whose failure counts against ``requirement`` (the test's own)."""
    return lambda: check(requirement)


def assumed(requirement: str) -> Owner:
    """A block that is ``requirement``'s premise: its failure blocks the test's own."""
    return lambda: premise(requirement)


def signers(target: Target, count: int = 1) -> Keys:
    """``count`` (alg, private JWK) pairs the adapter supports, fast algorithms first,
    distinct material, kids ``key-0``, ``key-1``...: fixed keys for tests whose point is
    not the key."""
    support = target.key_support
    found: Keys = []
    seen: set[tuple[str, int]] = set()
    for alg in (*QUICK_ALGS, *SIGNING_ALGS):
        for kind in ALG_KINDS[alg]:
            if not support.signs(alg, kind):
                continue
            for index in range(len(key_pool()[kind])):
                if (kind, index) in seen or len(found) == count:
                    continue
                seen.add((kind, index))
                shape = {"alg": alg} if alg_required() else {}
                jwk = private_jwk(kind, index, kid=f"key-{len(found)}", use="sig", **shape)
                found.append((alg, jwk))
    if not found:
        raise ValueError(f"{target.name} supports no asymmetric signing algorithm")
    return found


def answer_first_query(target: Target, rig: StoreRig, alg: str, key: Mapping[str, Any]) -> str:
    """Ask the store once, by the most direct path it offers, for ``key``; say what it
    answered (for messages)."""
    caps = target.capabilities
    kid = str(key["kid"])
    if "verify" in caps:
        outcome = rig.store.verify(sign_token(key, alg, kid=kid), SECRET_ID)
        return f"verify() answered verified={outcome.verified}"
    if "named" in caps:
        return f"named() answered {rig.store.named('verify', kid)!r:.200}"
    if "valid" in caps:
        return f"valid() answered {list(rig.store.valid('verify'))!r:.200}"
    pytest.skip(f"{target.name} declares none of the capabilities verify, named, valid")


def refusal(
    target: Target, config: Mapping[str, object], *, with_url: bool = True, what: str
) -> ConfigRefused:
    """The refusal of ``config``: from opening the store or, at the latest, from its first
    query (CFG-01, CFG-02, CFG-08). A store that answers that first query has accepted it."""
    alg, key = signers(target)[0]
    answered = "nothing"
    try:
        with target.open_store(config, document=public_set([key]), with_url=with_url) as rig:
            answered = answer_first_query(target, rig, alg, key)
    except ConfigRefused as exc:
        return exc
    except (UnexpectedException, ImplementationRaised) as exc:
        # The implementation's own exception, not a refusal: the value was accepted.
        pytest.fail(f"{what} was accepted, and the first query raised {raised(exc)}")
    pytest.fail(
        f"{what} was accepted: the store opened and its first query was answered"
        f" ({answered}) instead of refused"
    )


def not_loaded(probe: Probe, alg: str, key: Mapping[str, Any]) -> bool:
    """True when the store does not serve ``key``: it reports a load error, or the key is
    not there."""
    try:
        return not probe.serves(alg, key)
    except LoadFailed:
        return True


def stale_after(
    target: Target,
    config: Mapping[str, object],
    seconds: float,
    *,
    early: Owner,
    late: Owner | None,
    what: str,
    by_miss: bool = False,
    fresh: Owner | None = None,
) -> None:
    """With ``config``, a set loaded at t is reused at t + ``seconds`` - 1 ms (a check
    owned by ``early``) and reloaded by a query at t + ``seconds`` + 1 ms (``late``, unless
    None). The queries ask for the served key, or with ``by_miss`` for a kid the set lacks;
    then ``fresh`` owns a hit made first at each instant, which must fetch nothing: a miss
    window is only seen while the set is fresh."""
    alg, key = signers(target)[0]
    asking = "a kid miss" if by_miss else "a query"
    with target.open_store({**SHORT_LEASE, **config}, document=public_set([key])) as rig:
        probe = Probe(target, rig, by_kid=by_miss)
        with premise("LOAD-01"):
            assert probe.serves(alg, key), f"the served key was not loaded ({probe.how})"
        loaded, fetched = rig.clock.now(), rig.jwks.fetch_count()
        rig.clock.reach(loaded, seconds - MARGIN)

        def ask() -> None:
            if by_miss and fresh is not None:
                before = rig.jwks.fetch_count()
                with fresh():
                    probe.hit(alg, key)
                    assert rig.jwks.fetch_count() == before, (
                        f"{what}: a hit {rig.clock.now() - loaded:.3f} s after the load fetched "
                        "the set: it was not fresh"
                    )
            if by_miss:
                probe.miss(_ABSENT, (alg, key))
            else:
                probe.hit(alg, key)

        with early():
            ask()
            assert rig.jwks.fetch_count() == fetched, (
                f"{what}: {asking} {seconds - MARGIN:.3f} s after the load fetched the set again"
            )
        if late is None:
            return
        rig.clock.reach(loaded, seconds + MARGIN)
        with late():
            ask()
            assert rig.jwks.fetch_count() > fetched, (
                f"{what}: {asking} {seconds + MARGIN:.3f} s after the load did not reload the set"
            )


def transports(target: Target) -> Iterator[Target]:
    """``target`` on its own transport, then on loopback (real HTTP) if that is another:
    what a test must see whether the body comes in process or over a socket."""
    yield target
    if target.transport != "loopback":
        over_http = copy.copy(target)
        over_http.transport = "loopback"
        yield over_http
