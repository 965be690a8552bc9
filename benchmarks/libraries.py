"""Real-library runs against the reference's in-process run, side by side.

    python benchmarks/libraries.py             # prints the table (3 paired rounds)
    python benchmarks/libraries.py --rounds 5

Each library's run (``jwkconform run``, dev profile, its shipped ground truth) alternates
with a run of the reference in process, and the ratio is taken pair by pair, so a drift of
the machine's speed during the measurement moves both sides. The goal is at most 2x the
reference (issue 13), 1.5x for the drivers of issue 24. A library that is not installed (see
``.ci/install``) is left out with a note. ``benchmarks/run.py`` includes this table in
``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "11"
# (row label, `jwkconform run` arguments, what must exist for it to run)
LIBRARIES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("PyJWT (in process)", ("--adapter", "pyjwt", "--expected-failures", "pyjwt"), "jwt"),
    (
        "jose (Node driver)",
        ("--driver", f"node {ROOT / 'drivers/node-jose/driver.mjs'}",
         "--expected-failures", "node-jose"),
        str(ROOT / "drivers/node-jose/node_modules/jose"),
    ),
    (
        "go-oidc v3 (Go driver)",
        ("--driver", str(ROOT / "drivers/go-oidc/bin/go-oidc-driver"),
         "--expected-failures", "go-oidc"),
        str(ROOT / "drivers/go-oidc/bin/go-oidc-driver"),
    ),
    (
        "jwx jwk.Cache (Go driver)",
        ("--driver", str(ROOT / "drivers/jwx/bin/jwx-driver"), "--expected-failures", "jwx"),
        str(ROOT / "drivers/jwx/bin/jwx-driver"),
    ),
    (
        "Nimbus (JVM driver, one JVM per run)",
        ("--driver", f"java -jar {ROOT / 'drivers/nimbus/target/nimbus-driver.jar'}",
         "--expected-failures", "nimbus"),
        str(ROOT / "drivers/nimbus/target/nimbus-driver.jar"),
    ),
)  # fmt: skip


def _available(needs: str) -> bool:
    if "/" in needs:
        node_ok = "node-jose" not in needs or shutil.which("node") is not None
        java_ok = not needs.endswith(".jar") or shutil.which("java") is not None
        return node_ok and java_ok and Path(needs).exists()
    return importlib.util.find_spec(needs) is not None


def _timed_run(arguments: Sequence[str], folder: Path) -> tuple[float, int]:
    # One process each (--jobs 1): the ratio is then the implementation's cost per example,
    # not how well its longest tests happen to share two workers.
    command = [sys.executable, "-m", "jwkconform", "run", *arguments, "--seed", SEED, "--jobs", "1"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, timeout=1800, check=False)
    return time.perf_counter() - start, done.returncode


def rows(rounds: int = 3) -> list[str]:
    """The Markdown table: each library's median time, the reference's, the paired ratio."""
    out = [
        "| dev profile, seed 11 | library median (s) | reference in process, paired (s) "
        "| ratio, median of pairs (goal ≤ 2x) | exit statuses |",
        "|---|---:|---:|---:|---|",
    ]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for label, arguments, needs in LIBRARIES:
            if not _available(needs):
                out.append(f"| {label} | not installed | | | |")
                continue
            library, reference, statuses = [], [], set()
            for _ in range(rounds):
                seconds, status = _timed_run(arguments, folder)
                library.append(seconds)
                statuses.add(status)
                reference.append(_timed_run((), folder)[0])
            ratio = statistics.median(a / b for a, b in zip(library, reference, strict=True))
            out.append(
                f"| {label} | {statistics.median(library):.1f} "
                f"| {statistics.median(reference):.1f} | {ratio:.2f}x "
                f"| {', '.join(map(str, sorted(statuses)))} |"
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds (default 3)")
    args = parser.parse_args(argv)
    print("\n".join(rows(args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
