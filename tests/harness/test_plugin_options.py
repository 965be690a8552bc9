"""The plugin's options, markers and header, and that it leaves unrelated projects alone."""

from __future__ import annotations

import pytest
from pytester_files import TARGET_NAME_FILE, UNRELATED, output, report


def test_options_are_listed_under_the_jwkconform_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "JWK-Set conformance (jwkconform):",
            "*--jwk-adapter=MODULE:FACTORY*",
            "*--jwk-driver=COMMAND*",
            "*--jwk-timeout=SECONDS*",
            "*--jwk-fetch-timeout=SECONDS*",
            "*--jwk-transport={respx,loopback}*",
            "*--jwk-report-json=PATH*",
            "*--jwk-report-md=PATH*",
            "*--jwk-report-html=PATH*",
            "*--jwk-expected-failures=FILE*",
            "*--jwk-strict*",
            "*--jwk-requirement=ID*",
            "*--jwk-profile={dev,ci,thorough}*",
            "*--jwk-seed=*",
            "*--jwk-shard=K/N*",
            "*--jwk-verbose-findings*",
        ]
    )


def test_an_unrelated_project_with_requirement_and_capability_markers_runs_unchanged(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_project=UNRELATED)
    pytester.makeini("[pytest]\nmarkers =\n    requirement(id): ours\n    capability(name): ours\n")
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2)
    assert "jwkconform:" not in output(result)


def test_without_its_own_registration_an_unrelated_project_still_fails_strict_markers(
    pytester: pytest.Pytester,
) -> None:
    # What pytest says without jwkconform: the plugin must not quietly register the names.
    pytester.makepyfile(test_project=UNRELATED)
    result = pytester.runpytest_subprocess("--strict-markers")
    assert result.ret != pytest.ExitCode.OK
    assert "'requirement' not found in `markers` configuration option" in output(result)


def test_an_unrelated_run_prints_nothing_and_writes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "jwkconform:" not in output(result)
    # __pycache__ is Python's own (make test writes bytecode), not the plugin's.
    written = sorted(p.name for p in pytester.path.iterdir() if p.name != "__pycache__")
    assert written == ["test_plain.py"]


def test_markers_are_registered_under_namespaced_names(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.jwk_requirement(*ids, level=None): the specification's requirements*",
            "@pytest.mark.jwk_capability(*names): adapter capabilities a conformance test needs",
        ]
    )
    assert "@pytest.mark.requirement(" not in result.stdout.str()


def test_a_plain_pytest_run_prints_and_reports_its_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest_subprocess("--jwk-report-json", "r.json")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.re_match_lines([r"^jwkconform: profile dev, seed (\d+)$"])
    seed = report(pytester.path / "r.json")["seed"]
    assert isinstance(seed, int)
    result.stdout.fnmatch_lines(
        [f"jwkconform: profile dev, seed {seed}", f"replay this run: * --jwk-seed {seed} *"]
    )


def test_the_given_profile_and_seed_are_used_and_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest_subprocess(
        "--jwk-seed", "123", "--jwk-profile", "ci", "--jwk-report-json", "r.json"
    )
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "jwkconform: profile ci, seed 123",
            "replay this run: pytest --pyargs jwkconform.suites --jwk-seed 123 --jwk-profile ci",
        ]
    )
    document = report(pytester.path / "r.json")
    assert (document["seed"], document["profile"]) == (123, "ci")


@pytest.mark.parametrize(
    "option",
    ["--jwk-adapter", "--jwk-driver", "--jwk-report-json", "--jwk-report-md",
     "--jwk-report-html", "--jwk-expected-failures", "--jwk-requirement"],
)  # fmt: skip
def test_an_empty_value_is_a_one_line_usage_error(pytester: pytest.Pytester, option: str) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest(f"{option}=")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {option} is empty (an unset variable?)*"])
    assert len(result.stderr.str().strip().splitlines()) == 1
    assert not result.stdout.str().strip()


@pytest.mark.parametrize("option", ["--jwk-report-json", "--jwk-report-md", "--jwk-report-html"])
def test_a_report_path_that_cannot_be_written_is_refused_before_any_test(
    pytester: pytest.Pytester, option: str
) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    blocker = pytester.path / "a-file"
    blocker.write_text("not a folder")
    result = pytester.runpytest(option, str(blocker / "report.out"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {option} */a-file/report.out: cannot write in */a-file"])
    assert "passed" not in result.stdout.str()
    result = pytester.runpytest(option, str(pytester.path))
    result.stderr.fnmatch_lines([f"ERROR: {option} *: is a folder, not a file"])


def test_strict_markers_accept_the_plugins_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_marked="""
        import pytest

        @pytest.mark.jwk_requirement("KID-01")
        @pytest.mark.jwk_capability("named")
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

        @pytest.mark.jwk_requirement("CFG-01")
        def test_fine():
            pass

        @pytest.mark.jwk_requirement("{marked}")
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
    result.assert_outcomes()
    assert "Traceback" not in output(result)


def test_an_unknown_level_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_level="""
        import pytest

        @pytest.mark.jwk_requirement("PUB-05", level="COULD")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: test_level.py::test_x: unknown level 'COULD'*"])


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

        @pytest.mark.jwk_requirement("KID-01")
        def test_kid():
            pass

        @pytest.mark.jwk_requirement("ORD-01", "ORD-03")
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
    assert outcomes.get("deselected", 0) == 3 - selected


def test_jwk_requirement_with_an_unknown_id_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-requirement", "KID-3")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--jwk-requirement: unknown requirement 'KID-3'; did you mean*"])


def test_a_bad_transport_choice_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--jwk-transport", "pigeon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--jwk-transport*invalid choice*pigeon*"])
