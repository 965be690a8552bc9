"""Expected failures mean what they say: the most specific key wins, a failure listed by the
node ID pytest prints is matched, keys of tests a filter left out are not stale, and a
library's ground truth can ride in the same file."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from pytester_files import by_id, output, report

EXPECTED_FILE = """
import pytest


@pytest.mark.jwk_requirement("KID-01")
def test_known_by_id():
    assert False, "kid comparison ignores case"


@pytest.mark.jwk_requirement("KID-02")
def test_known_by_name():
    assert False


@pytest.mark.jwk_requirement("KID-03")
def test_known_by_node_id():
    assert False


@pytest.mark.jwk_requirement("ORD-01")
def test_fixed_meanwhile():
    pass


@pytest.mark.jwk_requirement("ORD-03")
def test_fixed_meanwhile_too():
    pass


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.parametrize("case", ["a", "b"])
def test_one_case_known(case):
    assert case == "a", "case b is broken"
"""


def _expect(pytester: pytest.Pytester, entries: Mapping[str, object]) -> None:
    (pytester.path / "known.json").write_text(json.dumps(entries), encoding="utf-8")


def _run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, dict]]:  # type: ignore[type-arg]
    result = pytester.runpytest(
        "--jwk-expected-failures", "known.json", "--jwk-report-json", "r.json", *args
    )
    return result, by_id(report(pytester.path / "r.json"))


def test_expected_failures_by_id_name_node_id_and_case(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_expected=EXPECTED_FILE)
    _expect(
        pytester,
        {
            "KID-01": "GW-1",
            "test_known_by_name": "GW-2",
            # As pytest prints it in a FAILED line of a run from another folder.
            "../../site-packages/jwkconform/suites/test_expected.py::test_known_by_node_id": "GW-3",
            "ORD-01": "fixed meanwhile",
            "test_fixed_meanwhile_too": "fixed meanwhile too",
            "test_one_case_known[b]": "GW-4",
        },
    )
    result, rows = _run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert {rid: rows[rid]["verdict"] for rid in ("KID-01", "KID-02", "KID-03")} == dict.fromkeys(
        ("KID-01", "KID-02", "KID-03"), "xfail"
    )
    assert "expected failure: GW-1" in rows["KID-01"]["message"]
    assert "expected failure: GW-3" in rows["KID-03"]["message"]
    # A test-level entry is strict: the test that no longer fails fails.
    assert rows["ORD-03"]["verdict"] == "fail"
    assert "[XPASS(strict)]" in rows["ORD-03"]["message"]
    # A requirement-level entry is the requirement's verdict: it passes, and the run fails
    # because the verdict disagrees with what the file says.
    assert rows["ORD-01"]["verdict"] == "pass"
    result.stdout.fnmatch_lines(["ORD-01 now passes: remove it from known.json"])
    assert rows["ORD-02"]["verdict"] == "xfail"  # case a passed, case b failed as listed
    assert "matched no test" not in output(result)
    assert "names no requirement or test" not in output(result)


def test_the_most_specific_key_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_expected=EXPECTED_FILE)
    _expect(
        pytester,
        {
            "KID-01": "the requirement's reason",
            "test_expected.py::test_known_by_id": "the test's own reason",
            "test_known_by_name": "by name",
            "test_expected.py::test_known_by_name": "by node ID",
        },
    )
    result, rows = _run(pytester, "-k", "known_by_id or known_by_name")
    assert "expected failure: the test's own reason" in rows["KID-01"]["message"]
    assert "expected failure: by node ID" in rows["KID-02"]["message"]
    assert "names no requirement or test" not in output(result)  # the shadowed key is fine


def test_a_key_that_names_nothing_is_reported_stale(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_expected=EXPECTED_FILE)
    _expect(pytester, {"KID-01": "GW-1", "test_no_such_thing": "typo"})
    result, _ = _run(pytester, "-k", "known_by_id")
    result.stdout.fnmatch_lines(
        ["warning: expected-failure key 'test_no_such_thing' names no requirement or test"]
    )
    document = report(pytester.path / "r.json")
    assert document["expectations"]["stale"] == ["test_no_such_thing"]


def test_filtering_the_suites_reports_no_false_stale_keys(pytester: pytest.Pytester) -> None:
    # Keys for every kind of suite test, in a run narrowed to one requirement.
    _expect(
        pytester,
        {
            "KID-03": "not this run's requirement",
            "test_cache.py::test_the_first_query_once_stale_reloads_the_set": "filtered out",
            "test_a_failed_first_load_is_a_load_error[timeout]": "filtered out",
        },
    )
    result = pytester.runpytest_subprocess(
        "--pyargs", "jwkconform.suites", "--jwk-requirement", "KID-02", "-p", "no:cacheprovider",
        "--jwk-expected-failures", "known.json", "--jwk-seed", "1",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, output(result)[-2000:]
    assert "names no requirement or test" not in output(result)


def test_ground_truth_entries_are_compared_with_the_verdicts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_expected=EXPECTED_FILE)
    _expect(
        pytester,
        {
            "KID-01": {"verdict": "fail", "reason": "case-insensitive", "evidence": ["src.py:1"]},
            "KID-02": {"verdict": "pass", "reason": "named key alone", "evidence": []},
            "KID-03": {"verdict": "fail", "reason": "no fallback"},
            "ORD-01": {"verdict": "pass", "reason": "order kept"},
            "test_one_case_known[b]": {"verdict": "fail", "reason": "case b"},
        },
    )
    result, rows = _run(pytester)
    assert rows["KID-01"]["verdict"] == "xfail"
    assert rows["KID-02"]["verdict"] == "fail"  # a pass entry makes no failure expected
    result.stdout.fnmatch_lines(["ground truth: KID-02 is expected to be pass, got fail"])
    mismatches = report(pytester.path / "r.json")["expectations"]["mismatches"]
    message = "ground truth: KID-02 is expected to be pass, got fail"
    assert mismatches == [{"id": "KID-02", "expected": "pass", "got": "fail", "message": message}]


@pytest.mark.parametrize("verdict", ["pass", "fail"])
def test_a_ground_truth_mismatch_alone_fails_the_run(
    pytester: pytest.Pytester, verdict: str
) -> None:
    pytester.makepyfile(
        test_expected="""
import pytest


@pytest.mark.jwk_requirement("ORD-01")
def test_order():
    pass


@pytest.mark.jwk_requirement("KID-01")
@pytest.mark.skip(reason="no named capability")
def test_named():
    pass
"""
    )
    truth = {"ORD-01": {"verdict": "pass", "reason": "order kept"}}
    truth["KID-01"] = {"verdict": verdict, "reason": "claimed, but the test is skipped"}
    _expect(pytester, truth)
    result, rows = _run(pytester)
    assert rows["KID-01"]["verdict"] == "skip"
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    expected = "xfail" if verdict == "fail" else "pass"
    result.stdout.fnmatch_lines([f"ground truth: KID-01 is expected to be {expected}, got skip"])
    assert report(pytester.path / "r.json")["exit_status"] == 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[]", "must be a JSON object"),
        ("{not json", "is not JSON"),
        ('{"KID-01": 3}', "entry 'KID-01': an entry is a reason (a string) or an object"),
        ('{"KID-01": {"verdict": "fail"}}', 'an object entry has a string "reason"'),
        ('{"KID-01": {"reason": "r", "verdict": "maybe"}}', "verdict 'maybe' is not one of"),
        ('{"KID-01": {"reason": "r", "evidence": "x"}}', '"evidence" is a list of strings'),
    ],
    ids=["array", "not-json", "number", "no-reason", "bad-verdict", "bad-evidence"],
)
def test_a_bad_expected_failures_file_is_a_usage_error(
    pytester: pytest.Pytester, content: str, problem: str
) -> None:
    (pytester.path / "known.json").write_text(content, encoding="utf-8")
    pytester.makepyfile(test_expected=EXPECTED_FILE)
    result = pytester.runpytest("--jwk-expected-failures", "known.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert problem in result.stderr.str()
    assert len(result.stderr.str().strip().splitlines()) == 1
