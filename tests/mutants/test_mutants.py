"""Every mutant of the catalogue (stores and publishers) is killed by the tests of the
requirement it breaks, and the reference itself passes in strict mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from publisher_mutants import MUTANTS as PUBLISHER_MUTANTS
from store_mutants import MUTANTS

HERE = Path(__file__).resolve().parent


def run_suites(
    adapter: str, tmp_path: Path, requirements: tuple[str, ...] = ()
) -> tuple[int, dict[str, Any], str]:
    report = tmp_path / "report.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable, "-m", "jwkconform", "run", "--adapter", adapter, "--strict",
        "--seed", "1", "--report-json", str(report),
        *[arg for rid in requirements for arg in ("--requirement", rid)],
        "--", "-q", "-p", "hunt_profile",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    document = json.loads(report.read_text()) if report.exists() else {}
    return done.returncode, document, done.stdout[-3000:] + done.stderr[-3000:]


def failing(document: dict[str, Any]) -> set[str]:
    return {r["id"] for r in document.get("requirements", []) if r["verdict"] == "fail"}


def test_reference_passes_in_strict_mode(tmp_path: Path) -> None:
    code, document, output = run_suites("jwkconform.harness.reference_adapter:factory", tmp_path)
    assert code == 0, output
    assert not failing(document), output


@pytest.mark.parametrize(("name", "targets"), sorted(MUTANTS.items()))
def test_mutant_is_killed_by_its_target(
    name: str, targets: tuple[str, ...], tmp_path: Path
) -> None:
    # Only the target's tests run: the point is that they catch it (and it keeps CI fast).
    code, document, output = run_suites(f"store_mutants:{name}", tmp_path, targets)
    assert code == 1, f"the run against mutant {name} did not fail:\n{output}"
    missed = set(targets) - failing(document)
    assert not missed, (
        f"mutant {name} was not caught by {sorted(missed)}; failing: {sorted(failing(document))}"
    )


@pytest.mark.parametrize(("name", "targets"), sorted(PUBLISHER_MUTANTS.items()))
def test_publisher_mutant_is_killed_by_its_target(
    name: str, targets: tuple[str, ...], tmp_path: Path
) -> None:
    code, document, output = run_suites(f"publisher_mutants:{name}", tmp_path, targets)
    assert code == 1, f"the run against publisher mutant {name} did not fail:\n{output}"
    missed = set(targets) - failing(document)
    assert not missed, (
        f"publisher mutant {name} was not caught by {sorted(missed)}; "
        f"failing: {sorted(failing(document))}"
    )
