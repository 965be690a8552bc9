"""A real HTTP JWKS endpoint on 127.0.0.1, for implementations that do not run in process.

`LoopbackJwksServer` serves one `JwksScenario` on a free loopback port. `LoopbackHub`
serves many, each mounted under a path of its own, from one server that starts once: a
server started and stopped for every store cost 1.5 ms, and a shrinking Hypothesis example
opens hundreds of stores. Both bind 127.0.0.1 only, never another address, and every thread
they start is gone once they stop.

How the transport failures look to a client:

- ``timeout``: the request is held unanswered until its scenario is closed (the server
  stops, or the hub unmounts it) or ``hold_timeout`` real seconds pass, so the client's own
  timeout fires; then the connection is closed.
- ``refused``: the connection is closed at once without a byte of response, which a client
  sees as a protocol or read error. A real TCP refusal only exists once a server has
  stopped: its port is then closed and a connect to `LoopbackJwksServer.url` is refused. A
  request for a scenario the hub no longer serves is closed the same way, unlogged; one for
  a path under no mount goes to the only scenario mounted (a 404 in its log), if just one is.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from jwkconform._http_server import HOST, TrackingHTTPServer
from jwkconform.harness.endpoints._scenario import CLIENT_HEADER, JwksScenario

__all__ = ["LoopbackHub", "LoopbackJwksServer"]

_THREAD_PREFIX: Final = "jwkconform-loopback"
# How often the accept loop looks for a stop request: stopping waits up to this long. A
# server per store stops hundreds of times in a shrinking example; a hub stops once a run,
# and a short poll would wake it 500 times a second for nothing.
_POLL_INTERVAL: Final = 0.002
_HUB_POLL_INTERVAL: Final = 0.05
# A connection that sends no request within this long is closed, so that an idle client
# holds no thread until the hub stops.
_IDLE_TIMEOUT: Final = 10.0
# A bound on stopping or unmounting: a thread that outlives it is a daemon and cannot hold
# up the process.
_JOIN_TIMEOUT: Final = 5.0
_BODILESS: Final = frozenset({204, 304})
_TRICKLE_STEP: Final = 0.05
# The mount of a server that serves one scenario at its own path.
_WHOLE: Final = ""


def _check_hold(hold_timeout: float) -> None:
    if not (math.isfinite(hold_timeout) and hold_timeout > 0):
        raise ValueError(f"hold_timeout is a positive number of seconds, got {hold_timeout!r}")


@dataclass(eq=False)
class _Mount:
    """One scenario's share of a server; closing it ends the requests it holds."""

    scenario: JwksScenario
    hold_timeout: float
    release: threading.Event = field(default_factory=threading.Event)


class _Server(TrackingHTTPServer):
    """Serves the scenarios mounted on it; a request thread is tagged with its mount."""

    def __init__(self) -> None:
        self._mounts: dict[str, _Mount] = {}
        # Names once mounted: a late request for one is a closed store's, nobody else's.
        self._retired: set[str] = set()
        super().__init__(_Handler, thread_name=_THREAD_PREFIX)

    def mount(self, name: str, mount: _Mount) -> None:
        with self._lock:
            self._mounts[name] = mount

    def claim(self, path: str) -> tuple[_Mount, str] | None:
        """The mount ``path`` is for and the path within it; the calling request thread is
        that mount's until it ends. None for a scenario no longer served.

        A path under no mount is charged to the only mount open, whole: a store that asks
        for ``/`` or ``/.well-known/...`` besides its URL shows in its own fetch log.
        """
        with self._lock:
            mount = self._mounts.get(_WHOLE)
            if mount is None:
                _, name, rest = [*path.split("/", 2), "", ""][:3]
                mount = self._mounts.get(name)
                if mount is not None:
                    path = "/" + rest
                elif name not in self._retired and len(self._mounts) == 1:
                    mount = next(iter(self._mounts.values()))
            if mount is not None:
                self.tag_connection(mount)
        return None if mount is None else (mount, path)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is what these tests provoke, not a fault to
        # print on stderr, and nothing may escape a request thread.
        pass

    def unmount(self, name: str | None, deadline: float) -> None:
        """Release, unblock and join the request threads of mount ``name`` (None: of every
        mount, and the threads not yet reading a request), until the real-time ``deadline``."""
        with self._lock:
            names = list(self._mounts) if name is None else [name]
            gone = [self._mounts.pop(n) for n in names]
            self._retired.update(names)
        for mount in gone:
            mount.release.set()
        self.close_connections(deadline, lambda tag: tag in gone or (name is None and tag is None))

    def stop(self) -> None:
        """Release held requests, close the port and join every thread (bounded)."""
        deadline = time.monotonic() + _JOIN_TIMEOUT
        self.stop_serving(deadline)
        self.unmount(None, deadline)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # One request per connection, so that a stop never waits on a kept-alive client.
    protocol_version = "HTTP/1.0"
    timeout = _IDLE_TIMEOUT

    def do_GET(self) -> None:
        claimed = self.server.claim(urlsplit(self.path).path)
        if claimed is None:  # a scenario that is closed: as if its server had stopped
            self.close_connection = True
            return
        mount, path = claimed
        answer = mount.scenario.respond(path, self.headers.get(CLIENT_HEADER))
        if answer.failure == "timeout":
            mount.release.wait(mount.hold_timeout)
        if answer.failure is not None:
            # Returning without a byte written closes the connection with no response.
            self.close_connection = True
            return
        self._send(answer.status, answer.headers, answer.body, mount.release, answer.trickle)

    def _method_not_allowed(self) -> None:
        self._send(405, {"allow": "GET"}, b"", threading.Event())

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _method_not_allowed

    def _send(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        release: threading.Event,
        trickle: float = 0.0,
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
        # A few bytes at a time, each well within any per-read time-out; closing the
        # scenario cuts it short.
        pieces = max(1, int(trickle / _TRICKLE_STEP))
        size = -(-len(body) // pieces)
        for start in range(0, len(body), size):
            self.wfile.write(body[start : start + size])
            self.wfile.flush()
            if release.wait(_TRICKLE_STEP):
                return

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fetch log is the scenario's; stderr stays clean


class LoopbackJwksServer:
    """A `JwksScenario` served over HTTP on 127.0.0.1, on a free port.

    >>> import httpx
    >>> from jwkconform.harness.endpoints._clock import FakeClock
    >>> scenario = JwksScenario(FakeClock(), {"keys": []})
    >>> with LoopbackJwksServer(scenario) as server:
    ...     httpx.get(server.url, trust_env=False).json()
    {'keys': []}

    A server starts once; `stop` is safe to call again, and `url` stays valid after it
    (a connect to it is then refused).
    """

    def __init__(self, scenario: JwksScenario, *, hold_timeout: float = 30.0) -> None:
        _check_hold(hold_timeout)
        self.scenario = scenario
        self.hold_timeout = hold_timeout
        self._lock = threading.Lock()
        self._running: _Server | None = None
        self._stopped = False

    def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve from one daemon thread."""
        with self._lock:
            if self._running is not None:
                raise RuntimeError("a LoopbackJwksServer starts only once")
            running = _Server()
            running.mount(_WHOLE, _Mount(self.scenario, self.hold_timeout))
            running.start_serving(_POLL_INTERVAL)
            self._running = running

    def stop(self) -> None:
        """Release held requests, close the port and join every thread (bounded)."""
        with self._lock:
            running = self._running
            if running is None or self._stopped:
                return
            self._stopped = True
        running.stop()

    @property
    def server_address(self) -> tuple[str, int]:
        """The bound ``(host, port)``; the host is always 127.0.0.1."""
        if self._running is None:
            raise RuntimeError("the LoopbackJwksServer has not been started")
        return HOST, self._running.server_port

    @property
    def port(self) -> int:
        """The port the server bound."""
        return self.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a path."""
        return f"http://{HOST}:{self.port}"

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
        where = self.url if self._running is not None else "not started"
        return f"LoopbackJwksServer({where})"


class LoopbackHub:
    """Many `JwksScenario`s served over HTTP from one server on 127.0.0.1.

    Each `mount` serves a scenario under a path of its own until its block ends; then the
    requests it holds are released and joined, and its URL answers nothing. The server
    starts with the first mount and runs until `stop` (after which a mount starts a new one).

    >>> import httpx
    >>> from jwkconform.harness.endpoints._clock import FakeClock
    >>> hub = LoopbackHub()
    >>> with hub.mount(JwksScenario(FakeClock(), {"keys": []})) as url:
    ...     httpx.get(url, trust_env=False).json()
    {'keys': []}
    >>> hub.stop()
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: _Server | None = None
        self._names = itertools.count(1)

    @contextlib.contextmanager
    def mount(self, scenario: JwksScenario, *, hold_timeout: float = 30.0) -> Iterator[str]:
        """Serve ``scenario`` within the block; yields its URL."""
        _check_hold(hold_timeout)
        with self._lock:
            if self._running is None:
                self._running = _Server()
                self._running.start_serving(_HUB_POLL_INTERVAL)
            running, name = self._running, f"s{next(self._names)}"
        running.mount(name, _Mount(scenario, hold_timeout))
        try:
            yield f"{running.url}/{name}{scenario.path}"
        finally:
            with contextlib.suppress(KeyError):  # the hub stopped first: already unmounted
                running.unmount(name, time.monotonic() + _JOIN_TIMEOUT)

    def stop(self) -> None:
        """Close the port and end every request (bounded); safe to call again."""
        with self._lock:
            running, self._running = self._running, None
        if running is not None:
            running.stop()

    def __repr__(self) -> str:
        running = self._running
        where = running.url if running else "stopped"
        return f"LoopbackHub({where})"
