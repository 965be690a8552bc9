"""`PublisherApp` on a real port of 127.0.0.1: the HTTP/1.1 wire, hardened.

http.server parses the requests; this module decides what it must not do with hostile ones:

- a malformed request gets a 4xx answer with a status line, and its connection closes: a
  request line that is not ``METHOD TARGET VERSION`` (an HTTP/0.9 ``GET /`` included, for
  which http.server would wait for headers that never come), a ``Host`` that is missing
  (HTTP/1.1), repeated or not ``host[:port]``, a header section that does not parse. A
  well-formed request of HTTP/2.0 or later gets 505, as http.server sends it;
- a request that carries a body is answered without reading it, and its connection closes
  (the body must never be read as the next request);
- a connection that sends nothing for `IDLE_TIMEOUT` seconds is closed;
- `PublisherServer.stop` closes every connection, idle keep-alive ones included, and joins
  every thread it started, within a bound.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from jwkconform.reference._publisher_http import PublisherApp

__all__ = ["IDLE_TIMEOUT", "PublisherServer"]

# A kept-alive client that goes quiet this long loses its connection and its thread.
IDLE_TIMEOUT: Final = 30.0
# stop() waits at most this long for the serve loop and the request threads.
_STOP_TIMEOUT: Final = 5.0
_THREAD_NAME: Final = "jwkconform-publisher"
# RFC 9110 7.2: uri-host [ ":" port ]; a conservative reg-name (no user info, no "/"), or an
# IP literal. Anything else would end up in discovery's issuer and jwks_uri.
_HOST: Final = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class PublisherServer:
    """`PublisherApp` on a real port of 127.0.0.1 (port 0 picks a free one).

    >>> with PublisherServer(app) as server:  # doctest: +SKIP
    ...     httpx.get(server.base_url + "/oauth2/realms/root/connect/rp/jwk_uri")
    """

    def __init__(self, app: PublisherApp, *, port: int = 0) -> None:
        self.app = app
        handler = type("_Handler", (_Handler,), {"app": app})
        self._server = _Server(("127.0.0.1", port), handler)
        # A short poll interval: stop() waits for the serve loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=_THREAD_NAME,
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread (at most ~5 s)."""
        deadline = time.monotonic() + _STOP_TIMEOUT
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(max(0.0, deadline - time.monotonic()))
        self._server.server_close()
        self._server.close_connections(deadline)

    def __enter__(self) -> PublisherServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    """Knows the socket of every request thread, so that stop can wake and join them all.

    The harness's loopback JWKS server does the same (harness/_loopback.py); the reference
    imports nothing of the harness, so each keeps its own copy.
    """

    # The default backlog of 5 stalls the sixth concurrent client for a SYN retransmit.
    request_queue_size = 128
    daemon_threads = True
    # The base class would join its request threads without a bound; stop() joins ours.
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{_THREAD_NAME}-request",
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

    def close_connections(self, deadline: float) -> None:
        """Wake and join every request thread, until the real-time ``deadline``."""
        with self._connections_lock:
            live = list(self._connections.items())
        for _, connection in live:
            # A thread waiting for a kept-alive client's next request reads an end of stream.
            with contextlib.suppress(OSError):  # the client may have gone already
                connection.shutdown(socket.SHUT_RDWR)
        for thread, _ in live:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    app: PublisherApp
    server: _Server
    raw_requestline: bytes  # set by http.server; typeshed does not declare it
    protocol_version = "HTTP/1.1"
    # An answer to a request line too bad to carry a version still needs a status line
    # (http.server's own default, HTTP/0.9, answers with a bare body).
    default_request_version = "HTTP/1.0"
    # Headers and body go out in two writes; with Nagle's algorithm a kept-alive
    # connection waits ~40 ms for the second.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT

    def parse_request(self) -> bool:
        words = self.raw_requestline.split()
        if words and len(words) != 3:
            self.command, self.request_version = "", self.default_request_version
            self.requestline = self.raw_requestline.decode("iso-8859-1").rstrip("\r\n")
            self.close_connection = True
            self.send_error(400, "Bad request line (HTTP/0.9 is not served)")
            return False
        if not super().parse_request():
            return False
        problem = self._header_problem()
        if problem:
            self.send_error(400, problem)  # sends Connection: close, and closes
            return False
        if self.headers.get("content-length", "0").strip() != "0" or "transfer-encoding" in (
            self.headers
        ):
            self.close_connection = True  # its body is never read, so never parsed either
        return True

    def _header_problem(self) -> str:
        if self.headers.defects:
            return "Malformed header section"
        hosts = self.headers.get_all("host") or []
        if len(hosts) > 1:
            return "More than one Host header"
        if not hosts and self.request_version == "HTTP/1.1":
            return "An HTTP/1.1 request needs a Host header"
        if hosts and not _HOST.fullmatch(hosts[0].strip()):
            return "Invalid Host header"
        return ""

    def _answer(self) -> None:
        host = self.headers.get("host", "").strip() or f"127.0.0.1:{self.server.server_port}"
        status, headers, body = self.app.handle(self.command, f"http://{host}{self.path}")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # Every method of RFC 9110 reaches the app: 405 with Allow on its paths, 404 elsewhere.
    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _answer
    do_OPTIONS = do_PATCH = do_TRACE = do_CONNECT = _answer

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusals, as JSON like every other answer (PUB-15), and closing."""
        status = HTTPStatus(code)
        reason = message or status.phrase
        error = status.phrase.lower().replace(" ", "_").replace("-", "_")
        body = json.dumps({"error": error, "message": reason}).encode()
        self.send_response(code, reason)
        self.send_header("content-type", "application/json")
        self.send_header("connection", "close")  # and http.server then closes it
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a conformance run's output is the report, not an access log
