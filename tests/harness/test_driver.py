"""Implementations behind a driver process (docs/driver-protocol.md): `DriverAdapter`.

The misbehaving drivers in ``tests/harness/drivers/`` answer ``hello`` by the protocol and
break it on ``open_store``. Runs of the packaged suites go through a subprocess (they set
Hypothesis's process-wide settings), with a bounded timeout, so a harness that hangs on a
hung driver fails here instead of hanging the project's tests. Each driver command carries
a unique ``--marker=...`` argument so that a test can find its processes in ``/proc``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from _misbehaving_driver_support import MISBEHAVIOURS, assert_none_left, command
from pytester_files import NO_SHRINK_CONFTEST

SUITE_TIMEOUT = 120.0
REFERENCE_TIMEOUT = 300.0
FAILING_TESTS = (
    "*test_config.py::test_cache_timeout_defaults_to_two_minutes*",
    "*test_order.py::test_valid_secrets_follow_set_order*",
    "*test_order_shapes.py::test_valid_secrets_follow_set_order_with_and_without_kid_or_alg*",
)


def _report(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in document["requirements"]}


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}


# --- the packaged suites through misbehaving drivers ------------------------------------------


@pytest.mark.parametrize(
    ("script", "messages"), list(MISBEHAVIOURS.items()), ids=list(MISBEHAVIOURS)
)
def test_a_misbehaving_driver_fails_the_running_tests_and_the_run_goes_on(
    pytester: pytest.Pytester, script: str, messages: tuple[str, ...]
) -> None:
    # Every example fails the same way against these drivers, and each failure of the hanging
    # one costs the whole deadline: shrinking would run dozens of them.
    pytester.makeconftest(NO_SHRINK_CONFTEST)
    marker = uuid.uuid4().hex
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "jwkconform.suites",
        "--jwk-driver",
        command(script, marker),
        "--jwk-driver-timeout",
        "1",
        "--jwk-profile",
        "dev",
        "--jwk-requirement",
        "CFG-03",
        "--jwk-requirement",
        "ORD-01",
        "--jwk-report-json",
        "r.json",
        "--jwk-report-md",
        "r.md",
        "--jwk-report-html",
        "r.html",
        "-p",
        "no:cacheprovider",
        timeout=SUITE_TIMEOUT,
    )
    output = result.stdout.str() + "\n" + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output[-3000:]
    result.assert_outcomes(failed=len(FAILING_TESTS))
    result.stdout.fnmatch_lines(  # each test's finding, an error
        # One finding a requirement: ORD-01's second failing test is folded into its first.
        [f"  * error: {pattern}" for pattern in FAILING_TESTS[:2]],
        consecutive=False,
    )
    for message in messages:
        assert message in output, f"{message!r} not in the output"
    result.stdout.re_match_lines([rf"^=+ jwkconform: misbehaving: {script} =+$"])

    report = _report(pytester.path / "r.json")
    assert report["implementation"] == f"misbehaving: {script}"
    assert report["adapter"] == f"driver: {command(script, marker)}"
    rows = _by_id(report)
    for rid in ("CFG-03", "ORD-01"):
        # The driver's fault, never the implementation's: error, with the cause.
        assert rows[rid]["verdict"] == "error", rid
        for message in messages:
            assert message in rows[rid]["message"], (rid, rows[rid]["message"])
        assert "Flaky" not in rows[rid]["message"]
    assert report["summary"]["error"] == 2
    assert report["summary"]["fail"] == report["summary"]["pass"] == 0
    _the_cause_reaches_the_reports(pytester.path, script, rows)
    assert_none_left(marker)


def _the_cause_reaches_the_reports(folder: Path, script: str, rows: dict[str, Any]) -> None:
    """The driver's exit status and stderr are in the JSON, Markdown and HTML reports, and
    the end of its JSON-lines transcript ends the finding's timeline."""
    findings = [f for rid in ("CFG-03", "ORD-01") for f in rows[rid]["findings"]]
    causes = [f["cause"] for f in findings if f["cause"] is not None]
    assert causes, findings
    markdown = (folder / "r.md").read_text(encoding="utf-8")
    page = (folder / "r.html").read_text(encoding="utf-8")
    assert "the end of its standard error" in markdown
    assert 'class="cause"' in page
    if script == "crash":
        assert any(c["exit_status"] == 3 and "boom: deliberate crash" in c["stderr"]
                   for c in causes)  # fmt: skip
        assert "The driver exited 3" in markdown
        assert "The driver exited 3" in page
    if script == "hang":
        assert all(c["exit_status"] is None for c in causes)
    transcript = [e["text"] for f in findings if f["timeline"]
                  for e in f["timeline"]["events"] if e["kind"] == "transcript"]  # fmt: skip
    assert any(t.startswith('> {"id"') and '"open_store"' in t for t in transcript), transcript
    assert any(t.startswith("< ") for t in transcript), transcript


def test_a_driver_command_that_does_not_exist_is_a_usage_error(pytester: pytest.Pytester) -> None:
    missing = f"jwkconform-no-such-driver-{uuid.uuid4().hex}"
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "jwkconform.suites",
        "--jwk-driver",
        f"{missing} --flag",
        "--jwk-requirement",
        "ORD-01",
        "--jwk-report-json",
        "r.json",
        "-p",
        "no:cacheprovider",
        timeout=SUITE_TIMEOUT,
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: jwkconform: cannot start driver {missing} --flag*"])
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output
    assert not (pytester.path / "r.json").exists()


def _jwkconform_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", "run", *args],
        cwd=folder,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )


def test_jwkconform_run_with_a_missing_driver_is_a_harness_error(tmp_path: Path) -> None:
    missing = f"jwkconform-no-such-driver-{uuid.uuid4().hex}"
    completed = _jwkconform_run(
        tmp_path, "--driver", missing, "--requirement", "ORD-01", "--report-json", "r.json"
    )
    assert completed.returncode == 3, completed.stdout[-3000:] + completed.stderr
    assert f"cannot start driver {missing}" in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert not (tmp_path / "r.json").exists()


def test_jwkconform_run_with_an_empty_driver_command_is_a_usage_error(tmp_path: Path) -> None:
    """``--driver ""`` (an unset variable in a CI script, say) must not test something else."""
    completed = _jwkconform_run(
        tmp_path, "--driver", "", "--requirement", "ORD-01", "--report-json", "r.json"
    )
    assert completed.returncode == 2, completed.stdout[-3000:] + completed.stderr
    assert completed.stderr.strip() == (
        "jwkconform run: error: --driver is empty (an unset variable?): give a value or drop it"
    )
    assert not (tmp_path / "r.json").exists()


# --- the reference through its driver -------------------------------------------------------


def test_the_reference_driver_gives_the_in_process_verdicts(tmp_path: Path) -> None:
    """Same seed, same suites: the reference in process and behind its driver agree on
    every requirement but CACHE-05, which a serial protocol cannot exercise (concurrent
    queries) and which the reference driver therefore does not declare (``coalescing``).

    Both runs go at once. The driver run is the slow one (each publisher it opens is a
    real server, and stopping one waits for ``serve_forever``'s half-second poll), so it
    spreads over xdist workers, each with a driver process of its own.
    """
    driver = shlex.join([sys.executable, "-m", "jwkconform.reference.driver"])
    xdist = ("--", "-n", "6", "--dist", "worksteal") if importlib.util.find_spec("xdist") else ()
    runs = {
        "in-process": ("--seed", "3", "--report-json", "r.json"),
        "driver": ("--seed", "3", "--driver", driver, "--report-json", "r.json", *xdist),
    }
    started: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, args in runs.items():
            folder = tmp_path / name
            folder.mkdir()
            with (folder / "output.txt").open("wb") as sink:
                started[name] = subprocess.Popen(
                    [sys.executable, "-m", "jwkconform", "run", *args],
                    cwd=folder,
                    env=_child_env(),
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # so that a timeout ends its workers and drivers
                )
        for process in started.values():
            process.wait(timeout=REFERENCE_TIMEOUT)
    finally:
        for process in started.values():
            if process.poll() is None:
                if hasattr(os, "killpg"):
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
                process.wait(timeout=10)
    for name, process in started.items():
        output = (tmp_path / name / "output.txt").read_text(encoding="utf-8", errors="replace")
        assert process.returncode == 0, f"{name}:\n{output[-4000:]}"

    in_process = _report(tmp_path / "in-process" / "r.json")
    through = _report(tmp_path / "driver" / "r.json")
    assert through["implementation"] == in_process["implementation"] + " (driver)"
    assert through["adapter"] == f"driver: {driver}"
    assert through["transport"] == "loopback"
    assert through["seed"] == in_process["seed"] == 3

    ours, theirs = _by_id(in_process), _by_id(through)
    assert list(ours) == list(theirs)
    assert (ours["CACHE-05"]["verdict"], theirs["CACHE-05"]["verdict"]) == ("pass", "skip")
    assert "does not declare capability coalescing" in theirs["CACHE-05"]["message"]
    differing = {
        rid: (ours[rid]["verdict"], theirs[rid]["verdict"], theirs[rid]["message"])
        for rid in ours
        if rid != "CACHE-05" and ours[rid]["verdict"] != theirs[rid]["verdict"]
    }
    assert not differing, json.dumps(differing, indent=1)
    assert {rid: r["tests"] for rid, r in ours.items()} == {
        rid: r["tests"] for rid, r in theirs.items()
    }
