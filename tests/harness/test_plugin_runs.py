"""Whole runs of the packaged suites through the plugin: the reference passes, xdist agrees,
every report says whether it is complete, and a broken store fails only what it breaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pytester_files import (
    BROKEN_ADAPTERS,
    CATALOGUE_ORDER,
    NO_SHRINK_CONFTEST,
    by_id,
    report,
    verdicts,
)

SCHEMA = Path(__file__).resolve().parents[2] / "docs/report.schema.json"
SUITES = ("--pyargs", "jwkconform.suites", "-p", "no:cacheprovider")
SEED = ("--jwk-seed", "1", "--jwk-profile", "dev")
SUITE_TIMEOUT = 600.0


# A plugin for the reference run: which jwkconform modules a test imported first.
LATE_IMPORTS = """
import sys

_loaded = set()


def _ours():
    return {name for name in list(sys.modules) if name.startswith("jwkconform.")}


def pytest_collection_finish(session):
    _loaded.update(_ours())
    helpers = sorted(n for n in _loaded if not n.rpartition(".")[2].startswith("test_"))
    with open("collected-modules.txt", "w", encoding="utf-8") as out:
        out.write("\\n".join(helpers))


def pytest_runtest_teardown(item):
    late = _ours() - _loaded
    if late:
        with open("late-imports.txt", "a", encoding="utf-8") as out:
            out.write(f"{item.nodeid}: {sorted(late)}\\n")
        _loaded.update(late)
"""


def _watched_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``pytest ARGS`` in ``folder``, with the LATE_IMPORTS plugin writing there."""
    (folder / "late_imports.py").write_text(LATE_IMPORTS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(folder)
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-p", "late_imports"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One serial run of the packaged suites against the reference, from an empty folder."""
    folder = tmp_path_factory.mktemp("reference-run")
    completed = _watched_pytest(folder, *SUITES, *SEED, "--jwk-report-json", "ref.json")
    late = folder / "late-imports.txt"
    return {
        "folder": folder,
        "ret": completed.returncode,
        "output": completed.stdout + completed.stderr,
        "report": report(folder / "ref.json") if (folder / "ref.json").exists() else None,
        "late imports": late.read_text(encoding="utf-8") if late.exists() else "",
    }


def test_the_suites_pass_against_the_reference_from_an_empty_folder(
    reference_run: dict[str, Any],
) -> None:
    assert reference_run["ret"] == 0, reference_run["output"][-5000:]
    document = reference_run["report"]
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert document["complete"] is True
    assert document["incomplete"] == []
    assert document["exit_status"] == 0
    assert not {"fail", "error", "blocked"} & set(verdicts(document).values())


def test_no_test_is_the_first_to_import_a_module_of_jwkconform(
    reference_run: dict[str, Any],
) -> None:
    # Hypothesis draws constants from the local modules loaded when it draws: a module first
    # imported by one test would make a run narrowed to a later test draw other examples for
    # it than the whole run did, and its replay line would not replay the finding.
    assert reference_run["ret"] == 0, reference_run["output"][-3000:]
    assert reference_run["late imports"] == ""


def test_a_run_narrowed_to_one_module_loads_the_same_helpers_as_the_whole_run(
    reference_run: dict[str, Any], tmp_path: Path
) -> None:
    # For the same reason: else a narrowed run draws other examples than the whole run.
    narrowed = _watched_pytest(
        tmp_path, "--pyargs", "jwkconform.suites.test_order", "-p", "no:cacheprovider",
        "--collect-only", "-q",
    )  # fmt: skip
    assert narrowed.returncode == 0, narrowed.stdout[-3000:] + narrowed.stderr
    whole = (reference_run["folder"] / "collected-modules.txt").read_text(encoding="utf-8")
    assert (tmp_path / "collected-modules.txt").read_text(encoding="utf-8") == whole


def test_xdist_gives_the_same_verdicts_as_a_serial_run(
    pytester: pytest.Pytester, reference_run: dict[str, Any]
) -> None:
    assert reference_run["report"] is not None, reference_run["output"][-3000:]
    result = pytester.runpytest_subprocess(
        *SUITES, *SEED, "-n", "2", "--jwk-report-json", "r.json", timeout=SUITE_TIMEOUT
    )
    assert result.ret == reference_run["ret"]
    parallel, serial = report(pytester.path / "r.json"), reference_run["report"]

    def rows(document: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
        return [(r["id"], r["verdict"], r["tests"]) for r in document["requirements"]]

    assert rows(parallel) == rows(serial)
    assert parallel["complete"] is True


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--jwk-requirement", "KID-02"), "filtered: * tests deselected*"),
        (("-k", "test_kid"), "filtered: * tests deselected*"),
        (("-x", "--jwk-adapter", "broken:reversed_order"), "stopped early*"),
    ],
    ids=["requirement", "keyword", "exitfirst"],
)
def test_a_partial_run_says_so_in_the_terminal_and_the_reports(
    pytester: pytest.Pytester, args: tuple[str, ...], reason: str
) -> None:
    pytester.makepyfile(broken=BROKEN_ADAPTERS, conftest=NO_SHRINK_CONFTEST)
    result = pytester.runpytest_subprocess(
        *SUITES, *SEED, *args, "--jwk-report-json", "r.json", "--jwk-report-md", "r.md",
        timeout=SUITE_TIMEOUT,
    )  # fmt: skip
    result.stdout.fnmatch_lines([f"INCOMPLETE run: {reason}"])
    document = report(pytester.path / "r.json")
    assert document["complete"] is False
    assert any(__import__("fnmatch").fnmatch(text, reason) for text in document["incomplete"]), (
        document["incomplete"]
    )
    assert "**Incomplete run**" in (pytester.path / "r.md").read_text(encoding="utf-8")


def test_xdist_workers_report_what_they_deselected(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        *SUITES, *SEED, "-n", "2", "--jwk-requirement", "KID-02", "--jwk-report-json", "r.json",
        timeout=SUITE_TIMEOUT,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK
    document = report(pytester.path / "r.json")
    assert document["complete"] is False
    assert document["incomplete"][0].startswith("filtered: ")


# A store whose valid() reverses the set's order breaks ORD-01 alone: ORD-03's tests take
# the document order as their premise (ORD-01's), so they end blocked, not failed.
ORDER_REQUIREMENTS = {"ORD-01"}


def test_a_reversed_order_fails_exactly_the_order_requirements(
    pytester: pytest.Pytester, reference_run: dict[str, Any]
) -> None:
    assert reference_run["report"] is not None, reference_run["output"][-3000:]
    pytester.makepyfile(broken=BROKEN_ADAPTERS, conftest=NO_SHRINK_CONFTEST)
    result = pytester.runpytest_subprocess(
        *SUITES, *SEED, "-n", "2", "--jwk-adapter", "broken:reversed_order",
        "--jwk-report-json", "r.json", timeout=SUITE_TIMEOUT,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    rows = by_id(report(pytester.path / "r.json"))
    assert {rid for rid, r in rows.items() if r["verdict"] == "fail"} == ORDER_REQUIREMENTS
    assert "AttributeError" not in rows["ORD-01"]["message"]
    passed_before = {rid for rid, v in verdicts(reference_run["report"]).items() if v == "pass"}
    collateral = {
        rid: (rows[rid]["verdict"], rows[rid]["message"].splitlines()[0])
        for rid in sorted(passed_before - ORDER_REQUIREMENTS, key=CATALOGUE_ORDER.index)
        if rows[rid]["verdict"] not in {"pass"}
        and (rid, rows[rid]["verdict"]) != ("ORD-03", "blocked")
    }
    assert not collateral, "the order bug also touched: " + json.dumps(collateral, indent=1)


def test_transport_option_reaches_the_target_and_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_transport=textwrap.dedent(
            """
            import pytest

            @pytest.mark.jwk_requirement("LOAD-01")
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
    assert report(pytester.path / "r.json")["transport"] == "loopback"


def test_a_level_override_makes_a_should_clause_non_strict(pytester: pytest.Pytester) -> None:
    # PUB-05 is MUST, but its realm-override clause is SHOULD: a test of that clause marks it.
    pytester.makepyfile(
        test_clause="""
        import pytest

        @pytest.mark.jwk_requirement("PUB-05", level="SHOULD")
        def test_override():
            assert False, "the realm mapping did not replace the global one"
        """
    )
    result = pytester.runpytest("--jwk-report-json", "r.json")
    assert result.ret == pytest.ExitCode.OK
    assert verdicts(report(pytester.path / "r.json"))["PUB-05"] == "non-strict"
    assert pytester.runpytest("--jwk-strict").ret == pytest.ExitCode.TESTS_FAILED


def test_without_a_profile_option_the_dev_profile_applies(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hypothesis's storage in the run's folder, as a user's run has it (tests/conftest.py
    # shares one between the tests' runs): the last line checks nothing was written there.
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    pytester.makepyfile(
        test_count="""
        import pytest
        from hypothesis import given, settings, strategies as st

        CALLS = []

        @pytest.mark.jwk_requirement("KID-01")
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


def test_the_same_seed_draws_the_same_examples(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_draws="""
        import pytest
        from hypothesis import given, strategies as st

        @pytest.mark.jwk_requirement("KID-01")
        @given(st.integers())
        def test_record(x):
            with open("draws.txt", "a") as out:
                out.write(f"{x}\\n")
        """
    )
    draws = []
    for _ in range(2):
        (pytester.path / "draws.txt").unlink(missing_ok=True)
        pytester.runpytest_subprocess("--jwk-seed", "77").assert_outcomes(passed=1)
        draws.append((pytester.path / "draws.txt").read_text())
    assert draws[0] == draws[1]
