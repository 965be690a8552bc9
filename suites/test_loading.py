"""Loading the set: where it is read from (LOAD-01), purposes that are no keys (LOAD-02), and
the last good set through failed reloads (LOAD-05).

Documents that are not JWK Sets are in test_loading_documents.py (LOAD-04, LOAD-06), keys
that cannot be used in test_loading_keys.py (LOAD-03).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given

from jwkconform.harness import (
    ConnectionRefused,
    Fault,
    ImplementationRaised,
    MalformedJson,
    PurposeRefused,
    Status,
    Target,
    Timeout,
    UnexpectedException,
    check,
    premise,
)
from jwkconform.suites._probes import SHORT_LEASE, Probe, loading, raised
from jwkconform.suites._store_checks import MARGIN, signers
from jwkconform.suites.store_strategies import Keys, public_set, signing_keys

TWO_MINUTES = 120.0


@pytest.mark.jwk_requirement("LOAD-01")
@given(keys=signing_keys(min_size=1, max_size=4))
def test_the_set_is_read_from_the_url(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(SHORT_LEASE, document=public_set([k for _, k in keys])) as rig:
        probe = Probe(jwk_target, rig)
        for alg, key in keys:
            assert probe.serves(alg, key), (
                f"kid {key['kid']!r} of the set at jwkUrl was not served ({probe.how})"
            )
        paths = {f.path for f in rig.jwks.fetches}
        assert paths == {rig.jwks.path}, (
            f"expected requests for {rig.jwks.path} only (the jwkUrl), saw {sorted(paths)}"
        )


@pytest.mark.jwk_requirement("LOAD-01")
@pytest.mark.jwk_capability("file-urls")
@given(keys=signing_keys(min_size=1, max_size=4))
def test_a_file_url_set_is_read_from_disk(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(SHORT_LEASE, file_document=public_set([k for _, k in keys])) as rig:
        probe = Probe(jwk_target, rig)
        for alg, key in keys:
            assert probe.serves(alg, key), (
                f"kid {key['kid']!r} of the file: URL's set was not served ({probe.how})"
            )
        if probe.lists:
            got = sorted(s.stable_id for s in rig.store.valid("verify"))
            assert got == sorted(k["kid"] for _, k in keys), f"the file's keys came back as {got}"
        assert rig.jwks.fetch_count() == 0, "a file: URL store made an HTTP request"


def _expect_refused(call: Callable[[], object], what: str) -> None:
    try:
        got = call()
    except PurposeRefused:
        return
    except (UnexpectedException, ImplementationRaised) as exc:
        pytest.fail(f"{what} raised {raised(exc)} instead of refusing the purpose")
    pytest.fail(f"{what} returned {got!r:.200} instead of refusing the purpose")


@pytest.mark.jwk_requirement("LOAD-02")
@pytest.mark.jwk_capability("named", "valid", "other-purposes")
@pytest.mark.parametrize("purpose", ["password", "generic"])
def test_a_purpose_that_is_not_a_key_is_refused(jwk_target: Target, purpose: str) -> None:
    _, key = signers(jwk_target)[0]
    kid = str(key["kid"])
    with jwk_target.open_store(document=public_set([key])) as rig:
        for moment in ("before the first load", "with the set loaded"):
            _expect_refused(lambda: rig.store.valid(purpose), f"valid({purpose!r}) {moment}")
            _expect_refused(
                lambda: rig.store.named(purpose, kid), f"named({purpose!r}, {kid!r}) {moment}"
            )
            rig.store.valid("verify")


RELOAD_FAULTS = [
    Status(500),
    Status(404),
    Status(304),
    Status(200, b'{"keys": 7}'),
    ConnectionRefused(),
    Timeout(),
    MalformedJson(),
]
RELOAD_FAULT_IDS = [
    "status-500",
    "status-404",
    "status-304",
    "not-a-set",
    "refused",
    "timeout",
    "malformed",
]


@pytest.mark.jwk_requirement("LOAD-05")
@pytest.mark.parametrize("fault", RELOAD_FAULTS, ids=RELOAD_FAULT_IDS)
def test_failed_reload_keeps_the_last_good_set(jwk_target: Target, fault: Fault) -> None:
    keys = signers(jwk_target, 2)
    kids = [str(k["kid"]) for _, k in keys]
    # Two minutes, set where the implementation takes it, else its defaults (CFG-03, CFG-05).
    config = dict(SHORT_LEASE)
    if "cache-timeout" in jwk_target.capabilities:
        config["cacheTimeout"] = "2 min"
    if "miss-window" in jwk_target.capabilities:
        config["cacheMissCacheTime"] = "2 min"
    reload_owner = "CACHE-02" if "cacheTimeout" in config else "CFG-03"
    with jwk_target.open_store(config, document=public_set([k for _, k in keys])) as rig:
        probe = Probe(jwk_target, rig)
        with premise("LOAD-01"):
            assert probe.served_ids(keys) == kids, "the set was not loaded"
        loaded = rig.clock.now()
        rig.jwks.fail(fault)
        # Past cacheTimeout (not on it: the instant is CACHE-02's).
        stale = rig.clock.reach(loaded, TWO_MINUTES + MARGIN)
        with loading("LOAD-05", own=True):
            served = probe.served_ids(keys)
            # Which secrets, not their order: order is ORD's.
            listed = sorted(s.stable_id for s in rig.store.valid("verify")) if probe.lists else kids
        if rig.jwks.fetch_count(since=stale):
            with check("LOAD-05"):
                assert served == kids, f"after a failed reload ({fault}) the store served {served}"
                assert listed == sorted(kids), (
                    f"after a failed reload ({fault}) valid() listed {listed}"
                )
        # A kid miss past any hold-back of retries (at most the miss window) reloads too; it
        # is the only reload of a store that does not age its set (that is CFG-03's finding).
        rig.clock.advance(TWO_MINUTES + MARGIN)
        with loading("LOAD-05", own=True):
            if not probe.by_list:  # valid() names no kid; its query past the timeout reloads
                probe.miss("not there", keys[0])
            served = probe.served_ids(keys)
        with premise(reload_owner):
            assert rig.jwks.fetch_count(since=stale) >= 1, (
                "neither a query past cacheTimeout (2 minutes) nor a kid miss after it made the"
                " store reload the set"
            )
        with check("LOAD-05"):
            assert served == kids, (
                f"after failed reloads ({fault}), a miss among them, the store served {served}"
            )
