"""Store configuration (CFG): jwkUrl (CFG-01, CFG-02) and the default windows and lease
(CFG-03, CFG-05, CFG-06).

A refusal may come when the store is configured or, at the latest, at its first query; a
store that answers that query has accepted the configuration. Default windows are probed a
millisecond either side of two minutes; where the adapter takes the member, a store
configured with exactly that value is checked first, as a premise owned by the cache
requirements: a store that reloads early or late for any value is their failure, not a
wrong default.
"""

from __future__ import annotations

import pytest

from jwkconform.harness import ConfigRefused, LoadFailed, StoreRig, Target, check, premise
from jwkconform.suites._probes import Probe, lease_is, require_a_lister
from jwkconform.suites._store_checks import (
    answer_first_query,
    assumed,
    checked,
    refusal,
    signers,
    stale_after,
)
from jwkconform.suites.store_strategies import public_set

TWO_MINUTES = 120.0


@pytest.mark.jwk_requirement("CFG-01")
def test_configuration_without_jwk_url_is_refused(jwk_target: Target) -> None:
    refused = refusal(jwk_target, {}, with_url=False, what="a configuration without jwkUrl")
    assert "jwkUrl" in f"{refused.field} {refused}", (
        f"the refusal of a configuration without jwkUrl does not name jwkUrl: "
        f"field {refused.field!r}, {refused}"
    )


@pytest.mark.jwk_requirement("CFG-02")
@pytest.mark.parametrize(
    "url",
    [
        "http://idp.example/oauth2/connect/jwk_uri",
        "https://idp.example:8443/oauth2/connect/jwk_uri",
        "http://127.0.0.1:8080/jwks.json",
        "https://idp.example",  # no path
        "https://idp.example/keys%00.json",  # only a file path cannot hold NUL (D-28)
    ],
)
def test_http_and_https_jwk_urls_are_accepted(jwk_target: Target, url: str) -> None:
    try:
        with jwk_target.open_store({"jwkUrl": url}, with_url=False):
            pass
    except ConfigRefused as exc:
        pytest.fail(f"jwkUrl {url!r} was refused though http(s) URLs are allowed: {exc}")
    except LoadFailed:
        pass  # accepted: a store that loads at once cannot reach this host, which is fine


@pytest.mark.jwk_requirement("CFG-02")
def test_the_mock_endpoint_url_is_accepted_and_read(jwk_target: Target) -> None:
    alg, key = signers(jwk_target)[0]
    with jwk_target.open_store(document=public_set([key])) as rig:
        try:
            answer_first_query(jwk_target, rig, alg, key)
        except ConfigRefused as exc:
            pytest.fail(f"jwkUrl {rig.env.jwks_url!r} was refused at the first query: {exc}")
        with premise("LOAD-01"):
            assert Probe(jwk_target, rig).serves(alg, key), (
                f"the set at {rig.env.jwks_url} was not read"
            )


@pytest.mark.jwk_requirement("CFG-02")
@pytest.mark.jwk_capability("file-urls")
def test_file_jwk_url_is_accepted_and_read(jwk_target: Target) -> None:
    alg, key = signers(jwk_target)[0]
    with jwk_target.open_store(file_document=public_set([key])) as rig:
        probe = Probe(jwk_target, rig)
        try:
            served = probe.serves(alg, key)
        except ConfigRefused as exc:
            pytest.fail(
                f"the file: jwkUrl {rig.env.jwks_url!r} was refused at the first query: {exc}"
            )
        except LoadFailed as exc:
            # Accepted, but not read: reading a file: set is LOAD-01's.
            with premise("LOAD-01"):
                raise AssertionError(f"the set in the file: URL could not be read: {exc}") from exc
        with premise("LOAD-01"):
            assert served, f"the key in the file: URL's set was not served ({probe.how})"


@pytest.mark.jwk_requirement("CFG-02")
@pytest.mark.parametrize(
    "url",
    [
        "ftp://h/x",
        "not a url",
        "http://",
        "gopher://h/x",
        "ldap://idp.example/jwks",
        "http://idp.example:99999/jwks",
        "http://[::1/jwks",
        "file:jwks.json",  # not an absolute path
        "file://idp.example/jwks.json",  # another host's file
        "file:///tmp/jwks%00.json",  # a NUL in a file path (D-28)
    ],
)
def test_other_schemes_and_malformed_urls_are_refused_naming_the_value(
    jwk_target: Target, url: str
) -> None:
    refused = refusal(jwk_target, {"jwkUrl": url}, with_url=False, what=f"jwkUrl {url!r}")
    assert url in str(refused), f"the refusal of jwkUrl {url!r} does not name the value: {refused}"


@pytest.mark.jwk_requirement("CFG-03")
def test_cache_timeout_defaults_to_two_minutes(jwk_target: Target) -> None:
    if "cache-timeout" in jwk_target.capabilities:
        stale_after(
            jwk_target,
            {"cacheTimeout": "120 s"},
            TWO_MINUTES,
            early=assumed("CACHE-01"),
            late=assumed("CACHE-02"),
            what="with cacheTimeout 120 s",
        )
    stale_after(
        jwk_target,
        {},
        TWO_MINUTES,
        early=checked("CFG-03"),
        late=checked("CFG-03"),
        what="without cacheTimeout (2 minutes)",
    )


@pytest.mark.jwk_requirement("CFG-05")
def test_no_kid_miss_reloads_within_the_default_two_minutes(jwk_target: Target) -> None:
    # Without cacheTimeout the set is stale at two minutes too, so only the lower side of
    # the default miss window can be told apart here; that the set is still fresh then is
    # CFG-03's premise (and CACHE-01's, where a configured cacheTimeout can show it).
    if "cache-timeout" in jwk_target.capabilities:
        stale_after(
            jwk_target,
            {"cacheTimeout": "120 s"},
            TWO_MINUTES,
            early=assumed("CACHE-01"),
            late=None,
            what="with cacheTimeout 120 s",
        )
    if "miss-window" in jwk_target.capabilities:
        stale_after(
            jwk_target,
            {"cacheMissCacheTime": "120 s"},
            TWO_MINUTES,
            early=assumed("CACHE-03"),
            late=None,
            by_miss=True,
            fresh=assumed("CFG-03"),
            what="with cacheMissCacheTime 120 s",
        )
    stale_after(
        jwk_target,
        {},
        TWO_MINUTES,
        early=checked("CFG-05"),
        late=None,
        by_miss=True,
        fresh=assumed("CFG-03"),
        what="without cacheMissCacheTime (2 minutes)",
    )


@pytest.mark.jwk_requirement("CFG-05")
@pytest.mark.jwk_capability("cache-timeout")
def test_cache_miss_cache_time_defaults_to_two_minutes(jwk_target: Target) -> None:
    fresh = {"cacheTimeout": "10 min"}
    if "miss-window" in jwk_target.capabilities:
        stale_after(
            jwk_target,
            {**fresh, "cacheMissCacheTime": "120 s"},
            TWO_MINUTES,
            early=assumed("CACHE-03"),
            late=assumed("CACHE-03"),
            by_miss=True,
            fresh=assumed("CACHE-01"),
            what="with cacheTimeout 10 min and cacheMissCacheTime 120 s",
        )
    stale_after(
        jwk_target,
        fresh,
        TWO_MINUTES,
        early=checked("CFG-05"),
        late=checked("CFG-05"),
        by_miss=True,
        fresh=assumed("CACHE-01"),
        what="with cacheTimeout 10 min and no cacheMissCacheTime",
    )


# -- leases (CFG-06) ---------------------------------------------------------------------------
# Leases are read at the instant of a load, where "from the query" and "from the load"
# (LEASE-01's anchor) agree: only the value is CFG-06's.


@pytest.mark.jwk_requirement("CFG-06")
@pytest.mark.jwk_capability("lease")
def test_lease_expiry_defaults_to_five_minutes(jwk_target: Target) -> None:
    with jwk_target.open_store(document=_leased(jwk_target)) as rig:
        _assert_lease(jwk_target, rig, 300, "by default, at the first load")
        rig.clock.advance(1_000)  # stale: the next query reloads, at this instant
        _assert_lease(jwk_target, rig, 300, "by default, at a reload")


@pytest.mark.jwk_requirement("CFG-06")
@pytest.mark.jwk_capability("lease")
@pytest.mark.parametrize("lease", ["zero", "disabled", "0 ms", "unlimited", "infinity"])
def test_zero_or_unlimited_lease_expiry_falls_back_to_five_minutes(
    jwk_target: Target, lease: str
) -> None:
    with jwk_target.open_store({"leaseExpiry": lease}, document=_leased(jwk_target)) as rig:
        _assert_lease(jwk_target, rig, 300, f"with leaseExpiry {lease!r}")


@pytest.mark.jwk_requirement("CFG-06")
@pytest.mark.jwk_capability("valid", "warnings", "lease")
@pytest.mark.parametrize("lease", ["zero", "disabled", "0 ms", "unlimited", "infinity"])
def test_zero_or_unlimited_lease_expiry_logs_a_warning(jwk_target: Target, lease: str) -> None:
    with jwk_target.open_store({"leaseExpiry": lease}, document=_leased(jwk_target)) as rig:
        rig.store.valid("verify")
        assert any("leaseExpiry" in w for w in rig.env.warnings), (
            f"leaseExpiry {lease!r} logged no warning naming leaseExpiry; "
            f"warnings: {rig.env.warnings}"
        )


def _leased(target: Target) -> dict[str, object]:
    return public_set([signers(target)[0][1]])


def _assert_lease(target: Target, rig: StoreRig, seconds: float, when: str) -> None:
    require_a_lister(target)
    now = rig.clock.now()
    caps = target.capabilities
    secrets = [
        *(rig.store.valid("verify") if "valid" in caps else ()),
        *([rig.store.named("verify", "key-0")] if "named" in caps else ()),
    ]
    with check("CFG-06"):
        for secret in secrets:
            assert secret is not None, "no named secret for kid 'key-0'"
            assert secret.expires_at is not None, "the secret reports no lease expiry"
            assert lease_is(secret.expires_at, now, seconds), (
                f"{when}, a secret produced at {now} expires at {secret.expires_at}, "
                f"not {seconds} s later"
            )
