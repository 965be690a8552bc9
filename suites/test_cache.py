"""Cache freshness (CACHE-01) and reload once stale (CACHE-02), by named(), verify() or
valid().

The set is fresh while ``now - loaded_at < cacheTimeout``, ``loaded_at`` being the last
successful load. The miss window (CACHE-03), rotated-in keys (CACHE-04) and failed reloads
(CACHE-06) are in test_cache_miss.py and test_cache_failures.py, coalescing (CACHE-05) in
test_cache_concurrency.py.

A miss inside the miss window is named by CACHE-01 and by CACHE-03 alike; a fetch for one
counts against CACHE-03 (the window is its subject), once a hit at the same instant has
shown that the store does not fetch for every query, which is CACHE-01's failure.
"""

from __future__ import annotations

from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import private_jwk, public_jwk, sign_token
from jwkconform.harness import Target, premise
from jwkconform.suites._caching import (
    GAP,
    MS,
    ROTATED_IN,
    Queries,
    Windows,
    paths,
    signers,
    to,
    unknown_kids,
)
from jwkconform.suites._probes import SECRET_ID
from jwkconform.suites.store_strategies import Keys, public_set, shaped


@pytest.mark.jwk_requirement("CACHE-01")
@given(keys=signers(min_size=1, max_size=3), data=st.data())
def test_no_query_fetches_while_the_set_is_fresh(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    path = data.draw(paths(jwk_target, listing=True), "path")
    # Both orders of the two windows: with cacheMissCacheTime shorter, only a kid miss may
    # fetch past it (docs/decisions.md D-6), so hits and valid queries still do not.
    windows = Windows(
        jwk_target, data, cacheTimeout=st.integers(11, 600), cacheMissCacheTime=st.integers(11, 900)
    )
    timeout, miss_window = windows.timeout, windows.miss
    # The store opens before the queries are drawn: where it refuses the windows, that
    # failure's example then holds no schedule for Hypothesis to shrink.
    with jwk_target.open_store(windows.config(), document=public_set([k for _, k in keys])) as rig:
        known = {str(k["kid"]) for _, k in keys}
        unknown = data.draw(unknown_kids(known | {str(ROTATED_IN["kid"])}), "unknown kids")
        lists = path == "named" and "valid" in jwk_target.capabilities
        # Through valid() every query is a listing, asked as a "hit": it names no kid to miss.
        asked = st.one_of(
            st.tuples(st.just("hit"), st.integers(0, len(keys) - 1)),
            *(
                [st.tuples(st.just("miss"), st.sampled_from([*unknown, str(ROTATED_IN["kid"])]))]
                if path != "valid"
                else []
            ),
            *([st.just(("valid", None))] if lists else []),
        )
        # Query times in steps of GAP after the first load (so that each verification
        # reaches the store), all inside the fresh window.
        schedule = data.draw(
            st.lists(st.tuples(st.integers(1, int(timeout / GAP) - 1), asked), min_size=1,
                     max_size=12),
            "schedule (steps of 2 ms)",
        )  # fmt: skip
        q = Queries(jwk_target, rig, path)
        start = rig.clock.now()
        with premise("LOAD-01"):
            q.serves(*keys[0])
            assert q.fetches == 1, f"the first query fetched the set {q.fetches} times, not once"
        # The endpoint publishes a new key: a store that fetched would find it.
        rig.jwks.serve(public_set([*(k for _, k in keys), ROTATED_IN]), at=start + MS)
        for step, (kind, which) in sorted(schedule, key=lambda s: s[0]):
            when = step * GAP
            if kind == "miss" and when >= miss_window:
                continue  # past the window a miss may reload (CACHE-03)
            to(rig, start + when)
            where = f"at {when:.3f} s into a fresh cache ({windows.describe()})"
            if kind == "valid":
                q.valid()
                assert q.fetches == 1, f"valid() {where} fetched the set again"
                continue
            alg, key = keys[which if kind == "hit" else step % len(keys)]
            q.serves(alg, key)
            assert q.fetches == 1, f"{q.how('hit', str(key['kid']))} {where} fetched the set again"
            if kind == "miss":
                assert isinstance(which, str)
                with premise("CACHE-03"):
                    q.miss(which, keys[0])
                    assert q.fetches == 1, (
                        f"a miss, {q.how('miss', which)}, {where} fetched the set, inside "
                        "the miss window"
                    )


# A key of a type the set does not hold, published after the load ("~" is outside the kid
# alphabet of the strategies): the first one the implementation supports.
_OUTSIDERS: Final = (
    ("ES384", "EC-P-384"),
    ("RS256", "RSA-2048"),
    ("EdDSA", "OKP-Ed25519"),
    ("ES512", "EC-P-521"),
    ("ES256", "EC-P-256"),
)


@pytest.mark.jwk_requirement("CACHE-01")
@pytest.mark.jwk_capability("verify")
@given(keys=signers(min_size=1, max_size=3))
def test_a_token_without_kid_fetches_nothing_while_the_set_is_fresh(
    jwk_target: Target, keys: Keys
) -> None:
    """A token without a kid is a query of the valid secrets, not a kid miss: while the set
    is fresh it fetches nothing, even when no cached key verifies it and the miss window has
    passed (D-6). Its key, of a type the set does not hold, is published right after the
    load, so a store that fetched would find it."""
    held = {(k["kty"], k.get("crv")) for _, k in keys}
    outsiders = [
        (alg, kind)
        for alg, kind in _OUTSIDERS
        if jwk_target.key_support.signs(alg, kind)
        and (private_jwk(kind)["kty"], private_jwk(kind).get("crv")) not in held
    ]
    if not outsiders:
        pytest.skip(f"{jwk_target.name} verifies with keys of one type only")
    outsider_alg, outsider_kind = outsiders[0]
    outsider = shaped(private_jwk(outsider_kind, kid="outsider~", use="sig"), outsider_alg)
    windows = Windows(jwk_target, cacheTimeout=600, cacheMissCacheTime=11)
    with jwk_target.open_store(windows.config(), document=public_set([k for _, k in keys])) as rig:
        start = rig.clock.now()
        alg, key = keys[0]
        # The set is loaded by a token naming its key: whether tokens without kid resolve is
        # ORD-02's business, and a store that fetches for them while fresh fails here anyway.
        with premise("LOAD-01"):
            served = rig.store.verify(sign_token(key, alg, kid=str(key["kid"])), SECRET_ID)
            assert served.verified, f"a token of a served key did not verify: {served.reason}"
        fetched = rig.jwks.fetch_count()
        rig.jwks.serve(public_set([*(k for _, k in keys), outsider]), at=start + MS)
        token = sign_token(outsider, outsider_alg, kid=None)
        # Past the miss window where it is shorter, and up to the last instant of freshness.
        for share in (1 / 600, 12 / 600, 0.5, 1 - 1 / 600):
            when = windows.timeout * share
            to(rig, start + when)
            rig.store.verify(token, SECRET_ID)
            assert rig.jwks.fetch_count() == fetched, (
                f"a token without a kid that no cached key verifies, {when:g} s into a fresh"
                f" cache ({windows.describe()}), fetched the set"
            )


def _places(count: int) -> st.SearchStrategy[list[str]]:
    """Which document holds each key: the old one, the new one or both; each document holds
    at least one key (an empty set is LOAD-04's subject, not the cache's)."""
    return (
        st.lists(st.sampled_from(["old", "new", "both"]), min_size=count, max_size=count)
        .filter(lambda p: "new" in p or "both" in p)
        .filter(lambda p: "old" in p or "both" in p)
    )


@pytest.mark.jwk_requirement("CACHE-02")
@given(keys=signers(min_size=2, max_size=6), data=st.data())
def test_the_first_query_once_stale_reloads_the_set(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    path = data.draw(paths(jwk_target, listing=True), "path")
    # The miss window is longer than cacheTimeout where it can be set: a query at
    # cacheTimeout reloads because the set is stale, never because it missed. At the
    # defaults (2 minutes each) a miss then reloads for both reasons.
    windows = Windows(jwk_target, data, cacheTimeout=st.integers(11, 600), cacheMissCacheTime=1200)
    timeout = windows.timeout
    places = data.draw(_places(len(keys)), "which document holds each key")
    held: dict[str, list[tuple[str, dict[str, Any]]]] = {"old": [], "new": [], "both": []}
    for (alg, key), place in zip(keys, places, strict=True):
        held[place].append((alg, key))
    old = [k for _, k in held["old"] + held["both"]]
    new_ids = sorted(str(k["kid"]) for _, k in held["new"] + held["both"])
    # The first load asks for a key both documents hold where there is one. A verification
    # checked after the reload uses a kid not verified before, so that it reaches the store
    # even if the resolver kept secrets too long (LEASE-02's failure, not this one's).
    anchor = (held["both"] or held["old"])[0]
    later = [k for k in keys if k[1] is not anchor[1]]
    lists = path == "named" and "valid" in jwk_target.capabilities
    choices: list[tuple[str, dict[str, Any]] | None] = [*([None] if lists else []), *later]
    first = data.draw(st.sampled_from(choices), "first query once stale (None: valid())")
    settings = windows.config()
    with jwk_target.open_store(settings, document={"keys": [public_jwk(k) for k in old]}) as rig:
        q = Queries(jwk_target, rig, path)
        start = rig.clock.now()
        with premise("LOAD-01"):
            q.serves(*anchor)
            assert q.fetches == 1, f"the first query fetched the set {q.fetches} times, not once"
        rig.jwks.serve({"keys": [public_jwk(k) for _, k in held["new"] + held["both"]]},
                       at=start + timeout / 2)  # fmt: skip
        to(rig, start + timeout - MS)
        with premise("CACHE-01"):
            q.serves(*anchor)
            assert q.fetches == 1, (
                f"the set was reloaded 1 ms before cacheTimeout ({windows.describe()}) ran out"
            )

        to(rig, start + timeout)
        if first is None:
            q.valid()
            what = "valid()"
        else:
            q.serves(*first)
            what = q.how("hit", str(first[1]["kid"]))
        # Where cacheTimeout cannot be set, a store that does not reload at 2 minutes has
        # another lifetime: CFG-03's failure, and this requirement cannot be judged.
        with windows.reload_owner("CACHE-02"):
            assert q.fetches >= 2, (
                f"{what} at exactly cacheTimeout ({windows.describe()}) did not reload"
            )
        # One query, one load: a second fetch right after it is a hit's on a fresh set
        # (CACHE-01), or a miss's in the instant of a load (CACHE-03, D-18).
        # (valid() names no kid: a listing that fetches again is always CACHE-01's.)
        missed = first is not None and first in held["old"] and path != "valid"
        with premise("CACHE-03" if missed else "CACHE-01"):
            assert q.fetches == 2, f"{what} at exactly cacheTimeout fetched the set twice"

        # Every answer now comes from the new document, and no query at the instant of the
        # reload fetches again (a hit or valid() on a fresh set: CACHE-01; a miss in the
        # instant of a load: CACHE-03, docs/decisions.md D-18).
        if lists:
            got = sorted(q.valid())
            assert got == new_ids, f"after the reload valid secrets were {got}, not {new_ids}"
            with premise("CACHE-01"):
                assert q.fetches == 2, "valid() at the instant of the reload fetched again"
        for place in ("new", "both", "old"):
            for alg, key in held[place]:
                if key is anchor[1] and path == "verify":
                    continue  # verified before: the resolver may hold it (LEASE-02)
                kid = str(key["kid"])
                served = q.serves(alg, key)
                with premise("CACHE-03" if place == "old" and path != "valid" else "CACHE-01"):
                    assert q.fetches == 2, (
                        f"{q.how('hit', kid)} at the instant of the reload fetched again"
                    )
                if place == "old":
                    assert not served, f"the key {kid!r} removed from the set was still served"
                else:
                    assert served, (
                        f"the key {kid!r} the new document holds was not served after the "
                        f"reload ({'added' if place == 'new' else 'kept'})"
                    )
