"""The reference publisher's URLs and bounds against hostile clients: request targets that
would move discovery's URLs to another host, many connections at once, request heads that
trickle in, a request thread that cannot start.

Raw sockets on 127.0.0.1; every read is bounded, and every server is stopped when its test
ends.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_publisher_server import BOUND, DISCOVERY, _publisher_threads, _read_until_closed

from jwkconform.fixtures import keystore
from jwkconform.reference import PublisherApp, PublisherConfig, PublisherServer


@pytest.fixture(scope="module")
def app() -> PublisherApp:
    # A realm whose name needs escaping in a URL.
    raw = {"keystore": dict(keystore()), "newInstall": True, "realm": {"realms": {"a@b": {}}}}
    return PublisherApp(PublisherConfig.from_json(raw))


@pytest.fixture
def server(app: PublisherApp) -> Iterator[PublisherServer]:
    with PublisherServer(app) as running:
        yield running


def _exchange(server: PublisherServer, target: str, host: str = "am.test") -> tuple[int, Any]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as connection:
        connection.settimeout(BOUND)
        request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode("latin-1"))
        received, _ = _read_until_closed(connection)
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


# -- R1: the URLs discovery prints come from the configuration and the Host header alone ----

HOSTILE_TARGETS = [
    pytest.param(f"@evil.example{DISCOVERY}", id="at-sign"),
    pytest.param(f"evil.example{DISCOVERY}", id="no-slash"),
    pytest.param("evil.example:443", id="authority-form"),
    pytest.param(f"\\\\evil.example{DISCOVERY}", id="backslashes"),
    pytest.param(f"\\evil.example{DISCOVERY}", id="backslash"),
    pytest.param(f"http://evil.example{DISCOVERY}", id="absolute-form-other-host"),
    pytest.param(f"http://am.test@evil.example{DISCOVERY}", id="absolute-form-user-info"),
    pytest.param("*", id="asterisk"),
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_a_target_that_is_not_a_path_on_this_host_is_refused(
    server: PublisherServer, target: str
) -> None:
    status, body = _exchange(server, target)
    assert status == 400
    assert body["error"] == "bad_request"


PATH_TARGETS = [
    pytest.param(DISCOVERY, id="origin-form"),
    pytest.param(f"http://am.test{DISCOVERY}", id="absolute-form"),
    pytest.param(f"HTTP://AM.TEST{DISCOVERY}", id="absolute-form-upper-case"),
    pytest.param(f"//evil.example{DISCOVERY}", id="double-slash"),
    pytest.param(f"/\\evil.example{DISCOVERY}", id="slash-backslash"),
    pytest.param(f"/%40evil.example{DISCOVERY}", id="percent-at"),
    pytest.param(f"/%2F%2Fevil.example{DISCOVERY}", id="percent-slashes"),
    pytest.param("/oauth2/realms/root/realms/a%40b/.well-known/openid-configuration", id="realm"),
    pytest.param("/oauth2/realms/root/realms/a@b/.well-known/openid-configuration", id="raw-at"),
]


@pytest.mark.parametrize("target", PATH_TARGETS)
def test_discovery_urls_never_leave_the_host_header(server: PublisherServer, target: str) -> None:
    status, body = _exchange(server, target)
    assert status in (200, 404)
    if status == 200:
        for name in ("issuer", "jwks_uri"):
            parts = urlsplit(body[name])
            assert (parts.scheme, parts.netloc) == ("http", "am.test"), body
            assert parts.path.startswith("/oauth2/realms/root"), body
            assert "@" not in parts.path, body
            assert "\\" not in parts.path, body


@pytest.mark.parametrize("target", [f"http://am.test{DISCOVERY}", f"HTTP://AM.TEST{DISCOVERY}"])
def test_an_absolute_form_target_for_this_host_is_served(
    server: PublisherServer, target: str
) -> None:
    """RFC 9112 3.2.2: a server must accept the absolute-form."""
    assert _exchange(server, target) == _exchange(server, DISCOVERY)
    assert _exchange(server, target)[0] == 200


def test_a_realm_url_is_spelled_from_the_configured_name() -> None:
    """Percent-encoded or raw, the same realm gets the same URLs: its configured name,
    escaped."""
    config = PublisherConfig.from_json({"keystore": {}, "realm": {"realms": {"a@b": {}}}})
    app = PublisherApp(config)
    answers = []
    for spelling in ("a@b", "a%40b", "%61%40b"):
        url = (
            f"http://am.test/oauth2/realms/root/realms/{spelling}/.well-known/openid-configuration"
        )
        status, _, body = app.handle("GET", url)
        assert status == 200
        answers.append(json.loads(body))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["issuer"] == "http://am.test/oauth2/realms/root/realms/a%40b"


# -- R10: a bounded number of connections, a bounded request head, a stop that stops --------


def test_connections_beyond_the_cap_are_refused_at_once(app: PublisherApp) -> None:
    clients: list[socket.socket] = []
    with PublisherServer(app, max_connections=4) as server:
        try:
            for _ in range(4):  # half-sent requests, each holding a thread
                client = socket.create_connection(("127.0.0.1", server.port), timeout=BOUND)
                client.sendall(b"GET / HTTP/1.1\r\n")
                clients.append(client)
            deadline = time.monotonic() + BOUND
            while len(_publisher_threads()) < 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            for _ in range(20):
                with socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as extra:
                    extra.settimeout(BOUND)
                    received, closed = _read_until_closed(extra)
                assert received.startswith(b"HTTP/1.1 503 "), received
                assert closed
            assert len(_publisher_threads()) == 5  # the serve loop and four connections
        finally:
            for client in clients:
                client.close()


def test_a_request_head_that_trickles_in_is_cut_off(app: PublisherApp) -> None:
    with PublisherServer(app, head_timeout=0.5) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as client:
            client.settimeout(BOUND)
            started = time.monotonic()
            request = f"GET {DISCOVERY} HTTP/1.1\r\nHost: a\r\n\r\n".encode()
            closed = False
            for byte in request:  # one byte every 0.1 s: each read is quick, the head is not
                try:
                    client.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.1)
            if not closed:
                received, closed = _read_until_closed(client)
                assert b"HTTP/1.1 200" not in received
        assert closed
        assert time.monotonic() - started < BOUND + 1.0


def test_a_request_head_within_its_deadline_is_served(app: PublisherApp) -> None:
    request = f"GET {DISCOVERY} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    with (
        PublisherServer(app, head_timeout=BOUND) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as client,
    ):
        client.settimeout(BOUND)
        for chunk in (request[:10], request[10:30], request[30:]):
            client.sendall(chunk.encode())
            time.sleep(0.05)
        received, _ = _read_until_closed(client)
    assert received.startswith(b"HTTP/1.1 200 ")


def test_stop_stops_when_a_request_thread_could_not_start(
    app: PublisherApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = threading.Thread.start

    def no_thread_for_requests(thread: threading.Thread) -> None:
        if thread.name.endswith("-request"):
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", no_thread_for_requests)
    server = PublisherServer(app)
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=BOUND) as client:
            client.settimeout(BOUND)
            client.sendall(f"GET {DISCOVERY} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
            received, closed = _read_until_closed(client)
        assert received.startswith(b"HTTP/1.1 503 ")
        assert closed
    finally:
        server.stop()  # raised "cannot join thread before it is started"
    assert _publisher_threads() == []
