"""`DriverAdapter` and its driver processes, directly: deadlines, crashes, reaping, pipes,
and drivers that misbehave in hostile ways (children that hold the output, endless lines,
answers beyond the parser's limits or of the wrong type)."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _misbehaving_driver_support import (
    CAPABILITIES,
    MISBEHAVIOURS,
    ON_LINUX,
    assert_none_left,
    command,
    pids_with,
)

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.seam._adapter import Environment
from jwkconform.harness.seam._driver import DriverAdapter, DriverError
from jwkconform.harness.seam._driver_process import _Process


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
    assert_none_left(value)


@pytest.mark.parametrize(
    ("script", "messages"), list(MISBEHAVIOURS.items()), ids=list(MISBEHAVIOURS)
)
def test_after_a_failure_the_adapter_reaps_the_process_and_starts_a_fresh_one(
    script: str, messages: tuple[str, ...], env: Environment, marker: str
) -> None:
    adapter = DriverAdapter(command(script, marker), timeout=1.0)
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
    adapter = DriverAdapter(command("crash", marker), timeout=1.0)
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
    adapter = DriverAdapter(command("deaf", marker), timeout=1.0)
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
    adapter = DriverAdapter(command("garbage", marker), timeout=1.0)
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
    adapter = DriverAdapter(command("hang", marker), timeout=1.0)
    process = adapter.process()
    assert process._popen.poll() is None
    if ON_LINUX:
        assert pids_with(marker) == [process._popen.pid]
    adapter.close()
    assert process._popen.poll() == 0  # it answered shutdown and exited
    assert all(not thread.is_alive() for thread in process._threads)
    assert_none_left(marker)


def test_a_stopped_process_closes_its_pipes(processes: list[_Process], marker: str) -> None:
    """`_Process.stop` closes stdin but never the stdout and stderr pipes: two file
    descriptors per driver process stay open until the garbage collector finds them (with a
    ResourceWarning each)."""
    adapter = DriverAdapter(command("hang", marker), timeout=1.0)
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

    ``_Process._call`` (harness/seam/_driver_process.py, at the ``_EOF`` branch) calls
    ``self._popen.wait(timeout=5)`` outside any ``except``: when the driver closed its
    standard output but keeps running, ``subprocess.TimeoutExpired`` escapes after 5 s,
    the process is neither marked broken nor killed, and the message quotes no stderr.
    """
    adapter = DriverAdapter(command("closes_stdout", marker), timeout=1.0)
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

    ``DriverAdapter._start`` (harness/seam/_driver.py) raises "driver speaks protocol ..."
    without stopping the process it just started, so the driver keeps running (its stdin
    held open by the reader threads) until the harness process exits.
    """
    with pytest.raises(DriverError, match=r"speaks protocol 99, not one of \[1, 2\]"):
        DriverAdapter(command("protocol_other", marker), timeout=1.0)
    assert len(processes) == 1
    left = [p._popen.pid for p in processes if p._popen.poll() is None]
    for process in processes:  # clean up after the bug, so that it fails this test only
        process.stop(graceful=False)
    assert not left, f"the refused driver {left} was left running"


# --- hostile drivers ---------------------------------------------------------------------


def test_a_child_that_holds_the_output_open_does_not_hang_the_harness(
    env: Environment, marker: str
) -> None:
    started = __import__("time").monotonic()
    adapter = DriverAdapter(command("holds_stdout", marker), timeout=1.0)
    try:
        with pytest.raises(DriverError, match="did not answer 'open_store' within 1"):
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
    finally:
        adapter.close()
    # The child (sleeping a minute, with the driver's pipes) went with the process group.
    assert __import__("time").monotonic() - started < 15


def test_an_endless_line_and_a_flood_on_stderr_are_cut_short(env: Environment, marker: str) -> None:
    adapter = DriverAdapter(command("floods", marker), timeout=5.0)
    try:
        with pytest.raises(DriverError) as failed:
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
    finally:
        adapter.close()
    message = str(failed.value)
    assert "a line longer than 16777216 bytes" in message
    assert len(message) < 5_000, f"the error quotes {len(message)} characters"
    assert "...(cut)" in message


@pytest.mark.parametrize(
    ("script", "words"),
    [("nested", "not JSON"), ("wrong_types", "open_store without a store ID")],
)
def test_an_answer_beyond_the_parser_or_of_the_wrong_type_is_a_driver_error(
    env: Environment, marker: str, script: str, words: str
) -> None:
    adapter = DriverAdapter(command(script, marker), timeout=2.0)
    try:
        with pytest.raises(DriverError, match=words) as failed:
            adapter.open_store({"jwkUrl": env.jwks_url}, env)
        assert "driver stderr:" in str(failed.value)
    finally:
        adapter.close()


def test_the_driver_clock_never_goes_back_between_stores(tmp_path: Path) -> None:
    """Each store has its own fake clock starting at 1000 s; a driver, which may keep one
    clock for all of them, gets each new store's clock started after the last time it saw."""
    from jwkconform.harness.seam._target import Target

    adapter = DriverAdapter(command("hang", uuid.uuid4().hex), timeout=1.0)
    try:
        target = Target(adapter, "driver")
        assert target._start(1000.0) == 1000.0
        adapter._sent = 5_000.25
        later = target._start(1000.0)
        assert later > 5_000.25
        assert later == int(later)  # whole seconds keep the suites' exact sums exact
    finally:
        adapter.close()
