"""A deadline on a call into an in-process implementation.

An adapter method that never returns would hang the whole run with no report. On the main
thread of a POSIX process, `deadline` arms a real-time timer whose signal raises
`AdapterTimeout` inside the call, so the test ends with the verdict ``error`` and the run
goes on. Elsewhere (another thread, a platform without ``setitimer``) the call runs
unbounded; a driver process has deadlines of its own.

>>> with deadline(5.0, "open_store()"):
...     pass
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from jwkconform.harness._attribution import AdapterTimeout

__all__ = ["deadline"]


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float | None, what: str) -> Iterator[None]:
    """Raise `AdapterTimeout` in the block if it runs longer than ``seconds`` (None or a
    non-positive value: no deadline)."""
    if seconds is None or not (math.isfinite(seconds) and seconds > 0) or not _usable():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise AdapterTimeout(f"{what} did not return within {seconds:g} s (the call deadline)")

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    # Another user of the timer (pytest-timeout, say) gets its own back when we are done.
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:
            left = outer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
