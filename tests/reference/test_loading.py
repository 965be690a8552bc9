"""Tests for loading the JWK Set (LOAD-01..06, PUR-07, stable IDs and public JWKs)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from jwcrypto.jwk import JWK
from support import JWKS_URL, Endpoint

from jwkconform.fixtures import jwk_set, private_jwk, public_jwk
from jwkconform.harness._clock import FakeClock
from jwkconform.reference import (
    LOGGER_NAME,
    JwkSetSecretStore,
    LoadError,
    StoreConfig,
    UnsupportedPurposeError,
)

PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MIB = 1024 * 1024


def _ec(index: int, **members: Any) -> dict[str, Any]:
    return public_jwk(private_jwk("EC-P-256", index, **members))


def _ids(secrets: list[Any]) -> list[str]:
    return [secret.stable_id for secret in secrets]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER_NAME and record.levelno == logging.WARNING
    ]


def _padded(document: Any, size: int) -> bytes:
    body = json.dumps(document).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


@pytest.fixture(autouse=True)
def _capture_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)


@pytest.fixture
def make_store(clock: FakeClock) -> Iterator[Any]:
    """``make_store(**members)``: a store over ``JWKS_URL`` (or ``jwkUrl=...``), closed after."""
    stores: list[JwkSetSecretStore] = []

    def make(**members: Any) -> JwkSetSecretStore:
        store = JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL, **members}, clock=clock)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


# --- LOAD-01 ------------------------------------------------------------------------------


def test_load01_http_set_is_read_through_handler_on_first_query(
    endpoint: Endpoint, make_store: Any
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"), _ec(1, kid="b"))
    store = make_store()
    assert endpoint.fetches == 0, "construction must never fetch"
    assert _ids(store.valid("verify")) == ["a", "b"]
    assert endpoint.fetches == 1
    secret = store.named("verify", "b")
    assert secret is not None
    assert secret.stable_id == "b"
    assert endpoint.fetches == 1


@pytest.mark.parametrize("folder", ["plain", "with space"])
def test_load01_file_set_is_read_from_disk(
    tmp_path: Path, endpoint: Endpoint, make_store: Any, folder: str
) -> None:
    path = tmp_path / folder / "jwks.json"
    path.parent.mkdir()
    path.write_text(json.dumps(jwk_set(_ec(0, kid="a"), _ec(1, kid="b"))), encoding="utf-8")
    store = make_store(jwkUrl=path.as_uri())
    assert _ids(store.valid("verify")) == ["a", "b"]
    named = store.named("verify", "a")
    assert named is not None
    assert named.stable_id == "a"
    assert endpoint.fetches == 0


def test_load01_missing_file_is_a_load_error(tmp_path: Path, make_store: Any) -> None:
    url = (tmp_path / "absent.json").as_uri()
    store = make_store(jwkUrl=url)
    with pytest.raises(LoadError) as caught:
        store.valid("verify")
    assert url in str(caught.value)


posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")


def _query_in_thread(store: JwkSetSecretStore) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``store.valid("verify")`` in a thread; its exception lands in the list."""
    caught: list[BaseException] = []

    def query() -> None:
        try:
            store.valid("verify")
        except BaseException as exc:
            caught.append(exc)

    thread = threading.Thread(target=query, daemon=True)
    thread.start()
    return thread, caught


@posix_only
def test_load01_fifo_without_writer_is_refused_without_blocking(
    tmp_path: Path, make_store: Any
) -> None:
    """A FIFO with no writer once blocked a load for ever (holding the store's lock)."""
    fifo = tmp_path / "jwks.json"
    os.mkfifo(fifo)
    thread, caught = _query_in_thread(make_store(jwkUrl=fifo.as_uri()))
    thread.join(5)
    if thread.is_alive():
        # Unblock the reader (a writer that closes at once is an end of file), then fail.
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail("a load from a FIFO with no writer was still blocked after 5 s")
    assert len(caught) == 1
    assert isinstance(caught[0], LoadError)
    assert "not a regular file" in str(caught[0])


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_load01_device_is_refused(make_store: Any) -> None:
    with pytest.raises(LoadError, match="not a regular file"):
        make_store(jwkUrl="file:///dev/zero").valid("verify")


def test_load01_directory_is_a_load_error(tmp_path: Path, make_store: Any) -> None:
    with pytest.raises(LoadError):
        make_store(jwkUrl=tmp_path.as_uri()).valid("verify")


def test_load01_nul_in_a_path_is_a_load_error_even_when_configuration_is_bypassed(
    clock: FakeClock,
) -> None:
    store = JwkSetSecretStore(StoreConfig(jwk_url="file:///x%00"), clock=clock)
    with store, pytest.raises(LoadError, match="path"):
        store.valid("verify")


# --- LOAD-02 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "purpose"),
    [
        (lambda store: store.valid("password"), "password"),
        (lambda store: store.named("password", "a"), "password"),
        (lambda store: store.valid(""), ""),
    ],
    ids=["valid-password", "named-password", "valid-empty"],
)
def test_load02_non_key_purpose_is_refused_without_fetch(
    endpoint: Endpoint, make_store: Any, query: Any, purpose: str
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"))
    store = make_store()
    with pytest.raises(UnsupportedPurposeError) as caught:
        query(store)
    assert repr(purpose) in str(caught.value)
    assert endpoint.fetches == 0


def test_load02_refused_purpose_after_load_makes_no_fetch(
    endpoint: Endpoint, make_store: Any
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"))
    store = make_store()
    store.valid("verify")
    with pytest.raises(UnsupportedPurposeError, match="password"):
        store.named("password", "a")
    assert endpoint.fetches == 1


@pytest.mark.parametrize("purpose", ["verify", "encrypt", "sign", "decrypt"])
def test_load02_all_key_purposes_are_accepted(
    endpoint: Endpoint, make_store: Any, purpose: str
) -> None:
    endpoint.document = jwk_set(_ec(0, kid="a"))
    store = make_store()
    assert isinstance(store.valid(purpose), list)
    store.named(purpose, "a")
    assert endpoint.fetches == 1


# --- LOAD-03 ------------------------------------------------------------------------------


def _rsa_public(**members: Any) -> dict[str, Any]:
    return public_jwk(private_jwk("RSA-2048", 0, **members))


BAD_ENTRIES: list[Any] = [
    pytest.param(5, id="number"),
    pytest.param("x", id="string"),
    pytest.param(None, id="null"),
    pytest.param([], id="array"),
    pytest.param({}, id="empty-object"),
    pytest.param({"kty": "XYZ"}, id="unknown-kty"),
    pytest.param(_ec(2, kid="bad", crv="P-999"), id="ec-unknown-curve"),
    # Extra case beyond the brief: an OKP curve nobody knows.
    pytest.param(
        public_jwk(private_jwk("OKP-Ed25519", 0, kid="bad", crv="Ed999")), id="okp-unknown-curve"
    ),
    pytest.param({k: v for k, v in _rsa_public(kid="bad").items() if k != "n"}, id="rsa-missing-n"),
    pytest.param({"kty": "RSA", "n": "!!!", "e": "AQAB", "kid": "bad"}, id="rsa-bad-n"),
    pytest.param(_ec(2, kid=7), id="kid-not-string"),
    pytest.param(_ec(2, kid="bad", use=1), id="use-not-string"),
    pytest.param(_ec(2, kid="bad", key_ops="verify"), id="key-ops-not-list"),
    pytest.param(_ec(2, kid="bad", key_ops=["verify", "verify"]), id="key-ops-duplicate"),
]


@pytest.mark.parametrize("bad", BAD_ENTRIES)
def test_load03_unusable_jwk_is_skipped_and_others_stay(
    endpoint: Endpoint, make_store: Any, caplog: pytest.LogCaptureFixture, bad: Any
) -> None:
    endpoint.document = {"keys": [_ec(0, kid="first"), bad, _ec(1, kid="last")]}
    store = make_store()
    assert _ids(store.valid("verify")) == ["first", "last"]
    assert store.named("verify", "bad") is None
    warnings = _warnings(caplog)
    assert any("skipping" in message for message in warnings), warnings


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


# --- LOAD-06 ------------------------------------------------------------------------------


def test_load06_body_at_configured_cap_loads(endpoint: Endpoint, make_store: Any) -> None:
    endpoint.raw = _padded(jwk_set(_ec(0, kid="a")), 1000)
    assert len(endpoint.raw) == 1000
    store = make_store(maxBodyBytes=1000)
    assert _ids(store.valid("verify")) == ["a"]


def test_load06_body_over_configured_cap_is_refused(endpoint: Endpoint, make_store: Any) -> None:
    endpoint.raw = _padded(jwk_set(_ec(0, kid="a")), 1001)
    store = make_store(maxBodyBytes=1000)
    with pytest.raises(LoadError) as caught:
        store.valid("verify")
    assert "cap" in str(caught.value)
    assert "1000" in str(caught.value)


def test_load06_default_cap_is_one_mebibyte(endpoint: Endpoint, make_store: Any) -> None:
    endpoint.raw = _padded(jwk_set(_ec(0, kid="a")), MIB)
    assert _ids(make_store().valid("verify")) == ["a"]

    endpoint.raw = _padded(jwk_set(_ec(0, kid="a")), MIB + 1)
    with pytest.raises(LoadError, match="cap"):
        make_store().valid("verify")


def test_load06_declared_content_length_over_cap_is_refused(make_store: Any) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.get(JWKS_URL).mock(
            return_value=httpx.Response(
                200, headers={"content-length": "99999999"}, content=b'{"keys": []}'
            )
        )
        store = make_store()
        with pytest.raises(LoadError) as caught:
            store.valid("verify")
    assert route.call_count == 1
    assert "99999999" in str(caught.value)
    assert "cap" in str(caught.value)


def test_load06_streamed_body_without_length_is_capped(make_store: Any) -> None:
    """LOAD-06: a chunked body (no Content-Length) is cut off once it passes the cap."""
    chunks = [b'{"keys": [', b" " * 600, b" " * 600, b"]}"]
    with respx.mock(assert_all_called=False) as router:
        router.get(JWKS_URL).mock(return_value=httpx.Response(200, content=iter(chunks)))
        store = make_store(maxBodyBytes=1000)
        with pytest.raises(LoadError, match="cap"):
            store.valid("verify")


def test_load06_file_over_cap_is_refused(tmp_path: Path, make_store: Any) -> None:
    path = tmp_path / "jwks.json"
    path.write_bytes(_padded(jwk_set(_ec(0, kid="a")), 1001))
    with pytest.raises(LoadError, match="cap"):
        make_store(jwkUrl=path.as_uri(), maxBodyBytes=1000).valid("verify")
    path.write_bytes(_padded(jwk_set(_ec(0, kid="a")), 1000))
    assert _ids(make_store(jwkUrl=path.as_uri(), maxBodyBytes=1000).valid("verify")) == ["a"]


# --- PUR-07 -------------------------------------------------------------------------------


def test_pur07_oct_key_in_remote_set_is_skipped(
    endpoint: Endpoint, make_store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint.document = jwk_set(private_jwk("oct-256", 0, kid="hmac", use="sig"), _ec(0, kid="ec"))
    store = make_store()
    assert _ids(store.valid("verify")) == ["ec"]
    assert store.named("verify", "hmac") is None
    warnings = _warnings(caplog)
    assert any("skipping" in m and "oct" in m for m in warnings), warnings


def test_pur07_oct_key_in_file_set_is_returned(tmp_path: Path, make_store: Any) -> None:
    path = tmp_path / "jwks.json"
    document = jwk_set(private_jwk("oct-256", 0, kid="hmac", use="sig"), _ec(0, kid="ec"))
    path.write_text(json.dumps(document), encoding="utf-8")
    store = make_store(jwkUrl=path.as_uri())
    assert _ids(store.valid("verify")) == ["hmac", "ec"]
    named = store.named("verify", "hmac")
    assert named is not None
    assert named.stable_id == "hmac"
    assert "k" not in named.jwk


# --- stable IDs and public JWKs -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["EC-P-256", "RSA-2048", "OKP-Ed25519"])
def test_stable_id_without_kid_is_rfc7638_thumbprint(
    endpoint: Endpoint, make_store: Any, kind: str
) -> None:
    public = public_jwk(private_jwk(kind, 0))
    public.pop("kid", None)
    endpoint.document = jwk_set(public)
    (secret,) = make_store().valid("verify")
    assert secret.stable_id == JWK(**public).thumbprint()


@pytest.mark.parametrize("kind", ["EC-P-256", "RSA-2048", "OKP-Ed25519", "OKP-X25519"])
def test_secret_jwk_never_holds_private_members(
    endpoint: Endpoint, make_store: Any, kind: str
) -> None:
    private = private_jwk(kind, 0, kid="p")
    assert "d" in private
    endpoint.document = jwk_set(private)
    store = make_store()
    secrets = [*store.valid("verify"), *store.valid("encrypt")]
    assert secrets
    for secret in secrets:
        assert secret.stable_id == "p"
        assert PRIVATE_MEMBERS.isdisjoint(secret.jwk), sorted(secret.jwk)
        assert dict(secret.jwk) == public_jwk(private)


def test_private_key_without_kid_gets_public_thumbprint(
    endpoint: Endpoint, make_store: Any
) -> None:
    private = private_jwk("EC-P-256", 1)
    private.pop("kid", None)
    endpoint.document = jwk_set(private)
    (secret,) = make_store().valid("verify")
    public = public_jwk(private)
    assert secret.stable_id == JWK(**public).thumbprint()
    assert PRIVATE_MEMBERS.isdisjoint(secret.jwk)
