"""Read the JWK Set document's bytes from an ``http(s)`` or ``file:`` URL (LOAD-01, LOAD-06,
CFG-09).

Every way a read can fail (connection, timeout, HTTP status other than 200, a body over
the size cap, a missing file, or a path that is no regular file: a FIFO, a device, a
directory) becomes one `LoadError` that says what happened. Nothing here blocks for ever.

An HTTP fetch has one real-time deadline, ``fetchTimeout``, for connect, headers and body
together, whatever client makes it (CFG-09): per-read timeouts alone let a server that sends
a byte every few seconds hold a load open for ever. The request runs in a worker thread
(reused from fetch to fetch: `_workers`) and the caller waits for it until the deadline,
not a moment longer. An abandoned worker stops at its next chunk, and no phase of its
request may take longer than the deadline either, so it ends soon after its caller has
moved on.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from typing import Final
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from jwkconform.reference._decoding import ACCEPT_ENCODING, decoded_body
from jwkconform.reference._errors import LoadError
from jwkconform.reference._workers import run_in_worker

__all__ = ["fetch"]

_HEADERS: Final = {
    "Accept": "application/jwk-set+json, application/json;q=0.9, */*;q=0.1",
    "Accept-Encoding": ACCEPT_ENCODING,
}


def fetch(url: str, client: httpx.Client, max_bytes: int, timeout: float) -> bytes:
    """The bytes at ``url``, at most ``max_bytes`` of them once any content coding is undone,
    read within ``timeout`` real seconds."""
    if urlsplit(url).scheme.lower() == "file":
        return _read_file(url, max_bytes)
    return _before_deadline(
        url, timeout, lambda abandoned: _read_http(url, client, max_bytes, timeout, abandoned)
    )


def _before_deadline(url: str, timeout: float, work: Callable[[threading.Event], bytes]) -> bytes:
    """What ``work`` returns if it returns within ``timeout`` seconds; else a `LoadError`,
    and ``work``'s event is set to tell it to give up."""
    abandoned, finished = threading.Event(), threading.Event()
    outcome: list[bytes | LoadError] = []

    def run() -> None:
        try:
            outcome.append(work(abandoned))
        except LoadError as exc:
            outcome.append(exc)
        except Exception as exc:  # a user's handler may raise anything; the caller sees why
            outcome.append(LoadError(url, f"{type(exc).__name__}: {exc}"))
        finally:
            finished.set()

    run_in_worker(run)
    finished.wait(min(timeout, threading.TIMEOUT_MAX))
    if not outcome:
        abandoned.set()
        raise LoadError(url, f"timed out: no complete answer within fetchTimeout ({timeout:g} s)")
    if isinstance(outcome[0], LoadError):
        raise outcome[0]
    return outcome[0]


def _read_http(
    url: str, client: httpx.Client, max_bytes: int, timeout: float, abandoned: threading.Event
) -> bytes:
    try:
        with client.stream(
            "GET", url, headers=_HEADERS, timeout=_phase_timeouts(client, timeout)
        ) as response:
            if response.status_code != 200:
                raise LoadError(url, f"HTTP status {response.status_code}")
            if response.is_stream_consumed:
                # An in-process transport answered with a body it had read, and decoded,
                # already: only the cap is left to check.
                return decoded_body(url, [response.content], [], max_bytes)
            codings = response.headers.get_list("content-encoding")
            if not codings:
                _check_declared_length(url, response, max_bytes)
            # Raw bytes, decoded here a bounded step at a time (httpx would decode whole
            # chunks: a few compressed bytes can be a gigabyte).
            raw = _until(abandoned, url, response.iter_raw())
            return decoded_body(url, raw, codings, max_bytes)
    except httpx.TimeoutException as exc:
        raise LoadError(url, f"timed out ({type(exc).__name__})") from exc
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise LoadError(url, f"{type(exc).__name__}: {exc}") from exc


def _phase_timeouts(client: httpx.Client, timeout: float) -> httpx.Timeout:
    """The client's own timeouts, none of them longer than the whole fetch may take."""
    own = client.timeout

    def bound(phase: float | None) -> float:
        return timeout if phase is None else min(phase, timeout)

    return httpx.Timeout(
        connect=bound(own.connect),
        read=bound(own.read),
        write=bound(own.write),
        pool=bound(own.pool),
    )


def _until(abandoned: threading.Event, url: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        if abandoned.is_set():
            raise LoadError(url, "abandoned at the fetchTimeout deadline")
        yield chunk


def _check_declared_length(url: str, response: httpx.Response, max_bytes: int) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise LoadError(url, f"declared length {declared} exceeds the {max_bytes}-byte cap")


# Opening a FIFO for reading blocks until a writer comes, maybe never: open without waiting,
# then look at what was opened (not at the path, which may have changed in between).
_OPEN_FLAGS: Final = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_file(url: str, max_bytes: int) -> bytes:
    path = url2pathname(urlsplit(url).path)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                # A FIFO, a device or a directory: reading may block or never end.
                raise LoadError(url, "not a regular file")
            body = handle.read(max_bytes + 1)
    except OSError as exc:
        raise LoadError(url, f"{type(exc).__name__}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # a NUL in the path, when configuration was bypassed
        raise LoadError(url, f"unusable path: {exc}") from exc
    if len(body) > max_bytes:
        raise LoadError(url, f"file exceeds the {max_bytes}-byte cap")
    return body
