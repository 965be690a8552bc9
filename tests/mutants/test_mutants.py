"""Every mutant fails exactly the requirements it breaks, and the reference passes.

A mutant is the reference with one behaviour made subtly wrong; its entry in ``MUTANTS``
names the requirements it breaks. Each is run through the whole of the suites in strict
mode, and the requirements that fail must be exactly those: a failure counts against the
requirement whose check failed, and only that one (a mutant that also fails a neighbour
means a test reached its requirement through another's behaviour). No requirement may end
in ``error``: a mutant is a broken implementation, not a broken adapter.

Each runs on a fixed seed with `EXAMPLES` examples a property and no shrinking
(hunt_profile.py): a mutant must die that quickly, and the 140 runs fit in CI.

Mutant modules: every ``mutants_*.py`` here.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
MODULES = tuple(sorted(p.stem for p in HERE.glob("mutants_*.py")))


def _all_mutants() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Mutant name -> (module, the requirements it breaks)."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name in MODULES:
        registry: Mapping[str, tuple[str, ...]] = importlib.import_module(name).MUTANTS
        for mutant, targets in registry.items():
            assert mutant not in found, f"mutant {mutant} is defined twice"
            found[mutant] = (name, targets)
    return found


MUTANTS = _all_mutants()
# Examples per property in each run: half the hunt's default, a third of the dev profile's.
EXAMPLES = 5


def run_suites(adapter: str, tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    report = tmp_path / "report.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable, "-m", "jwkconform", "run", "--adapter", adapter, "--strict",
        "--seed", "1", "--report-json", str(report), "--", "-q", "-p", "hunt_profile",
        "--hunt-examples", str(EXAMPLES),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    document = json.loads(report.read_text()) if report.exists() else {}
    return done.returncode, document, done.stdout[-3000:] + done.stderr[-3000:]


def verdicts_of(document: Mapping[str, Any], *wanted: str) -> dict[str, str]:
    return {
        r["id"]: r["verdict"] for r in document.get("requirements", []) if r["verdict"] in wanted
    }


def test_reference_passes_in_strict_mode(tmp_path: Path) -> None:
    code, document, output = run_suites("jwkconform.harness.reference_adapter:factory", tmp_path)
    assert code == 0, output
    assert not verdicts_of(document, "fail", "error", "blocked"), output


@pytest.mark.parametrize(("name", "where"), sorted(MUTANTS.items()), ids=sorted(MUTANTS))
def test_a_mutant_fails_exactly_the_requirements_it_breaks(
    name: str, where: tuple[str, tuple[str, ...]], tmp_path: Path
) -> None:
    module, targets = where
    code, document, output = run_suites(f"{module}:{name}", tmp_path)
    assert code == 1, f"the run against mutant {name} did not fail:\n{output}"
    assert not verdicts_of(document, "error"), f"errors against mutant {name}:\n{output}"
    failing = set(verdicts_of(document, "fail"))
    missed, collateral = set(targets) - failing, failing - set(targets)
    assert not missed, f"mutant {name} was not caught by {sorted(missed)}:\n{output}"
    assert not collateral, (
        f"mutant {name} breaks {sorted(targets)} but also failed {sorted(collateral)}: those"
        f" tests reach their requirement through another's behaviour\n"
        + json.dumps(
            {r["id"]: r["message"] for r in document["requirements"] if r["id"] in collateral},
            indent=1,
        )[:4000]
    )
