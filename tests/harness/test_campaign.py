"""A campaign spread like CI spreads it: 4 shards x 3 seeds as 12 separate `jwkconform run`
processes, merged by `jwkconform merge`, must say what the unsharded campaign says.

It runs the tests of two requirements only (the merge does not care how many tests a shard
holds, and the whole suites would cost minutes on CI's two cores); the merge rules on every
member are checked on data in test_merge.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema

SELECT = ("--requirement", "KID-01,KID-02")
SEEDS = (1, 2, 3)
SHARDS = 4
TIMEOUT = 600
SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/report.schema.json").read_text(encoding="utf-8")
)


def _jwkconform(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip


def _rows(document: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    return {r["id"]: (r["verdict"], r.get("seeds")) for r in document["requirements"]}


def test_a_sharded_campaign_merges_into_what_the_unsharded_campaign_says(tmp_path: Path) -> None:
    runs = [
        (*SELECT, "--seed", str(seed), "--shard", f"{k}/{SHARDS}",
         "--report-json", f"parts/shard-{k}-seed-{seed}.json")
        for seed in SEEDS for k in range(1, SHARDS + 1)
    ]  # fmt: skip
    with ThreadPoolExecutor(2) as pool:  # CI's two cores
        done = list(pool.map(lambda args: _jwkconform(tmp_path, "run", *args), runs))
    for completed in done:
        assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    whole = _jwkconform(
        tmp_path, "run", *SELECT, "--seeds", "1-3", "--report-json", "whole.json",
        "--", "--junitxml", "whole.xml",
    )  # fmt: skip
    assert whole.returncode == 0, whole.stdout[-3000:] + whole.stderr[-3000:]
    assert "no unstable verdict over 3 seeds" in whole.stdout
    parts = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "parts").iterdir())
    merged_run = _jwkconform(
        tmp_path, "merge", *parts, "--seeds", "1-3", "--report-json", "merged.json",
        "--junit", "merged.xml", "--allow-incomplete",
    )  # fmt: skip
    assert merged_run.returncode == 0, merged_run.stderr
    expected = json.loads((tmp_path / "whole.json").read_text(encoding="utf-8"))
    merged = json.loads((tmp_path / "merged.json").read_text(encoding="utf-8"))
    jsonschema.validate(merged, SCHEMA)
    jsonschema.validate(expected, SCHEMA)
    assert _rows(merged) == _rows(expected)
    assert merged["tests"] == expected["tests"]
    assert merged["summary"] == expected["summary"]
    # Both are incomplete for the same reason only: --requirement left the other tests out.
    assert merged["incomplete"] == expected["incomplete"]
    assert [r.split(": ", 1)[1] for r in merged["incomplete"]] == [
        r
        for r in json.loads((tmp_path / parts[0]).read_text())["incomplete"]
        if not r.startswith("shard ")
    ]
    assert (merged["seeds"], merged["unstable"]) == ([1, 2, 3], [])
    assert (tmp_path / "merged.xml").read_text().count("<testcase ") == len(merged["requirements"])
    assert (tmp_path / "whole.xml").is_file()
    for seed in SEEDS:  # each seed's own report, beside the campaign's, for later merges
        assert json.loads((tmp_path / f"whole.seed-{seed}.json").read_text())["seed"] == seed

    # A shard that never reported makes the merge incomplete, and the exit status says so.
    lost = [p for p in parts if "shard-2-seed-3" not in p]
    short = _jwkconform(tmp_path, "merge", *lost, "--seeds", "1-3", "--report-json", "short.json")
    assert short.returncode == 3
    assert (
        "seed 3: shard 2/4 missing"
        in json.loads((tmp_path / "short.json").read_text())["incomplete"]
    )
