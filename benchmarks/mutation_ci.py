"""The mutation score with the `ci` profile (60 examples a property), where it can change.

    python benchmarks/mutation_ci.py                 # the survivors a test should kill, and
                                                     # 40 killed mutants drawn at random
    python benchmarks/mutation_ci.py --killed 100 --jobs 2

A whole run of benchmarks/mutation.py with 60 examples instead of 10 takes hours on two cores.
More examples can change the score in two ways only: a survivor that a test should kill
(MISSING in benchmarks/mutation_survivors.py) is killed, or a killed mutant survives because
the first examples drawn are no longer the same. This runs, with 60 examples a property, every
MISSING survivor of benchmarks/mutation-results.json and a random sample of the killed ones
(the sample's seed is printed and saved, so the same sample can be drawn again), each through
the whole of its module's requirement groups, as benchmarks/mutation.py runs a mutant
(strict, Hypothesis seed 0, no shrinking, stopping at the first failure). The results go to
benchmarks/mutation-ci-results.json and the section of docs/mutation.md between its markers.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

# benchmarks/_mutation_run.py and benchmarks/_mutation_report.py, beside this script
from _mutation_report import DOC, RESULTS, Mutant, _kind, load
from _mutation_run import GROUPS, ROOT, environment, lay_out, run_arguments

from jwkconform.harness.run._profiles import PROFILES

CI_EXAMPLES = PROFILES["ci"]
HUNT_EXAMPLES = 10  # what benchmarks/mutation.py runs (tests/mutants/hunt_profile.py)
WORK = ROOT / "build" / "mutation-ci"
OUT = RESULTS.with_name("mutation-ci-results.json")
BEGIN, END = "<!-- mutation-ci:begin -->", "<!-- mutation-ci:end -->"
TIMEOUT = 900.0


def _one(stage: Path, mutant: Mutant) -> dict[str, Any]:
    """Apply ``mutant`` to the stage's copy of its module, run its groups, restore the copy."""
    source = stage / "jwkconform" / "reference" / f"{mutant.module}.py"
    original = source.read_bytes()
    try:
        subprocess.run(
            [str(Path(sys.executable).with_name("cosmic-ray")), "apply", str(source),
             f"core/{mutant.operator}", str(mutant.occurrence)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        before = set(original.decode("utf-8").splitlines())
        changed = [
            line.strip()
            for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip() and line not in before
        ]
        record = {**asdict(mutant), "by": list(mutant.by)}
        expected = [part for part in mutant.after.split(" / ") if part]
        if any(part not in changed for part in expected):  # the module changed since then
            return {**record, "ci": "stale"}
        shutil.rmtree(source.parent / "__pycache__", ignore_errors=True)
        record["ci"], record["seconds"] = _run(stage, mutant.module, CI_EXAMPLES)
        if mutant.outcome == "survived":  # killed now by a test added since, or by 60 examples?
            record["hunt"], _ = _run(stage, mutant.module, HUNT_EXAMPLES)
        return record
    finally:
        source.write_bytes(original)
        shutil.rmtree(source.parent / "__pycache__", ignore_errors=True)


def _run(stage: Path, module: str, examples: int) -> tuple[str, float]:
    """The outcome of the run of ``module``'s groups with ``examples`` a property, and its
    seconds."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jwkconform", *run_arguments(GROUPS[module]),
             "--hunt-examples", str(examples)],
            cwd=stage, capture_output=True, text=True, timeout=TIMEOUT, check=False,
            env=environment(stage),
        )  # fmt: skip
        outcome = {0: "survived", 1: "killed"}.get(done.returncode, f"exit {done.returncode}")
    except subprocess.TimeoutExpired:
        outcome = "timeout"
    return outcome, round(time.monotonic() - started, 1)


def measure(selected: Sequence[Mutant], jobs: int) -> list[dict[str, Any]]:
    stages = [WORK / f"job{k}" for k in range(jobs)]
    for stage in stages:
        lay_out(stage)
    todo = list(enumerate(selected))
    results: list[dict[str, Any]] = [{} for _ in selected]

    def worker(stage: Path) -> None:
        while todo:
            index, mutant = todo.pop(0)
            results[index] = _one(stage, mutant)
            print(f"{mutant.module}:{mutant.line} {mutant.operator}: {mutant.outcome} -> "
                  f"{results[index]['ci']}", flush=True)  # fmt: skip

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(worker, stages))
    return results


_DEAD = frozenset({"killed", "timeout"})


def _named(r: dict[str, Any]) -> str:
    return f"`{r['module']}.py:{r['line']}` {r['operator']}: `{r['after']}`"


def render(document: dict[str, Any]) -> str:
    results = [r for r in document["mutants"] if r["ci"] != "stale"]
    missing = [r for r in results if r["kind"] == "missing"]
    killed = [r for r in results if r["kind"] == "killed"]
    newer = [r for r in missing if r.get("hunt") in _DEAD]
    by_examples = [r for r in missing if r.get("hunt") not in _DEAD and r["ci"] in _DEAD]
    lost = [r for r in killed if r["ci"] not in _DEAD]
    lines = [
        f"Measured {document['date']} with {CI_EXAMPLES} examples a property, the rest as above,"
        f" {document['jobs']} at a time: {document['wall_seconds'] / 60:.1f} minutes of wall"
        " time.",
        "",
        f"- Of the {len(missing)} survivors a test should kill, {len(by_examples)} die with"
        f" {CI_EXAMPLES} examples and survive {HUNT_EXAMPLES}" + (":" if by_examples else "."),
        *(f"  - {_named(r)}" for r in by_examples),
        f"- {len(newer)} more die with {HUNT_EXAMPLES} examples already: a test added since the"
        " measurement kills them" + (":" if newer else "."),
        *(f"  - {_named(r)}" for r in newer),
        f"- Of {len(killed)} killed mutants drawn at random (sample seed"
        f" {document['sample_seed']}), {len(killed) - len(lost)} are killed with"
        f" {CI_EXAMPLES} examples too" + (":" if lost else "."),
        *(f"  - {_named(r)}: {r['ci']}" for r in lost),
    ]
    stale = len(document["mutants"]) - len(results)
    if stale:
        lines.append(f"- {stale} no longer apply: their module changed since the measurement.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--killed", type=int, default=40, help="killed mutants to sample")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--render", action="store_true", help="docs/mutation.md from the saved results"
    )
    args = parser.parse_args(argv)
    if not args.render:
        _, mutants = load()
        missing = [m for m in mutants if _kind(m) == "missing"]
        sample_seed = random.SystemRandom().randrange(2**32)
        killed = random.Random(sample_seed).sample(
            [m for m in mutants if m.outcome == "killed"], args.killed
        )
        started = time.monotonic()
        results = measure([*missing, *killed], args.jobs)
        for result, kind in zip(
            results, ["missing"] * len(missing) + ["killed"] * len(killed), strict=True
        ):
            result["kind"] = kind
        document = {
            "date": time.strftime("%Y-%m-%d"),
            "jobs": args.jobs,
            "sample_seed": sample_seed,
            "wall_seconds": round(time.monotonic() - started, 1),
            "mutants": results,
        }
        OUT.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    document = json.loads(OUT.read_text(encoding="utf-8"))
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{render(document)}\n{END}{tail}", encoding="utf-8")
    print(render(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
