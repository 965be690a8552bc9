"""The timeline of a failing example: what the recorder keeps, what a failed check is said to
have expected, the one-line example summary (never with private key material), and that
each failure gets the events of its own example."""

from __future__ import annotations

import doctest

import pytest
from pytester_files import report

from jwkconform.harness import check
from jwkconform.harness._untrusted import redact
from jwkconform.harness.report import _example, _svg
from jwkconform.harness.report._example import summary
from jwkconform.harness.seam import _seen, _timeline
from jwkconform.harness.seam._timeline import (
    RECORDER,
    RecordingClock,
    attached,
    expectations,
    finding_timeline,
    timeline_lines,
)

PRIVATE_VALUES = ("jpsQnnGQmL", "c2VjcmV0LWtleQ", "MIIEvQIBADAN", "5Hsc2dT", "b3RoZXI")


@pytest.fixture(autouse=True)
def fresh_recorder() -> None:
    RECORDER.reset()
    RECORDER.transcript = None


def test_the_docstring_examples_run() -> None:
    for module in (_timeline, _example, _svg, _seen):
        failures, attempted = doctest.testmod(module)
        assert attempted > 0, module.__name__
        assert failures == 0, module.__name__


def test_events_are_timed_from_the_first_clock_of_the_example() -> None:
    clock = RecordingClock(1_000.0)
    RECORDER.record(clock.now(), "query", "valid('verify')")
    clock.advance(119.5)
    clock.reach(1_000.0, 120.0)
    timeline = RECORDER.snapshot()
    assert timeline is not None
    assert timeline.origin == 1_000.0
    assert [(e.t, e.kind, e.text) for e in timeline.events] == [
        (0.0, "query", "valid('verify')"),
        (119.5, "clock", "clock +119.5 s"),
        (120.0, "clock", "clock +0.5 s"),
    ]
    RECORDER.reset()
    assert RECORDER.snapshot() is None


def test_each_store_of_an_example_has_its_own_times_and_the_failure_the_last() -> None:
    first = RecordingClock(1_000.0)
    RECORDER.record(first.now(), "fetch", "GET /jwks.json: 200")
    first.advance(120.5)
    second = RecordingClock(1_000.0)  # a second store, on a fresh clock from the same start
    RECORDER.record(second.now(), "fetch", "GET /jwks.json: 200")
    second.advance(120.5)
    snapshot = RECORDER.snapshot()
    timeline = finding_timeline(snapshot, None, "a query 120.5 s after the load", "failed")
    assert timeline is not None
    assert timeline.stores == 2
    assert [(e.data["store"], e.t, e.kind) for e in timeline.events] == [
        (1, 0.0, "fetch"), (1, 120.5, "clock"),
        (2, 0.0, "fetch"), (2, 120.5, "clock"), (2, 120.5, "failure"),
    ]  # fmt: skip
    full = timeline_lines(timeline)
    assert "store 1 of 2:" in full
    assert full.index("store 2 of 2:") > full.index("store 1 of 2:")
    compact = timeline_lines(timeline, compact=True)
    assert compact[0].startswith("timeline of store 2 of 2")
    assert all("failure" not in line for line in compact)
    assert len(compact) == 3  # the header, the fetch and the clock step of store 2
    again = _timeline.Timeline.from_json(timeline.as_json())
    assert (again.stores, again.end) == (2, 120.5)


def test_one_store_carries_no_store_numbers() -> None:
    clock = RecordingClock(1_000.0)
    RECORDER.record(clock.now(), "query", "valid('verify')")
    timeline = RECORDER.snapshot()
    assert timeline is not None
    assert "store" not in timeline.as_json()["events"][0]


def test_a_long_example_keeps_its_start_and_its_end() -> None:
    for index in range(1_000):
        RECORDER.record(float(index), "note", f"event {index}")
    timeline = RECORDER.snapshot()
    assert timeline is not None
    texts = [e.text for e in timeline.events]
    assert texts[0] == "event 0"
    assert texts[-1] == "event 999"
    assert timeline.omitted == 1_000 - len(texts) > 0
    lines = timeline_lines(timeline)
    assert len(lines) == 15
    assert "earlier events not shown" in lines[0]


@pytest.mark.parametrize(
    ("message", "text", "missing"),
    [
        ("no reload\nassert 1 == 2\n +  where 1 = fetch_count()", "expected a fetch by t=10 s", 1),
        ("assert 1 == 3\n +  where 1 = <Queries object>.fetches", "expected 2 more fetches", 2),
        ("assert 2 == 1\n +  where 1 = fetch_count()", "expected a fetch", 1),  # count on the right
        (
            "fetched again\nassert 2 == 1\n +  where 2 = fetch_count()",
            "expected no further fetch",
            0,
        ),
        ("assert 3 <= 2\n +  where 3 = rig.jwks.fetch_count(since=5)", "expected no further", 0),
        ("assert 1 >= 2\n +  where 1 = fetch_count()", "expected a fetch", 1),
    ],
)
def test_a_failed_fetch_count_says_what_was_expected(message: str, text: str, missing: int) -> None:
    [event] = expectations(message, 10.0)
    assert (event.kind, event.expected, event.t) == ("fetch", True, 10.0)
    assert event.text.startswith(text)
    assert event.data["missing"] == missing


@pytest.mark.parametrize(
    "message",
    ["assert 1 == 2", "assert 2 == 2\n + where 2 = fetch_count()", "assert [] == ['a']", ""],
)
def test_other_failures_expect_nothing_in_particular(message: str) -> None:
    assert expectations(message, 3.0) == []


def test_a_check_can_say_what_it_expected() -> None:
    clock = RecordingClock(50.0)
    clock.advance(120)
    with pytest.raises(AssertionError) as caught, check("CACHE-02", expected="a fetch at 120 s"):
        raise AssertionError("the set was not reloaded")
    timeline = finding_timeline(attached(caught.value), caught.value, "not reloaded", "failed")
    assert timeline is not None
    *_, failure, expected = timeline.events
    assert (failure.kind, failure.t, failure.text) == ("failure", 120.0, "failed: not reloaded")
    assert (expected.kind, expected.expected, expected.t) == ("fetch", True, 120.0)
    assert expected.text == "expected a fetch at 120 s"


EXAMPLE = """Failing test case: test_x(
    jwk_target=<jwkconform.harness.seam._target.Target object>,
    keys=[('RS256',
      {'kty': 'RSA', 'n': 'tEh8kNyLTOoOkkpnuiXUjPXm7QSg727sTaKMSVAImVJE4', 'e': 'AQAB',
       'd': 'jpsQnnGQmL', 'p': '5Hsc2dT', 'q': '5Hsc2dT', 'dp': '5Hsc2dT', 'dq': '5Hsc2dT',
       'qi': '5Hsc2dT', 'oth': [{'r': 'b3RoZXI', 'd': 'b3RoZXI', 't': 'b3RoZXI'}],
       'kid': 'r1'}),
      ('HS256', {'kty': 'oct', 'k': 'c2VjcmV0LWtleQ', 'kid': 's1'})],
    pem='-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADAN\\n-----END PRIVATE KEY-----\\n',
    data=data(...),
)
Draw 1 (cacheTimeout (s)): 120
Draw 2 (first query (None: valid())): ('named', 'r1')"""


def test_the_example_summary_is_short_and_has_no_private_key_material() -> None:
    line = summary(EXAMPLE)
    assert line.startswith("keys=[('RS256', JWK(RSA, kid 'r1')), ('HS256', JWK(oct, kid 's1'))]")
    assert "pem='<private key>" in line
    assert line.endswith("cacheTimeout (s)=120; first query (None: valid())=('named', 'r1')")
    assert "jwk_target" not in line
    assert "data(" not in line
    for value in PRIVATE_VALUES:
        assert value not in line
        assert value not in redact(EXAMPLE)


def test_a_state_machine_example_is_its_steps() -> None:
    steps = (
        "Failing test case: <state machine>\nstate = M()\nstate.a(x=1)\nstate.b()\nstate.teardown()"
    )
    assert summary(steps) == "a(x=1); b()"


def test_the_timeline_redacts_what_it_records() -> None:
    RECORDER.record(
        0.0, "note", "store opened: jwks={'keys': [{'kty': 'oct', 'k': 'c2VjcmV0LWtleQ'}]}"
    )
    timeline = RECORDER.snapshot()
    assert timeline is not None
    assert "c2VjcmV0LWtleQ" not in timeline.events[0].text


TWO_FAILURES = """
import pytest
from hypothesis import given, strategies as st

from jwkconform.harness import check


@pytest.mark.jwk_requirement("KID-01", "KID-03")
@given(st.integers(0, 20))
def test_two_bugs(jwk_target, n):
    with jwk_target.open_store({"cacheTimeout": f"{10 + n} s"}, document={"keys": []}) as rig:
        rig.clock.advance(n)
        rig.store.valid("verify")
        if n % 2:
            with check("KID-01"):
                assert False, "odd"
        else:
            with check("KID-03", expected="a fetch of the new set"):
                assert False, "even"


@pytest.mark.jwk_requirement("CFG-03")
def test_opens_a_store(jwk_target):
    with jwk_target.open_store({"cacheTimeout": "99 s"}, document={"keys": []}) as rig:
        rig.store.valid("verify")


@pytest.mark.jwk_requirement("CFG-04")
def test_fails_without_a_store():
    assert False, "nothing opened"
"""


def test_each_failure_gets_the_timeline_of_its_own_example(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_two=TWO_FAILURES)
    pytester.runpytest("--jwk-report-json", "r.json", "-p", "no:randomly", "--jwk-seed", "2")
    rows = {r["id"]: r for r in report(pytester.path / "r.json")["requirements"]}

    def texts(rid: str) -> list[str]:
        [finding] = rows[rid]["findings"]
        return [e["text"] for e in finding["timeline"]["events"]]

    # The shrunk examples: n=1 fails KID-01, n=0 fails KID-03; each has its own store.
    assert "store opened: cacheTimeout='11 s'" in texts("KID-01")
    assert "clock +1 s" in texts("KID-01")
    assert "store opened: cacheTimeout='10 s'" in texts("KID-03")
    assert texts("KID-03")[-1] == "expected a fetch of the new set"
    assert not any("'11 s'" in t for t in texts("KID-03"))
    assert rows["KID-01"]["findings"][0]["example"] == "n=1"
    # A test that opened nothing has no timeline, not the previous test's.
    assert rows["CFG-04"]["findings"][0]["timeline"] is None
