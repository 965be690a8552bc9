"""Tests for the store configuration (CFG-01..09): `StoreConfig.from_json` and its use."""

from __future__ import annotations

import logging
import math
from typing import Any

import httpx
import pytest
import respx
from support import JWKS_URL, Endpoint

from jwkconform.fixtures import jwk_set, private_jwk, public_jwk
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import (
    LOGGER_NAME,
    ConfigError,
    JwkSetSecretStore,
    StoreConfig,
)

DURATION_FIELDS = ("cacheTimeout", "cacheMissCacheTime", "leaseExpiry")


def _config(**members: Any) -> StoreConfig:
    return StoreConfig.from_json({"jwkUrl": JWKS_URL, **members})


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER_NAME and record.levelno == logging.WARNING
    ]


@pytest.fixture(autouse=True)
def _capture_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)


# --- CFG-01 -------------------------------------------------------------------------------


def test_cfg01_missing_jwk_url_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        StoreConfig.from_json({"cacheTimeout": "2 minutes"})
    assert caught.value.field == "jwkUrl"
    assert "jwkUrl" in str(caught.value)


def test_cfg01_empty_config_is_refused_naming_jwk_url() -> None:
    with pytest.raises(ConfigError) as caught:
        StoreConfig.from_json({})
    assert caught.value.field == "jwkUrl"
    assert "jwkUrl" in str(caught.value)


def test_cfg01_store_from_json_refuses_missing_jwk_url() -> None:
    with pytest.raises(ConfigError, match="jwkUrl"):
        JwkSetSecretStore.from_json({})


# --- CFG-02 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://idp.test/jwks",
        "https://idp.test/jwks",
        "HTTPS://idp.test:8443/oauth2/connect/jwk_uri",
        "file:///tmp/x.json",
    ],
)
def test_cfg02_accepted_schemes(url: str) -> None:
    assert StoreConfig.from_json({"jwkUrl": url}).jwk_url == url


def test_cfg02_file_url_is_local_and_https_is_remote() -> None:
    assert not StoreConfig.from_json({"jwkUrl": "file:///tmp/x.json"}).is_remote
    assert StoreConfig.from_json({"jwkUrl": "https://idp.test/jwks"}).is_remote
    assert StoreConfig.from_json({"jwkUrl": "http://idp.test/jwks"}).is_remote


@pytest.mark.parametrize(
    "url",
    [
        "ftp://h/x",
        "not a url",
        "http://",
        "https:///path",
        "file:",
        "http://exa mple/x",
        "file:///x%00",
        "file:///etc/%00/jwks.json",
    ],
)
def test_cfg02_refused_urls_name_the_value(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        StoreConfig.from_json({"jwkUrl": url})
    assert caught.value.field == "jwkUrl"
    assert url in str(caught.value)


def test_cfg02_non_string_url_is_refused_naming_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        StoreConfig.from_json({"jwkUrl": 5})
    assert caught.value.field == "jwkUrl"
    assert "5" in str(caught.value)


def test_cfg02_url_with_invalid_port_is_refused_at_configuration() -> None:
    """CFG-02 (extra case): a malformed port is a malformed URL and must be refused when the
    store is configured, not surface later as a non-`LoadError` exception from httpx."""
    url = "http://idp.test:notaport/jwks"
    with pytest.raises(ConfigError) as caught:
        StoreConfig.from_json({"jwkUrl": url})
    assert caught.value.field == "jwkUrl"
    assert url in str(caught.value)


# --- CFG-03, CFG-05, CFG-06 defaults ------------------------------------------------------


def test_cfg03_cfg05_cfg06_defaults(caplog: pytest.LogCaptureFixture) -> None:
    config = _config()
    assert config.cache_timeout.seconds == 120
    assert config.cache_miss_cache_time.seconds == 120
    assert config.lease_expiry.seconds == 300
    assert config.handler is None
    assert _warnings(caplog) == []


# --- CFG-04 -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9 seconds", "9999 ms", "0 s", "zero"])
def test_cfg04_cache_timeout_below_ten_seconds_warns_and_uses_default(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = _config(cacheTimeout=value)
    assert config.cache_timeout.seconds == 120
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    assert "cacheTimeout" in warnings[0]


@pytest.mark.parametrize("value", ["10 seconds", "10000 ms"])
def test_cfg04_cache_timeout_of_exactly_ten_seconds_is_accepted(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = _config(cacheTimeout=value)
    assert config.cache_timeout.seconds == 10
    assert _warnings(caplog) == []


def test_cfg04_unlimited_cache_timeout_is_accepted_and_never_goes_stale(
    clock: FakeClock, endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """CFG-04, our decision: "unlimited" is not below 10 s, so it is accepted without a
    warning, and the cached set then never goes stale on time."""
    config = _config(cacheTimeout="unlimited")
    assert config.cache_timeout.is_unlimited
    assert _warnings(caplog) == []

    endpoint.document = jwk_set(public_jwk(private_jwk("EC-P-256", 0, kid="a")))
    with JwkSetSecretStore(config, clock=clock) as store:
        assert [s.stable_id for s in store.valid("verify")] == ["a"]
        clock.advance(10 * 365 * 86400)
        assert [s.stable_id for s in store.valid("verify")] == ["a"]
    assert endpoint.fetches == 1


def test_cfg04_store_uses_corrected_cache_timeout(clock: FakeClock, endpoint: Endpoint) -> None:
    """CFG-04: with "0 s" corrected to 120 s, a query at 119 s is still served from cache."""
    endpoint.document = jwk_set(public_jwk(private_jwk("EC-P-256", 0, kid="a")))
    with JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL, "cacheTimeout": "0 s"}, clock=clock) as s:
        s.valid("verify")
        clock.advance(119)
        s.valid("verify")
        assert endpoint.fetches == 1
        clock.advance(1)
        s.valid("verify")
        assert endpoint.fetches == 2


# --- CFG-06 -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["zero", "0 ms", "unlimited"])
def test_cfg06_zero_or_unlimited_lease_expiry_warns_and_uses_default(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = _config(leaseExpiry=value)
    assert config.lease_expiry.seconds == 300
    warnings = _warnings(caplog)
    assert len(warnings) == 1
    assert "leaseExpiry" in warnings[0]


def test_cfg06_one_nanosecond_lease_expiry_is_accepted(caplog: pytest.LogCaptureFixture) -> None:
    config = _config(leaseExpiry="1 ns")
    assert config.lease_expiry.nanoseconds == 1
    assert _warnings(caplog) == []


def test_cfg06_store_leases_use_configured_lease_expiry(
    clock: FakeClock, endpoint: Endpoint
) -> None:
    endpoint.document = jwk_set(public_jwk(private_jwk("EC-P-256", 0, kid="a")))
    config = {"jwkUrl": JWKS_URL, "leaseExpiry": "42 seconds"}
    with JwkSetSecretStore.from_json(config, clock=clock) as store:
        (secret,) = store.valid("verify")
    assert secret.expires_at == clock() + 42


# --- CFG-07 -------------------------------------------------------------------------------


def test_cfg07_compound_duration_through_config(caplog: pytest.LogCaptureFixture) -> None:
    config = _config(cacheMissCacheTime="23 hours 59 minutes and 59 seconds")
    assert config.cache_miss_cache_time.seconds == 86399
    assert _warnings(caplog) == []


# --- CFG-08 -------------------------------------------------------------------------------


@pytest.mark.parametrize("member", DURATION_FIELDS)
@pytest.mark.parametrize("value", ["-5 s", "30", "5 fortnights", "1 hour banana"])
def test_cfg08_bad_duration_is_refused_naming_member_and_value(member: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(**{member: value})
    assert caught.value.field == member
    assert member in str(caught.value)
    assert value in str(caught.value)


# --- wrong types and unknown members ------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("cacheTimeout", 30),
        ("cacheMissCacheTime", 30),
        ("leaseExpiry", 30.0),
        ("handler", "ClientHandler"),
        ("maxBodyBytes", 0),
        ("maxBodyBytes", -1),
        ("maxBodyBytes", True),
        ("maxBodyBytes", "1"),
        ("maxBodyBytes", 1.5),
    ],
)
def test_cfg_wrong_type_is_refused_naming_the_member(member: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(**{member: value})
    assert caught.value.field == member
    assert member in str(caught.value)


def test_cfg_max_body_bytes_positive_int_is_accepted() -> None:
    assert _config(maxBodyBytes=1).max_body_bytes == 1
    assert _config().max_body_bytes == 1024 * 1024


def test_cfg_unknown_member_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError) as caught:
        _config(cacheTimout="5 minutes")
    assert caught.value.field == "cacheTimout"
    assert "cacheTimout" in str(caught.value)


def test_cfg_non_mapping_config_is_refused() -> None:
    raw: Any = [("jwkUrl", JWKS_URL)]
    with pytest.raises(ConfigError):
        StoreConfig.from_json(raw)


# --- CFG-09 -------------------------------------------------------------------------------


def test_cfg09_user_handler_is_used_and_not_closed(clock: FakeClock) -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("x-test"))
        return httpx.Response(200, json=jwk_set(public_jwk(private_jwk("EC-P-256", 0, kid="a"))))

    client = httpx.Client(headers={"x-test": "yes"})
    try:
        with respx.mock(assert_all_called=False) as router:
            router.get(JWKS_URL).mock(side_effect=answer)
            store = JwkSetSecretStore.from_json(
                {"jwkUrl": JWKS_URL, "handler": client}, clock=clock
            )
            assert store.config.handler is client
            assert [s.stable_id for s in store.valid("verify")] == ["a"]
            store.close()
        assert seen == ["yes"]
        assert not client.is_closed
    finally:
        client.close()


def test_cfg09_default_client_has_finite_timeout_and_is_closed(clock: FakeClock) -> None:
    store = JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL}, clock=clock)
    client = store._client  # private access is acceptable in this one test
    timeout = client.timeout
    for phase in (timeout.connect, timeout.read, timeout.write, timeout.pool):
        assert phase is not None
        assert math.isfinite(phase)
        assert phase > 0
    assert not client.is_closed
    store.close()
    assert client.is_closed


# --- a member with an empty name ----------------------------------------------------------


def test_cfg_member_with_an_empty_name_is_named_visibly() -> None:
    with pytest.raises(ConfigError) as caught:
        _config(**{"": "x"})
    assert caught.value.field == '""'
    assert str(caught.value).startswith('"": unknown member')


# --- CFG-08: values too large for the store's time arithmetic -----------------------------


@pytest.mark.parametrize("member", DURATION_FIELDS)
@pytest.mark.parametrize(
    "value",
    ["4294967297 seconds", "49711 days", "9" * 400 + " days", "9223372036854775808 ns"],
)
def test_cfg08_duration_too_large_is_refused_naming_member_and_value(
    member: str, value: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _config(**{member: value})
    assert caught.value.field == member
    assert repr(value) in str(caught.value)
    assert "too large" in str(caught.value)


@pytest.mark.parametrize("member", DURATION_FIELDS)
def test_cfg08_largest_duration_is_accepted_and_queries_still_work(
    member: str, clock: FakeClock, endpoint: Endpoint
) -> None:
    """An accepted value never fails later: 2**32 s is the maximum, and every query made
    with it keeps working and keeps its microseconds."""
    config = _config(**{member: "4294967296 seconds"})
    assert getattr(config, _ATTRIBUTES[member]).seconds == 2**32
    endpoint.document = jwk_set(public_jwk(private_jwk("EC-P-256", 0, kid="a")))
    with JwkSetSecretStore(config, clock=clock) as store:
        (secret,) = store.valid("verify")
        assert store.named("verify", "absent") is None
        clock.advance(2**32 - 1)
        assert [s.stable_id for s in store.valid("verify")] == ["a"]
    if member == "leaseExpiry":
        assert secret.expires_at - 2**32 == clock.now() - (2**32 - 1)
        assert not secret.is_expired(secret.expires_at - 1e-6)


@pytest.mark.parametrize("member", DURATION_FIELDS)
def test_cfg08_unlimited_is_not_too_large(member: str) -> None:
    _config(**{member: "unlimited"})


_ATTRIBUTES = {
    "cacheTimeout": "cache_timeout",
    "cacheMissCacheTime": "cache_miss_cache_time",
    "leaseExpiry": "lease_expiry",
}


def test_d24_the_default_fetch_deadline_is_ten_seconds() -> None:
    from jwkconform.reference._config import StoreConfig

    assert StoreConfig.from_json({"jwkUrl": JWKS_URL}).fetch_timeout.seconds == 10
