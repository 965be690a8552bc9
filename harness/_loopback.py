"""A real HTTP JWKS endpoint on 127.0.0.1, for implementations that do not run in process.

`LoopbackJwksServer` serves a `JwksScenario` on a free loopback port. It binds to
127.0.0.1 only, never to another address, and every thread it starts is gone once it stops.

How the transport failures look to a client:

- ``timeout``: the request is held unanswered until the server stops (or ``hold_timeout``
  real seconds pass), so the client's own timeout fires; then the connection is closed.
- ``refused``: the connection is closed at once without a byte of response, which a client
  sees as a protocol or read error. A real TCP refusal only exists once the server has
  stopped: its port is then closed and a connect to `LoopbackJwksServer.url` is refused.
"""

from __future__ import annotations

import contextlib
import math
import socket
import socketserver
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from jwkconform.harness._scenario import CLIENT_HEADER, JwksScenario

__all__ = ["LoopbackJwksServer"]

_HOST: Final = "127.0.0.1"
_THREAD_PREFIX: Final = "jwkconform-loopback"
# How often the accept loop looks for a stop request: stop() waits up to this long. Every
# store of a loopback run has its own server, and a shrinking Hypothesis example opens and
# closes hundreds: at 20 ms this wait was most of a real library's run.
_POLL_INTERVAL: Final = 0.002
# A bound on stop(): a thread that outlives it is a daemon and cannot hold up the process.
_JOIN_TIMEOUT: Final = 5.0
_BODILESS: Final = frozenset({204, 304})
_TRICKLE_STEP: Final = 0.1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The base class would join its request threads without a bound; stop() joins ours.
    block_on_close = False
    # socketserver's backlog of 5 makes the sixth concurrent client wait ~1 s for a SYN
    # retransmit; many clients at once are what a JWKS endpoint sees after a rotation.
    request_queue_size = 128

    def __init__(self, scenario: JwksScenario, hold_timeout: float) -> None:
        self.scenario = scenario
        self.hold_timeout = hold_timeout
        self.release = threading.Event()
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        super().__init__((_HOST, 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer would look up the host's name, a DNS query a sandbox may never answer.
        socketserver.TCPServer.server_bind(self)
        self.server_name = _HOST
        self.server_port = self.socket.getsockname()[1]

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{_THREAD_PREFIX}-{self.server_port}-request",
            daemon=True,
        )
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections[thread] = request
        thread.start()

    def process_request_thread(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # A client that hangs up mid-answer is what these tests provoke, not a fault to
        # print on stderr, and nothing may escape a request thread.
        pass

    def close_connections(self, deadline: float) -> None:
        """Unblock and join every request thread, until the real-time ``deadline``."""
        self.release.set()
        with self._connections_lock:
            live = list(self._connections.items())
        for _, connection in live:
            # A thread blocked reading an idle client wakes up to an end of stream.
            with contextlib.suppress(OSError):  # the client may have gone already
                connection.shutdown(socket.SHUT_RDWR)
        for thread, _ in live:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # One request per connection, so that a stop never waits on a kept-alive client.
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        client = self.headers.get(CLIENT_HEADER)
        answer = self.server.scenario.respond(urlsplit(self.path).path, client)
        if answer.failure == "timeout":
            self.server.release.wait(self.server.hold_timeout)
        if answer.failure is not None:
            # Returning without a byte written closes the connection with no response.
            self.close_connection = True
            return
        self._send(answer.status, answer.headers, answer.body, answer.trickle)

    def _method_not_allowed(self) -> None:
        self._send(405, {"allow": "GET"}, b"")

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _method_not_allowed

    def _send(
        self, status: int, headers: Mapping[str, str], body: bytes, trickle: float = 0.0
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status not in _BODILESS:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if not trickle:
            if body:
                self.wfile.write(body)
            return
        # A few bytes at a time, each well within any per-read time-out; a stop of the
        # server cuts it short.
        pieces = max(1, int(trickle / _TRICKLE_STEP))
        size = -(-len(body) // pieces)
        for start in range(0, len(body), size):
            self.wfile.write(body[start : start + size])
            self.wfile.flush()
            if self.server.release.wait(_TRICKLE_STEP):
                return

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fetch log is the scenario's; stderr stays clean


class LoopbackJwksServer:
    """A `JwksScenario` served over HTTP on 127.0.0.1, on a free port.

    >>> import httpx
    >>> from jwkconform.harness._clock import FakeClock
    >>> scenario = JwksScenario(FakeClock(), {"keys": []})
    >>> with LoopbackJwksServer(scenario) as server:
    ...     httpx.get(server.url, trust_env=False).json()
    {'keys': []}

    A server starts once; `stop` is safe to call again, and `url` stays valid after it
    (a connect to it is then refused).
    """

    def __init__(self, scenario: JwksScenario, *, hold_timeout: float = 30.0) -> None:
        if not (math.isfinite(hold_timeout) and hold_timeout > 0):
            raise ValueError(f"hold_timeout is a positive number of seconds, got {hold_timeout!r}")
        self.scenario = scenario
        self.hold_timeout = hold_timeout
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None
        self._stopped = False

    def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve from one daemon thread."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError("a LoopbackJwksServer starts only once")
            server = _Server(self.scenario, self.hold_timeout)
            host, port = server.socket.getsockname()[:2]
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": _POLL_INTERVAL},
                name=f"{_THREAD_PREFIX}-{port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread, self._address = server, thread, (str(host), int(port))

    def stop(self) -> None:
        """Release held requests, close the port and join every thread (bounded)."""
        with self._lock:
            server, thread = self._server, self._thread
            if server is None or thread is None or self._stopped:
                return
            self._stopped = True
        deadline = time.monotonic() + _JOIN_TIMEOUT
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(max(0.0, deadline - time.monotonic()))
        server.close_connections(deadline)

    @property
    def server_address(self) -> tuple[str, int]:
        """The bound ``(host, port)``; the host is always 127.0.0.1."""
        if self._address is None:
            raise RuntimeError("the LoopbackJwksServer has not been started")
        return self._address

    @property
    def port(self) -> int:
        """The port the server bound."""
        return self.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a path."""
        return f"http://{_HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The endpoint: `base_url` + ``scenario.path``."""
        return self.base_url + self.scenario.path

    def __enter__(self) -> LoopbackJwksServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._address is not None else "not started"
        return f"LoopbackJwksServer({where})"
