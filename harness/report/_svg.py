"""A finding's timeline as a picture: an inline SVG on a horizontal fake-time axis.

Queries (circles) and fetches (squares) sit in lanes of their own above the axis; clock
steps are small triangles on it; the moment the check failed is a red dashed line, and
what the check expected there and did not see (``expected`` events) is a dashed outline
with its label, such as "expected fetch", beside the marks of what was seen. Every mark
has a tooltip (``<title>``) with the event's text. No ``xmlns``, no links: the SVG lives
inside the HTML report, which must not name any address.

>>> svg = timeline_svg({"events": [{"t": 0, "kind": "fetch", "text": "GET", "status": "200"},
...     {"t": 10, "kind": "fetch", "text": "expected a fetch", "expected": True}]})
>>> 'class="mark fetch expected"' in svg and "expected fetch" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

__all__ = ["stores", "timeline_svg"]

_WIDTH: Final = 1000  # viewBox units; the page scales the picture to its own width
_HEIGHT: Final = 150
_ROW: Final = 22  # px between the rows of a picture of one instant
# A picture of one instant: its columns (title, x, characters that fit at 13 px monospace).
_COLUMNS: Final = (("request", 10, 47), ("the set served", 390, 32), ("answer", 650, 44))
_LEFT: Final = 78
_RIGHT: Final = 24
_LANES: Final = {"query": 34, "fetch": 72}
_AXIS: Final = 108
_STEP: Final = 11  # px between marks at the same place


def _nice_step(span: float) -> float:
    """A round tick interval that gives about five ticks over ``span``."""
    raw = span / 5
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _label(t: float) -> str:
    return f"{t:.3f}".rstrip("0").rstrip(".") or "0"


def _a(value: object) -> str:
    return escape(str(value), quote=True)


class _Places:
    """Spreads marks that would sit on top of each other in one lane."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, int], int] = {}

    def x(self, lane: str, x: float) -> float:
        key = (lane, round(x / _STEP))
        count = self._used.get(key, 0)
        self._used[key] = count + 1
        return x + count * _STEP


def _is_fault(event: Mapping[str, Any]) -> bool:
    status = str(event.get("status", ""))
    return bool(event.get("fault")) or not status.startswith("2")


def _mark(event: Mapping[str, Any], x: float, answer: str) -> list[str]:
    kind, text = event["kind"], str(event["text"])
    title = f"<title>t={_label(float(event['t']))} s: {escape(text)}{escape(answer)}</title>"
    y = _LANES["query" if kind == "query" else "fetch"]
    if event.get("expected"):
        what = "no fetch" if event.get("missing") == 0 else "fetch"
        if kind != "fetch":
            what, y = "answer", _LANES["query"]
        anchor = "end" if x > _WIDTH * 0.7 else "start"
        shift = -10 if anchor == "end" else 10
        return [
            f'<rect class="mark {_a(kind)} expected" x="{x - 7:.1f}" y="{y - 7}" width="14"'
            f' height="14" data-t="{_a(event["t"])}">{title}</rect>',
            f'<text class="label expected" x="{x + shift:.1f}" y="{y + 22}"'
            f' text-anchor="{anchor}">expected {escape(what)}</text>',
        ]
    if kind == "query":
        error = " error" if " raised " in answer else ""
        return [f'<circle class="mark query{error}" cx="{x:.1f}" cy="{y}" r="5"'
                f' data-t="{_a(event["t"])}">{title}</circle>']  # fmt: skip
    fault = " fault" if _is_fault(event) else " ok"
    return [f'<rect class="mark fetch{fault}" x="{x - 5:.1f}" y="{y - 5}" width="10"'
            f' height="10" data-t="{_a(event["t"])}">{title}</rect>']  # fmt: skip


def stores(timeline: Mapping[str, Any]) -> list[int]:
    """The stores (from 1) whose events ``timeline`` holds, in order."""
    return sorted({int(e.get("store", 1)) for e in timeline.get("events") or []}) or [1]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _served(event: Mapping[str, Any]) -> str:
    kids = f"kids {list(event['kids'])}" if "kids" in event else str(event["text"])
    status = event.get("status")
    return f"{status}: {kids}" if status is not None else kids


def _instant_svg(events: Sequence[Mapping[str, Any]], caption: str) -> str:
    """A failure at one instant: per query, what was asked, the set the endpoint served
    for it (or last), and what came back; then the failed check and what it expected."""
    rows: list[tuple[str, str, str, bool]] = []
    served = "(nothing served yet)"
    for index, event in enumerate(events):
        if event["kind"] == "note" and "kids" in event:
            served = _served(event)
        if event["kind"] != "query":
            continue
        answer = ""
        for later in events[index + 1 :]:
            if later["kind"] == "fetch" and not later.get("expected"):
                served = _served(later)
            elif later["kind"] in {"answer", "query"}:
                if later["kind"] == "answer":
                    answer = str(later["text"]).split(" -> ", 1)[-1]
                break
        rows.append((str(event["text"]), served, answer, " raised " in answer))
    closing = [e for e in events if e["kind"] == "failure" or e.get("expected")]
    height = 40 + _ROW * (len(rows) + len(closing)) + 10
    out = [
        f'<svg class="timeline instant" viewBox="0 0 {_WIDTH} {height}" role="img"'
        f' aria-label="{_a(caption or "timeline")}">',
        f'<text class="lane" x="{_COLUMNS[0][1]}" y="18">at t={_label(float(events[0]["t"]))} s'
        " (everything happened at one instant)</text>",
    ]
    out += [f'<text class="lane" x="{x}" y="36">{escape(name)}</text>' for name, x, _ in _COLUMNS]
    y = 36
    for query, set_text, answer, error in rows:
        y += _ROW
        kinds = ("query", "served", "answer error" if error else "answer")
        cells = zip((query, set_text, answer), _COLUMNS, kinds, strict=True)
        for text, (_, x, width), kind in cells:
            out.append(f'<text class="cell {kind}" x="{x}" y="{y}"><title>{escape(text)}'
                       f"</title>{escape(_cut(text, width))}</text>")  # fmt: skip
    for event in closing:
        y += _ROW
        what = "check failed: " if event["kind"] == "failure" else ""
        text = what + str(event["text"]).removeprefix("failed: ")
        out.append(f'<text class="label failure" x="{_COLUMNS[0][1]}" y="{y}"><title>'
                   f"{escape(text)}</title>{escape(_cut(text, 150))}</text>")  # fmt: skip
    out.append("</svg>")
    return "".join(out)


def timeline_svg(
    timeline: Mapping[str, Any], *, caption: str = "", store: int | None = None
) -> str:
    """``timeline`` (a report's ``timeline`` object) drawn as an ``<svg>`` element: the
    events of ``store`` (default: the last), on its own fake time."""
    every: Sequence[Mapping[str, Any]] = timeline.get("events") or []
    store = stores(timeline)[-1] if store is None else store
    events = [e for e in every if int(e.get("store", 1)) == store]
    shown = [e for e in events if e["kind"] in {"query", "fetch", "clock", "failure"}
             or e.get("expected")]  # fmt: skip
    if shown and len({float(e["t"]) for e in shown}) == 1:
        return _instant_svg(events, caption)
    end = max((float(e["t"]) for e in shown), default=0.0)
    span = end if end > 0 else 1.0
    usable = _WIDTH - _LEFT - _RIGHT

    def x_of(t: float) -> float:
        return _LEFT + usable * (t / span)

    out = [
        f'<svg class="timeline" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img"'
        f' aria-label="{_a(caption or "timeline")}">',
        f'<text class="lane" x="6" y="{_LANES["query"] + 4}">queries</text>',
        f'<text class="lane" x="6" y="{_LANES["fetch"] + 4}">fetches</text>',
        f'<line class="axis" x1="{_LEFT}" y1="{_AXIS}" x2="{_WIDTH - _RIGHT}" y2="{_AXIS}"/>',
        f'<text class="lane" x="6" y="{_AXIS + 4}">fake time</text>',
    ]
    step = _nice_step(span)
    tick = 0.0
    while tick <= span + 1e-9:
        x = x_of(tick)
        out += [
            f'<line class="tick" x1="{x:.1f}" y1="{_AXIS}" x2="{x:.1f}" y2="{_AXIS + 5}"/>',
            f'<text class="tick" x="{x:.1f}" y="{_AXIS + 18}" text-anchor="middle">'
            f"{_label(tick)} s</text>",
        ]
        tick += step
    places = _Places()
    for index, event in enumerate(events):
        kind, t = event["kind"], float(event["t"])
        if kind == "clock":
            x = x_of(t)
            out.append(
                f'<path class="mark clock" d="M{x:.1f} {_AXIS - 1} l-4 -7 h8 z"'
                f' data-t="{_a(t)}"><title>t={_label(t)} s: {escape(str(event["text"]))}'
                "</title></path>"
            )
        elif kind == "failure":
            x = x_of(t)
            anchor = "end" if x > _WIDTH * 0.7 else "start"
            out += [
                f'<line class="failure" x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{_AXIS}">'
                f"<title>{escape(str(event['text']))}</title></line>",
                f'<text class="label failure" x="{x + (-4 if anchor == "end" else 4):.1f}"'
                f' y="14" text-anchor="{anchor}">check failed</text>',
            ]
        elif kind in {"query", "fetch"} or event.get("expected"):
            following = events[index + 1] if index + 1 < len(events) else None
            answer = ""
            if kind == "query" and following is not None and following["kind"] == "answer":
                answer = " \u2192 " + str(following["text"]).split(" -> ", 1)[-1]
                if following.get("error"):
                    answer = f" raised {following['error']}"
            lane = "query" if kind == "query" or kind == "answer" else "fetch"
            x = places.x(lane, x_of(t))  # beside what was seen at that moment
            out += _mark(event, x, answer)
    out.append("</svg>")
    return "".join(out)
