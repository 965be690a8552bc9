"""The pytest plugin, driven through `pytester`: options, markers, verdicts, reports, adapters.

Small conformance files run in process (`pytester.runpytest`); runs of the packaged suites,
and any run that passes ``--jwk-seed`` or ``--jwk-profile`` (both change Hypothesis's
process-wide settings), run in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jwkconform.harness._registry import REQUIREMENTS

SCHEMA = Path(__file__).resolve().parents[2] / "docs/report.schema.json"
CATALOGUE_ORDER = list(REQUIREMENTS)
SUITES = ("--pyargs", "jwkconform.suites", "-p", "no:cacheprovider")
SEED = ("--jwk-seed", "1", "--jwk-profile", "dev")
SUITE_TIMEOUT = 600.0

# A minimal adapter: the capabilities are few on purpose, so `coalescing` is missing.
TINY_ADAPTER = """
from jwkconform.harness import VerifyOutcome


class TinyStore:
    def named(self, purpose, kid):
        return None

    def valid(self, purpose):
        return []

    def verify(self, token, secret_id):
        return VerifyOutcome(False, reason="tiny")

    def close(self):
        pass


class NoCloseStore:
    def named(self, purpose, kid):
        return None

    def valid(self, purpose):
        return []

    def verify(self, token, secret_id):
        return VerifyOutcome(False, reason="tiny")


class TinyAdapter:
    name = "tiny-adapter 1.0"
    capabilities = frozenset({"named", "valid", "verify"})
    transport = "respx"
    store = TinyStore

    def open_store(self, config, env):
        return self.store()


class NoCloseAdapter(TinyAdapter):
    name = "no-close-adapter 1.0"
    store = NoCloseStore


class LacksOpenStore:
    name = "lacks-open-store"
    capabilities = frozenset()
    transport = "respx"


def factory():
    return TinyAdapter()


def no_close():
    return NoCloseAdapter()


def lacks_open_store():
    return LacksOpenStore()


def not_an_adapter():
    return "an adapter"
"""

# Wrappers around the reference: each breaks exactly one thing.
BROKEN_ADAPTERS = """
from jwkconform.harness.reference_adapter import ReferenceAdapter


class _Delegate:
    def __init__(self, inner):
        self._inner = inner

    def named(self, purpose, kid):
        return self._inner.named(purpose, kid)

    def valid(self, purpose):
        return self._inner.valid(purpose)

    def verify(self, token, secret_id):
        return self._inner.verify(token, secret_id)

    def close(self):
        self._inner.close()


class _Reversed(_Delegate):
    def valid(self, purpose):
        return list(reversed(self._inner.valid(purpose)))


class _NoVerify:
    def __init__(self, inner):
        self._inner = inner

    def named(self, purpose, kid):
        return self._inner.named(purpose, kid)

    def valid(self, purpose):
        return self._inner.valid(purpose)

    def close(self):
        self._inner.close()


class Reversed(ReferenceAdapter):
    name = "broken-order 0.0"

    def open_store(self, config, env):
        return _Reversed(super().open_store(config, env))


class NoVerify(ReferenceAdapter):
    name = "no-verify 0.0"

    def open_store(self, config, env):
        return _NoVerify(super().open_store(config, env))


def factory():
    return Reversed()


def no_verify():
    return NoVerify()
"""

# Loaded after the plugin's own profile: the broken-adapter runs check verdicts, not minimal
# examples, and shrinking a failure found in every example takes most of their time.
NO_SHRINK_CONFTEST = """
import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    from hypothesis import Phase, settings

    settings.register_profile(
        "no-shrink",
        settings(settings.default, phases=[Phase.explicit, Phase.reuse, Phase.generate]),
    )
    settings.load_profile("no-shrink")
"""

VERDICTS_FILE = """
import pytest


@pytest.mark.requirement("CFG-01")
def test_must_passes():
    pass


@pytest.mark.requirement("KID-01")
def test_must_fails():
    assert 1 + 1 == 3, "the kid lookup is wrong"


@pytest.mark.requirement("KID-04")
def test_should_fails():
    assert False, "the first duplicate was lost"


@pytest.mark.requirement("CACHE-05")
@pytest.mark.capability("coalescing")
def test_may_needs_coalescing():
    pass


@pytest.mark.requirement("ORD-01")
@pytest.mark.capability("valid")
def test_target_is_used(jwk_target):
    with jwk_target.open_store(document={"keys": []}) as rig:
        assert rig.store.valid("verify") == []
"""

SHOULD_ONLY_FILE = """
import pytest


@pytest.mark.requirement("CFG-01")
def test_must_passes():
    pass


@pytest.mark.requirement("KID-04")
def test_should_fails():
    assert "first" == "last", "the first duplicate was lost"
"""

TARGET_NAME_FILE = """
import pytest


@pytest.mark.requirement("KID-01")
def test_uses_the_target(jwk_target):
    assert jwk_target.name
"""


# --- helpers -------------------------------------------------------------------------------


def _use_adapters(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(my_adapter=TINY_ADAPTER)
    pytester.syspathinsert()


def _report(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _by_id(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in document["requirements"]}


def _verdicts(document: Mapping[str, Any]) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in document["requirements"]}


def _table(rows: Mapping[str, tuple[str, int]]) -> list[str]:
    """Regexes for the terminal rows of ``rows`` ({ID: (verdict, tests)}), in table order."""
    ordered = sorted(rows, key=CATALOGUE_ORDER.index)
    return [
        rf"^{rid}\s+{REQUIREMENTS[rid].level}\s+{re.escape(rows[rid][0])}\s+{rows[rid][1]}$"
        for rid in ordered
    ]


def _untested_except(rows: Mapping[str, tuple[str, int]]) -> dict[str, str]:
    return {rid: rows[rid][0] if rid in rows else "untested" for rid in CATALOGUE_ORDER}


def _output(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


# --- options, header, markers --------------------------------------------------------------


def test_options_are_listed_under_the_jwkconform_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "JWK-Set conformance (jwkconform):",
            "*--jwk-adapter=MODULE:FACTORY*",
            "*--jwk-transport={respx,loopback}*",
            "*--jwk-strict*",
            "*--jwk-profile={dev,ci,thorough}*",
            "*--jwk-seed=*",
            "*--jwk-expected-failures=FILE*",
            "*--jwk-requirement=ID*",
            "*--jwk-report-json=PATH*",
            "*--jwk-report-md=PATH*",
        ]
    )
    result.stdout.fnmatch_lines(["*jwk_adapter*adapter under test*"])


def test_a_bad_transport_choice_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--jwk-transport", "pigeon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--jwk-transport*invalid choice*pigeon*"])


def test_header_shows_the_default_profile_and_a_random_seed(pytester: pytest.Pytester) -> None:
    # The header appears once any --jwk-* option asks for a conformance run.
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest("--jwk-strict")
    result.stdout.fnmatch_lines(["jwkconform: profile dev, seed random (use --jwk-seed to fix)"])


def test_header_and_report_show_the_given_profile_and_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest_subprocess(
        "--jwk-seed", "123", "--jwk-profile", "ci", "--jwk-report-json", "r.json"
    )
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        ["jwkconform: profile ci, seed 123", "replay this run: --jwk-seed 123 --jwk-profile ci"]
    )
    report = _report(pytester.path / "r.json")
    assert (report["seed"], report["profile"]) == (123, "ci")


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.requirement(*ids, level=None): the catalogue requirements a conformance*",
            "@pytest.mark.capability(*names): adapter capabilities a test needs*",
        ]
    )


def test_strict_markers_accept_the_plugins_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.requirement("KID-01")
        @pytest.mark.capability("named")
        def test_marked():
            pass
        """
    )
    result = pytester.runpytest("--strict-markers")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("marked", "suggestion"),
    [("KID-3", "KID-03"), ("kid-01", "KID-01"), ("ORD-1", "ORD-01")],
)
def test_an_unknown_requirement_id_is_a_usage_error_with_a_suggestion(
    pytester: pytest.Pytester, marked: str, suggestion: str
) -> None:
    pytester.makepyfile(
        test_unknown=f"""
        import pytest

        @pytest.mark.requirement("CFG-01")
        def test_fine():
            pass

        @pytest.mark.requirement("{marked}")
        def test_typo():
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: test_unknown.py::test_typo: unknown requirement '{marked}'; did you mean *"]
    )
    assert suggestion in result.stderr.str()
    result.assert_outcomes()  # nothing ran
    assert "Traceback" not in _output(result)


@pytest.mark.parametrize(
    ("selection", "selected"),
    [(["KID-01"], 1), (["KID-01,ORD-01"], 2), (["KID-01", "ORD-01"], 2), (["CFG-01"], 0)],
)
def test_jwk_requirement_selects_tests_by_requirement(
    pytester: pytest.Pytester, selection: list[str], selected: int
) -> None:
    pytester.makepyfile(
        test_select="""
        import pytest

        @pytest.mark.requirement("KID-01")
        def test_kid():
            pass

        @pytest.mark.requirement("ORD-01", "ORD-03")
        def test_order():
            pass

        def test_unmarked():
            pass
        """
    )
    options = [arg for rid in selection for arg in ("--jwk-requirement", rid)]
    result = pytester.runpytest(*options)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) == selected
    assert outcomes["deselected"] == 3 - selected


def test_jwk_requirement_with_an_unknown_id_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-requirement", "KID-3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--jwk-requirement: unknown requirement 'KID-3'; did you mean*"])


# --- verdicts --------------------------------------------------------------------------------


def test_verdicts_in_the_terminal_table_and_the_json_report(pytester: pytest.Pytester) -> None:
    _use_adapters(pytester)
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    result = pytester.runpytest(
        "--jwk-adapter", "my_adapter:factory", "--jwk-report-json", "r.json", "-rs"
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the MUST failure
    result.assert_outcomes(passed=2, failed=1, xfailed=1, skipped=1)
    rows = {
        "CFG-01": ("pass", 1),
        "KID-01": ("fail", 1),
        "KID-04": ("non-strict", 1),
        "ORD-01": ("pass", 1),
        "CACHE-05": ("skip", 1),
    }
    result.stdout.re_match_lines(
        [r"^=+ jwkconform: tiny-adapter 1\.0 =+$", r"^requirement\s+level\s+verdict\s+tests$"]
    )
    result.stdout.re_match_lines(_table(rows))
    result.stdout.re_match_lines(
        [rf"^2 pass, 1 fail, 1 non-strict, 1 skip, 0 xfail, {len(REQUIREMENTS) - 5} untested$"]
    )
    result.stdout.fnmatch_lines(
        ["SKIPPED * tiny-adapter 1.0 does not declare capability coalescing"]
    )

    report = _report(pytester.path / "r.json")
    assert _verdicts(report) == _untested_except(rows)
    assert report["summary"] == {
        "pass": 2,
        "fail": 1,
        "non-strict": 1,
        "skip": 1,
        "xfail": 0,
        "untested": len(REQUIREMENTS) - 5,
    }
    rows_by_id = _by_id(report)
    assert "coalescing" in rows_by_id["CACHE-05"]["message"]
    assert rows_by_id["CFG-01"]["message"] is None
    assert rows_by_id["KID-02"]["tests"] == []
    assert rows_by_id["KID-02"]["message"] is None


def test_a_should_failure_alone_is_non_strict_and_the_run_passes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_should=SHOULD_ONLY_FILE)
    result = pytester.runpytest("--jwk-report-json", "r.json", "-rx")

    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL *test_should_fails - non-strict: KID-04 (SHOULD) failed*"])
    result.stdout.re_match_lines(_table({"CFG-01": ("pass", 1), "KID-04": ("non-strict", 1)}))
    report = _report(pytester.path / "r.json")
    assert report["strict"] is False
    kid04 = _by_id(report)["KID-04"]
    assert kid04["verdict"] == "non-strict"
    assert "the first duplicate was lost" in kid04["message"]


def test_strict_mode_turns_a_should_failure_into_a_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_should=SHOULD_ONLY_FILE)
    result = pytester.runpytest("--jwk-strict", "--jwk-report-json", "r.json")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.re_match_lines(_table({"CFG-01": ("pass", 1), "KID-04": ("fail", 1)}))
    report = _report(pytester.path / "r.json")
    assert report["strict"] is True
    assert _by_id(report)["KID-04"]["verdict"] == "fail"


def test_a_requirement_with_passing_and_failing_tests_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_mixed="""
        import pytest

        @pytest.mark.requirement("KID-01")
        def test_a():
            pass

        @pytest.mark.requirement("KID-01", "KID-03")
        def test_b():
            assert False, "fallback broke"

        @pytest.mark.requirement("KID-03")
        def test_c():
            pass
        """
    )
    result = pytester.runpytest("--jwk-report-json", "r.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    rows = _by_id(_report(pytester.path / "r.json"))
    assert rows["KID-01"]["verdict"] == rows["KID-03"]["verdict"] == "fail"
    assert rows["KID-01"]["tests"] == ["test_mixed.py::test_a", "test_mixed.py::test_b"]
    assert rows["KID-03"]["tests"] == ["test_mixed.py::test_b", "test_mixed.py::test_c"]
    assert "fallback broke" in rows["KID-03"]["message"]


def test_a_may_requirement_skips_without_its_capability(pytester: pytest.Pytester) -> None:
    """`Level`'s docstring: "a MAY test skips unless the capability is declared"; CACHE-05
    names its capability (coalescing) in the registry, so no capability marker is needed."""
    _use_adapters(pytester)
    pytester.makepyfile(
        test_may="""
        import pytest

        @pytest.mark.requirement("CACHE-05")
        def test_concurrent_queries_share_a_fetch():
            pass
        """
    )
    result = pytester.runpytest("--jwk-adapter", "my_adapter:factory", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED *coalescing*"])


# --- expected failures -----------------------------------------------------------------------


EXPECTED_FILE = """
import pytest


@pytest.mark.requirement("KID-01")
def test_known_by_id():
    assert False, "kid comparison ignores case"


@pytest.mark.requirement("KID-02")
def test_known_by_name():
    assert False


@pytest.mark.requirement("CFG-01")
def test_known_by_node_id():
    assert False


@pytest.mark.requirement("KID-03")
def test_fixed_meanwhile():
    pass
"""


def test_expected_failures_become_strict_xfails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_expected=EXPECTED_FILE)
    known = {
        "KID-01": "upstream issue 12",
        "test_known_by_name": "by name",
        "test_expected.py::test_known_by_node_id": "by node id",
        "KID-03": "should be fixed by now",
        "test_that_does_not_exist": "stale entry",
    }
    (pytester.path / "known.json").write_text(json.dumps(known), encoding="utf-8")
    result = pytester.runpytest(
        "--jwk-expected-failures", "known.json", "--jwk-report-json", "r.json", "-rfx"
    )

    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the strict XPASS
    result.assert_outcomes(xfailed=3, failed=1)
    result.stdout.fnmatch_lines(["XFAIL *test_known_by_id - expected failure: upstream issue 12"])
    result.stdout.fnmatch_lines(["FAILED *test_fixed_meanwhile*XPASS(strict)*"])
    rows = {
        "CFG-01": ("xfail", 1),
        "KID-01": ("xfail", 1),
        "KID-02": ("xfail", 1),
        "KID-03": ("fail", 1),
    }
    result.stdout.re_match_lines(_table(rows))
    result.stdout.fnmatch_lines(
        ["warning: expected failure 'test_that_does_not_exist' matched no test"]
    )
    assert "matched no test" not in result.stdout.str().replace(
        "'test_that_does_not_exist' matched no test", ""
    )
    report = _report(pytester.path / "r.json")
    assert _verdicts(report) == _untested_except(rows)
    assert "upstream issue 12" in _by_id(report)["KID-01"]["message"]
    assert "XPASS(strict)" in _by_id(report)["KID-03"]["message"]


def test_an_unexpected_pass_of_a_should_test_fails_too(pytester: pytest.Pytester) -> None:
    """A strict XPASS is a failure whatever the level: the expected-failures entry is stale.
    (Today the SHOULD branch of pytest_runtest_makereport takes it for a SHOULD failure.)"""
    pytester.makepyfile(
        test_xpass="""
        import pytest

        @pytest.mark.requirement("KID-04")
        def test_duplicates_fixed_meanwhile():
            pass
        """
    )
    (pytester.path / "known.json").write_text('{"KID-04": "duplicate kids"}', encoding="utf-8")
    result = pytester.runpytest(
        "--jwk-expected-failures", "known.json", "--jwk-report-json", "r.json"
    )
    assert _by_id(_report(pytester.path / "r.json"))["KID-04"]["verdict"] == "fail"
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_an_expected_failure_by_name_covers_every_parameter(pytester: pytest.Pytester) -> None:
    """A key may be "a test name" (`_expected.py`); a parametrized test's name has no ids."""
    pytester.makepyfile(
        test_params="""
        import pytest

        @pytest.mark.requirement("LOAD-04")
        @pytest.mark.parametrize("body", ["text", "array"])
        def test_not_a_set(body):
            assert False
        """
    )
    (pytester.path / "known.json").write_text('{"test_not_a_set": "known"}', encoding="utf-8")
    result = pytester.runpytest("--jwk-expected-failures", "known.json")
    result.assert_outcomes(xfailed=2)
    assert "matched no test" not in result.stdout.str()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read expected-failures file"),
        ("not json", "is not JSON"),
        ('["KID-01"]', "must map IDs to reasons"),
        ('{"KID-01": 3}', "must map IDs to reasons"),
    ],
    ids=["missing", "not-json", "array", "non-string-reason"],
)
def test_a_bad_expected_failures_file_is_a_usage_error(
    pytester: pytest.Pytester, content: str | None, message: str
) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    if content is not None:
        (pytester.path / "known.json").write_text(content, encoding="utf-8")
    result = pytester.runpytest("--jwk-expected-failures", "known.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: *{message}*"])
    assert "Traceback" not in _output(result)


# --- reports ---------------------------------------------------------------------------------


def test_json_report_follows_the_schema_and_the_catalogue(pytester: pytest.Pytester) -> None:
    _use_adapters(pytester)
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    pytester.runpytest(
        "--jwk-adapter",
        "my_adapter:factory",
        "--jwk-report-json",
        "out/r.json",
        "--jwk-report-md",
        "out/r.md",
    )

    report = _report(pytester.path / "out" / "r.json")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(report)

    assert [r["id"] for r in report["requirements"]] == CATALOGUE_ORDER
    assert report["implementation"] == "tiny-adapter 1.0"
    assert report["adapter"] == "my_adapter:factory"
    assert (report["transport"], report["seed"], report["profile"]) == ("respx", None, "dev")
    rows = _by_id(report)
    for rid, row in rows.items():
        assert row["level"] == REQUIREMENTS[rid].level.value
        assert row["statement"] == REQUIREMENTS[rid].statement
        assert row["hint"] == REQUIREMENTS[rid].hint
    assert rows["KID-01"]["tests"] == ["test_verdicts.py::test_must_fails"]
    assert rows["ORD-01"]["tests"] == ["test_verdicts.py::test_target_is_used"]
    failure = rows["KID-01"]["message"]
    assert "the kid lookup is wrong" in failure
    assert "assert (1 + 1) == 3" in failure
    # The hint is the row's own field, printed once in the Markdown findings.
    assert f"If this fails, check: {REQUIREMENTS['KID-01'].hint}" not in failure

    markdown = (pytester.path / "out" / "r.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Conformance report: tiny-adapter 1.0")
    findings = markdown.split("## Findings", 1)
    assert len(findings) == 2, "no Findings section"
    assert "### KID-01 (fail)" in findings[1]
    assert "### KID-04 (non-strict)" in findings[1]
    assert "the kid lookup is wrong" in findings[1]
    assert "| KID-01 | MUST | **FAIL** | 1 |" in findings[0]


def test_junit_xml_carries_the_requirement_property(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_should=SHOULD_ONLY_FILE)
    pytester.runpytest("--junitxml", "junit.xml")
    tree = ET.parse(pytester.path / "junit.xml")
    properties = {
        case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")]
        for case in tree.iter("testcase")
    }
    assert ("requirement", "KID-04") in properties["test_should_fails"]
    assert properties["test_must_passes"] == [("requirement", "CFG-01")]


def test_an_unrelated_run_shows_no_table_and_writes_no_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        def test_plain():
            pass

        def test_also_plain():
            assert 1
        """
    )
    # A bad adapter shows that nothing is even resolved.
    result = pytester.runpytest(
        "--jwk-adapter",
        "nosuchmodule:factory",
        "--jwk-report-json",
        "r.json",
        "--jwk-report-md",
        "r.md",
    )
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2)
    result.stdout.no_re_match_line(r"^=+ jwkconform: .* =+$")
    result.stdout.no_fnmatch_line("requirement*level*verdict*tests")
    assert not (pytester.path / "r.json").exists()
    assert not (pytester.path / "r.md").exists()


def test_an_unrelated_run_prints_no_jwkconform_header(pytester: pytest.Pytester) -> None:
    """plugin.py's docstring: "nothing is resolved, printed or written unless a test carries
    the requirement marker"."""
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest()
    result.stdout.no_fnmatch_line("jwkconform: profile*")


def test_without_a_profile_option_the_dev_profile_applies(pytester: pytest.Pytester) -> None:
    """The header and the report say "profile dev"; Hypothesis must run with it too (15
    examples, no example database in the working directory)."""
    pytester.makepyfile(
        test_count="""
        import pytest
        from hypothesis import given, settings, strategies as st

        CALLS = []

        @pytest.mark.requirement("KID-01")
        @given(st.integers())
        def test_examples(x):
            CALLS.append(x)

        def test_zz_record():
            with open("examples.txt", "w") as out:
                out.write(f"{len(CALLS)} {settings.default.database}")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)
    examples, database = (pytester.path / "examples.txt").read_text().split(" ", 1)
    assert (int(examples), database) == (15, "None")
    assert not (pytester.path / ".hypothesis" / "examples").exists()


# --- adapter routes --------------------------------------------------------------------------


def _assert_tiny_adapter_ran(
    result: pytest.RunResult, spec: str, pytester: pytest.Pytester
) -> None:
    assert result.ret == pytest.ExitCode.OK, _output(result)
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines([r"^=+ jwkconform: tiny-adapter 1\.0 =+$"])
    report = _report(pytester.path / "r.json")
    assert (report["implementation"], report["adapter"]) == ("tiny-adapter 1.0", spec)


def test_adapter_from_the_command_line(pytester: pytest.Pytester) -> None:
    _use_adapters(pytester)
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest(
        "--jwk-adapter", "my_adapter:factory", "--jwk-report-json", "r.json"
    )
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_adapter_from_the_ini_key(pytester: pytest.Pytester) -> None:
    _use_adapters(pytester)
    pytester.makeini("[pytest]\njwk_adapter = my_adapter:factory\n")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-report-json", "r.json")
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_the_command_line_beats_the_ini_key(pytester: pytest.Pytester) -> None:
    _use_adapters(pytester)
    pytester.makeini("[pytest]\njwk_adapter = nosuchmodule:factory\n")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest(
        "--jwk-adapter", "my_adapter:factory", "--jwk-report-json", "r.json"
    )
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def _install_entry_points(pytester: pytest.Pytester, **points: str) -> None:
    dist = pytester.path / "fake_adapter-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-adapter\nVersion: 0.1\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {value}\n" for name, value in points.items())
    (dist / "entry_points.txt").write_text(f"[jwkconform.adapters]\n{lines}", encoding="utf-8")
    _use_adapters(pytester)


def test_a_single_installed_adapter_is_the_default(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-report-json", "r.json")
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_an_installed_adapter_is_chosen_by_name(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory", other="my_adapter:no_close")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-adapter", "fake", "--jwk-report-json", "r.json")
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_the_reference_is_chosen_by_its_entry_point_name(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-adapter", "reference")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.re_match_lines([r"^=+ jwkconform: jwkconform reference \S+ =+$"])


def test_several_installed_adapters_need_a_choice(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory", other="my_adapter:no_close")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*several adapters are installed (fake, other): choose one with --jwk-adapter*"]
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchmodule:factory", "cannot import adapter module 'nosuchmodule'"),
        ("my_adapter:missing", "module 'my_adapter' has no attribute 'missing'"),
        ("my_adapter:lacks_open_store", "*lacks a valid open_store*"),
        ("my_adapter:not_an_adapter", "*lacks a valid name, capabilities, transport, open_store*"),
        ("no-such-entry-point", "no adapter entry point 'no-such-entry-point'*(known: *)*"),
    ],
    ids=["no-module", "no-attribute", "no-open-store", "not-an-adapter", "unknown-name"],
)
def test_a_bad_adapter_is_a_usage_error_without_traceback(
    pytester: pytest.Pytester, spec: str, message: str
) -> None:
    _use_adapters(pytester)
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-adapter", spec, "--jwk-report-json", "r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: jwkconform: *{message}*"])
    output = _output(result)
    assert "Traceback" not in output
    assert "AdapterNotFound" not in output
    assert not (pytester.path / "r.json").exists()


# --- broken adapters against the packaged suites ---------------------------------------------


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One serial run of the packaged suites against the reference, from an empty folder."""
    folder = tmp_path_factory.mktemp("reference-run")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *SUITES, *SEED, "--jwk-report-json", "ref.json"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    return {
        "ret": completed.returncode,
        "output": completed.stdout + completed.stderr,
        "report": _report(folder / "ref.json") if (folder / "ref.json").exists() else None,
    }


def test_the_suites_pass_against_the_reference_from_an_empty_folder(
    reference_run: dict[str, Any],
) -> None:
    assert reference_run["ret"] == 0, reference_run["output"][-5000:]
    report = reference_run["report"]
    assert report is not None
    jsonschema.validate(report, json.loads(SCHEMA.read_text(encoding="utf-8")))
    verdicts = _verdicts(report)
    assert "fail" not in verdicts.values()
    assert verdicts["ORD-01"] == "pass"


def test_xdist_gives_the_same_verdicts_as_a_serial_run(
    pytester: pytest.Pytester, reference_run: dict[str, Any]
) -> None:
    assert reference_run["report"] is not None, reference_run["output"][-3000:]
    result = pytester.runpytest_subprocess(
        *SUITES, *SEED, "-n", "2", "--jwk-report-json", "r.json", timeout=SUITE_TIMEOUT
    )
    assert result.ret == reference_run["ret"]
    parallel = _report(pytester.path / "r.json")
    serial = reference_run["report"]

    def rows(document: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
        return [(r["id"], r["verdict"], r["tests"]) for r in document["requirements"]]

    assert rows(parallel) == rows(serial)
    assert parallel["summary"] == serial["summary"]


def test_xdist_does_not_report_used_expected_failures_as_unused(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_known="""
        import pytest

        @pytest.mark.requirement("KID-01")
        def test_known():
            assert False
        """
    )
    (pytester.path / "known.json").write_text('{"KID-01": "known"}', encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "-n", "2", "--jwk-expected-failures", "known.json", "--jwk-report-json", "r.json"
    )
    result.assert_outcomes(xfailed=1)
    assert _by_id(_report(pytester.path / "r.json"))["KID-01"]["verdict"] == "xfail"
    result.stdout.no_fnmatch_line("warning: expected failure 'KID-01' matched no test")


# The requirements a store whose valid() reverses the set's order breaks: the order
# requirements, ORD-03 included (the order after a reload is the valid() order too).
ORDER_REQUIREMENTS = {"ORD-01", "ORD-03"}


def test_a_reversed_order_fails_exactly_the_order_requirements(
    pytester: pytest.Pytester, reference_run: dict[str, Any]
) -> None:
    assert reference_run["report"] is not None, reference_run["output"][-3000:]
    pytester.makepyfile(broken=BROKEN_ADAPTERS, conftest=NO_SHRINK_CONFTEST)
    result = pytester.runpytest_subprocess(
        *SUITES,
        *SEED,
        "-n",
        "2",
        "--jwk-adapter",
        "broken:factory",
        "--jwk-report-json",
        "r.json",
        timeout=SUITE_TIMEOUT,
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.re_match_lines([r"^=+ jwkconform: broken-order 0\.0 =+$"])
    report = _report(pytester.path / "r.json")
    rows = _by_id(report)
    assert rows["ORD-01"]["verdict"] == "fail"

    message = rows["ORD-01"]["message"]
    assert "assert" in message
    assert "AttributeError" not in message
    assert rows["ORD-01"]["hint"] == REQUIREMENTS["ORD-01"].hint

    passed_before = {rid for rid, v in _verdicts(reference_run["report"]).items() if v == "pass"}
    collateral = {
        rid: (rows[rid]["verdict"], rows[rid]["message"].splitlines()[0], rows[rid]["tests"])
        for rid in sorted(passed_before - ORDER_REQUIREMENTS, key=CATALOGUE_ORDER.index)
        if rows[rid]["verdict"] != "pass"
    }
    assert not collateral, "the order bug also failed: " + json.dumps(collateral, indent=1)


def test_a_store_without_verify_fails_with_a_contract_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(broken=BROKEN_ADAPTERS, conftest=NO_SHRINK_CONFTEST)
    result = pytester.runpytest_subprocess(
        *SUITES,
        *SEED,
        "-k",
        "test_kid",
        "--jwk-adapter",
        "broken:no_verify",
        "--jwk-report-json",
        "r.json",
        timeout=SUITE_TIMEOUT,
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    rows = _by_id(_report(pytester.path / "r.json"))
    assert rows["KID-01"]["verdict"] == "pass"  # named() only
    failing = {rid: r for rid, r in rows.items() if r["verdict"] in {"fail", "non-strict"}}
    assert {"KID-02", "KID-03"} <= set(failing)
    for rid, row in failing.items():
        assert "AdapterContractError" in row["message"], rid
        assert "no-verify 0.0: the store has no verify() method" in row["message"], rid
        assert "AttributeError" not in row["message"], rid
    assert "AttributeError" not in result.stdout.str()


def test_a_store_without_close_fails_with_a_contract_error(pytester: pytest.Pytester) -> None:
    _use_adapters(pytester)
    pytester.makepyfile(
        test_close="""
        import pytest

        @pytest.mark.requirement("ORD-01")
        def test_open_and_close(jwk_target):
            with jwk_target.open_store(document={"keys": []}) as rig:
                assert list(rig.store.valid("verify")) == []
        """
    )
    result = pytester.runpytest(
        "--jwk-adapter", "my_adapter:no_close", "--jwk-report-json", "r.json"
    )
    result.assert_outcomes(failed=1)
    message = _by_id(_report(pytester.path / "r.json"))["ORD-01"]["message"]
    assert "the store has no close() method" in message
    assert "AttributeError" not in message


def test_transport_option_reaches_the_target_and_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_transport=textwrap.dedent(
            """
            import httpx
            import pytest

            @pytest.mark.requirement("LOAD-01")
            def test_real_http(jwk_target):
                assert jwk_target.transport == "loopback"
                with jwk_target.open_store(document={"keys": []}) as rig:
                    assert rig.env.jwks_url.startswith("http://127.0.0.1:")
                    assert list(rig.store.valid("verify")) == []
                    assert rig.jwks.fetch_count() == 1
            """
        )
    )
    result = pytester.runpytest("--jwk-transport", "loopback", "--jwk-report-json", "r.json")
    result.assert_outcomes(passed=1)
    assert _report(pytester.path / "r.json")["transport"] == "loopback"


def test_a_level_override_makes_a_should_clause_non_strict(pytester: pytest.Pytester) -> None:
    # PUB-05 is MUST, but its realm-override clause is SHOULD: a test of that clause marks it.
    pytester.makepyfile(
        test_clause="""
        import pytest

        @pytest.mark.requirement("PUB-05", level="SHOULD")
        def test_override():
            assert False, "the realm mapping did not replace the global one"
        """
    )
    result = pytester.runpytest("--jwk-report-json", "r.json")
    assert result.ret == pytest.ExitCode.OK
    assert _verdicts(_report(pytester.path / "r.json"))["PUB-05"] == "non-strict"
    strict = pytester.runpytest("--jwk-strict")
    assert strict.ret == pytest.ExitCode.TESTS_FAILED


def test_an_unknown_level_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_clause="""
        import pytest

        @pytest.mark.requirement("PUB-05", level="COULD")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown level 'COULD'*"])


def test_a_loose_expected_failure_may_pass_or_fail(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_loose="""
        import pytest

        @pytest.mark.requirement("KID-01")
        def test_fails():
            assert False, "a key type the library lacks was drawn"

        @pytest.mark.requirement("ORD-01")
        def test_passes():
            pass
        """
    )
    loose = {"reason": "draw-dependent", "strict": False}
    pytester.path.joinpath("x.json").write_text(
        json.dumps({"KID-01": loose, "ORD-01": loose}), encoding="utf-8"
    )
    result = pytester.runpytest("--jwk-expected-failures", "x.json", "--jwk-report-json", "r.json")
    assert result.ret == pytest.ExitCode.OK
    verdicts = _verdicts(_report(pytester.path / "r.json"))
    assert (verdicts["KID-01"], verdicts["ORD-01"]) == ("xfail", "pass")


def test_a_malformed_loose_entry_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    pytester.path.joinpath("x.json").write_text('{"KID-01": {"reason": "r"}}', encoding="utf-8")
    result = pytester.runpytest("--jwk-expected-failures", "x.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
