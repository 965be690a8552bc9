"""Failed loads: bad documents, transport faults, last good set, retry back-off (LOAD-04, 05)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from _loading_support import _capture_warnings as _capture_warnings  # autouse fixture
from _loading_support import _ec, _ids, _padded, _warnings
from _loading_support import make_store as make_store  # fixture
from support import JWKS_URL, Endpoint

from jwkconform.fixtures import jwk_set
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import JwkSetSecretStore, LoadError, StoreConfig

# --- LOAD-04 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"",
        b"[]",
        b'"keys"',
        b"{}",
        b'{"keys": {}}',
        b'{"keys": null}',
        b"\xff\xfe",
    ],
)
def test_load04_not_a_jwk_set_is_a_load_error(
    endpoint: Endpoint, make_store: Any, raw: bytes
) -> None:
    endpoint.raw = raw
    store = make_store()
    with pytest.raises(LoadError) as caught:
        store.valid("verify")
    assert JWKS_URL in str(caught.value)
    assert endpoint.fetches == 1


# Documents beyond the JSON parser's limits: before, RecursionError and ValueError escaped.
BEYOND_THE_PARSER: list[Any] = [
    pytest.param(b"[" * 100_000, id="nested-arrays"),
    pytest.param(b'{"keys": [' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"]}", id="deep-jwk"),
    pytest.param(b'{"keys": [], "n": ' + b"9" * 4_301 + b"}", id="4301-digit-number"),
    pytest.param(b'{"keys": [{"kty": "EC", "x": -' + b"1" * 5_000 + b"}]}", id="long-negative"),
]


@pytest.mark.parametrize("raw", BEYOND_THE_PARSER)
def test_load04_document_beyond_the_parser_limits_is_a_load_error(
    endpoint: Endpoint, make_store: Any, clock: FakeClock, raw: bytes
) -> None:
    endpoint.raw = raw
    store = make_store()
    with pytest.raises(LoadError, match="parser") as caught:
        store.valid("verify")
    assert JWKS_URL in str(caught.value)
    # The failure is throttled like any other (D-5): no second fetch before the back-off.
    with pytest.raises(LoadError):
        store.named("verify", "a")
    assert endpoint.fetches == 1
    clock.advance(10)
    _heal(endpoint)
    endpoint.document = jwk_set(_ec(0, kid="a"))
    assert _ids(store.valid("verify")) == ["a"]


@pytest.mark.parametrize("raw", BEYOND_THE_PARSER)
def test_load05_reload_beyond_the_parser_limits_keeps_the_last_good_set(
    endpoint: Endpoint, make_store: Any, clock: FakeClock, raw: bytes
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"))
    store = make_store()
    assert _ids(store.valid("verify")) == ["a"]
    endpoint.raw = raw
    clock.advance(120)
    assert _ids(store.valid("verify")) == ["a"]
    assert store.named("verify", "a") is not None
    assert endpoint.fetches == 2


def test_load04_not_a_jwk_set_from_file_is_a_load_error(tmp_path: Path, make_store: Any) -> None:
    path = tmp_path / "jwks.json"
    path.write_bytes(b'{"keys": "none"}')
    store = make_store(jwkUrl=path.as_uri())
    with pytest.raises(LoadError) as caught:
        store.valid("verify")
    assert path.as_uri() in str(caught.value)


def test_load04_malformed_port_never_leaks_an_httpx_exception(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    """LOAD-04: whatever goes wrong in a load, the caller sees a `LoadError`. A URL whose
    port is not a number gets through configuration (see the CFG-02 extra case in
    test_config.py), and httpx then raises ``httpx.InvalidURL``, which is no HTTPError."""
    url = "http://idp.test:notaport/jwks"
    store = JwkSetSecretStore(StoreConfig(jwk_url=url), clock=clock)
    try:
        with pytest.raises(LoadError) as caught:
            store.valid("verify")
    finally:
        store.close()
    assert url in str(caught.value)


TRANSPORT_FAULTS: list[Any] = [
    pytest.param({"status": 500}, id="500"),
    pytest.param({"status": 404}, id="404"),
    pytest.param({"status": 204}, id="204"),
    pytest.param({"status": 301}, id="301"),
    pytest.param({"error": httpx.ConnectError("refused")}, id="connect-error"),
    pytest.param({"error": httpx.ReadTimeout("slow")}, id="read-timeout"),
    pytest.param({"error": httpx.ConnectTimeout("slow")}, id="connect-timeout"),
]


@pytest.mark.parametrize("fault", TRANSPORT_FAULTS)
def test_load04_load05_transport_fault_on_first_load_is_a_load_error(
    endpoint: Endpoint, make_store: Any, fault: dict[str, Any]
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"))
    for name, value in fault.items():
        setattr(endpoint, name, value)
    store = make_store()
    with pytest.raises(LoadError) as caught:
        store.valid("verify")
    assert JWKS_URL in str(caught.value)
    assert endpoint.fetches == 1


def test_load04_named_query_on_failed_first_load_is_a_load_error(
    endpoint: Endpoint, make_store: Any
) -> None:
    endpoint.status = 500
    store = make_store()
    with pytest.raises(LoadError, match="500"):
        store.named("verify", "a")


# --- LOAD-05 ------------------------------------------------------------------------------


RELOAD_FAULTS: list[Any] = [
    pytest.param({"status": 500}, id="500"),
    pytest.param({"error": httpx.ConnectError("refused")}, id="connect-error"),
    pytest.param({"error": httpx.ReadTimeout("slow")}, id="read-timeout"),
    pytest.param({"raw": b'{"keys": [}'}, id="malformed-json"),
    pytest.param({"raw": _padded({"keys": []}, 5001)}, id="oversized-body"),
]


def _heal(endpoint: Endpoint) -> None:
    endpoint.status, endpoint.error, endpoint.raw = 200, None, None


@pytest.mark.parametrize("fault", RELOAD_FAULTS)
def test_load05_failed_reload_keeps_last_good_set_then_retries(
    endpoint: Endpoint,
    make_store: Any,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"), _ec(1, kid="b"))
    store = make_store(maxBodyBytes=5000)
    assert _ids(store.valid("verify")) == ["a", "b"]
    assert endpoint.fetches == 1

    clock.advance(121)  # past the 120 s default cacheTimeout
    for name, value in fault.items():
        setattr(endpoint, name, value)
    caplog.clear()
    assert _ids(store.valid("verify")) == ["a", "b"]
    assert endpoint.fetches == 2
    warnings = _warnings(caplog)
    assert any("reload" in m and "failed" in m for m in warnings), warnings
    named = store.named("verify", "b")
    assert named is not None
    assert named.stable_id == "b"

    # D-5: no new attempt for min(cacheMissCacheTime, 10 s) = 10 s after the failure.
    clock.advance(9.999)
    assert _ids(store.valid("verify")) == ["a", "b"]
    assert store.named("verify", "unknown-kid") is None
    assert endpoint.fetches == 2

    clock.advance(0.001)  # exactly 10 s after the failure: retry, still failing
    assert _ids(store.valid("verify")) == ["a", "b"]
    assert endpoint.fetches == 3

    _heal(endpoint)
    endpoint.document = jwk_set(_ec(2, kid="c"), _ec(0, kid="a"))
    clock.advance(5)
    assert _ids(store.valid("verify")) == ["a", "b"]
    assert endpoint.fetches == 3
    clock.advance(5)
    assert _ids(store.valid("verify")) == ["c", "a"]
    assert endpoint.fetches == 4


@pytest.mark.parametrize(
    ("miss_time", "backoff"),
    [("4 seconds", 4.0), ("10 seconds", 10.0), ("1 hour", 10.0)],
)
def test_load05_retry_backoff_is_min_of_cache_miss_time_and_ten_seconds(
    endpoint: Endpoint, make_store: Any, clock: FakeClock, miss_time: str, backoff: float
) -> None:
    """LOAD-05 with decision D-5: the retry waits ``min(cacheMissCacheTime, 10 s)``."""
    endpoint.document = jwk_set(_ec(0, kid="a"))
    store = make_store(cacheMissCacheTime=miss_time)
    store.valid("verify")
    clock.advance(120)
    endpoint.status = 503
    assert _ids(store.valid("verify")) == ["a"]
    assert endpoint.fetches == 2
    clock.advance(backoff - 0.5)
    assert _ids(store.valid("verify")) == ["a"]
    assert endpoint.fetches == 2
    clock.advance(0.5)
    _heal(endpoint)
    endpoint.document = jwk_set(_ec(1, kid="b"))
    assert _ids(store.valid("verify")) == ["b"]
    assert endpoint.fetches == 3


def test_load05_first_load_failure_is_throttled(
    endpoint: Endpoint, make_store: Any, clock: FakeClock
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"))
    endpoint.status = 500
    store = make_store()
    with pytest.raises(LoadError):
        store.valid("verify")
    assert endpoint.fetches == 1

    with pytest.raises(LoadError) as caught:
        store.valid("verify")
    assert JWKS_URL in str(caught.value)
    assert endpoint.fetches == 1

    clock.advance(9.5)
    with pytest.raises(LoadError):
        store.named("verify", "a")
    assert endpoint.fetches == 1

    clock.advance(0.5)
    _heal(endpoint)
    assert _ids(store.valid("verify")) == ["a"]
    assert endpoint.fetches == 2
