"""`PublisherApp` on a real port of 127.0.0.1: the HTTP/1.1 wire, hardened.

http.server parses the requests; this module decides what it must not do with hostile ones:

- a malformed request gets a 4xx answer with a status line, and its connection closes: a
  request line that is not ``METHOD TARGET VERSION`` (an HTTP/0.9 ``GET /`` included, for
  which http.server would wait for headers that never come), a ``Host`` that is missing
  (HTTP/1.1), repeated or not ``host[:port]``, a header section that does not parse. A
  well-formed request of HTTP/2.0 or later gets 505, as http.server sends it;
- a request that carries a body is answered without reading it, and its connection closes
  (the body must never be read as the next request);
- the request target is only ever a path: origin-form (``/...``), or absolute-form
  (``http://HOST/...``) for the host the ``Host`` header names; anything else (``@evil/...``,
  ``evil:443``, ``\\evil``, ``*``) is a 400, so that no part of a target can reach the host of
  a URL the publisher prints (discovery's ``issuer`` and ``jwks_uri``);
- a connection that sends nothing for `IDLE_TIMEOUT` seconds is closed, and so is one whose
  request head (request line and headers) is not complete `HEAD_TIMEOUT` seconds after its
  first byte, however slowly it trickles in;
- at most `MAX_CONNECTIONS` connections are served at once (one thread each); the next ones
  get a 503 and are closed at once, and a thread that cannot start costs only its connection;
- `PublisherServer.stop` closes every connection, idle keep-alive ones included, and joins
  every thread it started, within a bound.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Final

from jwkconform._http_server import HOST, TrackingHTTPServer
from jwkconform.reference._publisher_http import PublisherApp

__all__ = ["HEAD_TIMEOUT", "IDLE_TIMEOUT", "MAX_CONNECTIONS", "PublisherServer"]

# A kept-alive client that goes quiet this long loses its connection and its thread.
IDLE_TIMEOUT: Final = 30.0
# A request head (request line and headers) must be whole this long after its first byte.
HEAD_TIMEOUT: Final = 10.0
# Connections served at once (a thread each); the next ones are refused with a 503.
MAX_CONNECTIONS: Final = 64
_BUSY: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"connection: close\r\ncontent-length: 56\r\n\r\n"
    b'{"error": "service_unavailable", "message": "too busy"}\n'
)
# stop() waits at most this long for the serve loop and the request threads.
_STOP_TIMEOUT: Final = 5.0
_THREAD_NAME: Final = "jwkconform-publisher"
# RFC 9110 7.2: uri-host [ ":" port ]; a conservative reg-name (no user info, no "/"), or an
# IP literal. Anything else would end up in discovery's issuer and jwks_uri.
_HOST: Final = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
# RFC 9112 3.2.2: the absolute-form of a request target.
_ABSOLUTE: Final = re.compile(r"http://(?P<authority>[^/?#]*)(?P<rest>[/?][^#]*)?", re.IGNORECASE)


def _origin(target: str, host: str) -> str | None:
    """The path (and query) of a request ``target`` sent with ``host``; None for any other
    form, or for an absolute-form target that names another host.

    >>> _origin("/a?b", "h"), _origin("http://H/a", "h"), _origin("http://h", "h")
    ('/a?b', '/a', '/')
    >>> _origin("@evil.example/a", "h"), _origin("http://evil/a", "h"), _origin("\\\\e/a", "h")
    (None, None, None)
    """
    if target.startswith("/"):
        return target
    found = _ABSOLUTE.fullmatch(target)
    if found is None or found["authority"].lower() != host.lower():
        return None
    rest = found["rest"] or "/"
    return rest if rest.startswith("/") else "/" + rest


class PublisherServer:
    """`PublisherApp` on a real port of 127.0.0.1 (port 0 picks a free one).

    >>> with PublisherServer(app) as server:  # doctest: +SKIP
    ...     httpx.get(server.base_url + "/oauth2/realms/root/connect/rp/jwk_uri")
    """

    def __init__(
        self,
        app: PublisherApp,
        *,
        port: int = 0,
        max_connections: int = MAX_CONNECTIONS,
        head_timeout: float = HEAD_TIMEOUT,
    ) -> None:
        self.app = app
        handler = type("_Handler", (_Handler,), {"app": app, "head_timeout": head_timeout})
        self._server = _Server(
            handler, thread_name=_THREAD_NAME, port=port, max_connections=max_connections
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return self._server.url

    def start(self) -> None:
        # A short poll interval: stop() waits for the serve loop to notice.
        self._server.start_serving(poll_interval=0.05)

    def stop(self) -> None:
        """Stop serving, close every connection and join every thread (at most ~5 s)."""
        deadline = time.monotonic() + _STOP_TIMEOUT
        self._server.stop_serving(deadline)
        self._server.close_connections(deadline)

    def __enter__(self) -> PublisherServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _Server(TrackingHTTPServer):
    """Answers a connection it has no thread for with a 503 (`MAX_CONNECTIONS`)."""

    def refuse(self, request: socket.socket) -> None:
        """A 503 and the connection closed, without ever waiting for the client."""
        with contextlib.suppress(OSError):
            request.setblocking(False)
            request.send(_BUSY)
        super().refuse(request)


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
    head_timeout: float = HEAD_TIMEOUT

    def setup(self) -> None:
        super().setup()
        self._head = _HeadReader(self.connection, self.head_timeout)
        self.rfile = io.BufferedReader(self._head)

    def handle_one_request(self) -> None:
        self._head.expect_request()
        super().handle_one_request()

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
        self._head.head_read()
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
        host = self.headers.get("host", "").strip() or f"{HOST}:{self.server.server_port}"
        path = _origin(self.path, host)
        if path is None:
            self.send_error(400, "Bad request target: a path, or http:// and the Host")
            return
        status, headers, body = self.app.handle(self.command, f"http://{host}{path}")
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


class _HeadReader(io.RawIOBase):
    """A connection's input, read against two clocks: `IDLE_TIMEOUT` for the first byte of a
    request, then the rest of the ``head_timeout`` for its whole head, however it trickles.

    The socket's own timeout bounds one read only; a client sending a byte every few seconds
    would keep a thread forever.
    """

    def __init__(self, connection: socket.socket, head_timeout: float) -> None:
        super().__init__()
        self._connection = connection
        self._head_timeout = head_timeout
        self._deadline: float | None = None
        self._reading_head = False

    def readable(self) -> bool:
        return True

    def expect_request(self) -> None:
        """A new request: wait up to `IDLE_TIMEOUT` for its first byte."""
        self._deadline, self._reading_head = None, True

    def head_read(self) -> None:
        """The head is whole: reads go back to the idle timeout (a body is never read)."""
        self._deadline, self._reading_head = None, False
        self._connection.settimeout(IDLE_TIMEOUT)

    def readinto(self, buffer: Any) -> int:
        if self._deadline is None:
            timeout = IDLE_TIMEOUT
        else:
            timeout = self._deadline - time.monotonic()
            if timeout <= 0:
                raise TimeoutError("the request head took too long")
        self._connection.settimeout(timeout)
        received = self._connection.recv_into(buffer)
        if received and self._reading_head and self._deadline is None:
            self._deadline = time.monotonic() + self._head_timeout
        return received
