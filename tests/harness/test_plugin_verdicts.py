"""Verdicts: one per requirement, each failure counted against the requirement whose check
failed, and a broken adapter reported as ``error``, never as the implementation's ``fail``."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from pytester_files import (
    NO_SHRINK_CONFTEST,
    SHOULD_ONLY_FILE,
    VERDICTS_FILE,
    by_id,
    output,
    report,
    table,
    untested_except,
    use_adapters,
)

from jwkconform.harness.spec._registry import REQUIREMENTS

SCHEMA = Path(__file__).resolve().parents[2] / "docs/report.schema.json"


def _run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, dict]]:  # type: ignore[type-arg]
    result = pytester.runpytest(*args, "--jwk-report-json", "r.json", "-p", "no:cacheprovider")
    document = report(pytester.path / "r.json")
    import json

    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    return result, by_id(document)


def test_verdicts_in_the_terminal_table_and_the_json_report(pytester: pytest.Pytester) -> None:
    use_adapters(pytester)
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    result, rows = _run(pytester, "--jwk-adapter", "my_adapter:factory", "-rs")

    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the MUST failure
    result.assert_outcomes(passed=2, failed=1, xfailed=1, skipped=1)
    expected = {
        "CFG-03": ("pass", 1),
        "KID-01": ("fail", 1),
        "KID-04": ("non-strict", 1),
        "ORD-01": ("pass", 1),
        "CACHE-05": ("skip", 1),
    }
    result.stdout.re_match_lines(
        [r"^=+ jwkconform: tiny-adapter 1\.0 =+$", r"^group\s+fail\s+non-strict\s+pass\s+skip"]
    )
    assert table(result.stdout.str()) == untested_except(expected)
    result.stdout.re_match_lines(
        [
            r"^0 error, 1 fail, 1 non-strict, 0 xfail, 2 pass, 0 blocked, 1 skip,"
            rf" {len(REQUIREMENTS) - 5} untested$"
        ]
    )
    result.stdout.fnmatch_lines(
        ["SKIPPED * tiny-adapter 1.0 does not declare capability coalescing"]
    )
    assert {rid: row["verdict"] for rid, row in rows.items()} == untested_except(expected)
    assert "coalescing" in rows["CACHE-05"]["message"]
    assert rows["CFG-03"]["message"] is None
    assert rows["KID-02"]["tests"] == []


def test_a_finding_shows_its_test_message_hint_and_replay(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    result, rows = _run(pytester, "--jwk-seed", "5")
    result.stdout.fnmatch_lines(
        [
            "findings:",
            "  KID-01 (MUST) fail: test_verdicts.py::test_must_fails",
            "      the kid lookup is wrong*",
            "      If this fails, check that the kid comparison is exact*",
            "      source: IG 7.2 reference, JwkSetSecretStore: named secrets; IG 2023.11 *",
            "      replay: pytest --pyargs jwkconform.suites.test_verdicts::test_must_fails"
            " --jwk-seed 5 --jwk-profile dev",
        ]
    )
    [finding] = rows["KID-01"]["findings"]
    assert finding["test"] == "test_verdicts.py::test_must_fails"
    assert finding["outcome"] == "failed"
    assert "--jwk-seed 5" in finding["replay"]
    assert rows["KID-01"]["hint"].startswith("If this fails, check that")


def test_a_should_failure_alone_is_non_strict_and_the_run_passes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_should=SHOULD_ONLY_FILE)
    result, rows = _run(pytester, "-rx")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(
        ["XFAIL *test_should_fails - non-strict: KID-04: *first duplicate*"]
    )
    assert rows["KID-04"]["verdict"] == "non-strict"
    assert "the first duplicate was lost" in rows["KID-04"]["message"]


def test_strict_mode_turns_a_should_failure_into_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_should=SHOULD_ONLY_FILE)
    result, rows = _run(pytester, "--jwk-strict")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1)
    assert rows["KID-04"]["verdict"] == "fail"


ATTRIBUTED = """
import pytest
from hypothesis import given, strategies as st
from jwkconform.harness import check, premise


@pytest.mark.jwk_requirement("KID-01", "KID-02", "CACHE-01")
def test_three_requirements_one_broken():
    with check("KID-01"):
        assert True
    with check("KID-02"):
        assert False, "another key was tried after the named one"
    with check("CACHE-01"):
        assert True


@pytest.mark.jwk_requirement("LEASE-03")
def test_a_premise_of_another_requirement():
    with premise("ORD-02"):
        assert False, "a token of a served key did not verify in the first place"
    assert False, "never reached"


@pytest.mark.jwk_requirement("CACHE-02", "CACHE-03")
@given(st.integers(0, 100))
def test_two_distinct_failures(n):
    if n > 50:
        with check("CACHE-02"):
            assert False, f"stale set not reloaded ({n})"
    if n < 10:
        with check("CACHE-03"):
            raise AssertionError(f"forged kids fetched ({n})")
"""


def test_each_failure_counts_against_its_own_requirement(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_attributed=ATTRIBUTED)
    result, rows = _run(pytester, "--jwk-seed", "1")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert rows["KID-02"]["verdict"] == "fail"
    assert "another key was tried" in rows["KID-02"]["message"]
    # The checks of the others did not all run: blocked, not failed and not passed.
    assert rows["KID-01"]["verdict"] == rows["CACHE-01"]["verdict"] == "blocked"
    assert "KID-02" in rows["KID-01"]["message"]
    # A premise fails its owner; the test's own requirement is blocked.
    assert rows["ORD-02"]["verdict"] == "fail"
    assert "did not verify in the first place" in rows["ORD-02"]["message"]
    assert rows["LEASE-03"]["verdict"] == "blocked"
    # Hypothesis's two distinct failures are split, each with its own message.
    assert rows["CACHE-02"]["verdict"] == rows["CACHE-03"]["verdict"] == "fail"
    assert "stale set not reloaded" in rows["CACHE-02"]["message"]
    assert "forged kids fetched" in rows["CACHE-03"]["message"]
    for rid in ("CACHE-02", "CACHE-03"):
        assert "distinct failures" not in rows[rid]["message"]
        assert "Failing test case: test_two_distinct_failures(" in rows[rid]["message"]
        assert "reproduce_failure" not in rows[rid]["message"]


def test_a_requirement_with_passing_and_failing_tests_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_mixed="""
        import pytest

        @pytest.mark.jwk_requirement("KID-01")
        def test_a():
            pass

        @pytest.mark.jwk_requirement("KID-03")
        def test_b():
            assert False, "fallback broke"

        @pytest.mark.jwk_requirement("KID-03")
        def test_c():
            pass
        """
    )
    _result, rows = _run(pytester)
    assert rows["KID-03"]["verdict"] == "fail"
    assert rows["KID-03"]["tests"] == ["test_mixed.py::test_b", "test_mixed.py::test_c"]
    assert rows["KID-01"]["verdict"] == "pass"


BROKEN_RUN = """
import pytest
from jwkconform.fixtures import private_jwk
from jwkconform.suites.store_strategies import public_set

SET = public_set([private_jwk("EC-P-256", kid="a", use="sig")])


@pytest.mark.jwk_requirement("KID-04")
@pytest.mark.jwk_capability("named")
def test_should_requirement_through_a_broken_adapter(jwk_target):
    with jwk_target.open_store(document=SET) as rig:
        rig.store.named("verify", "a")


@pytest.mark.jwk_requirement("ORD-01")
@pytest.mark.jwk_capability("valid")
def test_must_requirement_through_a_broken_adapter(jwk_target):
    with jwk_target.open_store(document=SET) as rig:
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"]
"""


@pytest.mark.parametrize(
    ("factory", "cause"),
    [
        ("open_raises", "open_store() raised RuntimeError: cannot open a store today"),
        ("open_returns_none", "open_store() returned NoneType, which has no named()"),
        ("raises", "named() raised RuntimeError: the adapter forgot to translate this"),
        ("dicts", "valid() returned [{"),
        ("no_close", "which has no close() method"),
    ],
)
def test_a_broken_adapter_is_an_error_in_every_mode_never_a_failure(
    pytester: pytest.Pytester, factory: str, cause: str
) -> None:
    use_adapters(pytester)
    pytester.makeconftest(NO_SHRINK_CONFTEST)
    pytester.makepyfile(test_broken=BROKEN_RUN)
    result, rows = _run(pytester, "--jwk-adapter", f"broken:{factory}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output(result)
    got = {rid: rows[rid]["verdict"] for rid in ("KID-04", "ORD-01")}
    errors = [rid for rid, verdict in got.items() if verdict == "error"]
    assert errors, got
    assert "fail" not in got.values(), got
    assert "non-strict" not in got.values(), got
    assert any(cause in (rows[rid]["message"] or "") for rid in errors), rows


def test_a_hanging_adapter_call_is_an_error_and_the_run_goes_on(
    pytester: pytest.Pytester,
) -> None:
    use_adapters(pytester)
    pytester.makepyfile(test_broken=BROKEN_RUN)
    result, rows = _run(pytester, "--jwk-adapter", "broken:hangs", "--jwk-timeout", "0.5")
    assert rows["ORD-01"]["verdict"] == "error"
    assert "valid() did not return within 0.5 s" in rows["ORD-01"]["message"]
    assert rows["KID-04"]["verdict"] == "pass"  # the next test ran
    assert result.duration < 30


def test_a_requirement_that_presumes_a_feature_is_not_applicable_without_it(
    pytester: pytest.Pytester,
) -> None:
    use_adapters(pytester)
    pytester.makepyfile(
        test_gate="""
        import pytest

        @pytest.mark.jwk_requirement("KID-06")
        def test_resolver_configuration():
            raise AssertionError("must not run")
        """
    )
    result, rows = _run(pytester, "--jwk-adapter", "my_adapter:factory", "-rs")
    result.assert_outcomes(skipped=1)
    assert rows["KID-06"]["verdict"] == "skip"
    assert rows["KID-06"]["message"] == (
        "tiny-adapter 1.0 does not declare capability resolver-config"
        " (not applicable: KID-06 presumes it)"
    )


def test_a_test_that_crashes_on_its_own_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_crash="""
        import pytest

        @pytest.mark.jwk_requirement("KID-04")
        def test_suite_bug():
            {}["missing"]
        """
    )
    result, rows = _run(pytester)
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # even though KID-04 is SHOULD
    assert rows["KID-04"]["verdict"] == "error"
    assert "the test itself crashed: KeyError" in rows["KID-04"]["message"]


def test_every_verdict_and_outcome_validates_against_the_schema(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_attributed=ATTRIBUTED, test_verdicts=VERDICTS_FILE)
    _, rows = _run(pytester)
    assert {row["verdict"] for row in rows.values()} >= {"fail", "blocked", "pass", "untested"}


def test_junit_xml_carries_requirement_level_and_verdict_properties(
    pytester: pytest.Pytester,
) -> None:
    import xml.etree.ElementTree as ET

    use_adapters(pytester)
    pytester.makepyfile(
        test_should=SHOULD_ONLY_FILE, test_verdicts=VERDICTS_FILE, test_attributed=ATTRIBUTED
    )
    pytester.runpytest("--junit-xml", "junit.xml", "--jwk-adapter", "my_adapter:factory")
    tree = ET.parse(pytester.path / "junit.xml")
    props = {
        case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")]
        for case in tree.iter("testcase")
    }
    assert props["test_should_fails"] == [
        ("requirement", "KID-04"), ("level", "SHOULD"), ("verdict", "non-strict"),
    ]  # fmt: skip
    assert props["test_must_fails"][-1] == ("verdict", "fail")
    assert props["test_may_needs_coalescing"] == [
        ("requirement", "CACHE-05"), ("level", "MAY"), ("verdict", "skip"),
    ]  # fmt: skip
    # A premise that failed is judged against its owner, which the properties name too.
    assert props["test_a_premise_of_another_requirement"] == [
        ("requirement", "LEASE-03"), ("level", "SHOULD"), ("verdict", "blocked"),
        ("requirement", "ORD-02"), ("level", "MUST"), ("verdict", "fail"),
    ]  # fmt: skip
    # The suite is named after the implementation under test, not "pytest".
    suites = [s.get("name") for s in tree.iter("testsuite")]
    assert suites == ["tiny-adapter 1.0"]


def test_a_junit_suite_name_the_user_gives_is_kept(pytester: pytest.Pytester) -> None:
    import xml.etree.ElementTree as ET

    pytester.makepyfile(test_should=SHOULD_ONLY_FILE)
    pytester.runpytest("--junit-xml", "junit.xml", "-o", "junit_suite_name=mine")
    tree = ET.parse(pytester.path / "junit.xml")
    assert [s.get("name") for s in tree.iter("testsuite")] == ["mine"]
