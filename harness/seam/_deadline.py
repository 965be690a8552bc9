"""A deadline on a call into an in-process implementation.

An adapter method that never returns would hang the whole run with no report. On the main
thread of a POSIX process, `deadline` arms a real-time timer whose signal raises
`AdapterTimeout` inside the call, so the test ends with the verdict ``error`` and the run
goes on. Elsewhere (another thread, a platform without ``setitimer``) the call runs
unbounded; a driver process has deadlines of its own.

While a call waits, the callback given to `on_progress` hears of it every
`PROGRESS_EVERY` seconds (the plugin prints a line), so a hang never looks like a dead run.

>>> with deadline(5.0, "open_store()"):
...     pass
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Final

from jwkconform.harness.seam._attribution import AdapterTimeout

__all__ = ["DEFAULT_CALL_TIMEOUT", "PROGRESS_EVERY", "deadline", "on_progress", "report_progress"]

# How often a waiting call is reported, in real seconds.
PROGRESS_EVERY: Final = 2.0
# The deadline of every call into an implementation unless the run sets another (seconds).
DEFAULT_CALL_TIMEOUT: Final = 10.0
Progress = Callable[[str, float, float], None]
_PROGRESS: list[Progress] = []


def on_progress(callback: Progress | None) -> Progress | None:
    """Tell ``callback(what, waited, deadline)`` of every call still waiting (None: nobody);
    the callback it replaces, so that a nested run (pytester) can give it back."""
    previous = _PROGRESS[0] if _PROGRESS else None
    _PROGRESS[:] = [callback] if callback is not None else []
    return previous


def report_progress(what: str, waited: float, seconds: float) -> None:
    """Tell the progress callback that ``what`` has waited ``waited`` of ``seconds``."""
    for callback in _PROGRESS:
        with contextlib.suppress(Exception):  # progress never breaks the call it reports
            callback(what, waited, seconds)


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
        waited = time.monotonic() - started
        if waited < seconds - 1e-3:
            report_progress(what, waited, seconds)
            signal.setitimer(signal.ITIMER_REAL, min(PROGRESS_EVERY, seconds - waited))
            return
        raise AdapterTimeout(f"{what} did not return within {seconds:g} s (the call deadline)")

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    # Another user of the timer (pytest-timeout, say) gets its own back when we are done.
    outer, _ = signal.setitimer(signal.ITIMER_REAL, min(seconds, PROGRESS_EVERY))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:
            left = outer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
