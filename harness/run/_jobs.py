"""``--jobs``: how many worker processes one ``jwkconform run`` uses.

A single run hands its tests to pytest-xdist's workers (``-n N --dist worksteal``: the tests'
lengths differ a hundredfold, so an idle worker takes from a busy one's queue); a campaign
runs that many seeds at once, each seed in one process. Verdicts do not depend on it: every
test draws its examples from the run's seed, whichever worker runs it.

``auto`` is every core this process may use, or ``PYTEST_XDIST_AUTO_NUM_WORKERS`` where it is
set, as for ``pytest -n auto``; a run narrowed by ``--test``, ``--requirement`` or one of
pytest's own selections (`NARROWING`) has too few tests to repay a worker's start-up, so
``auto`` keeps it in one process. A run that stops at its first failures (``-x``,
``--maxfail``) stays in one process whatever ``--jobs`` says: xdist stops its workers with
an interrupt, which would make the run "interrupted" instead of "stopped early".

>>> parse_jobs("3"), parse_jobs("auto")
(3, None)
>>> narrows(["--lf", "-x"]), narrows(["-x"])
(True, False)
>>> xdist_arguments(2, ["-q"])
['-n', '2', '--dist', 'worksteal']
>>> xdist_arguments(2, ["-x"])  # stops at the first failure: one process
[]
>>> xdist_arguments(2, ["-n", "4"])  # the user's own choice stands
[]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Final

__all__ = [
    "AUTO",
    "AUTO_VARIABLE",
    "NARROWING",
    "cores",
    "jobs_for",
    "narrows",
    "parse_jobs",
    "xdist_arguments",
]

AUTO: Final = "auto"
AUTO_VARIABLE: Final = "PYTEST_XDIST_AUTO_NUM_WORKERS"
# pytest arguments that choose the workers themselves, or need one process.
_OWN_CHOICE: Final = (
    "-n", "--numprocesses", "--dist", "--pdb", "--trace", "-x", "--exitfirst", "--maxfail",
)  # fmt: skip
# pytest arguments that narrow a run to a few tests (or one at a time, --sw).
NARROWING: Final = ("-k", "-m", "--deselect", "--lf", "--last-failed", "--sw", "--stepwise")


def parse_jobs(text: str) -> int | None:
    """The number ``--jobs`` gives, or None for ``auto``; ValueError with one line otherwise."""
    if text.strip() == AUTO:
        return None
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"--jobs {text}: give a number of processes (1 or more) or {AUTO}")
    return count


def cores() -> int:
    """The cores this process may run on (``auto``), or the count xdist's variable sets."""
    with_variable = os.environ.get(AUTO_VARIABLE, "").strip()
    if with_variable.isdigit():  # 0 is no workers for xdist: one process here
        return max(1, int(with_variable))
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(usable) if usable else (os.cpu_count() or 1)


def narrows(pytest_args: Sequence[str]) -> bool:
    """Whether pytest arguments select only some of the tests (``auto`` is then one)."""
    return any(a.startswith(NARROWING) for a in pytest_args)


def jobs_for(text: str, *, narrowed: bool) -> int:
    """The processes a run uses for ``--jobs text``; ``narrowed``: ``--test``,
    ``--requirement`` or a selection of pytest's (`narrows`) was given."""
    count = parse_jobs(text)
    if count is not None:
        return count
    return 1 if narrowed else cores()


def xdist_arguments(count: int, pytest_args: Sequence[str]) -> list[str]:
    """The pytest arguments that spread a run over ``count`` workers (none for one, or where
    the user's own pytest arguments choose)."""
    chosen = any(a.startswith(_OWN_CHOICE) or "no:xdist" in a for a in pytest_args)
    if count < 2 or chosen:
        return []
    return ["-n", str(count), "--dist", "worksteal"]
