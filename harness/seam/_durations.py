"""The harness's own reading of the gateway's duration syntax (CFG-07), in seconds.

Tests write configurations in the gateway's JSON shape, durations as text. An implementation
that parses that syntax itself declares ``duration-syntax`` and is tested on it; any other
adapter reads the values in seconds from ``env.durations``, so it needs no parser of its own
and a test of caching never ends up testing an adapter's parser. Written apart from the
reference so the two check each other.

>>> parse_seconds("1 minute, 10 seconds"), parse_seconds("2MIN and 125 ms")
(70.0, 120.125)
>>> parse_seconds("unlimited"), parse_seconds("zero")
(inf, 0.0)
>>> duration_seconds({"jwkUrl": "https://x", "cacheTimeout": "90 s", "leaseExpiry": "bad"})
{'cacheTimeout': 90.0}
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Final

__all__ = ["DURATION_MEMBERS", "duration_seconds", "parse_seconds"]

DURATION_MEMBERS: Final = ("cacheTimeout", "cacheMissCacheTime", "leaseExpiry")

_UNIT_NANOS: Final[Mapping[str, int]] = {
    word: nanos
    for nanos, words in (
        (86_400 * 10**9, ("days", "day", "d")),
        (3_600 * 10**9, ("hours", "hour", "h")),
        (60 * 10**9, ("minutes", "minute", "min", "m")),
        (10**9, ("seconds", "second", "sec", "s")),
        (10**6, ("milliseconds", "millisecond", "millisec", "millis", "milli", "ms")),
        (10**3, ("microseconds", "microsecond", "microsec", "micros", "micro", "us", "μs", "µs")),
        (1, ("nanoseconds", "nanosecond", "nanosec", "nanos", "nano", "ns")),
    )
    for word in words
}
_UNLIMITED: Final = frozenset({"unlimited", "indefinite", "infinity", "undefined", "none"})
_ZERO: Final = frozenset({"zero", "disabled"})
_FIRST: Final = re.compile(r"\s*([0-9]+)\s*([^\W\d_]+)", re.IGNORECASE)
_NEXT: Final = re.compile(r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+)([0-9]+)\s*([^\W\d_]+)", re.I)


def parse_seconds(text: str) -> float:
    """Seconds in gateway duration ``text``; ``inf`` for the unlimited keywords; a
    ValueError for anything CFG-07 does not allow."""
    word = text.strip().lower()
    if word in _UNLIMITED:
        return math.inf
    if word in _ZERO:
        return 0.0
    total, pos, pattern = 0, 0, _FIRST
    while pos < len(text) and (found := pattern.match(text, pos)):
        unit = found[2].lower()
        if unit not in _UNIT_NANOS:
            raise ValueError(f"unknown unit {found[2]!r} in duration {text!r}")
        total += int(found[1]) * _UNIT_NANOS[unit]
        pos, pattern = found.end(), _NEXT
    if pattern is _FIRST or text[pos:].strip():
        raise ValueError(f"invalid duration {text!r}")
    return total / 10**9


def duration_seconds(config: Mapping[str, object]) -> dict[str, float]:
    """The duration members of ``config`` that read as valid durations, in seconds."""
    found: dict[str, float] = {}
    for member in DURATION_MEMBERS:
        value = config.get(member)
        if isinstance(value, str):
            try:
                found[member] = parse_seconds(value)
            except (ValueError, OverflowError):
                continue  # a bad value is for the implementation to refuse
    return found
