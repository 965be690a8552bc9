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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytester_files import NO_SHRINK_CONFTEST

from jwkconform.harness._adapter import Environment
from jwkconform.harness._clock import FakeClock
from jwkconform.harness._driver import DriverAdapter, DriverError, _Process

DRIVERS = Path(__file__).resolve().parent / "drivers"
SUITE_TIMEOUT = 120.0
REFERENCE_TIMEOUT = 300.0
ON_LINUX = sys.platform.startswith("linux") and Path("/proc/self/cmdline").exists()
CAPABILITIES = frozenset({"named", "valid", "config"})

# What the harness says about each misbehaviour (the crash also quotes the driver's stderr).
MISBEHAVIOURS: dict[str, tuple[str, ...]] = {
    "hang": ("did not answer 'open_store' within 1",),
    "crash": ("exited with status 3", "boom: deliberate crash"),
    "garbage": ("not JSON",),
    "out_of_turn": ("out of turn",),
    "no_result": ("without a result",),
}
FAILING_TESTS = (
    "*test_config.py::test_cache_timeout_defaults_to_two_minutes*",
    "*test_order.py::test_valid_secrets_follow_set_order*",
)


def _command(script: str, marker: str) -> str:
    return shlex.join([sys.executable, str(DRIVERS / f"{script}.py"), f"--marker={marker}"])


def _pids_with(marker: str) -> list[int]:
    """The processes whose command line holds ``marker`` (Linux only)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # it ended meanwhile, or is not ours to read
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def _assert_none_left(marker: str) -> None:
    if not ON_LINUX:
        return
    left = _pids_with(marker)
    for pid in left:  # ours: started by this test; end them so one failure stays one
        os.kill(pid, signal.SIGKILL)
    assert not left, f"driver processes {left} are still running"


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
        _command(script, marker),
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
        "-p",
        "no:cacheprovider",
        timeout=SUITE_TIMEOUT,
    )
    output = result.stdout.str() + "\n" + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, output[-3000:]
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [f"FAILED {pattern}" for pattern in FAILING_TESTS], consecutive=False
    )
    for message in messages:
        assert message in output, f"{message!r} not in the output"
    result.stdout.re_match_lines([rf"^=+ jwkconform: misbehaving: {script} =+$"])

    report = _report(pytester.path / "r.json")
    assert report["implementation"] == f"misbehaving: {script}"
    assert report["adapter"] == f"driver: {_command(script, marker)}"
    rows = _by_id(report)
    for rid in ("CFG-03", "ORD-01"):
        # The driver's fault, never the implementation's: error, with the cause.
        assert rows[rid]["verdict"] == "error", rid
        for message in messages:
            assert message in rows[rid]["message"], (rid, rows[rid]["message"])
        assert "Flaky" not in rows[rid]["message"]
    assert report["summary"]["error"] == 2
    assert report["summary"]["fail"] == report["summary"]["pass"] == 0
    _assert_none_left(marker)


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


# --- DriverAdapter, directly ------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Environment]:
    with httpx.Client(trust_env=False) as client:
        yield Environment(
            clock=FakeClock(1000.0),
            jwks_url="http://127.0.0.1:9/jwks.json",
            http_client=client,
            tmp_path=tmp_path,
        )


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[_Process]]:
    """Every driver process started during the test, in order; all stopped afterwards.

    The teardown also closes their stdout and stderr pipes, which `_Process.stop` leaves
    open (see `test_a_stopped_process_closes_its_pipes`): left to the garbage collector,
    they raise ResourceWarnings that ``filterwarnings = error`` turns into failures of
    whatever runs next.
    """
    created: list[_Process] = []
    start = _Process.__init__

    def recording(self: _Process, *args: Any, **kwargs: Any) -> None:
        start(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(_Process, "__init__", recording)
    yield created
    for process in created:
        if process._popen.poll() is None:
            process.stop(graceful=False)
        for pipe in (process._popen.stdout, process._popen.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def marker(processes: list[_Process]) -> Iterator[str]:
    """A unique marker for the driver command line; no process of it may outlive the test."""
    value = uuid.uuid4().hex
    yield value
    _assert_none_left(value)


@pytest.mark.parametrize(
    ("script", "messages"), list(MISBEHAVIOURS.items()), ids=list(MISBEHAVIOURS)
)
def test_after_a_failure_the_adapter_reaps_the_process_and_starts_a_fresh_one(
    script: str, messages: tuple[str, ...], env: Environment, marker: str
) -> None:
    adapter = DriverAdapter(_command(script, marker), timeout=1.0)
    try:
        assert adapter.name == f"misbehaving: {script}"
        assert adapter.capabilities == CAPABILITIES
        first = adapter.process()
        assert adapter.process() is first, "a healthy process is reused"

        with pytest.raises(DriverError) as failed:
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
        for message in messages:
            assert message in str(failed.value)
        assert "driver stderr:" in str(failed.value)
        assert first.broken
        assert first._popen.poll() is not None, "the failed process was not reaped"
        with pytest.raises(DriverError, match="stopped after an earlier failure"):
            first.call("hello", {"protocol": 1})

        second = adapter.process()
        assert second is not first
        assert not second.broken
        assert second._popen.pid != first._popen.pid
        assert second._popen.poll() is None
        assert second._ids == 1, "the fresh process was not greeted with hello"
        assert adapter.call(second, "close_store", 5.0, store="s1") == {}
        assert second.clock == 5.0
        with pytest.raises(DriverError, match="restarted after an earlier failure"):
            adapter.call(first, "close_store", None, store="s1")
    finally:
        adapter.close()
    assert second._popen.poll() == 0, "close() should shut the driver down politely"
    adapter.close()  # twice is harmless


def test_a_crash_is_reported_with_its_status_and_stderr(env: Environment, marker: str) -> None:
    adapter = DriverAdapter(_command("crash", marker), timeout=1.0)
    try:
        process = adapter.process()
        with pytest.raises(DriverError) as failed:
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
        assert process._popen.returncode == 3
        text = str(failed.value)
        assert "exited with status 3 while answering 'open_store'" in text
        assert text.endswith("driver stderr:\nboom: deliberate crash")
    finally:
        adapter.close()


def test_a_driver_that_ignores_the_end_of_its_input_is_killed(
    env: Environment, marker: str
) -> None:
    adapter = DriverAdapter(_command("deaf", marker), timeout=1.0)
    try:
        process = adapter.process()
        with pytest.raises(DriverError, match="did not answer 'open_store' within 1"):
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
        assert process._popen.poll() is not None
        if os.name == "posix":
            assert process._popen.returncode == -signal.SIGKILL
    finally:
        adapter.close()


def test_a_driver_that_died_between_requests_fails_the_next_one(
    env: Environment, marker: str
) -> None:
    adapter = DriverAdapter(_command("garbage", marker), timeout=1.0)
    try:
        process = adapter.process()
        process._popen.kill()
        process._popen.wait(timeout=5)
        with pytest.raises(DriverError, match=r"exited .*'(set_clock|open_store)'"):
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
        assert process.broken
        assert adapter.process() is not process
    finally:
        adapter.close()


def test_close_leaves_no_process(marker: str) -> None:
    adapter = DriverAdapter(_command("hang", marker), timeout=1.0)
    process = adapter.process()
    assert process._popen.poll() is None
    if ON_LINUX:
        assert _pids_with(marker) == [process._popen.pid]
    adapter.close()
    assert process._popen.poll() == 0  # it answered shutdown and exited
    assert all(not thread.is_alive() for thread in process._threads)
    _assert_none_left(marker)


def test_a_stopped_process_closes_its_pipes(processes: list[_Process], marker: str) -> None:
    """`_Process.stop` closes stdin but never the stdout and stderr pipes: two file
    descriptors per driver process stay open until the garbage collector finds them (with a
    ResourceWarning each)."""
    adapter = DriverAdapter(_command("hang", marker), timeout=1.0)
    process = adapter.process()
    adapter.close()
    pipes = {"stdin": process._popen.stdin, "stdout": process._popen.stdout}
    pipes["stderr"] = process._popen.stderr
    assert {name: pipe is None or pipe.closed for name, pipe in pipes.items()} == {
        "stdin": True,
        "stdout": True,
        "stderr": True,
    }


def test_a_driver_that_closes_its_stdout_but_keeps_running_fails_with_a_driver_error(
    env: Environment, marker: str
) -> None:
    """A closed stdout with the process still alive must fail like any other misbehaviour.

    ``_Process._call`` (harness/_driver.py, at the ``_EOF`` branch) calls
    ``self._popen.wait(timeout=5)`` outside any ``except``: when the driver closed its
    standard output but keeps running, ``subprocess.TimeoutExpired`` escapes after 5 s,
    the process is neither marked broken nor killed, and the message quotes no stderr.
    """
    adapter = DriverAdapter(_command("closes_stdout", marker), timeout=1.0)
    try:
        process = adapter.process()
        with pytest.raises(DriverError, match="'open_store'"):
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
        assert process.broken
        assert process._popen.poll() is not None, "the process was not reaped"
    finally:
        adapter.close()


def test_a_driver_of_another_protocol_is_refused_and_stopped(
    processes: list[_Process], marker: str
) -> None:
    """A refused driver must not be left running.

    ``DriverAdapter._start`` (harness/_driver.py) raises "driver speaks protocol ..."
    without stopping the process it just started, so the driver keeps running (its stdin
    held open by the reader threads) until the harness process exits.
    """
    with pytest.raises(DriverError, match="speaks protocol 2, not 1"):
        DriverAdapter(_command("protocol_two", marker), timeout=1.0)
    assert len(processes) == 1
    left = [p._popen.pid for p in processes if p._popen.poll() is None]
    for process in processes:  # clean up after the bug, so that it fails this test only
        process.stop(graceful=False)
    assert not left, f"the refused driver {left} was left running"
