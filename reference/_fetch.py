"""Read the JWK Set document's bytes from an ``http(s)`` or ``file:`` URL (LOAD-01, LOAD-06).

Every way a read can fail (connection, timeout, HTTP status other than 200, a body over
the size cap, a missing file, or a path that is no regular file: a FIFO, a device, a
directory) becomes one `LoadError` that says what happened. Nothing here blocks for ever.
"""

from __future__ import annotations

import os
import stat
from typing import Final
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from jwkconform.reference._decoding import ACCEPT_ENCODING, decoded_body
from jwkconform.reference._errors import LoadError

__all__ = ["DEFAULT_HTTP_TIMEOUT", "fetch"]

# A gateway must never hang on a slow key server: the default client gives up after 10 s.
DEFAULT_HTTP_TIMEOUT: Final = httpx.Timeout(10.0)

_HEADERS: Final = {
    "Accept": "application/jwk-set+json, application/json;q=0.9, */*;q=0.1",
    "Accept-Encoding": ACCEPT_ENCODING,
}


def fetch(url: str, client: httpx.Client, max_bytes: int) -> bytes:
    """The bytes at ``url``, at most ``max_bytes`` of them once any content coding is undone."""
    if urlsplit(url).scheme.lower() == "file":
        return _read_file(url, max_bytes)
    try:
        with client.stream("GET", url, headers=_HEADERS) as response:
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
            return decoded_body(url, response.iter_raw(), codings, max_bytes)
    except httpx.TimeoutException as exc:
        raise LoadError(url, f"timed out ({type(exc).__name__})") from exc
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise LoadError(url, f"{type(exc).__name__}: {exc}") from exc


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
