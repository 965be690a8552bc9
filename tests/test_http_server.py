"""The threaded server the harness and the reference share: it ends every thread it started."""

from __future__ import annotations

import doctest
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from jwkconform import _http_server
from jwkconform._http_server import TrackingHTTPServer


class _Tagging(BaseHTTPRequestHandler):
    """Tags its connection with the request's path, then waits for the next request."""

    server: TrackingHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        with self.server._lock:
            self.server.tag_connection(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[TrackingHTTPServer]:
    server = TrackingHTTPServer(_Tagging, thread_name="test-tracking")
    server.start_serving(poll_interval=0.01)
    yield server
    deadline = time.monotonic() + 5.0
    server.stop_serving(deadline)
    server.close_connections(deadline)


def _threads(server: TrackingHTTPServer) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"{server.thread_name}-request"]


def _idle_client(server: TrackingHTTPServer, path: str) -> socket.socket:
    """A kept-alive client that sent one request, read its answer and now says nothing."""
    client = socket.create_connection(("127.0.0.1", server.server_port), timeout=5.0)
    client.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert client.recv(1024).startswith(b"HTTP/1.1 204")
    return client


def test_the_docstring_example_runs() -> None:
    assert doctest.testmod(_http_server).failed == 0


def test_closing_connections_by_tag_ends_those_threads_and_no_other(
    server: TrackingHTTPServer,
) -> None:
    kept, ended = _idle_client(server, "/kept"), _idle_client(server, "/ended")
    assert len(_threads(server)) == 2
    started = time.monotonic()
    server.close_connections(time.monotonic() + 5.0, lambda tag: tag == "/ended")
    assert time.monotonic() - started < 5.0
    assert ended.recv(1) == b""  # its connection is closed
    assert len(_threads(server)) == 1
    server.close_connections(time.monotonic() + 5.0)
    assert kept.recv(1) == b""
    assert _threads(server) == []
    kept.close()
    ended.close()


def test_a_connection_beyond_the_limit_is_refused_and_closed() -> None:
    server = TrackingHTTPServer(_Tagging, thread_name="test-tracking", max_connections=1)
    server.start_serving(poll_interval=0.01)
    try:
        first = _idle_client(server, "/first")
        second = socket.create_connection(("127.0.0.1", server.server_port), timeout=5.0)
        assert second.recv(1) == b""  # closed without an answer: the base refusal
        first.close()
        second.close()
    finally:
        deadline = time.monotonic() + 5.0
        server.stop_serving(deadline)
        server.close_connections(deadline)
    assert _threads(server) == []
    with pytest.raises(RuntimeError, match="once"):
        server.start_serving(poll_interval=0.01)
