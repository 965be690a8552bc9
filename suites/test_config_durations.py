"""Durations in store configuration: the cacheTimeout floor (CFG-04), the gateway's syntax
(CFG-07) and what is refused (CFG-08).

These tests are about values, not about how a boundary compares: each value is probed a
millisecond either side of it. A store configured with the same value written plainly
(``N ms``) is checked first, as the cache requirements' premise, so that a store that
reloads early or late for every value fails CACHE-01..03, not the syntax.
"""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from hypothesis import given

from jwkconform.harness import ConfigRefused, Target, check, premise
from jwkconform.suites._probes import SHORT_LEASE, Probe
from jwkconform.suites._store_checks import (
    Owner,
    assumed,
    checked,
    refusal,
    signers,
    stale_after,
)
from jwkconform.suites.store_strategies import BAD_DURATIONS, durations, public_set

TWO_MINUTES = 120.0
# 2**32 seconds, the largest duration D-23 lets a store's time arithmetic take.
LARGEST = 2**32
# Members by the capability a test needs to set them (leaseExpiry may always be set).
MEMBERS = [
    pytest.param("cacheTimeout", marks=pytest.mark.jwk_capability("cache-timeout")),
    pytest.param("cacheMissCacheTime", marks=pytest.mark.jwk_capability("miss-window")),
    "leaseExpiry",
]


def _plain(seconds: float) -> str:
    return f"{round(seconds * 1000)} ms"


# -- the 10-second floor (CFG-04) ------------------------------------------------------------


TOO_SHORT = ["9 seconds", "9999 ms", "0 s", "zero"]


@pytest.mark.jwk_requirement("CFG-04")
@pytest.mark.parametrize("too_short", TOO_SHORT)
def test_cache_timeout_under_ten_seconds_uses_the_default(
    jwk_target: Target, too_short: str
) -> None:
    stale_after(
        jwk_target,
        {"cacheTimeout": "120 s"},
        TWO_MINUTES,
        early=assumed("CACHE-01"),
        late=assumed("CACHE-02"),
        what="with cacheTimeout 120 s",
    )
    stale_after(
        jwk_target,
        {"cacheTimeout": too_short},
        TWO_MINUTES,
        early=checked("CFG-04"),
        late=checked("CFG-04"),
        what=f"with cacheTimeout {too_short!r} (under 10 s: the 2-minute default)",
    )


@pytest.mark.jwk_requirement("CFG-04")
@pytest.mark.jwk_capability("warnings")
@pytest.mark.parametrize("too_short", TOO_SHORT)
def test_cache_timeout_under_ten_seconds_logs_a_warning(jwk_target: Target, too_short: str) -> None:
    alg, key = signers(jwk_target)[0]
    config = {"cacheTimeout": too_short}
    with jwk_target.open_store(config, document=public_set([key])) as rig:
        Probe(jwk_target, rig).hit(alg, key)
        assert any("cacheTimeout" in w for w in rig.env.warnings), (
            f"cacheTimeout {too_short!r} logged no warning naming cacheTimeout; "
            f"warnings: {rig.env.warnings}"
        )


@pytest.mark.jwk_requirement("CFG-04")
def test_cache_timeout_of_exactly_ten_seconds_is_accepted(jwk_target: Target) -> None:
    stale_after(
        jwk_target,
        {"cacheTimeout": "10 seconds"},
        10,
        early=assumed("CACHE-01"),
        late=checked("CFG-04"),
        what="with cacheTimeout '10 seconds'",
    )


# -- the syntax (CFG-07) ---------------------------------------------------------------------


def _check_cache_timeout(target: Target, text: str, seconds: float) -> None:
    stale_after(
        target,
        {"cacheTimeout": _plain(seconds)},
        seconds,
        early=assumed("CACHE-01"),
        late=assumed("CACHE-02"),
        what=f"with cacheTimeout {_plain(seconds)!r}",
    )
    stale_after(
        target,
        {"cacheTimeout": text},
        seconds,
        early=checked("CFG-07"),
        late=checked("CFG-07"),
        what=f"cacheTimeout {text!r} is {seconds:g} s",
    )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("cache-timeout")
# Above 10 s: exactly 10 s is CFG-04's boundary.
@given(duration=durations(min_ms=10_001))
def test_cache_timeout_duration_syntax(jwk_target: Target, duration: tuple[str, int]) -> None:
    text, ms = duration
    _check_cache_timeout(jwk_target, text, ms / 1000)


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("cache-timeout")
@pytest.mark.parametrize("text", ["10000 ms", "10000000 us", "10000000 \u00b5s", "10000000000 ns"])
def test_ten_seconds_in_small_units_is_exactly_the_floor(jwk_target: Target, text: str) -> None:
    # A small unit counted a little wrong (a microsecond of 999 ns) moves a duration by less
    # than the probes' millisecond, except here: just under the floor is the 2-minute default.
    stale_after(
        jwk_target,
        {"cacheTimeout": "10 seconds"},
        10,
        early=assumed("CACHE-01"),
        late=assumed("CFG-04"),
        what="with cacheTimeout '10 seconds'",
    )
    stale_after(
        jwk_target,
        {"cacheTimeout": text},
        10,
        early=checked("CFG-07"),
        late=checked("CFG-07"),
        what=f"cacheTimeout {text!r} is exactly 10 s, the floor",
    )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("cache-timeout")
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("23 hours 59 minutes and 59 seconds", 86_399),
        ("59 minutes and 1 millisecond", 3_540.001),
        ("1 minute, 10 seconds", 70),
        ("1 Day", 86_400),
        ("10 seconds and 500000 microseconds", 10.5),
        ("10 s 500000 \u00b5s", 10.5),
        ("10 s 500000 \u03bcs", 10.5),
        ("10 sec 250 ms 250000 micros", 10.5),
        ("10500000000 ns", 10.5),
        ("10 s, 1000000 nanos", 10.001),
        ("12 SECONDS", 12),
        ("9 s and 1001 ms", 10.001),
        ("2 m", 120),
    ],
)
def test_cache_timeout_duration_examples(jwk_target: Target, text: str, seconds: float) -> None:
    _check_cache_timeout(jwk_target, text, seconds)


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("cache-timeout", "miss-window")
@given(duration=durations(min_ms=1_000))
def test_cache_miss_cache_time_duration_syntax(
    jwk_target: Target, duration: tuple[str, int]
) -> None:
    text, ms = duration
    seconds = ms / 1000
    fresh = {"cacheTimeout": "4 hours"}
    stale_after(
        jwk_target,
        {**fresh, "cacheMissCacheTime": _plain(seconds)},
        seconds,
        early=assumed("CACHE-03"),
        late=assumed("CACHE-03"),
        by_miss=True,
        fresh=assumed("CACHE-01"),
        what=f"with cacheMissCacheTime {_plain(seconds)!r}",
    )
    stale_after(
        jwk_target,
        {**fresh, "cacheMissCacheTime": text},
        seconds,
        early=checked("CFG-07"),
        late=checked("CFG-07"),
        by_miss=True,
        fresh=assumed("CACHE-01"),
        what=f"cacheMissCacheTime {text!r} is {seconds:g} s",
    )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("cache-timeout", "miss-window")
@pytest.mark.parametrize("keyword", ["unlimited", "indefinite", "infinity", "undefined", "none"])
def test_unlimited_keywords_as_miss_window_never_reload(jwk_target: Target, keyword: str) -> None:
    hours = f"{100 * 3_600_000} ms"
    _misses_never_reload(jwk_target, hours, hours, assumed("CACHE-03"))
    _misses_never_reload(jwk_target, "unlimited", keyword, checked("CFG-07"))


def _misses_never_reload(target: Target, timeout: str, window: str, owner: Owner) -> None:
    alg, key = signers(target)[0]
    config = {**SHORT_LEASE, "cacheTimeout": timeout, "cacheMissCacheTime": window}
    with target.open_store(config, document=public_set([key])) as rig:
        probe = Probe(target, rig, by_kid=True)
        probe.hit(alg, key)
        fetched = rig.jwks.fetch_count()
        with owner():
            for step in (120, 3_600, 10 * 3_600):
                rig.clock.advance(step)
                probe.miss("not there", (alg, key))
            assert rig.jwks.fetch_count() == fetched, (
                f"with cacheTimeout {timeout!r} and cacheMissCacheTime {window!r} a kid miss "
                "within 11 hours of the load reloaded the set"
            )


@pytest.mark.jwk_requirement("CFG-07")
@pytest.mark.jwk_capability("miss-window")
@pytest.mark.parametrize("keyword", ["zero", "disabled", "0 ms", "0 s and 0 ms"])
def test_zero_keywords_as_miss_window_reload_at_once(jwk_target: Target, keyword: str) -> None:
    alg, key = signers(jwk_target)[0]
    # First, that a miss past a plain window reloads this set at all: that is CACHE-03's.
    for window, after, owner in (("1 s", 1.001, premise("CACHE-03")), (keyword, 0.001, None)):
        config = {**SHORT_LEASE, "cacheMissCacheTime": window}
        with jwk_target.open_store(config, document=public_set([key])) as rig:
            probe = Probe(jwk_target, rig, by_kid=True)
            probe.hit(alg, key)
            fetched = rig.jwks.fetch_count()
            rig.clock.advance(after)
            probe.miss("not there", (alg, key))
            with owner or nullcontext():
                assert rig.jwks.fetch_count() > fetched, (
                    f"with cacheMissCacheTime {window!r} a kid miss {after * 1000:g} ms after"
                    " the load did not reload the set"
                )


# -- refusals (CFG-08) ----------------------------------------------------------------------

DECIMALS = ("0.5 seconds", "2.25 min", "1.0 s", "1 minute 0.5 s")
# Over 2**32 s: the first is 5e9 s, the next one second and 44 seconds past the limit.
TOO_LARGE = (
    "5000000000 seconds",
    "4294967297 s",
    "71582789 minutes",
    "50000 days",
    "99999999999999999999 hours",
)


@pytest.mark.jwk_requirement("CFG-08")
@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("bad", [*BAD_DURATIONS, *DECIMALS, *TOO_LARGE])
def test_bad_durations_are_refused_naming_the_value(
    jwk_target: Target, member: str, bad: str
) -> None:
    refused = refusal(jwk_target, {member: bad}, what=f"{member} {bad!r}")
    assert refused.field == member, (
        f"{member} {bad!r} was refused under the name {refused.field!r}: {refused}"
    )
    assert bad in str(refused), (
        f"the refusal of {member} {bad!r} does not quote the value: {refused}"
    )


@pytest.mark.jwk_requirement("CFG-08")
@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("large", [f"{LARGEST} seconds", "49710 days", "1193046 hours"])
def test_durations_up_to_two_to_the_32_seconds_are_accepted(
    jwk_target: Target, member: str, large: str
) -> None:
    alg, key = signers(jwk_target)[0]
    try:
        with jwk_target.open_store({member: large}, document=public_set([key])) as rig:
            probe = Probe(jwk_target, rig)
            for step in (0, 3_600, float(LARGEST)):
                rig.clock.advance(step)
                with check("CFG-08"):
                    assert probe.serves(alg, key), (
                        f"with {member} {large!r}, a query {step:g} s on did not serve the key"
                    )
    except ConfigRefused as exc:
        pytest.fail(f"{member} {large!r} (at most 2**32 s) was refused: {exc}")
