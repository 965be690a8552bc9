"""Parse the identity gateway's English duration syntax into a typed :class:`Duration`.

A duration is either one keyword on its own, or one or more pieces.  A piece is a whole
ASCII number, optional white space, and a unit word (``10s``, ``10 s``, ``3 Minutes``).
Pieces are joined by white space, a comma, ``and``, or a comma followed by ``and``:
``23 hours 59 minutes and 59 seconds``, ``1 minute,10 seconds``.  Unit words ignore
case; a unit given twice adds up.  ``unlimited``, ``indefinite``, ``infinity``,
``undefined`` and ``none`` mean no limit; ``zero`` and ``disabled`` mean zero, as does
any total of zero.  Everything else (negative or fractional numbers, unknown units,
bare numbers, stray text or separators) is refused with :class:`DurationError`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import total_ordering
from typing import ClassVar

__all__ = ["Duration", "DurationError", "parse_duration"]

_US, _MS, _S = 1_000, 1_000_000, 1_000_000_000
_MIN, _H, _D = 60 * _S, 3600 * _S, 86400 * _S

# The singular word comes first: __str__ renders with it, so its output always parses back.
_UNIT_WORDS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (_D, ("day", "days", "d")),
    (_H, ("hour", "hours", "h")),
    (_MIN, ("minute", "minutes", "min", "m")),
    (_S, ("second", "seconds", "sec", "s")),
    (_MS, ("millisecond", "milliseconds", "millisec", "millis", "milli", "ms")),
    (
        _US,
        ("microsecond", "microseconds", "microsec", "micros", "micro", "us", "\u03bcs", "\u00b5s"),
    ),
    (1, ("nanosecond", "nanoseconds", "nanosec", "nanos", "nano", "ns")),
)
_UNITS: dict[str, int] = {word: ns for ns, words in _UNIT_WORDS for word in words}


class DurationError(ValueError):
    """A duration text or value that the gateway syntax does not allow."""


class _DurationTypeError(DurationError, TypeError):
    """Wrong input type: catchable as DurationError, yet still honest as a TypeError."""


@total_ordering
@dataclass(frozen=True)
class Duration:
    """A non-negative span of time in nanoseconds, or unlimited (held as ``None``).

    >>> d = parse_duration("1 minute, 10 seconds")
    >>> d.seconds, str(d)
    (70.0, '1 minute 10 seconds')
    >>> Duration.UNLIMITED > d > Duration.ZERO
    True
    """

    _nanoseconds: int | None

    ZERO: ClassVar[Duration]
    UNLIMITED: ClassVar[Duration]

    def __post_init__(self) -> None:
        ns = self._nanoseconds
        if ns is not None and (type(ns) is not int or ns < 0):
            raise DurationError(f"invalid duration {ns!r}: need a non-negative int or None")

    @classmethod
    def of_seconds(cls, seconds: int | float) -> Duration:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise _DurationTypeError(f"invalid seconds {seconds!r}: got {type(seconds).__name__}")
        if not math.isfinite(seconds) or seconds < 0:
            raise DurationError(f"invalid seconds {seconds!r}: need a finite value >= 0")
        # Fraction is exact, so the float is rounded to ns once rather than after a lossy *1e9.
        return cls(round(Fraction(seconds) * _S))

    @property
    def is_unlimited(self) -> bool:
        return self._nanoseconds is None

    @property
    def is_zero(self) -> bool:
        return self._nanoseconds == 0

    @property
    def nanoseconds(self) -> int:
        if self._nanoseconds is None:
            raise DurationError("an unlimited duration has no number of nanoseconds")
        return self._nanoseconds

    @property
    def seconds(self) -> float:
        return math.inf if self._nanoseconds is None else self._nanoseconds / _S

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        return self._key() < other._key()

    def _key(self) -> tuple[bool, int]:
        return (self._nanoseconds is None, self._nanoseconds or 0)

    def __str__(self) -> str:
        if self._nanoseconds is None or self._nanoseconds == 0:
            return "unlimited" if self._nanoseconds is None else "zero"
        parts, rest = [], self._nanoseconds
        for size, (word, *_) in _UNIT_WORDS:
            count, rest = divmod(rest, size)
            if count:
                parts.append(f"{count} {word}{'' if count == 1 else 's'}")
        return " ".join(parts)


Duration.ZERO = Duration(0)
Duration.UNLIMITED = Duration(None)

_KEYWORDS: dict[str, Duration] = dict.fromkeys(
    ("unlimited", "indefinite", "infinity", "undefined", "none"), Duration.UNLIMITED
) | dict.fromkeys(("zero", "disabled"), Duration.ZERO)

# ASCII mode keeps digits and white space to ASCII; the mu spellings are listed as-is.
_FLAGS = re.ASCII | re.IGNORECASE
_UNIT = "|".join(re.escape(w) for w in sorted(_UNITS, key=len, reverse=True))
# The look-ahead stops "10 hrs" from reading as "10 h" plus junk when explaining a refusal.
_PIECE_TEXT = rf"([0-9]+)\s*({_UNIT})(?![^\s,0-9])"
_SEP = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s+)"
_KEYWORD_TEXT = "|".join(_KEYWORDS)
_WHOLE = re.compile(rf"\s*{_PIECE_TEXT}(?:{_SEP}{_PIECE_TEXT})*\s*", _FLAGS)
_PIECE = re.compile(_PIECE_TEXT, _FLAGS)
_KEYWORD = re.compile(rf"\s*({_KEYWORD_TEXT})\s*", _FLAGS)
_KEYWORD_INSIDE = re.compile(rf"\b({_KEYWORD_TEXT})\b", _FLAGS)
# Only used to explain a refusal: walk the valid prefix, then name what follows it.
_FIRST = re.compile(rf"\s*{_PIECE_TEXT}", _FLAGS)
_NEXT = re.compile(_SEP + _PIECE_TEXT, _FLAGS)
_DIAGNOSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, _FLAGS), reason)
    for pattern, reason in (
        (r"(-)", "negative durations are not allowed"),
        (r"([0-9]*\.[0-9]+|[0-9]+\.)", "only whole numbers are allowed, got {!r}"),
        (_PIECE_TEXT, "missing separator before {rest!r}"),
        (r"([0-9]+)\s*(?:$|,|and\b)", "number {!r} has no unit"),
        (r"[0-9]+\s*([^\s,0-9]+)", "unknown unit {!r}"),
        (r"(,\s*and\b|,|and\b)", "separator {!r} must sit between two pieces"),
    )
)


def _explain(text: str) -> str:
    if not text.strip():
        return "it is blank"
    if keyword := _KEYWORD_INSIDE.search(text):
        return f"keyword {keyword[1]!r} must stand alone"
    pos, step = 0, _FIRST
    while found := step.match(text, pos):
        pos, step = found.end(), _NEXT
    rest = text[pos:].strip() or text[pos:]
    for pattern, reason in _DIAGNOSES:
        if hit := pattern.match(rest):
            return reason.format(hit[1], rest=rest)
    return f"unexpected text {rest!r}"


def parse_duration(text: str) -> Duration:
    """Parse gateway duration text; raise :class:`DurationError` quoting it if invalid."""
    value: object = text
    if not isinstance(value, str):
        raise _DurationTypeError(
            f"invalid duration {value!r}: expected str, got {type(value).__name__}"
        )
    if keyword := _KEYWORD.fullmatch(text):
        return _KEYWORDS[keyword[1].lower()]
    if not _WHOLE.fullmatch(text):
        raise DurationError(f"invalid duration {text!r}: {_explain(text)}")
    try:
        total = sum(int(m[1]) * _UNITS[m[2].lower()] for m in _PIECE.finditer(text))
    except ValueError as exc:  # int() refuses absurdly long digit strings
        raise DurationError(f"invalid duration {text!r}: number too large") from exc
    return Duration(total)
