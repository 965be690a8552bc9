"""The faults a mock JWKS endpoint injects, and the `Answer` a transport gives a request.

A fault (`Status`, `ConnectionRefused`, `Timeout`, `MalformedJson`, `WrongContentType`,
`Oversized`, `Trickle`, `Compressed`) turns the document the endpoint serves at the moment
into an `Answer`; `JwksScenario.fail` (harness/endpoints/_scenario.py) queues faults for the next
fetches.

>>> Oversized(size=64).answer(b'{"keys":[]}').outcome
'200'
>>> ConnectionRefused().answer(b'{"keys":[]}').outcome
'refused'
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

__all__ = [
    "DEFAULT_FETCH_TIMEOUT",
    "Answer",
    "Compressed",
    "ConnectionRefused",
    "Fault",
    "MalformedJson",
    "Oversized",
    "Status",
    "Timeout",
    "Trickle",
    "WrongContentType",
]

_JSON: Final = "application/json"
# HTTP forbids a body (and so a content type) on these answers; a transport that sent one
# would break the client's framing rather than test it.
_BODILESS: Final = frozenset({204, 304})


@dataclass(frozen=True)
class Answer:
    """What the endpoint does with one request: an HTTP response, or a transport failure.

    When ``failure`` is set the transport must not answer at all (``status`` is then 0 and
    ``headers`` and ``body`` are empty).

    >>> Answer(200, {"content-type": "application/json"}, b'{"keys":[]}').failure is None
    True
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    failure: Literal["refused", "timeout"] | None = None
    trickle: float = 0.0  # real seconds over which a loopback server sends the body

    @property
    def outcome(self) -> str:
        """How the fetch log names this answer: the status code, or the failure."""
        return self.failure or str(self.status)


def _json_answer(status: int, body: bytes, content_type: str = _JSON) -> Answer:
    if status in _BODILESS:
        return Answer(status, {}, b"")
    return Answer(status, {"content-type": content_type}, body)


@dataclass(frozen=True)
class Status:
    """Answer with HTTP ``code`` (any final status, 200-599) and ``body``.

    >>> Status(500).answer(b'{"keys":[]}').status
    500
    """

    code: int
    body: bytes = b'{"error": "mock"}'

    def __post_init__(self) -> None:
        # 1xx are interim responses: a client would wait for a final answer forever.
        if not 200 <= self.code <= 599:
            raise ValueError(f"a status fault needs a final HTTP status 200-599, got {self.code}")

    def answer(self, document: bytes) -> Answer:
        """The answer while the current document encodes to ``document`` (unused here)."""
        return _json_answer(self.code, self.body)


@dataclass(frozen=True)
class ConnectionRefused:
    """The transport reports a connection failure instead of answering."""

    def answer(self, document: bytes) -> Answer:
        """A ``refused`` transport failure."""
        return Answer(0, {}, b"", failure="refused")


# How long a client of a mock endpoint waits for a fetch unless told otherwise (seconds,
# real time): short, because a `Timeout` fault holds the request until the client gives up.
DEFAULT_FETCH_TIMEOUT: Final = 1.0


@dataclass(frozen=True)
class Timeout:
    """The transport never answers in time: the client's own timeout must fire."""

    def answer(self, document: bytes) -> Answer:
        """A ``timeout`` transport failure."""
        return Answer(0, {}, b"", failure="timeout")


@dataclass(frozen=True)
class MalformedJson:
    """Answer 200 with ``application/json`` and a ``body`` that is not valid JSON."""

    body: bytes = b'{"keys": ['

    def answer(self, document: bytes) -> Answer:
        """A 200 answer with the malformed body."""
        return _json_answer(200, self.body)


@dataclass(frozen=True)
class WrongContentType:
    """Answer 200 with the current document, labelled ``content_type``."""

    content_type: str = "text/html"

    def answer(self, document: bytes) -> Answer:
        """A 200 answer with the current document and the wrong content type."""
        return _json_answer(200, document, self.content_type)


@dataclass(frozen=True)
class Oversized:
    """Answer 200 with the current document, still valid JSON, padded with spaces to ``size``.

    A document already longer than ``size`` is served as it is.

    >>> len(Oversized(size=100).answer(b'{"keys":[]}').body)
    100
    """

    size: int = 2 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"an oversized body needs a positive size, got {self.size}")

    def answer(self, document: bytes) -> Answer:
        """A 200 answer whose body is the current document plus trailing white space."""
        # Trailing white space keeps the JSON valid, so only a size cap can refuse it.
        return _json_answer(200, document.ljust(self.size, b" "))


@dataclass(frozen=True)
class Trickle:
    """Answer 200 with the current document, sent a few bytes at a time over ``seconds`` of
    real time (loopback only; in process the body arrives at once). A client whose deadline
    covers the whole fetch gives up; one that only bounds each read does not."""

    seconds: float = 4.0

    def __post_init__(self) -> None:
        if not 0 < self.seconds <= 30:
            raise ValueError(f"a trickle lasts 0 to 30 s, got {self.seconds!r}")

    def answer(self, document: bytes) -> Answer:
        """A 200 answer paced over ``seconds``."""
        return Answer(200, {"content-type": _JSON}, document, trickle=self.seconds)


@dataclass(frozen=True)
class Compressed:
    """Answer 200 with the current document padded to ``size`` bytes (still valid JSON) and
    gzip-compressed ``layers`` times, with the matching ``Content-Encoding``: a small
    response whose decoded body is ``size`` bytes, a decompression bomb past a size cap."""

    size: int = 2 * 1024 * 1024
    layers: int = 1

    def __post_init__(self) -> None:
        if self.size < 1 or not 1 <= self.layers <= 3:
            raise ValueError(f"a compressed body needs size >= 1 and 1-3 layers, got {self}")

    def answer(self, document: bytes) -> Answer:
        """The padded document, compressed."""
        body = document.ljust(self.size, b" ")
        for _ in range(self.layers):
            body = gzip.compress(body, compresslevel=9, mtime=0)
        encoding = ", ".join(["gzip"] * self.layers)
        return Answer(200, {"content-type": _JSON, "content-encoding": encoding}, body)


Fault: TypeAlias = (
    Status
    | ConnectionRefused
    | Timeout
    | MalformedJson
    | WrongContentType
    | Oversized
    | Trickle
    | Compressed
)
