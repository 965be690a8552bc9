"""The fake clock that the harness, the suites and an adapter share.

Nothing in the harness sleeps: a test moves time with `FakeClock.advance`, and an
implementation reads it through `FakeClock.now` (or by calling the clock, so that it fits
wherever a ``Callable[[], float]`` such as `time.monotonic` is expected).

>>> clock = FakeClock(start=100.0)
>>> clock.advance(10)
110.0
>>> clock()
110.0
"""

from __future__ import annotations

import math
import threading

__all__ = ["FakeClock"]


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self, start: float = 1_000.0) -> None:
        if not math.isfinite(start):
            raise ValueError(f"clock start must be finite, got {start!r}")
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current fake time in seconds."""
        return self._now

    __call__ = now

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (never back) and return the new time."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"a clock only moves forward by a finite amount, got {seconds!r}")
        with self._lock:
            self._now += seconds
            return self._now

    def reach(self, since: float, elapsed: float) -> float:
        """Move to the first reading at which ``reading - since >= elapsed`` and return it.

        Float sums round: landing on that first reading puts a boundary check exactly on
        the boundary an implementation computes as ``now - since >= elapsed``.
        """
        target = since + elapsed
        while target - since < elapsed:
            target = math.nextafter(target, math.inf)
        while math.nextafter(target, -math.inf) - since >= elapsed:
            target = math.nextafter(target, -math.inf)
        with self._lock:
            if target < self._now:
                raise ValueError(f"reading {target!r} is in the past (now {self._now!r})")
            self._now = target
            return target

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now!r})"
