"""The miss window (CACHE-03) and rotated-in keys (CACHE-04), by named() or by verify().

A kid miss reloads when ``now - loaded_at >= cacheMissCacheTime`` and only then,
``loaded_at`` being the last successful load, whatever caused it: the first load, a reload
because the set went stale, or a reload for a miss (D-21 reads "only if" as "when and only
when"). The window after a failed reload is in test_cache_failures.py.

Before misses that must not fetch, a hit at the same instant must not fetch either: a store
that fetches for every query fails CACHE-01 there, not CACHE-03.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jwkconform.fixtures import sign_token
from jwkconform.harness import Target, premise
from jwkconform.suites._caching import (
    GAP,
    MS,
    Queries,
    Windows,
    paths,
    signers,
    to,
    unknown_kids,
    window,
)
from jwkconform.suites._probes import SECRET_ID, material
from jwkconform.suites.store_strategies import Keys, public_set

# Far longer than any two miss windows drawn here: every query below is on a fresh set.
_LONG_CACHE = 1200


def _forged(path: str, known: set[str]) -> Any:
    # A verification costs a signature; named queries are cheap, so they come in crowds.
    small, large = (2, 6) if path == "verify" else (5, 20)
    return unknown_kids(known, min_size=small, max_size=large)


def _no_fetch_for_a_hit(q: Queries, alg: str, key: Mapping[str, Any], fetches: int,
                        where: str) -> None:  # fmt: skip
    with premise("CACHE-01"):
        q.serves(alg, key)
        assert q.fetches == fetches, f"{q.how('hit', str(key['kid']))} {where} fetched the set"


def _misses_fetch_nothing(
    q: Queries, kids: Sequence[str], key: tuple[str, Mapping[str, Any]], fetches: int, what: str
) -> None:
    """Misses of ``kids`` leave the fetch count at ``fetches``. Every such check of a test
    asserts here: Hypothesis shrinks a failure once per place it fails, and a store that
    reloads on every miss fails them all."""
    before = q.fetches
    for kid in kids:
        q.miss(kid, key)
    assert q.fetches == fetches, (
        f"{what}: {q.fetches - before} fetch(es) for {len(kids)} miss(es) ({q.fetches} in all,"
        f" {fetches} expected)"
    )


@pytest.mark.jwk_requirement("CACHE-03")
@given(keys=signers(min_size=1, max_size=5), window=window(), data=st.data())
def test_a_miss_reloads_only_once_the_miss_window_has_passed(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    path = data.draw(paths(jwk_target), "path")
    windows = Windows(jwk_target, cacheTimeout=_LONG_CACHE, cacheMissCacheTime=window)
    text, miss_window = windows.describe(), windows.miss
    forged = data.draw(_forged(path, {str(k["kid"]) for _, k in keys}), "forged kids")
    early = data.draw(
        st.lists(st.integers(1, int((miss_window - MS) / GAP) - 1), max_size=5),
        "earlier misses (steps of 2 ms)",
    )
    with jwk_target.open_store(windows.config(), document=public_set([k for _, k in keys])) as rig:
        q = Queries(jwk_target, rig, path)
        start = rig.clock.now()
        with premise("LOAD-01"):
            q.serves(*keys[0])
            assert q.fetches == 1, f"the first query fetched the set {q.fetches} times, not once"
        for step in sorted(early):
            to(rig, start + step * GAP)
            # A hit first, at the same instant: a store that fetches for every query fails
            # CACHE-01 there, not CACHE-03 on the miss.
            _no_fetch_for_a_hit(q, *keys[0], 1, f"{step * GAP:.3f} s after the load")
            _misses_fetch_nothing(
                q, forged[:1], keys[0], 1,
                f"a miss {step * GAP:.3f} s after the load fetched, inside the miss window "
                f"({text!r})",
            )  # fmt: skip
        to(rig, start + miss_window - MS)
        _no_fetch_for_a_hit(q, *keys[0], 1, f"1 ms before the miss window ({text!r}) ended")
        _misses_fetch_nothing(
            q, forged, keys[0], 1,
            f"misses 1 ms before the end of the miss window ({text!r}) fetched the set",
        )  # fmt: skip

        # The window counts from the last successful load, not from the last miss.
        to(rig, start + miss_window)
        q.miss(forged[0], keys[0])
        with windows.miss_owner("CACHE-03"):
            assert q.fetches >= 2, (
                f"a miss at exactly cacheMissCacheTime ({text!r}) after the load did not "
                "reload the set (the window counts from the load, not from the last miss)"
            )
        assert q.fetches == 2, f"a miss at exactly cacheMissCacheTime ({text!r}) fetched twice"
        _misses_fetch_nothing(
            q, forged, keys[0], 2, "misses right after a miss reload fetched the set again"
        )

        # The successful miss reload starts a new window.
        to(rig, start + 2 * miss_window - MS)
        _no_fetch_for_a_hit(q, *keys[0], 2, "1 ms before the window of a miss reload ended")
        _misses_fetch_nothing(
            q, forged, keys[0], 2,
            f"misses {text!r} less 1 ms after a miss reload fetched the set again: the window "
            "counts from that reload",
        )  # fmt: skip
        to(rig, start + 2 * miss_window)
        q.miss(forged[-1], keys[0])
        with windows.miss_owner("CACHE-03"):
            assert q.fetches == 3, (
                f"a miss {text!r} after the last successful load (a miss reload) did not reload"
                " the set"
            )


@pytest.mark.jwk_requirement("CACHE-03")
@given(keys=signers(min_size=2, max_size=4), window=window(max_s=200), data=st.data())
def test_the_miss_window_restarts_at_a_reload_for_staleness(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    path = data.draw(paths(jwk_target), "path")
    # cacheTimeout no shorter than the window, so the whole window after the reload is
    # fresh (at the defaults, 2 minutes each, they end together).
    drawn_window = Windows(jwk_target, cacheMissCacheTime=window).miss
    windows = Windows(
        jwk_target,
        data,
        cacheTimeout=st.integers(int(drawn_window) + 1, 600),
        cacheMissCacheTime=window,
    )
    assume(windows.timeout >= windows.miss)
    text, miss_window, timeout = windows.describe(), windows.miss, windows.timeout
    # A margin past cacheTimeout, in eighths of a second: staleness at exactly cacheTimeout
    # is CACHE-02's boundary, and every instant stays an exact binary fraction.
    late = data.draw(st.integers(1, 80), "reload after cacheTimeout (1/8 s)") / 8
    forged = data.draw(_forged(path, {str(k["kid"]) for _, k in keys}), "forged kids")
    inside = data.draw(
        st.lists(st.integers(1, int((miss_window - MS) / GAP) - 1), max_size=4),
        "misses after the reload (steps of 2 ms)",
    )
    with jwk_target.open_store(windows.config(), document=public_set([k for _, k in keys])) as rig:
        q = Queries(jwk_target, rig, path)
        start = rig.clock.now()
        with premise("LOAD-01"):
            q.serves(*keys[0])
            assert q.fetches == 1, f"the first query fetched the set {q.fetches} times, not once"
        to(rig, start + timeout + late)
        with windows.reload_owner("CACHE-02", is_premise=True):
            # A kid not verified before: it reaches the store whatever the resolver keeps.
            q.serves(*keys[1])
            assert q.fetches == 2, f"a hit {timeout + late} s after the load did not reload"
        reloaded = rig.clock.now()
        where = f"after a reload caused by cacheTimeout ({timeout} s)"
        for step in sorted(inside):
            to(rig, reloaded + step * GAP)
            _no_fetch_for_a_hit(q, *keys[0], 2, f"{step * GAP:.3f} s {where}")
            _misses_fetch_nothing(
                q, forged[:1], keys[0], 2,
                f"a miss {step * GAP:.3f} s {where} fetched: the miss window ({text!r}) "
                "counts from that reload, the last successful load",
            )  # fmt: skip
        to(rig, reloaded + miss_window - MS)
        _no_fetch_for_a_hit(q, *keys[0], 2, f"{text!r} less 1 ms {where}")
        _misses_fetch_nothing(
            q, forged, keys[0], 2,
            f"misses {text!r} less 1 ms {where} fetched: the miss window counts from that "
            "reload, the last successful load",
        )  # fmt: skip
        rig.clock.reach(reloaded, miss_window)
        q.miss(forged[-1], keys[0])
        with windows.miss_owner("CACHE-03"):
            assert q.fetches == 3, f"a miss {text!r} {where} did not reload the set"


@pytest.mark.jwk_requirement("CACHE-04")
@given(keys=signers(min_size=2, max_size=5), window=window(), data=st.data())
def test_a_rotated_in_kid_is_returned_by_the_miss_that_reloads(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    path = data.draw(paths(jwk_target), "path")
    windows = Windows(jwk_target, cacheTimeout=_LONG_CACHE, cacheMissCacheTime=window)
    miss_window = windows.miss
    *before, (alg, rotated) = keys
    kid = str(rotated["kid"])
    published_ms = data.draw(st.integers(1, int(miss_window * 1000)), "rotation time (ms)")
    # The miss comes while the set is fresh (at the defaults, the window and the lifetime
    # end together, and the miss comes at that instant).
    fresh_ms = int(windows.timeout * 1000) - 1 - int(miss_window * 1000)
    late_ms = data.draw(st.integers(0, max(0, fresh_ms)), "miss delay")
    with jwk_target.open_store(
        windows.config(), document=public_set([k for _, k in before])
    ) as rig:
        q = Queries(jwk_target, rig, path)
        start = rig.clock.now()
        with premise("LOAD-01"):
            q.serves(*before[0])
            assert q.fetches == 1, f"the first query fetched the set {q.fetches} times, not once"
        rig.jwks.serve(public_set([*(k for _, k in before), rotated]),
                       at=start + published_ms / 1000)  # fmt: skip
        to(rig, start + miss_window + late_ms / 1000)
        if path == "named":
            secret = rig.store.named("verify", kid)
        else:
            outcome = rig.store.verify(sign_token(rotated, alg, kid=kid), SECRET_ID)
        with windows.miss_owner("CACHE-03", is_premise=True):
            assert q.fetches == 2, f"a miss for kid {kid!r} past the miss window did not reload"
        if path == "named":
            assert secret is not None, (
                f"the miss reload brought kid {kid!r} but the query that triggered it "
                "returned no secret"
            )
            assert secret.stable_id == kid, f"the secret's stable ID is {secret.stable_id!r}"
            assert material(secret.jwk) == material(rotated), (
                f"the secret returned for {kid!r} is not the rotated-in key"
            )
        else:
            assert outcome.verified, (
                f"a token naming the rotated-in kid {kid!r} was not verified by the miss reload "
                f"that brought it: {outcome.reason}"
            )
            assert outcome.secret_id in (None, kid), (
                f"the token of the rotated-in key was verified by {outcome.secret_id!r}"
            )
