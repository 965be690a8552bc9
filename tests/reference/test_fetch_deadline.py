"""CFG-09: one real-time deadline, ``fetchTimeout``, bounds a whole fetch (connect, headers
and body together), whatever client makes it.

Real time is the subject here, so these tests use a real loopback server and small real
durations (a 0.5 s deadline); the store's own clock is still the fake one. Every server
thread and socket is closed when a test ends.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import ConfigError, JwkSetSecretStore, LoadError, StoreConfig
from jwkconform.reference._workers import BUSY

DEADLINE = 0.5
# The caller may come back a little after the deadline (thread hand-over, a busy machine).
SLACK = 1.0


class _SlowServer:
    """A loopback HTTP server that answers every request slowly: ``trickle`` sends headers
    and then one body byte every ``interval`` seconds; ``silent`` reads the request and
    sends nothing. Either hangs up after ``GIVE_UP`` seconds, so that a client without a
    deadline fails a test instead of hanging it. It stops at ``stop()``: every socket
    closed, every thread joined."""

    GIVE_UP = 5.0

    def __init__(self, mode: str, interval: float = 0.05) -> None:
        self.mode, self.interval = mode, interval
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/jwks"

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)
            thread = threading.Thread(target=self._answer, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _answer(self, connection: socket.socket) -> None:
        give_up = time.monotonic() + self.GIVE_UP
        with contextlib.suppress(OSError):
            connection.recv(65536)
            if self.mode == "trickle":
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{")
                while not self._stop.wait(self.interval) and time.monotonic() < give_up:
                    connection.sendall(b" ")
            else:
                self._stop.wait(self.GIVE_UP)
            connection.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self._stop.set()
        self._accept.join(5)
        self._listener.close()
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        for thread in self._threads:
            thread.join(5)


@pytest.fixture(params=["trickle", "silent"])
def slow_server(request: pytest.FixtureRequest) -> Iterator[_SlowServer]:
    server = _SlowServer(request.param)
    yield server
    server.stop()


def _fetch_threads() -> list[threading.Thread]:
    """The worker threads running a fetch (idle ones wait for the next under another name)."""
    return [t for t in threading.enumerate() if t.name == BUSY]


def _timed_load(store: JwkSetSecretStore) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        store.valid("verify")
    except Exception as exc:
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


@pytest.mark.parametrize(
    "client_timeout",
    [
        pytest.param("default", id="default-client"),
        pytest.param(None, id="handler-without-timeouts"),
    ],
)
def test_cfg09_slow_server_cannot_hold_a_load_open(
    slow_server: _SlowServer, clock: FakeClock, client_timeout: Any
) -> None:
    config: dict[str, Any] = {"jwkUrl": slow_server.url, "fetchTimeout": "500 ms"}
    handler = None
    if client_timeout is None:
        handler = httpx.Client(timeout=None)
        config["handler"] = handler
    try:
        with JwkSetSecretStore.from_json(config, clock=clock) as store:
            elapsed, raised = _timed_load(store)
        assert isinstance(raised, LoadError), raised
        # The deadline, or a read timeout the deadline bounded, whichever fired first.
        assert "timed out" in str(raised)
        assert DEADLINE <= elapsed < DEADLINE + SLACK, f"the load took {elapsed:.2f} s"
        # The abandoned worker gives up too: at its next chunk, or at its own read timeout.
        deadline = time.monotonic() + DEADLINE + SLACK
        while _fetch_threads() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not _fetch_threads(), "the abandoned fetch thread is still running"
    finally:
        if handler is not None:
            handler.close()


def test_cfg09_a_failed_fetch_is_throttled_like_any_load_error(
    clock: FakeClock,
) -> None:
    server = _SlowServer("silent")
    try:
        config = {"jwkUrl": server.url, "fetchTimeout": "500 ms"}
        with JwkSetSecretStore.from_json(config, clock=clock) as store:
            _timed_load(store)
            elapsed, raised = _timed_load(store)  # within the back-off: no second fetch
        assert isinstance(raised, LoadError)
        assert elapsed < DEADLINE
    finally:
        server.stop()


# -- configuration --------------------------------------------------------------------------


def test_cfg09_fetch_timeout_defaults_to_ten_seconds() -> None:
    config = StoreConfig.from_json({"jwkUrl": "https://idp.test/jwks"})
    assert config.fetch_timeout.seconds == 10


@pytest.mark.parametrize(("text", "seconds"), [("500 ms", 0.5), ("1 minute", 60), ("1 ns", 1e-9)])
def test_cfg09_fetch_timeout_takes_a_duration(text: str, seconds: float) -> None:
    config = StoreConfig.from_json({"jwkUrl": "https://idp.test/jwks", "fetchTimeout": text})
    assert config.fetch_timeout.seconds == seconds


@pytest.mark.parametrize(
    "value", ["zero", "0 s", "unlimited", "none", "-1 s", "10", "49711 days", 10, None]
)
def test_cfg09_fetch_timeout_must_be_finite_and_above_zero(value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        StoreConfig.from_json({"jwkUrl": "https://idp.test/jwks", "fetchTimeout": value})
    assert caught.value.field == "fetchTimeout"
    assert repr(value) in str(caught.value)
