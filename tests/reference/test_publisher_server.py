"""The reference publisher against hostile input: malformed requests on its real port, a
`Host` that makes no URL, realm trees too deep to read, idle keep-alive clients at stop.

Raw sockets on 127.0.0.1 send what httpx never would; every read is bounded, and every
server is stopped when its test ends.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from jwkconform.fixtures import keystore
from jwkconform.reference import (
    MAX_REALM_DEPTH,
    ConfigError,
    PublisherApp,
    PublisherConfig,
    PublisherServer,
)

BOUND = 3.0  # real seconds any exchange may take
DISCOVERY = "/oauth2/realms/root/.well-known/openid-configuration"


@pytest.fixture(scope="module")
def app() -> PublisherApp:
    demo = PublisherConfig.from_json({"keystore": dict(keystore())}).keystore
    return PublisherApp(PublisherConfig.new_install(demo))


@pytest.fixture
def server(app: PublisherApp) -> Iterator[PublisherServer]:
    with PublisherServer(app) as running:
        yield running


def _connect(server: PublisherServer) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=BOUND)
    connection.settimeout(BOUND)
    return connection


def _read_until_closed(connection: socket.socket) -> tuple[bytes, bool]:
    """Everything the server sends, and whether it closed the connection within BOUND."""
    received = b""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            return received, False
        if not chunk:
            return received, True
        received += chunk
    return received, False


def _statuses(received: bytes) -> list[int]:
    return [int(line.split()[1]) for line in received.split(b"\r\n") if line.startswith(b"HTTP/1.")]


MALFORMED: list[Any] = [
    pytest.param(f"GET {DISCOVERY} HTTP/1.1\r\nHost: [\r\n\r\n", 400, id="host-bracket"),
    pytest.param("GET /\r\n", 400, id="http-0.9"),
    pytest.param("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", 400, id="four-words"),
    pytest.param("FOO\r\n\r\n", 400, id="one-word"),
    pytest.param(f"GET {DISCOVERY} HTTP/1.1\r\n\r\n", 400, id="http-1.1-without-host"),
    pytest.param(f"GET {DISCOVERY} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, id="two-hosts"),
    pytest.param(f"GET {DISCOVERY} HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, id="host-with-path"),
    pytest.param(f"GET {DISCOVERY} HTTP/1.1\r\nHost: me@evil\r\n\r\n", 400, id="host-user-info"),
    pytest.param(f"GET {DISCOVERY} HTTP/1.1\r\nHost: a:http\r\n\r\n", 400, id="host-bad-port"),
    pytest.param(f"GET {DISCOVERY} HTTP/1.x\r\nHost: a\r\n\r\n", 400, id="bad-version"),
    pytest.param(f"GET {DISCOVERY} HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n", 400, id="header"),
    pytest.param("GET /" + "a" * 70_000 + " HTTP/1.1\r\n\r\n", 414, id="long-request-line"),
    pytest.param(f"GET / HTTP/1.1\r\nHost: a\r\nX: {'a' * 70_000}\r\n\r\n", 431, id="long-header"),
    pytest.param("GET / HTTP/1.1\r\nHost: a\r\n" + "X: y\r\n" * 200 + "\r\n", 431, id="headers"),
    pytest.param(f"GET {DISCOVERY} HTTP/2.0\r\nHost: a\r\n\r\n", 505, id="http-2.0"),
]


@pytest.mark.parametrize(("request_text", "status"), MALFORMED)
def test_a_malformed_request_gets_a_json_refusal_and_the_connection_closes(
    server: PublisherServer, request_text: str, status: int
) -> None:
    with _connect(server) as connection:
        connection.sendall(request_text.encode("latin-1"))
        received, closed = _read_until_closed(connection)
    assert _statuses(received) == [status], received[:300]
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["error"]
    assert closed, "the connection stayed open after a malformed request"


def test_a_host_that_makes_no_url_is_a_400_in_process_too(app: PublisherApp) -> None:
    status, headers, body = app.handle("GET", f"http://[{DISCOVERY}")
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": "bad_request"}


def test_an_http_1_0_request_without_host_is_served(server: PublisherServer) -> None:
    with _connect(server) as connection:
        connection.sendall(f"GET {DISCOVERY} HTTP/1.0\r\n\r\n".encode())
        received, _ = _read_until_closed(connection)
    assert _statuses(received) == [200]
    issuer = json.loads(received.partition(b"\r\n\r\n")[2])["issuer"]
    assert issuer == f"{server.base_url}/oauth2/realms/root"


def test_an_unusual_method_is_answered_by_the_app(server: PublisherServer) -> None:
    with _connect(server) as connection:
        request = f"OPTIONS {DISCOVERY} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode())
        received, _ = _read_until_closed(connection)
    assert _statuses(received) == [405]
    assert b"allow: get, head" in received.lower()


def test_a_request_body_is_never_read_as_the_next_request(server: PublisherServer) -> None:
    """A POST's body ("GET / ..." here) must not be answered as a request of its own."""
    smuggled = f"GET {DISCOVERY} HTTP/1.1\r\nHost: a\r\n\r\n"
    request = f"POST {DISCOVERY} HTTP/1.1\r\nHost: a\r\nContent-Length: {len(smuggled)}\r\n\r\n"
    with _connect(server) as connection:
        connection.sendall((request + smuggled).encode())
        received, closed = _read_until_closed(connection)
    assert _statuses(received) == [405]
    assert closed


def _publisher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("jwkconform-publisher")]


def test_stop_closes_idle_keep_alive_connections_and_joins_their_threads(
    app: PublisherApp,
) -> None:
    server = PublisherServer(app)
    server.start()
    clients = []
    try:
        for _ in range(3):
            client = _connect(server)
            client.sendall(f"GET {DISCOVERY} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
            head = b""
            while b"}" not in head:  # the whole JSON answer; the connection stays open
                head += client.recv(65536)
            clients.append(client)
        assert len(_publisher_threads()) == 4  # the serve loop and three idle connections
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < BOUND
        assert _publisher_threads() == []
        for client in clients:
            assert _read_until_closed(client) == (b"", True)
    finally:
        server.stop()
        for client in clients:
            client.close()


# -- realm trees too deep to read --------------------------------------------------------------


def _nested(depth: int) -> dict[str, Any]:
    """A realm tree ``depth`` levels below root, built without recursion."""
    realm: dict[str, Any] = {}
    for _ in range(depth):
        realm = {"realms": {"r": realm}}
    return realm


def test_realms_as_deep_as_the_limit_load_and_answer(app: PublisherApp) -> None:
    config = PublisherConfig.from_json({"keystore": {}, "realm": _nested(MAX_REALM_DEPTH)})
    path = ("root", *["r"] * MAX_REALM_DEPTH)
    assert config.realm(path) is not None
    status, _, _ = PublisherApp(config).handle(
        "GET", "http://a/oauth2/realms/root" + "/realms/r" * MAX_REALM_DEPTH + "/connect/jwk_uri"
    )
    assert status == 200


@pytest.mark.parametrize("depth", [MAX_REALM_DEPTH + 1, 2_000])
def test_a_realm_tree_deeper_than_the_limit_is_a_config_error(depth: int) -> None:
    with pytest.raises(ConfigError) as caught:
        PublisherConfig.from_json({"keystore": {}, "realm": _nested(depth)})
    assert caught.value.field == "realm" + ".realms.r" * (MAX_REALM_DEPTH + 1)
    assert str(MAX_REALM_DEPTH) in str(caught.value)
