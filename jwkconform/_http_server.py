"""A threaded HTTP server on 127.0.0.1 that can end every thread it started, within a bound.

http.server's `ThreadingHTTPServer` starts a daemon thread per connection and forgets it: a
server stopped while a client idles on a kept-alive connection, or while a request is held
open on purpose, leaves the thread behind. `TrackingHTTPServer` keeps each request thread
with its socket, so that `close_connections` can wake it (an end of stream, or an error
on write) and join it before a deadline. The harness's loopback JWKS server
(``harness/endpoints/_loopback.py``) and the reference publisher's server
(``reference/_publisher_server.py``) are both built on it; it imports nothing of jwkconform,
so that both may import it and the arrows between the parts stay one-way.

>>> from http.server import BaseHTTPRequestHandler
>>> server = TrackingHTTPServer(BaseHTTPRequestHandler, thread_name="example")
>>> server.start_serving(poll_interval=0.05)
>>> server.url.startswith("http://127.0.0.1:")
True
>>> deadline = time.monotonic() + 5
>>> server.stop_serving(deadline); server.close_connections(deadline)
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

__all__ = ["HOST", "TrackingHTTPServer"]

# The only address a server of jwkconform binds.
HOST: Final = "127.0.0.1"


@dataclass(eq=False)
class _Connection:
    """A request thread's socket, and what the server says it is for (None: not known yet)."""

    socket: socket.socket
    tag: object = None


class TrackingHTTPServer(ThreadingHTTPServer):
    """A `ThreadingHTTPServer` on `HOST` that knows the socket of every request thread.

    Threads are named ``THREAD_NAME-PORT`` (the accept loop) and ``THREAD_NAME-PORT-request``.
    With ``max_connections``, a connection beyond that many open is `refuse`\\ d at once, as
    is one whose thread cannot start. A subclass may guard state of its own with ``_lock``,
    which guards the connections, so that a connection's tag (`tag_connection`) and that
    state change together.
    """

    daemon_threads = True
    # The base class would join its request threads without a bound; close_connections
    # joins ours, within one.
    block_on_close = False
    # socketserver's backlog of 5 makes the sixth concurrent client wait ~1 s for a SYN
    # retransmit; many clients at once are what a JWKS endpoint sees after a rotation.
    request_queue_size = 128

    def __init__(
        self,
        handler: type[BaseHTTPRequestHandler],
        *,
        thread_name: str,
        port: int = 0,
        max_connections: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._connections: dict[threading.Thread, _Connection] = {}
        self._max_connections = max_connections
        self._serving: threading.Thread | None = None
        super().__init__((HOST, port), handler)
        self.thread_name = f"{thread_name}-{self.server_port}"

    def server_bind(self) -> None:
        # HTTPServer would look up the host's name, a DNS query a sandbox may never answer.
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.socket.getsockname()[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a path."""
        return f"http://{HOST}:{self.server_port}"

    def start_serving(self, poll_interval: float) -> None:
        """Run the accept loop in a daemon thread; it looks for a stop every ``poll_interval``
        seconds, so stopping waits up to that long. A server starts once."""
        if self._serving is not None:
            raise RuntimeError("a server starts only once")
        self._serving = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": poll_interval},
            name=self.thread_name,
            daemon=True,
        )
        self._serving.start()

    def stop_serving(self, deadline: float) -> None:
        """End the accept loop (joined until the real-time ``deadline``) and close the port;
        the request threads go on until `close_connections`."""
        if self._serving is not None and self._serving.is_alive():
            self.shutdown()
            self._serving.join(max(0.0, deadline - time.monotonic()))
        self.server_close()

    def tag_connection(self, tag: object) -> None:
        """Say what the calling request thread's connection is for; call with ``_lock`` held."""
        connection = self._connections.get(threading.current_thread())
        if connection is not None:
            connection.tag = tag

    def close_connections(
        self, deadline: float, which: Callable[[object], bool] | None = None
    ) -> None:
        """Wake and join the request threads (those whose tag ``which`` accepts; default:
        all), until the real-time ``deadline``."""
        with self._lock:
            live = [
                (thread, connection.socket)
                for thread, connection in self._connections.items()
                if which is None or which(connection.tag)
            ]
        for _, connection in live:
            # A thread blocked reading an idle client wakes up to an end of stream.
            with contextlib.suppress(OSError):  # the client may have gone already
                connection.shutdown(socket.SHUT_RDWR)
        for thread, _ in live:
            if thread.ident is not None:  # never started: nothing to join
                thread.join(max(0.0, deadline - time.monotonic()))

    def refuse(self, request: socket.socket) -> None:
        """Close a connection that gets no thread; a subclass may answer it first."""
        self.shutdown_request(request)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        assert isinstance(request, socket.socket)  # a stream server's requests are sockets
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{self.thread_name}-request",
            daemon=True,
        )
        with self._lock:
            admitted = (
                self._max_connections is None or len(self._connections) < self._max_connections
            )
            if admitted:
                self._connections[thread] = _Connection(request)
        if not admitted:
            self.refuse(request)
            return
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: the connection goes, the server stays
            with self._lock:
                self._connections.pop(thread, None)
            self.refuse(request)

    def process_request_thread(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._connections.pop(threading.current_thread(), None)
