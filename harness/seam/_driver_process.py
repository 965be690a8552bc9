"""One driver process for `DriverAdapter` (harness/seam/_driver.py): the transport of the driver
protocol (docs/driver-protocol.md).

`_Process` starts the driver command in a process group of its own and sends it one JSON
request at a time, each with a deadline; threads read its standard output (one answer line,
bounded) and keep the end of its standard error. A driver that hangs, exits, writes out of
turn, answers garbage or floods its output raises a `DriverError` that says which and quotes
the end of its standard error; its whole process group is killed (children that keep its
output open included). The error objects of the protocol become the adapter exceptions
(`ConfigRefused`, `LoadFailed`, `PurposeRefused`).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any, Final

from jwkconform.harness.seam._adapter import (
    ConfigRefused,
    ImplementationRaised,
    LoadFailed,
    PurposeRefused,
)
from jwkconform.harness.seam._attribution import AdapterError, AdapterTimeout
from jwkconform.harness.seam._deadline import PROGRESS_EVERY, report_progress

__all__ = ["MAX_LINE", "MAX_VALUES", "DriverError", "DriverTimeout"]

_EOF: Final = object()
# Bounds on what a driver may write: one answer line, and what is kept of its stderr.
MAX_LINE: Final = 16 * 1024 * 1024
# JSON values one answer may hold (counted by its commas and colons, before parsing): parsed,
# a line of ``[{},{},...]`` takes 28 times its size; this bound keeps an answer to a few
# times the line cap (docs/robustness.md).
MAX_VALUES: Final = 250_000
_STDERR_LINES: Final = 40
_STDERR_WIDTH: Final = 500
_QUOTE: Final = 200
# The JSON lines kept for a finding's timeline, each cut to this width.
_TRANSCRIPT_LINES: Final = 40
_TRANSCRIPT_WIDTH: Final = 300


class DriverError(AdapterError):
    """The driver broke the protocol, crashed or hung: the test that was running gets the
    verdict ``error`` with this message (which quotes the driver's stderr). A process that
    failed also says how: ``exit_status`` (None: it was still running, and was stopped) and
    ``stderr_tail``, which the reports show as the finding's cause."""

    exit_status: int | None = None
    stderr_tail: str | None = None


class DriverTimeout(DriverError, AdapterTimeout):
    """The driver did not answer within its deadline (and was stopped)."""


def _killpg(popen: subprocess.Popen[bytes]) -> None:
    """Kill the driver and everything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(popen.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        popen.kill()


class _Process:
    """One driver process: requests with deadlines, its output read by bounded threads."""

    def __init__(self, command: Sequence[str], timeout: float) -> None:
        self.command = command
        self.timeout = timeout
        self.clock: float | None = None
        self.broken = False
        self._lock = threading.Lock()  # one request at a time, whatever thread asks
        self._ids = 0
        self._lines: queue.Queue[object] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_LINES)
        self._transcript: collections.deque[str] = collections.deque(maxlen=_TRANSCRIPT_LINES)
        try:
            self._popen = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, killed as a whole
            )
        except OSError as exc:
            raise DriverError(f"cannot start driver {shlex.join(command)}: {exc}") from None
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True, name="jwkconform-driver-out"),
            threading.Thread(target=self._read_stderr, daemon=True, name="jwkconform-driver-err"),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        stream = self._popen.stdout
        assert stream is not None
        with contextlib.suppress(OSError, ValueError):
            while True:
                line = stream.readline(MAX_LINE + 1)
                if not line:
                    break
                if len(line) > MAX_LINE and not line.endswith(b"\n"):
                    self._lines.put(OverflowError(f"a line longer than {MAX_LINE} bytes"))
                    break  # the rest of that line is not worth reading
                self._lines.put(line.decode("utf-8", errors="replace"))
        self._lines.put(_EOF)

    def _read_stderr(self) -> None:
        stream = self._popen.stderr
        assert stream is not None
        pending = b""
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(65536):  # type: ignore[attr-defined]
                pending += chunk
                *lines, pending = pending.split(b"\n")
                self._stderr.extend(_cut(line) for line in lines)
                pending = pending[-_STDERR_WIDTH * 4 :]  # a line without end stays bounded
        if pending:
            self._stderr.append(_cut(pending))

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr) or "(nothing)"

    def transcript(self) -> list[str]:
        """The last JSON lines sent (``>``) and received (``<``)."""
        return list(self._transcript)

    def _log(self, direction: str, line: str) -> None:
        line = line.rstrip("\n")
        cut = line if len(line) <= _TRANSCRIPT_WIDTH else line[:_TRANSCRIPT_WIDTH] + " ...(cut)"
        self._transcript.append(f"{direction} {cut}")

    def _fail(self, what: str, kind: type[DriverError] = DriverError) -> DriverError:
        self.broken = True
        status = self._popen.poll()  # before stopping it: its own status, if it exited
        self.stop(graceful=False)
        error = kind(
            f"driver {shlex.join(self.command)} {what}\ndriver stderr:\n{self.stderr_tail()}"
        )
        error.exit_status, error.stderr_tail = status, self.stderr_tail()
        return error

    def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return its ``result``; protocol errors raise."""
        with self._lock:
            return self._call(method, params)

    def _call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if self.broken:
            raise DriverError(
                f"driver {shlex.join(self.command)} was stopped after an earlier failure"
            )
        self._ids += 1
        request = json.dumps({"id": self._ids, "method": method, "params": dict(params)})
        self._log(">", request)
        try:
            stdin = self._popen.stdin
            assert stdin is not None
            stdin.write(request.encode("utf-8") + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._fail(f"exited (status {self._popen.poll()}) before {method!r}") from None
        line = self._answer(method)
        if line is None:
            self._log("<", f"(no answer within {self.timeout:g} s)")
            raise self._fail(
                f"did not answer {method!r} within {self.timeout:g} s", DriverTimeout
            ) from None
        if isinstance(line, OverflowError):
            self._log("<", f"({line})")
            raise self._fail(f"wrote {line} in answer to {method!r}")
        if line is _EOF:
            try:
                code: int | None = self._popen.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            what = "closed its output" if code is None else f"exited with status {code}"
            self._log("<", f"({what})")
            raise self._fail(f"{what} while answering {method!r}")
        self._log("<", str(line))
        return self._result(method, str(line))

    def _answer(self, method: str) -> object | None:
        """The next line (or end) the driver writes within its deadline; None if none."""
        started = time.monotonic()
        while (left := self.timeout - (time.monotonic() - started)) > 0:
            try:
                return self._lines.get(timeout=min(left, PROGRESS_EVERY))
            except queue.Empty:
                waited = time.monotonic() - started
                report_progress(f"the driver's answer to {method!r}", waited, self.timeout)
        return None

    def _result(self, method: str, line: str) -> dict[str, Any]:
        if line.count(",") + line.count(":") >= MAX_VALUES:
            raise self._fail(f"wrote more than {MAX_VALUES} JSON values in answer to {method!r}")
        try:
            answer = json.loads(line)
        except (ValueError, RecursionError):
            raise self._fail(
                f"wrote a line that is not JSON in answer to {method!r}: {line[:_QUOTE]!r}"
            ) from None
        if not isinstance(answer, dict) or answer.get("id") != self._ids:
            raise self._fail(
                f"wrote out of turn (expected id {self._ids} for {method!r}): {line[:_QUOTE]!r}"
            )
        if "error" in answer:
            raise _error(method, answer["error"], self)
        result = answer.get("result")
        if not isinstance(result, dict):
            raise self._fail(f"answered {method!r} without a result object: {line[:_QUOTE]!r}")
        return result

    def malformed(self, what: str) -> DriverError:
        """A well-formed answer with a value of the wrong shape: the driver is at fault."""
        return self._fail(f"answered with {what}")

    def stop(self, *, graceful: bool = True) -> None:
        """End the process (politely first when ``graceful``), its group with it, and reap it."""
        if self._popen.poll() is None and graceful and not self.broken:
            with contextlib.suppress(
                DriverError, ConfigRefused, LoadFailed, PurposeRefused, ImplementationRaised
            ):
                self._call("shutdown", {})
        if self._popen.stdin is not None:
            with contextlib.suppress(OSError):
                self._popen.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=2 if graceful else 0.2)
        # Whatever is left of the group (a child that inherited the pipes, say) goes too,
        # or the reader threads would wait for it.
        _killpg(self._popen)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout=5)
        for thread in self._threads:
            thread.join(timeout=2)
        for stream in (self._popen.stdout, self._popen.stderr):
            _close(stream)


def _close(stream: IO[bytes] | None) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()


def _cut(line: bytes) -> str:
    text = line.decode("utf-8", errors="replace").rstrip("\r")
    return text if len(text) <= _STDERR_WIDTH else text[:_STDERR_WIDTH] + " ...(cut)"


def _error(method: str, error: object, process: _Process) -> Exception:
    if not isinstance(error, dict):
        return process.malformed(f"a malformed error to {method!r}: {str(error)[:_QUOTE]}")
    kind, message = error.get("type"), str(error.get("message", ""))[:2000]
    if kind == "config_refused":
        return ConfigRefused(str(error.get("field", "")), message)
    if kind == "load_failed":
        return LoadFailed(message)
    if kind == "purpose_refused":
        return PurposeRefused(message)
    if kind == "raised":
        exception = error.get("exception")
        if not isinstance(exception, str) or not exception:
            return process.malformed(f"a 'raised' error to {method!r} without its exception type")
        return ImplementationRaised(exception[:200], message)
    return DriverError(f"driver failed {method!r} ({kind}): {message}")
