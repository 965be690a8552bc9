"""What a reload changes, and what must not cause one (CACHE-01, CACHE-03, CACHE-04, KID-02).

- A reload for a kid miss is a successful load like any other: the set is fresh for a
  whole `cacheTimeout` after it (CACHE-01), not only after the load before.
- A kid that a miss reload did not bring is not remembered as missing: once the miss
  window has passed again, a miss for it reloads (CACHE-03, D-21), and a key rotated in
  under it meanwhile is returned by that query (CACHE-04).
- A named secret that does not verify ends the verification (KID-02): the store does not
  reload the set to look for a newer key under that kid, and so makes no fetch while the
  set is fresh (CACHE-01).

The model-based machines reach the first two on some seeds; these tests do on every one.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import public_jwk, sign_token, tamper
from jwkconform.harness import Target, check, premise
from jwkconform.suites._caching import (
    MS,
    Queries,
    config,
    paths,
    signers,
    to,
    unknown_kids,
    window,
)
from jwkconform.suites._keysets import found_by
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE, material
from jwkconform.suites.store_strategies import Keys, public_set

# Far longer than any two miss windows drawn here: every query below is on a fresh set.
_LONG_CACHE = "20 min"


@pytest.mark.jwk_requirement("CACHE-01")
@pytest.mark.jwk_capability("cache-timeout", "miss-window")
@given(keys=signers(min_size=1, max_size=3), window=window(max_s=120), data=st.data())
def test_a_miss_reload_keeps_the_set_fresh_for_a_whole_cache_timeout(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    path = data.draw(paths(jwk_target), "path")
    text, miss_window = window
    # cacheTimeout longer than the window, and the miss reload before the load's
    # cacheTimeout ends; in eighths of a second (exact instants).
    extra = data.draw(st.integers(8, 600 * 8), "cacheTimeout - window (1/8 s)")
    timeout = miss_window + extra / 8
    late = data.draw(st.integers(0, min(extra - 1, 64)), "miss after the window (1/8 s)") / 8
    forged = data.draw(unknown_kids({str(k["kid"]) for _, k in keys}, max_size=1), "kid")[0]
    settings = config(cacheTimeout=f"{int(timeout * 1000)} ms", cacheMissCacheTime=text)
    with jwk_target.open_store(settings, document=public_set([k for _, k in keys])) as rig:
        q = Queries(jwk_target, rig, path)
        start = rig.clock.now()
        with premise("LOAD-01"):
            q.serves(*keys[0])
            assert q.fetches == 1, f"the first query fetched the set {q.fetches} times, not once"
        to(rig, start + miss_window + late)
        q.miss(forged, keys[0])
        with premise("CACHE-03"):
            assert q.fetches == 2, f"a miss {text!r} after the load did not reload the set"
        reloaded = rig.clock.now()
        for moment in (start + timeout, reloaded + timeout - MS):
            to(rig, moment)
            q.serves(*keys[-1])
            assert q.fetches == 2, (
                f"{q.how('hit', str(keys[-1][1]['kid']))} {moment - reloaded:g} s after a miss "
                f"reload, {moment - start:g} s after the load before it (cacheTimeout "
                f"{timeout:g} s), fetched: the miss reload made the set fresh for a whole "
                "cacheTimeout"
            )


@pytest.mark.jwk_requirement("CACHE-03", "CACHE-04")
@pytest.mark.jwk_capability("cache-timeout", "miss-window")
@given(keys=signers(min_size=2, max_size=4), window=window(max_s=200), data=st.data())
def test_a_kid_that_a_miss_reload_did_not_bring_is_looked_for_again(
    jwk_target: Target, keys: Keys, window: tuple[str, float], data: st.DataObject
) -> None:
    """The kid is asked for past the miss window (a reload that does not bring it), the key
    is rotated in under it during the next window, and the kid is asked for again once that
    window has passed."""
    path = data.draw(paths(jwk_target), "path")
    text, miss_window = window
    *before, (alg, rotated) = keys
    kid = str(rotated["kid"])
    published = data.draw(st.integers(1, int(miss_window * 1000) - 1), "rotation (ms)") / 1000
    late = data.draw(st.integers(0, 8 * 8), "second miss after the window (1/8 s)") / 8
    settings = config(cacheTimeout=_LONG_CACHE, cacheMissCacheTime=text)
    with jwk_target.open_store(settings, document=public_set([k for _, k in before])) as rig:
        q = Queries(jwk_target, rig, path)
        start = rig.clock.now()
        with premise("LOAD-01"):
            q.serves(*before[0])
            assert q.fetches == 1, f"the first query fetched the set {q.fetches} times, not once"
        to(rig, start + miss_window)
        q.miss(kid, before[0])
        with check("CACHE-03"):
            assert q.fetches == 2, f"a miss for {kid!r} {text!r} after the load did not reload"
        reloaded = rig.clock.now()
        rig.jwks.serve(public_set([*(k for _, k in before), rotated]), at=reloaded + published)
        to(rig, reloaded + miss_window + late)
        if path == "named":
            secret = rig.store.named("verify", kid)
        else:
            outcome = rig.store.verify(sign_token(rotated, alg, kid=kid), SECRET_ID)
        with check("CACHE-03"):
            assert q.fetches == 3, (
                f"a miss for {kid!r} {text!r} after a miss reload that did not bring it made no"
                " fetch: the kid was remembered as missing"
            )
        with check("CACHE-04"):
            if path == "named":
                assert secret is not None, (
                    f"the reload brought {kid!r}, but the query that triggered it got nothing"
                )
                assert material(secret.jwk) == material(rotated), "not the rotated-in key"
            else:
                assert outcome.verified, (
                    f"the reload brought {kid!r}, but a token naming it, signed by its key, did "
                    f"not verify: {outcome.reason}"
                )


def _rekeyed(keys: Keys) -> tuple[str, dict[str, object], list[dict[str, object]]]:
    """(alg, a private key, the set with keys[0]'s kid on that key instead): the key
    behind a kid changed at the server while the store holds the old set."""
    (_, first), *rest = keys
    new_alg, newer = rest[0]
    renamed = {**newer, "kid": first["kid"]}
    return new_alg, renamed, [public_jwk(renamed), *(public_jwk(k) for _, k in rest[1:])]


@pytest.mark.jwk_requirement("KID-02")
@pytest.mark.jwk_capability("verify")
@given(keys=signers(min_size=2, max_size=4))
def test_a_failed_named_secret_is_not_looked_for_in_a_reloaded_set(
    jwk_target: Target, keys: Keys
) -> None:
    """The server now holds another key under the token's kid; the store's set still holds
    the old one, which cannot verify the token. The named secret decides: the token is
    invalid, however soon a reload would find the new key."""
    alg, renamed, new_set = _rekeyed(keys)
    kid = str(renamed["kid"])
    with jwk_target.open_store(SHORT_LEASE, document=public_set([k for _, k in keys])) as rig:
        with premise("LOAD-01"):
            served = rig.store.verify(sign_token(keys[0][1], keys[0][0]), SECRET_ID)
            assert served.verified, f"a token of the set's key did not verify: {served.reason}"
        # Does a hit fetch while the set is fresh? Then the store reads the set anew for
        # every query (CACHE-01's failure), and a later key it finds is no retry.
        rig.clock.advance(0.5)
        hits_fetch = rig.jwks.fetch_count()
        rig.store.verify(sign_token(keys[0][1], keys[0][0]), SECRET_ID)
        every_query = rig.jwks.fetch_count() > hits_fetch
        rig.jwks.serve({"keys": new_set})
        rig.clock.advance(0.5)
        fetched = rig.jwks.fetch_count()
        outcome = rig.store.verify(sign_token(renamed, alg, kid=kid), SECRET_ID)
        if every_query and outcome.verified and rig.jwks.fetch_count() > fetched:
            # It fetched the fresh set again, found the new key and used it: the fetch is
            # CACHE-01's failure, and what a named secret that fails decides is not seen.
            with premise("CACHE-01"):
                raise AssertionError(
                    f"a token naming {kid!r} 1 s after the load fetched the fresh set again"
                    " and was verified by the key the server now holds under it"
                )
        assert not outcome.verified, (
            f"a token naming {kid!r}, whose JWK in the loaded set cannot verify it, was "
            f"verified by {found_by(outcome)}: a key the server holds under {kid!r} since"
        )


@pytest.mark.jwk_requirement("CACHE-01")
@pytest.mark.jwk_capability("verify")
@given(keys=signers(min_size=2, max_size=4))
def test_a_failed_named_secret_fetches_nothing_while_the_set_is_fresh(
    jwk_target: Target, keys: Keys
) -> None:
    """A second after the load (fresh under any `cacheTimeout` CFG-04 allows), tokens whose
    named secret does not verify them: a tampered one, and one signed by a key the server
    now holds under that kid. Neither is a miss; neither may fetch."""
    alg, renamed, new_set = _rekeyed(keys)
    kid = str(renamed["kid"])
    with jwk_target.open_store(SHORT_LEASE, document=public_set([k for _, k in keys])) as rig:
        with premise("LOAD-01"):
            served = rig.store.verify(sign_token(keys[0][1], keys[0][0]), SECRET_ID)
            assert served.verified, f"a token of the set's key did not verify: {served.reason}"
            assert rig.jwks.fetch_count() == 1, "the first query did not fetch the set once"
        rig.jwks.serve({"keys": new_set})
        since = rig.clock.advance(1)
        tokens = {
            "a tampered token": tamper(sign_token(keys[0][1], keys[0][0])),
            "a token of the server's new key": sign_token(renamed, alg, kid=kid),
        }
        for label, token in tokens.items():
            rig.store.verify(token, SECRET_ID)
            assert rig.jwks.fetch_count(since=since) == 0, (
                f"{label} naming {kid!r}, 1 s after the load, made the store fetch its set: "
                "a named secret that does not verify is no miss, and the set is fresh"
            )
