"""From what each test found to one verdict per requirement.

A test judges each requirement it touched: its marker's requirements, and the owner of any
premise that failed in it. Each judgement is one `Outcome`. A requirement's verdict is the
worst outcome among its judgements, in the order of `_PRECEDENCE`; a requirement nothing
judged is ``untested``.

| outcome | verdict | when |
|---|---|---|
| ``error`` | ``error`` | the adapter or driver broke, or the test could not run |
| ``failed`` | ``fail`` | a check of the requirement failed (MUST, or strict mode) |
| ``non-strict`` | ``non-strict`` | a check of a SHOULD requirement failed, strict mode off |
| ``xfailed`` | ``xfail`` | a failure listed in the expected-failures file |
| ``passed`` | ``pass`` | its checks held |
| ``blocked`` | ``blocked`` | its checks could not finish: another requirement failed first |
| ``skipped`` | ``skip`` | the implementation does not declare what the test needs |
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from jwkconform.harness.seam._timeline import Timeline
from jwkconform.harness.spec._registry import REQUIREMENTS, Requirement

__all__ = [
    "OUTCOMES",
    "VERDICTS",
    "VERDICT_OF",
    "Judgement",
    "Outcome",
    "RequirementResult",
    "Verdict",
    "summarize",
    "verdicts",
]

Outcome = Literal["error", "failed", "non-strict", "xfailed", "passed", "blocked", "skipped"]
Verdict = Literal["error", "fail", "non-strict", "xfail", "pass", "blocked", "skip", "untested"]

# Worst first: one failing test fails the requirement; skips count only when nothing ran.
OUTCOMES: Final[tuple[Outcome, ...]] = (
    "error", "failed", "non-strict", "xfailed", "passed", "blocked", "skipped",
)  # fmt: skip
_VERDICT_OF: Final[Mapping[Outcome, Verdict]] = {
    "error": "error",
    "failed": "fail",
    "non-strict": "non-strict",
    "xfailed": "xfail",
    "passed": "pass",
    "blocked": "blocked",
    "skipped": "skip",
}
VERDICT_OF: Final = _VERDICT_OF
VERDICTS: Final[tuple[Verdict, ...]] = (*_VERDICT_OF.values(), "untested")
# The verdicts that fail a run (in strict mode, non-strict ones were made failures already).
FAILING: Final = frozenset({"error", "fail"})


@dataclass(frozen=True)
class Judgement:
    """How one test judged one requirement, and why; a problem also carries a short summary
    of the failing example, its timeline, and (for a driver that broke) the cause."""

    nodeid: str
    requirement_id: str
    outcome: Outcome
    message: str = ""
    example: str = field(default="", compare=False)
    timeline: Timeline | None = field(default=None, compare=False)
    cause: dict[str, Any] | None = field(default=None, compare=False)

    def to_data(self) -> dict[str, Any]:
        """The judgement as plain data, which xdist carries from a worker to the controller.

        >>> j = Judgement("test_kid.py::test_x", "KID-03", "failed", "kid 'a' answered 'A'")
        >>> Judgement.from_data(j.to_data()) == j
        True
        """
        data: dict[str, Any] = {
            "nodeid": self.nodeid,
            "requirement_id": self.requirement_id,
            "outcome": self.outcome,
            "message": self.message,
        }
        if self.example:
            data["example"] = self.example
        if self.timeline is not None:
            data["timeline"] = self.timeline.as_json()
        if self.cause is not None:
            data["cause"] = self.cause
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Judgement:
        """The judgement `to_data` gave as data."""
        timeline = data.get("timeline")
        return cls(
            data["nodeid"],
            data["requirement_id"],
            data["outcome"],
            data["message"],
            example=str(data.get("example") or ""),
            timeline=Timeline.from_json(timeline) if timeline else None,
            cause=data.get("cause"),
        )


@dataclass
class RequirementResult:
    """One row of the conformance report."""

    requirement: Requirement
    verdict: Verdict = "untested"
    tests: list[str] = field(default_factory=list)
    message: str = ""
    judgements: list[Judgement] = field(default_factory=list)

    @property
    def worst(self) -> Judgement | None:
        """The judgement that decided the verdict (None when untested)."""
        if not self.judgements:
            return None
        return min(self.judgements, key=lambda j: OUTCOMES.index(j.outcome))


def verdicts(judgements: Iterable[Judgement]) -> list[RequirementResult]:
    """One result per catalogue requirement, in catalogue order."""
    results = {rid: RequirementResult(req) for rid, req in REQUIREMENTS.items()}
    for judgement in judgements:
        result = results.get(judgement.requirement_id)
        if result is not None:
            result.judgements.append(judgement)
    for result in results.values():
        worst = result.worst
        if worst is None:
            continue
        result.tests = sorted({j.nodeid for j in result.judgements})
        result.verdict = _VERDICT_OF[worst.outcome]
        if worst.outcome != "passed":
            result.message = worst.message
    return list(results.values())


def summarize(results: Iterable[RequirementResult]) -> dict[str, int]:
    """How many requirements got each verdict (every verdict present, zero included)."""
    counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for result in results:
        counts[result.verdict] += 1
    return counts
