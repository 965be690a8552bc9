"""``--jobs``: a run spread over worker processes says what a run in one process says."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pytester_files import BROKEN_ADAPTERS
from support import jwkconform_run

from jwkconform.harness.run._jobs import cores, jobs_for, narrows, parse_jobs, xdist_arguments

HUNT_PROFILE = Path(__file__).resolve().parents[1] / "mutants" / "hunt_profile.py"


@pytest.mark.parametrize(("text", "count"), [("1", 1), ("4", 4), ("auto", None), (" auto", None)])
def test_a_number_or_auto(text: str, count: int | None) -> None:
    assert parse_jobs(text) == count


@pytest.mark.parametrize("text", ["0", "-2", "two", "", "1.5"])
def test_anything_else_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(ValueError, match=r"^--jobs .*: give a number of processes") as caught:
        parse_jobs(text)
    assert "\n" not in str(caught.value)


def test_auto_is_every_core_unless_xdists_variable_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    every = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert jobs_for("auto", narrowed=False) == every
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "3")
    assert cores() == 3
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "0")
    assert cores() == 1
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "many")
    assert cores() == every


def test_a_narrowed_run_stays_in_one_process_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "4")
    assert jobs_for("auto", narrowed=True) == 1
    assert jobs_for("auto", narrowed=False) == 4
    assert jobs_for("2", narrowed=True) == 2


@pytest.mark.parametrize(
    ("given", "narrowed"),
    [([], False), (["-x", "-W", "error"], False), (["-k", "kid"], True), (["-kkid"], True),
     (["-m", "slow"], True), (["--deselect", "x.py::t"], True), (["--lf"], True),
     (["--last-failed"], True), (["--sw"], True), (["--stepwise"], True)],
)  # fmt: skip
def test_pytests_own_selections_narrow_a_run(given: list[str], narrowed: bool) -> None:
    assert narrows(given) is narrowed


@pytest.mark.parametrize(
    ("count", "given", "added"),
    [
        (1, [], []),
        (2, [], ["-n", "2", "--dist", "worksteal"]),
        (2, ["-q", "-W", "error"], ["-n", "2", "--dist", "worksteal"]),
        (2, ["-n", "0"], []),
        (2, ["-n4"], []),
        (2, ["--numprocesses=3"], []),
        (2, ["--dist", "load"], []),
        (2, ["-p", "no:xdist"], []),
        (2, ["-pno:xdist"], []),
        (2, ["-x"], []),
        (2, ["--exitfirst"], []),
        (2, ["--maxfail=2"], []),
        (2, ["--pdb"], []),
    ],
)
def test_workers_are_added_only_where_the_user_chose_none(
    count: int, given: list[str], added: list[str]
) -> None:
    assert xdist_arguments(count, given) == added


def test_a_bad_value_stops_the_run_in_one_line(tmp_path: Path) -> None:
    done = jwkconform_run(tmp_path, "--jobs", "none")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "jwkconform run: error: --jobs none: give a number of processes (1 or more) or auto"
    ]


def _without_timing(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in {"started", "duration"}}


def test_two_workers_report_what_one_process_reports(tmp_path: Path) -> None:
    """The same verdicts, findings (each shown with its first failing test in collection
    order, whichever worker finished first) and filter count, with one process or two."""
    (tmp_path / "broken.py").write_text(BROKEN_ADAPTERS, encoding="utf-8")
    (tmp_path / "hunt_profile.py").write_text(HUNT_PROFILE.read_text(), encoding="utf-8")
    common = ("--adapter", "broken:reversed_order", "--requirement", "ORD-01,KID-02",
              "--seed", "4")  # fmt: skip
    outputs, documents = [], []
    for jobs in ("1", "2"):
        done = jwkconform_run(tmp_path, *common, "--jobs", jobs, "--report-json", f"r{jobs}.json",
                    "--", "-p", "hunt_profile")  # fmt: skip
        assert done.returncode == 1, done.stdout[-3000:] + done.stderr
        outputs.append(done.stdout)
        documents.append(json.loads((tmp_path / f"r{jobs}.json").read_text(encoding="utf-8")))
    assert "2 workers" in outputs[1]
    assert "2 workers" not in outputs[0]
    serial, parallel = (_without_timing(d) for d in documents)
    assert parallel == serial
    assert serial["incomplete"][0].startswith("filtered: ")
    findings = [line for line in outputs[0].splitlines() if " fail: " in line]
    assert findings, outputs[0][-3000:]
    assert findings == [line for line in outputs[1].splitlines() if " fail: " in line]


def test_a_run_that_stops_at_its_first_failure_stays_in_one_process(tmp_path: Path) -> None:
    """xdist stops its workers with an interrupt: ``-x`` must still say "stopped early" and
    exit 1, not "interrupted" and 130."""
    (tmp_path / "broken.py").write_text(BROKEN_ADAPTERS, encoding="utf-8")
    (tmp_path / "hunt_profile.py").write_text(HUNT_PROFILE.read_text(), encoding="utf-8")
    done = jwkconform_run(tmp_path, "--adapter", "broken:reversed_order", "--jobs", "2",
                          "--report-json", "r.json", "--", "-x", "-p", "hunt_profile")  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    assert "2 workers" not in done.stdout
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert document["incomplete"][0].startswith("stopped early"), document["incomplete"]
    assert document["exit_status"] == 1
