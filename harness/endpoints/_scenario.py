"""What a mock JWKS endpoint serves, scripted over fake time, and a log of every fetch.

A `JwksScenario` holds the JWK Set documents an endpoint publishes (several ``serve`` calls
with future times script a key rotation), the faults it injects (harness/endpoints/_faults.py), and
the fetches it saw. It speaks no HTTP itself: a transport (`respx_client` in process,
`LoopbackJwksServer` on 127.0.0.1) asks `JwksScenario.respond` what to do with each request.

>>> from jwkconform.harness.endpoints._clock import FakeClock
>>> from jwkconform.harness.endpoints._faults import Status
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
import json
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.endpoints._faults import _JSON, Answer, Fault, _json_answer

__all__ = ["CLIENT_HEADER", "Fetch", "JwksScenario"]

# The header the harness's own HTTP client sends, so a test can tell its fetches apart
# from those of a client the implementation made itself (CFG-09).
CLIENT_HEADER: Final = "x-jwkconform-client"


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

    >>> from jwkconform.harness.endpoints._clock import FakeClock
    >>> from jwkconform.harness.endpoints._faults import ConnectionRefused
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
