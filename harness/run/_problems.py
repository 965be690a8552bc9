"""The two ways ``jwkconform run`` stops before pytest starts, each with its exit status."""

from __future__ import annotations

from typing import ClassVar

__all__ = ["HarnessProblem", "RunProblem", "UsageProblem"]


class RunProblem(Exception):
    """A problem found before pytest starts: one line on standard error, then ``status``."""

    status: ClassVar[int]


class UsageProblem(RunProblem):
    """A bad option of `jwkconform run` (exit status 2)."""

    status = 2


class HarnessProblem(RunProblem):
    """The adapter or driver cannot be used (exit status 3)."""

    status = 3
