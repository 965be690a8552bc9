"""What a mock JWKS endpoint serves, scripted over fake time, and a log of every fetch.

A `JwksScenario` holds the JWK Set documents an endpoint publishes (several ``serve`` calls
with future times script a key rotation), the faults it injects, and the fetches it saw.
It speaks no HTTP itself: a transport (`respx_client` in process, `LoopbackJwksServer`
on 127.0.0.1) asks `JwksScenario.respond` what to do with each request.

>>> from jwkconform.harness._clock import FakeClock
>>> clock = FakeClock(start=0.0)
>>> scenario = JwksScenario(clock, {"keys": [{"kid": "a"}]})
>>> scenario.serve({"keys": [{"kid": "b"}]}, at=60.0)
>>> scenario.respond("/jwks.json").body
b'{"keys":[{"kid":"a"}]}'
>>> _ = clock.advance(60)
>>> scenario.respond("/jwks.json").body
b'{"keys":[{"kid":"b"}]}'
>>> scenario.fail(Status(503), count=1)
>>> scenario.respond("/jwks.json").status
503
>>> [(f.at, f.outcome) for f in scenario.fetches]
[(0.0, '200'), (60.0, '200'), (60.0, '503')]
"""

from __future__ import annotations

import bisect
import gzip
import json
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

from jwkconform.harness._clock import FakeClock

__all__ = [
    "CLIENT_HEADER",
    "Answer",
    "Compressed",
    "ConnectionRefused",
    "Fault",
    "Fetch",
    "JwksScenario",
    "MalformedJson",
    "Oversized",
    "Status",
    "Timeout",
    "Trickle",
    "WrongContentType",
]

# The header the harness's own HTTP client sends, so a test can tell its fetches apart
# from those of a client the implementation made itself (CFG-09).
CLIENT_HEADER: Final = "x-jwkconform-client"

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


@dataclass(frozen=True)
class Fetch:
    """One request the endpoint saw: at which fake time, for which path, what came of it,
    and which client sent it (the ``x-jwkconform-client`` header, if any)."""

    at: float
    path: str
    outcome: str
    client: str | None = None


@dataclass(frozen=True)
class _Scheduled:
    at: float
    body: bytes
    verbatim: bool  # served as given, not a document encoded here


@dataclass
class _PendingFault:
    fault: Fault
    remaining: int | None  # None: until recover()


@dataclass
class _State:
    schedule: list[_Scheduled] = field(default_factory=list)
    faults: deque[_PendingFault] = field(default_factory=deque)
    fetches: list[Fetch] = field(default_factory=list)


class JwksScenario:
    """A JWK Set endpoint scripted over fake time, with faults and a fetch log.

    ``serve`` schedules documents (a rotation is several of them at future times), ``fail``
    queues faults for the next fetches, and every request a transport passes to
    ``respond`` lands in ``fetches``. A request for any path but ``path`` is a 404.

    >>> from jwkconform.harness._clock import FakeClock
    >>> clock = FakeClock(start=0.0)
    >>> scenario = JwksScenario(clock)
    >>> scenario.fail(ConnectionRefused(), count=2)
    >>> [scenario.respond("/jwks.json").outcome for _ in range(3)]
    ['refused', 'refused', '200']
    >>> scenario.respond("/other").outcome, scenario.fetch_count()
    ('404', 3)
    """

    # Told of every document scheduled, fault queued and request answered, as
    # ``observer(event, at, **details)`` (the harness's timeline of an example).
    observer: Callable[..., None] | None = None

    def __init__(
        self,
        clock: FakeClock,
        document: Mapping[str, Any] | None = None,
        *,
        path: str = "/jwks.json",
    ) -> None:
        if not path.startswith("/"):
            raise ValueError(f"an endpoint path starts with '/', got {path!r}")
        self.clock = clock
        self.path = path
        self._lock = threading.Lock()
        self._state = _State()
        self.serve({"keys": []} if document is None else document)

    def serve(self, document: Mapping[str, Any] | bytes, *, at: float | None = None) -> None:
        """Serve ``document`` from fake time ``at`` (default: now) on; bytes go out verbatim.

        A time in the past means now: history is not rewritten. For equal times the later
        call wins. The document is encoded at once, so changing it afterwards changes nothing.
        """
        if not isinstance(document, (Mapping, bytes)):
            raise TypeError(f"a document is a mapping or bytes, got {type(document).__name__}")
        if at is not None and not math.isfinite(at):
            raise ValueError(f"a serve time must be finite, got {at!r}")
        # Encoding now makes a document that is not JSON fail here, in the test, rather than
        # later in a transport's thread.
        verbatim = isinstance(document, bytes)
        body = document if isinstance(document, bytes) else _encode(document)
        with self._lock:
            now = self.clock.now()
            entry = _Scheduled(now if at is None else max(at, now), body, verbatim)
            bisect.insort_right(self._state.schedule, entry, key=_at)
        if self.observer is not None:
            self.observer("serve", now, since=entry.at, body=body)

    def fail(self, fault: Fault, *, count: int | None = None) -> None:
        """Give ``fault`` to the next ``count`` fetches (None: every fetch until `recover`).

        Faults queue in the order of the calls; an endless one holds back those after it.
        """
        if count is not None and count < 1:
            raise ValueError(f"a fault count is at least 1 (or None for endless), got {count}")
        with self._lock:
            self._state.faults.append(_PendingFault(fault, count))
        if self.observer is not None:
            self.observer("fail", self.clock.now(), fault=fault, count=count)

    def recover(self) -> None:
        """Drop every pending fault: the next fetch gets the current document."""
        with self._lock:
            self._state.faults.clear()

    def document_now(self) -> Mapping[str, Any] | bytes:
        """The document served at the current fake time, as served (a fresh copy)."""
        with self._lock:
            current = self._current(self.clock.now())
        return current.body if current.verbatim else _decode(current.body)

    def respond(self, path: str, client: str | None = None) -> Answer:
        """Answer a GET for ``path`` at the current fake time and log it (for transports);
        ``client`` is the request's ``x-jwkconform-client`` header.

        Faults apply only to ``path`` requests: a wrong path is a 404 that uses up none.
        """
        with self._lock:
            # One reading of the clock, so that the log and the document agree on the time.
            now = self.clock.now()
            fault = None
            if path != self.path:
                answer = _json_answer(404, b'{"error":"not found"}')
            else:
                fault = self._state.faults[0].fault if self._state.faults else None
                answer = self._answer_fetch(now)
            fetch = Fetch(now, path, answer.outcome, client)
            self._state.fetches.append(fetch)
        if self.observer is not None:
            self.observer("fetch", now, fetch=fetch, answer=answer, fault=fault)
        return answer

    @property
    def fetches(self) -> tuple[Fetch, ...]:
        """Every request so far, in the order they came, wrong paths included."""
        with self._lock:
            return tuple(self._state.fetches)

    def fetch_count(self, *, since: float | None = None) -> int:
        """How many requests for ``path`` came at or after fake time ``since`` (default: ever)."""
        start = -math.inf if since is None else since
        return sum(1 for f in self.fetches if f.path == self.path and f.at >= start)

    def _answer_fetch(self, now: float) -> Answer:
        body = self._current(now).body
        faults = self._state.faults
        if not faults:
            return Answer(200, {"content-type": _JSON}, body)
        pending = faults[0]
        if pending.remaining is not None:
            pending.remaining -= 1
            if pending.remaining == 0:
                faults.popleft()
        return pending.fault.answer(body)

    def _current(self, now: float) -> _Scheduled:
        schedule = self._state.schedule
        index = bisect.bisect_right(schedule, now, key=_at) - 1
        # Time never goes back, so what came before the current document is dead weight.
        del schedule[:index]
        return schedule[0]

    def __repr__(self) -> str:
        return f"JwksScenario(path={self.path!r}, clock={self.clock!r})"


def _at(entry: _Scheduled) -> float:
    return entry.at


def _encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), default=_plain).encode()


def _decode(body: bytes) -> Mapping[str, Any]:
    document: Mapping[str, Any] = json.loads(body)
    return document


def _plain(value: object) -> object:
    # json only knows dict; a read-only mapping (MappingProxyType) is a document too.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"a JWK Set document holds JSON values only, not {type(value).__name__}")
