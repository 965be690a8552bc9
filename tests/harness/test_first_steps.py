"""A new user's first steps and the small things that tripped one up: the example adapter
from the installed package (`jwkconform docs example`, `jwkconform init`), a reader that
closes the pipe early, runs of one implementation side by side in a matrix, JUnit messages
of expected failures, colour only where the terminal has it, the exit status of a broken
store as the guides state it, and what the README promises about installing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytester_files import VERDICTS_FILE
from test_matrix import ALPHA, _report

from jwkconform.harness.report._matrix import render
from jwkconform.harness.report._matrix_reports import Report
from jwkconform.harness.report._reports import EXIT_MEANINGS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "inhouse_adapter.py"


def _jwkconform(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", *args],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_docs_lists_and_prints_the_example_adapter(tmp_path: Path) -> None:
    listed = _jwkconform(tmp_path, "docs")
    assert re.search(r"^example\s+A complete jwkconform adapter", listed.stdout, re.M)
    printed = _jwkconform(tmp_path, "docs", "example")
    assert printed.returncode == 0
    assert printed.stdout == EXAMPLE.read_text(encoding="utf-8")


def test_init_writes_the_example_and_it_runs_by_file(tmp_path: Path) -> None:
    written = _jwkconform(tmp_path, "init")
    assert written.returncode == 0, written.stderr
    assert "jwkconform run --adapter inhouse_adapter.py:factory" in written.stdout
    assert (tmp_path / "inhouse_adapter.py").read_text("utf-8") == EXAMPLE.read_text("utf-8")
    again = _jwkconform(tmp_path, "init")
    assert again.returncode == 2
    assert again.stderr.strip() == "jwkconform init: error: inhouse_adapter.py exists; give" \
        " another path"  # fmt: skip
    ran = _jwkconform(tmp_path, "run", "--adapter", "inhouse_adapter.py:factory",
                      "--requirement", "KID-02", "--seed", "1")  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-2000:]
    assert "jwkconform: inhouse-jwks 0.3 (docs example)" in ran.stdout


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "jwkconform", "docs", "adapters"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # as `| head -1` does once it has its line
    with process.stderr:
        stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr


def test_runs_of_one_implementation_get_distinct_column_headings() -> None:
    runs = [Report(str(i), {**ALPHA, "seed": seed}) for i, seed in enumerate((1, 2, 3))]
    text = render(runs)
    assert "| ID | Level | alpha 1.0 (seed 1) | alpha 1.0 (seed 2) | alpha 1.0 (seed 3) |" in text
    twins = render([Report("a", ALPHA), Report("b", _report("alpha 1.0", {}))])
    assert "| alpha 1.0 (run 1) | alpha 1.0 (run 2) |" in twins


def test_an_expected_failure_says_so_once_in_junit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    (pytester.path / "known.json").write_text(json.dumps({"KID-01": "GW-1"}), encoding="utf-8")
    pytester.runpytest("--jwk-expected-failures", "known.json", "--junitxml", "j.xml")
    xml = (pytester.path / "j.xml").read_text(encoding="utf-8")
    messages = re.findall(r'<skipped type="pytest.xfail" message="([^"]*)"', xml)
    assert any("GW-1" in m for m in messages), xml
    assert all(m.count("expected failure") <= 1 for m in messages), messages


def test_the_table_is_coloured_only_where_the_terminal_has_colour(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    plain = pytester.runpytest("-p", "no:cacheprovider")
    assert "\x1b[" not in plain.stdout.str()
    coloured = pytester.runpytest("-p", "no:cacheprovider", "--color=yes")
    lines = coloured.stdout.lines
    kid, cfg = (next(x for x in lines if x.startswith(f"{g} ") and "test_" not in x)
                for g in ("KID", "CFG"))  # fmt: skip
    assert "\x1b[31m\x1b[1m01" in kid  # KID-01 fails: red and bold
    assert "\x1b[32m03" in cfg  # CFG-03 passes: green


def test_tracebacks_only_with_verbose_findings(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_verdicts=VERDICTS_FILE)
    short = pytester.runpytest("-p", "no:cacheprovider")
    assert "Traceback" not in short.stdout.str()
    assert "def test_must_fails" not in short.stdout.str()
    assert "add --jwk-verbose-findings" in short.stdout.str()
    full = pytester.runpytest("-p", "no:cacheprovider", "--jwk-verbose-findings")
    assert "def test_must_fails" in full.stdout.str()  # pytest's own report of the failure
    # In parallel the controller collects nothing: a --jwk-* option tells it.
    parallel = pytester.runpytest("-p", "no:cacheprovider", "-n", "2", "--jwk-seed", "1")
    assert "KID-01 (MUST) fail: test_verdicts.py::test_must_fails" in parallel.stdout.str()
    assert "def test_must_fails" not in parallel.stdout.str()
    assert "FAILED" not in parallel.stdout.str()


def test_the_guides_agree_on_the_exit_status_of_a_store_that_breaks_the_contract() -> None:
    table = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    one = next(line for line in table.splitlines() if line.startswith("| 1 |"))
    three = next(line for line in table.splitlines() if line.startswith("| 3 |"))
    assert "a store that breaks the contract" in one
    assert "breaks the contract" not in three


def test_the_readme_installs_without_a_published_release() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install jwkconform\n" not in readme
    assert "git+" in readme
    assert "jwkconform init" in readme
    assert "make test" in readme
    assert "not been measured" in readme or re.search(r"make test.{0,200}\d+\s+minutes", readme)


def test_the_exit_status_table_lists_every_status_the_cli_gives() -> None:
    text = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    table = text.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    listed = [int(n) for n in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)]
    assert listed == sorted(EXIT_MEANINGS)
