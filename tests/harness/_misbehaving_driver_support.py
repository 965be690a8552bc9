"""Helpers for the harness's driver tests: the misbehaving drivers' commands (``drivers/``),
and finding their processes."""

from __future__ import annotations

import os
import shlex
import signal
import sys
from pathlib import Path

DRIVERS = Path(__file__).resolve().parent / "drivers"
ON_LINUX = sys.platform.startswith("linux") and Path("/proc/self/cmdline").exists()
CAPABILITIES = frozenset({"named", "valid", "config"})

# What the harness says about each misbehaviour (the crash also quotes the driver's stderr).
MISBEHAVIOURS: dict[str, tuple[str, ...]] = {
    "hang": ("did not answer 'open_store' within 1",),
    "holds_stdout": ("did not answer 'open_store' within 1",),
    "crash": ("exited with status 3", "boom: deliberate crash"),
    "garbage": ("not JSON",),
    "out_of_turn": ("out of turn",),
    "no_result": ("without a result",),
}


def command(script: str, marker: str) -> str:
    return shlex.join([sys.executable, str(DRIVERS / f"{script}.py"), f"--marker={marker}"])


def pids_with(marker: str) -> list[int]:
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


def assert_none_left(marker: str) -> None:
    if not ON_LINUX:
        return
    left = pids_with(marker)
    for pid in left:  # ours: started by this test; end them so one failure stays one
        os.kill(pid, signal.SIGKILL)
    assert not left, f"driver processes {left} are still running"
