"""From test outcomes to one verdict per requirement.

Each test ends in one outcome (``passed``, ``failed``, ``non-strict``, ``xfailed``,
``skipped``). A requirement's verdict is the worst outcome among its tests, in the order of
`_PRECEDENCE`; a requirement with no test is ``untested``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from jwkconform.harness._registry import REQUIREMENTS, Requirement

__all__ = ["Outcome", "RequirementResult", "TestOutcome", "Verdict", "summarize", "verdicts"]

Outcome = Literal["passed", "failed", "non-strict", "xfailed", "skipped"]
Verdict = Literal["pass", "fail", "non-strict", "skip", "xfail", "untested"]

_VERDICT_OF: Mapping[Outcome, Verdict] = {
    "failed": "fail",
    "non-strict": "non-strict",
    "xfailed": "xfail",
    "passed": "pass",
    "skipped": "skip",
}
# Worst first: one failing test fails the requirement; skips count only when nothing ran.
_PRECEDENCE: tuple[Outcome, ...] = ("failed", "non-strict", "xfailed", "passed", "skipped")


@dataclass(frozen=True)
class TestOutcome:
    """How one test ended, which requirements it checks, and its failure or skip message."""

    __test__ = False  # not a pytest test class

    nodeid: str
    requirement_ids: tuple[str, ...]
    outcome: Outcome
    message: str = ""


@dataclass
class RequirementResult:
    """One row of the conformance report."""

    requirement: Requirement
    verdict: Verdict = "untested"
    tests: list[str] = field(default_factory=list)
    message: str = ""


def verdicts(outcomes: Iterable[TestOutcome]) -> list[RequirementResult]:
    """One result per catalogue requirement, in catalogue order."""
    results = {rid: RequirementResult(req) for rid, req in REQUIREMENTS.items()}
    seen: dict[str, list[TestOutcome]] = {}
    for outcome in outcomes:
        for rid in outcome.requirement_ids:
            if rid in results:
                seen.setdefault(rid, []).append(outcome)
    for rid, tests in seen.items():
        result = results[rid]
        result.tests = sorted({t.nodeid for t in tests})
        worst = min(tests, key=lambda t: _PRECEDENCE.index(t.outcome))
        result.verdict = _VERDICT_OF[worst.outcome]
        if worst.outcome != "passed":
            result.message = worst.message
    return list(results.values())


def summarize(results: Iterable[RequirementResult]) -> dict[str, int]:
    """How many requirements got each verdict (every verdict present, zero included)."""
    counts: dict[str, int] = dict.fromkeys(
        ("pass", "fail", "non-strict", "skip", "xfail", "untested"), 0
    )
    for result in results:
        counts[result.verdict] += 1
    return counts
