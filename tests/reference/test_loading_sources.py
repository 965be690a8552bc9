"""Reading the JWK Set: HTTP and file URLs, key purposes, the body size cap (LOAD-01, 02, 06)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from _loading_support import _capture_warnings as _capture_warnings  # autouse fixture
from _loading_support import _ec, _ids, _padded
from _loading_support import make_store as make_store  # fixture
from support import JWKS_URL, Endpoint

from jwkconform.fixtures import jwk_set
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import (
    JwkSetSecretStore,
    LoadError,
    StoreConfig,
    UnsupportedPurposeError,
)

MIB = 1024 * 1024


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
