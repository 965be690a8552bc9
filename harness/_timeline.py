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

Times are fake seconds since the first clock of the example started (``t = 0``).

>>> timeline = Timeline((Event(0.0, "fetch", "GET /jwks.json: 200, kids ['a']"),), 1000.0)
>>> timeline.as_json()["events"][0]["t"]
0.0
"""

from __future__ import annotations

import collections
import functools
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from jwkconform.harness._attribution import redact
from jwkconform.harness._clock import FakeClock

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

    def as_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "omitted": self.omitted,
            "events": [e.as_json() for e in self.events],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Timeline:
        events = tuple(Event.from_json(e) for e in data["events"])
        end = max((e.t for e in events), default=0.0)
        return cls(events, float(data["origin"]), int(data["omitted"]), end)


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
            from hypothesis.control import cleanup

            cleanup(functools.partial(self._ended, context))
        with self._lock:
            self._context = context
            self._head: list[tuple[float, Kind, str, bool, dict[str, Any]]] = []
            self._tail: collections.deque[tuple[float, Kind, str, bool, dict[str, Any]]] = (
                collections.deque(maxlen=_LIMIT - _HEAD)
            )
            self._total = 0
            self._origin: float | None = None
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
        """A clock of this example starts at ``at``: the first one is ``t = 0``."""
        self._example()
        with self._lock:
            if self._origin is None:
                self._origin = at
            self._now = at if self._now is None else max(self._now, at)

    def record(
        self, at: float, kind: Kind, text: str, *, expected: bool = False, **data: Any
    ) -> None:
        """One event at absolute fake time ``at``."""
        self._example()
        entry = (at, kind, _cut(text), expected, data)
        with self._lock:
            if self._origin is None:
                self._origin = at
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
            origin, now = self._origin, self._now
        if origin is None and not transcript:
            return None
        origin = 0.0 if origin is None else origin
        end = 0.0 if now is None else now - origin
        events = [Event(at - origin, kind, text, expected, data)
                  for at, kind, text, expected, data in entries]  # fmt: skip
        events += [Event(end, "transcript", _cut(line, 300))
                   for line in transcript[-_TRANSCRIPT:]]  # fmt: skip
        return Timeline(tuple(events), origin, omitted, end)


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
    return timeline.with_events(extra)


# -- as text ---------------------------------------------------------------------------------


def _merged(events: Sequence[Event]) -> list[tuple[Event, str]]:
    """Events as lines; a query directly followed by its answer is one line."""
    out: list[tuple[Event, str]] = []
    index = 0
    while index < len(events):
        event = events[index]
        following = events[index + 1] if index + 1 < len(events) else None
        if event.kind == "query" and following is not None and following.kind == "answer":
            answer = following.text.split(" -> ", 1)[-1]
            out.append((event, f"{event.text} -> {answer}"))
            index += 2
            continue
        out.append((event, event.text))
        index += 1
    return out


def timeline_lines(timeline: Timeline, limit: int = 14) -> list[str]:
    """The timeline as at most ``limit + 1`` lines of text (the latest events)."""
    lines = _merged(timeline.events)
    left_out = timeline.omitted + max(0, len(lines) - limit)
    shown = lines[-limit:] if limit else lines
    width = max((len(seconds(e.t)) for e, _ in shown), default=1)
    header = "timeline (t = fake seconds since the example's first clock started"
    header += f"; {left_out} earlier events not shown):" if left_out else "):"
    out = [header]
    for event, text in shown:
        kind = "EXPECTED" if event.expected else event.kind
        out.append(f"t={seconds(event.t):<{width}}  {kind:<10} {text}")
    return out
