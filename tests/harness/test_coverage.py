"""Every requirement without a "presumes" line is reached through some single query path,
and docs/coverage.md says which, exactly as the suites behave.

The reference, restricted to one path (plus the way it fetches), runs the whole suites:
every ungated requirement that the table says the path reaches must pass, and every one it
says the path cannot reach must be skipped (a table that claims too little is as wrong as
one that claims too much). A correct implementation judged at the defaults must not fail
either: that is what a library without the configuration capabilities gets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jwkconform.harness.spec._coverage import (
    QUERY_PATHS,
    UNREACHED,
    reached_through,
    render_coverage_page,
)
from jwkconform.harness.spec._registry import REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parents[1]


def test_every_ungated_requirement_has_a_path() -> None:
    lost = [rid for rid, req in REQUIREMENTS.items() if not req.gates and not reached_through(rid)]
    assert not lost, f"requirements without a presumes line that no single path reaches: {lost}"


def test_the_table_names_only_ungated_requirements_and_real_paths() -> None:
    for rid, path in UNREACHED:
        assert rid in REQUIREMENTS, rid
        assert not REQUIREMENTS[rid].gates, rid
        assert path in QUERY_PATHS, path


def test_docs_coverage_md_is_rendered_from_the_table() -> None:
    text = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert text == render_coverage_page(), (
        "run: jwkconform spec --format coverage > docs/coverage.md"
    )


@pytest.mark.parametrize("path", QUERY_PATHS)
def test_one_path_alone_reaches_what_the_table_says(path: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable, "-m", "jwkconform", "run", "--adapter", f"coverage_adapters:{path}",
        "--seed", "3", "--report-json", str(report), "--", "-q", "-p", "no:randomly",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    output = done.stdout[-3000:] + done.stderr[-2000:]
    assert report.exists(), output
    verdicts = {r["id"]: r["verdict"] for r in json.loads(report.read_text())["requirements"]}
    table = {
        rid: "pass" if path in reached_through(rid) else "skip"
        for rid, req in REQUIREMENTS.items()
        if not req.gates
    }
    wrong = {rid: (verdicts[rid], said) for rid, said in table.items() if verdicts[rid] != said}
    assert not wrong, f"through {path} alone (got, the table says): {wrong}\n{output}"


@pytest.mark.parametrize(
    ("adapter", "requirement", "verdict"),
    [
        ("valid_lists_bare_x25519", "PUR-03", "fail"),
        ("valid_after_reload_fails", "LOAD-05", "fail"),
        ("valid_without_size_cap", "LOAD-06", "fail"),
        ("valid_one_minute_cache", "CFG-03", "fail"),
        ("valid_reloads_at_half_timeout", "CACHE-01", "fail"),
        ("valid_keeps_removed_keys", "CACHE-02", "fail"),
        # At the default windows (2 minutes each, D-40) a store that never retries after a
        # failed reload cannot be told from one whose default miss window is longer: the
        # test is blocked by CFG-05, never a pass.
        ("valid_never_retries", "CACHE-06", "blocked"),
        ("named_ignores_purpose", "PUR-02", "fail"),
        ("named_ignores_purpose", "PUR-04", "fail"),
        ("valid_ignores_use", "PUR-02", "fail"),
        ("valid_ignores_use", "PUR-04", "fail"),
    ],
)
def test_a_path_alone_catches_a_mutant_of_what_it_reaches(
    adapter: str, requirement: str, verdict: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    paths = [str(TESTS), str(TESTS / "mutants"), os.environ.get("PYTHONPATH", "")]
    command = [
        sys.executable, "-m", "jwkconform", "run", "--adapter", f"coverage_adapters:{adapter}",
        "--strict", "--seed", "3", "--requirement", requirement, "--report-json", str(report),
        "--", "-q", "-p", "no:randomly",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=tmp_path, env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert report.exists(), done.stdout[-3000:] + done.stderr[-2000:]
    verdicts = {r["id"]: r["verdict"] for r in json.loads(report.read_text())["requirements"]}
    assert verdicts[requirement] == verdict, done.stdout[-3000:]
