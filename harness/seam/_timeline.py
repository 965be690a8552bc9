"""What happened in one example, on the fake clock: the timeline a finding carries.

The harness records every query it sends to the implementation and the answer, every
fetch the mock JWKS endpoint sees (status, kids served, fault), every document it is told
to serve and every clock step, in `RECORDER` (the `Target` and its `RecordingClock` do;
`_seen` puts them in words). The recorder starts afresh with each Hypothesis example (it
notices a new build context; the plugin also resets it before every test and at the start
of each example), and as an example ends with an exception, or a `check` fails, `attach`
pins the example's events to that exception: so each failure, the shrunk example
Hypothesis replays last included, keeps its own. The judgement of the failure turns them
into a `Timeline` with the moment the check failed and, where the check says
(``check(ID, expected=...)``) or a failed fetch count shows it (``assert 1 == 2`` where 1
is ``fetch_count()``), what was expected there instead.

Each clock the harness starts (one per store or publisher it opens) begins a new *store*
of the example; times are fake seconds since that store's clock started (``t = 0``), the
times a check's message uses ("120.001 s after the load"). Where an example opened several
stores, each event says which (``store``, from 1), and the timeline is drawn per store.

>>> timeline = Timeline((Event(0.0, "fetch", "GET /jwks.json: 200, kids ['a']"),), 1000.0)
>>> timeline.as_json()["events"][0]["t"]
0.0
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from jwkconform.harness._untrusted import redact
from jwkconform.harness.endpoints._clock import FakeClock

__all__ = [
    "RECORDER",
    "Event",
    "Recorder",
    "RecordingClock",
    "Timeline",
    "attach",
    "attached",
    "expectations",
    "finding_timeline",
    "seconds",
    "store_of",
    "timeline_lines",
]

Kind = Literal["query", "answer", "fetch", "clock", "note", "failure", "transcript"]
_TAG: Final = "_jwkconform_timeline"
_EXPECTED_TAG: Final = "_jwkconform_expected"
_HEAD: Final = 20  # events kept from the start of a long example
_LIMIT: Final = 300  # events kept in all (the rest are counted as omitted)
_TEXT: Final = 240
_TRANSCRIPT: Final = 20


def seconds(t: float) -> str:
    """A fake time as a person reads it: ``10``, ``9.999``, ``0.5``."""
    text = f"{t:.3f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _cut(text: str, width: int = _TEXT) -> str:
    text = " ".join(redact(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True)
class Event:
    """One thing that happened at fake time ``t`` (or, with ``expected``, that a check
    expected there and did not see); ``data`` holds what a picture needs: ``kids``,
    ``status``, ``fault``, ``error``, ``step``."""

    t: float
    kind: Kind
    text: str
    expected: bool = False
    data: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {**self.data, "t": round(self.t, 6), "kind": self.kind, "text": self.text,
                "expected": self.expected}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Event:
        extra = {k: v for k, v in data.items() if k not in {"t", "kind", "text", "expected"}}
        return cls(float(data["t"]), data["kind"], str(data["text"]), bool(data["expected"]),
                   extra)  # fmt: skip


@dataclass(frozen=True)
class Timeline:
    """The events of one example; ``origin`` is the absolute fake time of ``t = 0``,
    ``omitted`` how many events of a long example were left out (from its middle)."""

    events: tuple[Event, ...]
    origin: float
    omitted: int = 0
    end: float = 0.0  # the last fake time seen (relative)

    def with_events(self, extra: Sequence[Event]) -> Timeline:
        return Timeline((*self.events, *extra), self.origin, self.omitted, self.end)

    @property
    def stores(self) -> int:
        """How many stores (clocks) the example opened: 1 unless events say otherwise."""
        return max((store_of(e) for e in self.events), default=1)

    def as_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "omitted": self.omitted,
            "events": [e.as_json() for e in self.events],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Timeline:
        events = tuple(Event.from_json(e) for e in data["events"])
        last = max((store_of(e) for e in events), default=1)
        end = max((e.t for e in events if store_of(e) == last), default=0.0)
        return cls(events, float(data["origin"]), int(data["omitted"]), end)


def store_of(event: Event) -> int:
    """The store (from 1) an event belongs to."""
    return int(event.data.get("store", 1))


def _build_context() -> object | None:
    """Hypothesis's context of the running example, on this thread (None outside one)."""
    control = sys.modules.get("hypothesis.control")
    if control is None:
        return None
    try:
        return control.current_build_context()  # type: ignore[no-any-return]
    except Exception:  # no example is running on this thread
        return None


class Recorder:
    """The events of the running example (thread-safe: servers record from their threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Where a driver's JSON-lines transcript comes from (set by the Target).
        self.transcript: Callable[[], Sequence[str]] | None = None
        self.reset()

    def reset(self) -> None:
        """Start a new example (inside a Hypothesis example: pin its events to the
        exception it ends with, if any, when it ends)."""
        context = _build_context()
        if context is not None:
            # Not at the top: `jwkconform run` imports this module before pytest starts, and
            # pytest cannot rewrite the asserts of a plugin (Hypothesis) imported before it.
            from hypothesis.control import cleanup

            cleanup(functools.partial(self._ended, context))
        with self._lock:
            self._context = context
            self._head: list[tuple[float, Kind, str, bool, dict[str, Any]]] = []
            self._tail: collections.deque[tuple[float, Kind, str, bool, dict[str, Any]]] = (
                collections.deque(maxlen=_LIMIT - _HEAD)
            )
            self._total = 0
            self._origins: list[float] = []  # where each store's clock started
            self._now: float | None = None

    def _example(self) -> None:
        context = _build_context()
        if context is not None and context is not self._context:
            self.reset()

    def _ended(self, context: object) -> None:
        # Run by Hypothesis as the example's context exits, with its exception (if any)
        # still being handled: a state machine has no other place to catch it.
        failure = sys.exc_info()[1]
        if failure is not None and context is self._context:
            attach(failure)

    def started(self, at: float) -> None:
        """A clock of this example starts at ``at``: a new store, whose ``t = 0`` it is."""
        self._example()
        with self._lock:
            self._origins.append(at)
            self._now = at

    def record(
        self, at: float, kind: Kind, text: str, *, expected: bool = False, **data: Any
    ) -> None:
        """One event at absolute fake time ``at``."""
        self._example()
        with self._lock:
            if not self._origins:
                self._origins.append(at)
            entry = (at, kind, _cut(text), expected, {**data, "store": len(self._origins)})
            self._now = at if self._now is None else max(self._now, at)
            self._total += 1
            if len(self._head) < _HEAD:
                self._head.append(entry)
            else:
                self._tail.append(entry)

    def snapshot(self) -> Timeline | None:
        """The events so far, times relative to the example's start (None: nothing yet)."""
        transcript = list(self.transcript() if self.transcript is not None else ())
        context = _build_context()
        if context is not None and context is not self._context:
            return None  # an example that has recorded nothing yet
        with self._lock:
            entries = [*self._head, *self._tail]
            omitted = self._total - len(entries)
            origins, now = list(self._origins), self._now
        if not origins and not transcript:
            return None
        origins = origins or [0.0]
        end = 0.0 if now is None else now - origins[-1]
        several = len(origins) > 1
        events = [
            Event(at - origins[data["store"] - 1], kind, text, expected, _store(data, several))
            for at, kind, text, expected, data in entries
        ]
        last = _store({"store": len(origins)}, several)
        events += [Event(end, "transcript", _cut(line, 300), data=last)
                   for line in transcript[-_TRANSCRIPT:]]  # fmt: skip
        return Timeline(tuple(events), origins[0], omitted, end)


def _store(data: dict[str, Any], several: bool) -> dict[str, Any]:
    """``data`` with its store number where the example had several stores, else without."""
    return data if several else {k: v for k, v in data.items() if k != "store"}


RECORDER: Final = Recorder()


class RecordingClock(FakeClock):
    """A `FakeClock` whose steps land on the timeline."""

    def __init__(self, start: float = 1_000.0) -> None:
        super().__init__(start)
        RECORDER.started(self.now())

    def advance(self, seconds_: float) -> float:
        before = self.now()
        return self._stepped(before, super().advance(seconds_))

    def reach(self, since: float, elapsed: float) -> float:
        before = self.now()
        return self._stepped(before, super().reach(since, elapsed))

    @staticmethod
    def _stepped(before: float, now: float) -> float:
        if now != before:
            RECORDER.record(now, "clock", f"clock +{seconds(now - before)} s", step=now - before)
        return now


# -- attaching to a failure ------------------------------------------------------------------


def attach(exc: BaseException, expected: str | None = None) -> None:
    """Pin the running example's events (and what the check expected) to ``exc``."""
    try:
        if getattr(exc, _TAG, None) is None:
            setattr(exc, _TAG, RECORDER.snapshot())
        if expected is not None and getattr(exc, _EXPECTED_TAG, None) is None:
            setattr(exc, _EXPECTED_TAG, expected)
    except (AttributeError, TypeError):  # an exception that takes no attributes
        pass


def attached(exc: BaseException | None) -> Timeline | None:
    timeline = getattr(exc, _TAG, None)
    return timeline if isinstance(timeline, Timeline) else None


# pytest's explanation of a failed comparison with a fetch count on one side (a value read
# from ``fetch_count()``, or any other expression that names fetches).
_COUNT: Final = re.compile(
    r"assert (?P<left>\d+) (?P<op>==|<=|>=|<|>|!=) (?P<right>\d+)\s*\n"
    r"\s*\+\s+where (?P<seen>\d+) = [^\n]*fetch",
    re.IGNORECASE,
)


def expectations(message: str, t: float, hint: str | None = None) -> list[Event]:
    r"""What the failed check expected at ``t``: from its ``expected=`` hint, or from a
    failed comparison of the mock server's fetch count (``assert 1 == 2``, where 1 is
    ``fetch_count()``).

    >>> [e.text for e in expectations("no reload\nassert 1 == 2\n +  where 1 = fetch_count()", 10)]
    ['expected a fetch by t=10 s (1 of 2 seen)']
    """
    if hint:
        kind: Kind = "fetch" if re.search(r"fetch|reload", hint, re.I) else "answer"
        return [Event(t, kind, f"expected {hint}", True)]
    match = _COUNT.search(message)
    if match is None or match["left"] == match["right"]:
        return []  # no count, or one whose side cannot be told
    left, right, seen = int(match["left"]), int(match["right"]), int(match["seen"])
    if seen not in {left, right}:
        return []
    op = match["op"]
    if seen == right:  # the count is on the right: turn it into "seen op wanted"
        op = {"<=": ">=", ">=": "<=", "<": ">", ">": "<"}.get(op, op)
    wanted = right if seen == left else left
    if op == "!=":
        return []
    at = f"t={seconds(t)} s"
    if op in {">=", ">"} or (op == "==" and seen < wanted):
        more = max(wanted - seen + (op == ">"), 1)
        what = "a fetch" if more == 1 else f"{more} more fetches"
        return [Event(t, "fetch", f"expected {what} by {at} ({seen} of {wanted} seen)", True,
                      {"missing": more})]  # fmt: skip
    return [Event(t, "fetch", f"expected no further fetch by {at} ({seen} seen, {wanted}"
                  " wanted)", True, {"missing": 0})]  # fmt: skip


def finding_timeline(
    timeline: Timeline | None, cause: BaseException | None, message: str, outcome: str
) -> Timeline | None:
    """The timeline of a finding: what happened, when the check failed, what it expected."""
    if timeline is None:
        return None
    first = next((line.strip() for line in message.splitlines() if line.strip()), outcome)
    extra = [Event(timeline.end, "failure", _cut(f"{outcome}: {first}"))]
    extra += expectations(message, timeline.end, getattr(cause, _EXPECTED_TAG, None))
    stores = timeline.stores
    if stores > 1:  # it failed in the store that was open last
        extra = [dataclasses.replace(e, data={**e.data, "store": stores}) for e in extra]
    return timeline.with_events(extra)


# -- as text ---------------------------------------------------------------------------------


def _merged(events: Sequence[Event], compact: bool = False) -> list[tuple[Event, str]]:
    """Events as lines; a query directly followed by its answer is one line (``compact``:
    with the fetches between them too)."""
    out: list[tuple[Event, str]] = []
    index = 0
    while index < len(events):
        event = events[index]
        end = index + 1
        if compact and event.kind == "query":
            while end < len(events) and events[end].kind == "fetch" and not events[end].expected:
                end += 1
        following = events[end] if end < len(events) else None
        if event.kind == "query" and following is not None and following.kind == "answer":
            answer = following.text.split(" -> ", 1)[-1]
            fetched = "".join(f" (fetch {e.text})" for e in events[index + 1 : end])
            out.append((event, f"{event.text} -> {answer}{fetched}"))
            index = end + 1
            continue
        out.append((event, event.text))
        index += 1
    return out


def timeline_lines(timeline: Timeline, limit: int = 14, *, compact: bool = False) -> list[str]:
    """The timeline as text: the latest ``limit`` lines, under a header, each store under
    a line of its own where there were several. ``compact`` (the terminal): only the
    store that failed, a query's fetches on its line, and no failure line (the finding's
    message says it)."""
    stores = timeline.stores
    events = list(timeline.events)
    if compact:
        events = [e for e in events if store_of(e) == stores and e.kind != "failure"]
    lines = _merged(events, compact)
    left_out = timeline.omitted + max(0, len(lines) - limit)
    shown = lines[-limit:] if limit else lines
    width = max((len(seconds(e.t)) for e, _ in shown), default=1)
    header = "timeline (t = fake seconds since the store opened"
    if compact and stores > 1:
        header = f"timeline of store {stores} of {stores} (t = fake seconds since it opened"
    if left_out:
        header += f"; {left_out} earlier event{'s' * (left_out != 1)} not shown"
    header += "):"
    out = [header]
    current = 0
    for event, text in shown:
        if stores > 1 and not compact and store_of(event) != current:
            current = store_of(event)
            out.append(f"store {current} of {stores}:")
        kind = "EXPECTED" if event.expected else event.kind
        out.append(f"t={seconds(event.t):<{width}}  {kind:<10} {text}")
    return out
