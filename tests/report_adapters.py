"""An adapter that breaks CACHE-02, for the tests of findings, reports and diffs (on
sys.path through pytest's ``pythonpath``), and helpers to run it.

``STALE_ADAPTER`` wraps the reference: its store reads the rig's clock one tick early at the
exact instant ``cacheTimeout`` runs out after the last successful load, so a set is fresh
one tick too long and the first query at the boundary does not reload it. It goes through
the adapter seam only (the clock and the HTTP client's response hook), not the reference's
internals.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

STALE_ADAPTER = '''
import dataclasses
import math

from jwkconform.harness.reference_adapter import ReferenceAdapter


class _LateClock:
    """The rig's clock, read one tick early exactly when cacheTimeout runs out."""

    def __init__(self, clock, timeout):
        self._clock, self._timeout, self.loaded = clock, timeout, None

    def __call__(self):
        now = self._clock()
        if self.loaded is not None and now == self.loaded + self._timeout:
            return math.nextafter(now, -math.inf)
        return now

    now = __call__


class StaleOneTickLate(ReferenceAdapter):
    name = "stale-one-tick-late 0.1 <b>&"
    version = "0.1"

    def open_store(self, config, env):
        late = _LateClock(env.clock, env.durations.get("cacheTimeout", 120.0))

        def loaded(response):
            if response.status_code == 200:
                late.loaded = env.clock()

        env.http_client.event_hooks = {"response": [loaded]}
        return super().open_store(config, dataclasses.replace(env, clock=late))


def factory():
    return StaleOneTickLate()
'''

TIMEOUT = 600.0


def child_env() -> dict[str, str]:
    """The environment for a child run: no pytest variables, no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.pop("PYTHONPATH", None)
    return env


def write_stale_adapter(folder: Path) -> Path:
    path = folder / "stale.py"
    path.write_text(STALE_ADAPTER, encoding="utf-8")
    return path


def jwkconform(
    folder: Path, *args: str, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """``python -m jwkconform ARGS`` in ``folder``."""
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", *args],
        cwd=folder, env=child_env(), capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
