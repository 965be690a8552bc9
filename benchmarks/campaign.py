"""Whole-process costs of runs and campaigns of the reference, side by side in one go.

    python benchmarks/campaign.py                 # a Markdown section for docs/performance.md
    python benchmarks/campaign.py --seeds 5 --skip-thorough   # a smaller smoke check
    python benchmarks/campaign.py --durations     # rewrites suites/durations.json (for --shard)
    python benchmarks/campaign.py --profile dev   # where a run's time goes (cProfile, top 25)

Measured on an idle machine only: every figure is the wall time of whole `jwkconform run`
processes (interpreter start included), and a busy machine makes them meaningless. It
measures, in one go: the `dev` and `thorough` profiles of the reference in process, on every
core (`--jobs auto`, the default) and in one process (`--jobs 1`); a campaign of N `dev`
seeds (`jwkconform run --seeds 1-N`, both cores); and the same N seeds as N separate
`jwkconform run --jobs 1` processes, two at a time (both cores too), so the two differ only
in what the campaign pays once (interpreter, imports); and the N-seed campaign through the
reference's own driver, whose verdicts must hold on every seed (no unstable verdict).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DURATIONS = ROOT / "suites" / "durations.json"
JWKCONFORM = [sys.executable, "-m", "jwkconform"]
LIMIT = 3600  # seconds: no measured process may hang the benchmark


def _timed(command: Sequence[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=LIMIT, check=False)
    return time.perf_counter() - start, done.returncode


def _run(folder: Path, *args: str) -> tuple[float, int]:
    return _timed([*JWKCONFORM, "run", *args], folder)


def measure(seeds: int, thorough: bool) -> list[str]:
    """The Markdown rows: one whole process (or group of processes) each."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="jwkconform-bench-") as name:
        folder = Path(name)
        for profile, goal in (("dev", 10), ("thorough", 180))[: 2 if thorough else 1]:
            # Every core (the default, --jobs auto), then one process: the per-example cost.
            for jobs, how in (("auto", ""), ("1", ", `--jobs 1`")):
                took, code = _run(folder, "--seed", "1", "--profile", profile, "--jobs", jobs)
                rows.append(f"| one run, `{profile}`{how} (goal < {goal} s) | {took:.1f} |"
                            f" exit {code} |")  # fmt: skip
        spread = f"1-{seeds}"
        together, code = _run(folder, "--seeds", spread, "--report-json", "c.json")
        unstable = json.loads((folder / "c.json").read_text(encoding="utf-8"))["unstable"]
        rows.append(
            f"| campaign `--seeds {spread}`, `dev` | {together:.1f} | exit {code},"
            f" {len(unstable)} unstable |"
        )
        start = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:  # both cores, like the campaign
            codes = list(
                pool.map(
                    lambda s: _run(folder, "--seed", str(s), "--jobs", "1")[1],
                    range(1, seeds + 1),
                )
            )
        apart = time.perf_counter() - start
        worst = max(codes)
        rows.append(f"| {seeds} separate `jwkconform run --jobs 1`, 2 at a time | {apart:.1f} |"
                    f" worst exit {worst} |")  # fmt: skip
        rows.append(f"| campaign / separate | {together / apart:.2f}x | |")
        driver = shlex.join([sys.executable, "-m", "jwkconform.reference.driver"])
        through, code = _run(folder, "--seeds", spread, "--driver", driver,
                             "--report-json", "d.json")  # fmt: skip
        merged = json.loads((folder / "d.json").read_text(encoding="utf-8"))
        failed = [r["id"] for r in merged["requirements"] if r["verdict"] in {"fail", "error"}]
        rows.append(
            f"| campaign `--seeds {spread}` through the reference's driver | {through:.1f} |"
            f" exit {code}, unstable: {', '.join(merged['unstable']) or 'none'}, failed:"
            f" {', '.join(failed) or 'none'} |"
        )
    return rows


def store_durations() -> None:
    """Rewrite the durations table ``--shard`` balances by, from one `dev` run."""
    with tempfile.TemporaryDirectory(prefix="jwkconform-durations-") as name:
        raw = Path(name) / "durations.json"
        command = [*JWKCONFORM, "run", "--seed", "1", "--profile", "dev", "--jobs", "1",
                   "--", "-p", "no:randomly", "--store-durations",
                   "--durations-path", str(raw)]  # fmt: skip
        subprocess.run(command, cwd=name, check=False, timeout=LIMIT, capture_output=True)
        table = json.loads(raw.read_text(encoding="utf-8"))
    from jwkconform.harness.spec._expected import canonical_nodeid

    rounded = {canonical_nodeid(k): round(v, 3) for k, v in sorted(table.items())}
    DURATIONS.write_text(json.dumps(rounded, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(rounded)} tests, {sum(rounded.values()):.1f} s, to {DURATIONS}")


def profile(name: str) -> None:
    """Where one in-process run's CPU time goes: the 25 costliest functions, cumulative and
    own. cProfile's own cost inflates code that makes many small calls (Hypothesis's
    generation, ``unittest.mock``); a sampling profiler attached to the process gives
    fairer shares where that matters."""
    from jwkconform._cli import main

    # CPU time, not wall time: a busy machine (or a slow disk) distorts it less, and the
    # per-example cost to cut is CPU.
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(main, ["run", "--seed", "1", "--profile", name, "--jobs", "1", "--", "-q",
                            "-p", "no:randomly"])  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="jwkconform-profile-")) / "run.prof"
    profiler.dump_stats(str(out))
    print(f"profile written to {out}")
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seeds", type=int, default=20, help="campaign size (default 20)")
    parser.add_argument("--skip-thorough", action="store_true", help="leave out `thorough`")
    parser.add_argument("--durations", action="store_true", help="rewrite the durations table")
    parser.add_argument("--profile", metavar="NAME", help="profile one run of this profile")
    args = parser.parse_args()
    if args.durations:
        store_durations()
        return
    if args.profile:
        profile(args.profile)
        return
    rows = measure(args.seeds, not args.skip_thorough)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"## Campaigns\n\nGenerated by `python benchmarks/campaign.py` on {cores} cores"
          f" ({time.strftime('%Y-%m-%d')}); whole processes, wall time.\n")  # fmt: skip
    print("| what | seconds | result |\n|---|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
