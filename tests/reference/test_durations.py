"""Tests for the gateway duration syntax (CFG-07 accepts, CFG-08 refuses)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jwkconform.reference._durations import Duration, DurationError, parse_duration

NS, US, MS, S = 1, 1_000, 1_000_000, 1_000_000_000
MIN, H, D = 60 * S, 3600 * S, 86400 * S

# Written out independently of the module's own table so a typo there cannot hide.
UNIT_SPELLINGS: dict[str, int] = {
    **dict.fromkeys(["days", "day", "d"], D),
    **dict.fromkeys(["hours", "hour", "h"], H),
    **dict.fromkeys(["minutes", "minute", "min", "m"], MIN),
    **dict.fromkeys(["seconds", "second", "sec", "s"], S),
    **dict.fromkeys(["milliseconds", "millisecond", "millisec", "millis", "milli", "ms"], MS),
    **dict.fromkeys(
        ["microseconds", "microsecond", "microsec", "micros", "micro", "us", "\u03bcs", "\u00b5s"],
        US,
    ),
    **dict.fromkeys(["nanoseconds", "nanosecond", "nanosec", "nanos", "nano", "ns"], NS),
}
UNLIMITED_WORDS = ["unlimited", "indefinite", "infinity", "undefined", "none"]
ZERO_WORDS = ["zero", "disabled"]


@pytest.mark.parametrize(("unit", "ns"), UNIT_SPELLINGS.items())
@pytest.mark.parametrize("gap", ["", " ", "  "])
def test_every_unit_spelling(unit: str, ns: int, gap: str) -> None:
    assert parse_duration(f"7{gap}{unit}").nanoseconds == 7 * ns


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("10 SECONDS", 10 * S),
        ("1 Minute", MIN),
        ("2 hOuRs", 2 * H),
        ("3 MS", 3 * MS),
        ("4 \u00b5S", 4 * US),
        ("5 NS", 5 * NS),
        ("6 D", 6 * D),
        ("1 Hour AND 2 Min", H + 2 * MIN),
    ],
)
def test_units_ignore_case(text: str, ns: int) -> None:
    assert parse_duration(text).nanoseconds == ns


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("23 hours 59 minutes and 59 seconds", 86_399 * S),
        ("59 minutes and 1 millisecond", 59 * MIN + MS),
        ("1 minute, 10 seconds", 70 * S),
        ("1 minute,10 seconds", 70 * S),
        ("1 hour, and 30 minutes", 90 * MIN),
        ("1 hour , 30 minutes", 90 * MIN),
        ("10s", 10 * S),
        ("10 s", 10 * S),
        ("  10 s\t", 10 * S),
        ("1h 30m", 90 * MIN),
        ("10ms", 10 * MS),
        ("10m", 10 * MIN),
        ("1 s 1 s and 1 second", 3 * S),
        ("007 ns", 7),
    ],
)
def test_pieces_and_separators(text: str, ns: int) -> None:
    assert parse_duration(text).nanoseconds == ns


DRESSES = {
    "plain": str,
    "upper": str.upper,
    "title": str.title,
    "spaced": lambda word: f"  {word} ",
    "tab-newline": lambda word: f"\t{word}\n",
    "swapped": lambda word: f" {word.swapcase()}\r\n",
}


@pytest.mark.parametrize("word", UNLIMITED_WORDS)
@pytest.mark.parametrize("dress", DRESSES.values(), ids=DRESSES.keys())
def test_unlimited_keywords(word: str, dress: Callable[[str], str]) -> None:
    duration = parse_duration(dress(word))
    assert duration.is_unlimited
    assert duration == Duration.UNLIMITED
    assert duration.seconds == math.inf
    assert str(duration) == "unlimited"


@pytest.mark.parametrize("word", ZERO_WORDS)
@pytest.mark.parametrize("dress", DRESSES.values(), ids=DRESSES.keys())
def test_zero_keywords(word: str, dress: Callable[[str], str]) -> None:
    assert parse_duration(dress(word)) is Duration.ZERO


@pytest.mark.parametrize("text", ["zero", "0 ms", "0s", "0 d and 0 ns", "0 hours, and 0 seconds"])
def test_zero(text: str) -> None:
    duration = parse_duration(text)
    assert duration.is_zero
    assert not duration.is_unlimited
    assert duration == Duration.ZERO
    assert duration.nanoseconds == 0
    assert str(duration) == "zero"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5 s", "negative"),
        ("5 s -3 m", "negative"),
        ("10 parsecs", "unknown unit 'parsecs'"),
        ("10 hrs", "unknown unit 'hrs'"),
        ("10 mins", "unknown unit 'mins'"),
        ("30", "no unit"),
        ("30 and 5 s", "no unit"),
        ("1.5 hours", "whole numbers"),
        (".5 s", "whole numbers"),
        ("1 hour banana", "unexpected text 'banana'"),
        ("1h30m", "missing separator"),
        ("", "blank"),
        ("   \t", "blank"),
        ("zero and 5 s", "stand alone"),
        ("5 s none", "stand alone"),
        ("unlimited unlimited", "stand alone"),
        ("and 5 s", "separator"),
        (", 5 s", "separator"),
        ("5 s,", "separator"),
        ("5 s and", "separator"),
        ("5 s,, 3 m", "separator"),
        ("\u0661 s", "\u0661"),  # Arabic-Indic digit one
        ("\uff11\uff10 s", "\uff11"),  # full-width digits
        ("s", "unexpected text 's'"),
        ("10 \u039cs", "unknown unit"),  # capital Greek mu is not a micro spelling
    ],
)
def test_refusals_quote_the_input(text: str, reason: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert repr(text) in str(caught.value)
    assert reason in str(caught.value)


@pytest.mark.parametrize("value", [10, None, b"10 s", 1.5, ["10 s"]])
def test_non_str_refused(value: object) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(value)  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)
    assert type(value).__name__ in str(caught.value)
    assert repr(value) in str(caught.value)


def test_ordering() -> None:
    huge = Duration(10**40)
    assert huge < Duration.UNLIMITED
    assert Duration.UNLIMITED.__gt__(huge)
    assert Duration(1) > Duration.ZERO
    assert parse_duration("none") >= Duration.UNLIMITED
    assert not parse_duration("none") < Duration.UNLIMITED
    shuffled = [Duration.UNLIMITED, Duration(5), Duration.ZERO, huge, Duration(1)]
    assert sorted(shuffled) == [Duration.ZERO, Duration(1), Duration(5), huge, Duration.UNLIMITED]
    assert parse_duration("1 minute") == parse_duration("60 s")
    assert hash(parse_duration("1 minute")) == hash(parse_duration("60 s"))
    with pytest.raises(TypeError):
        _ = Duration.ZERO < 1


def test_unlimited_has_no_nanoseconds() -> None:
    with pytest.raises(DurationError):
        _ = Duration.UNLIMITED.nanoseconds


@pytest.mark.parametrize(
    ("seconds", "ns"),
    [
        (0, 0),
        (1, S),
        (0.5, S // 2),
        (1e-9, 1),
        (1.5, 3 * S // 2),
        (1.000000001, S + 1),
        (86399, 86_399 * S),
    ],
)
def test_of_seconds(seconds: float, ns: int) -> None:
    duration = Duration.of_seconds(seconds)
    assert duration.nanoseconds == ns
    assert duration.seconds == pytest.approx(seconds)


@pytest.mark.parametrize("seconds", [-1, -0.5, math.nan, math.inf, -math.inf, True, "1"])
def test_of_seconds_refusals(seconds: object) -> None:
    with pytest.raises(DurationError, match="invalid seconds"):
        Duration.of_seconds(seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, 1.0, "1", True])
def test_constructor_refuses_bad_values(value: object) -> None:
    with pytest.raises(DurationError):
        Duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("86399 seconds", "23 hours 59 minutes 59 seconds"),
        ("1 ms", "1 millisecond"),
        ("90 s", "1 minute 30 seconds"),
        ("48 h", "2 days"),
        ("1001 us", "1 millisecond 1 microsecond"),
        ("1 d 1 ns", "1 day 1 nanosecond"),
        ("Infinity", "unlimited"),
        ("disabled", "zero"),
    ],
)
def test_str_is_canonical_and_round_trips(text: str, rendered: str) -> None:
    duration = parse_duration(text)
    assert str(duration) == rendered
    assert parse_duration(rendered) == duration


@st.composite
def _spelled(draw: st.DrawFn) -> tuple[str, int]:
    pieces = draw(
        st.lists(
            st.tuples(st.integers(0, 10**6), st.sampled_from(sorted(UNIT_SPELLINGS))),
            min_size=1,
            max_size=6,
        )
    )
    texts = []
    for number, unit in pieces:
        shout = unit.isascii() and draw(st.booleans())
        texts.append(f"{number}{draw(st.sampled_from(['', ' ']))}{unit.upper() if shout else unit}")
    text = texts[0]
    for piece in texts[1:]:
        text += draw(st.sampled_from([" ", ", ", " and ", ","])) + piece
    return text, sum(number * UNIT_SPELLINGS[unit] for number, unit in pieces)


@settings(database=None, max_examples=100)
@given(_spelled())
def test_parse_equals_sum_of_pieces(case: tuple[str, int]) -> None:
    text, ns = case
    assert parse_duration(text) == Duration(ns)


@settings(database=None, max_examples=100)
@given(st.one_of(st.integers(0, 10**22).map(Duration), st.just(Duration.UNLIMITED)))
def test_str_round_trip(duration: Duration) -> None:
    assert parse_duration(str(duration)) == duration
    assert str(parse_duration(str(duration))) == str(duration)
