"""One test's phase report -> its judgements of requirements, and what pytest should show.

`judge` applies, in order: attribution (`_attribution.findings`), the expected-failures
file (a listed failure becomes ``xfailed``; a listed failure that did not happen fails, as a
strict XPASS does), and the level (a failed SHOULD check is ``non-strict`` unless strict
mode is on). Errors are never softened.

>>> verdict = judge("test_kid.py::test_x", {"KID-03": Level.MUST}, "call", None,
...                 strict=False, expected=ExpectedFailures())
>>> [(j.requirement_id, j.outcome) for j in verdict.judgements], verdict.pytest_outcome
([('KID-03', 'passed')], 'passed')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from jwkconform.harness.report._example import summary as example_summary
from jwkconform.harness.report._verdicts import Judgement, Outcome
from jwkconform.harness.seam._attribution import findings, message_of
from jwkconform.harness.seam._timeline import Timeline, attached, finding_timeline
from jwkconform.harness.spec._expected import ExpectedFailures
from jwkconform.harness.spec._registry import REQUIREMENTS, Level

__all__ = ["TestVerdict", "example_of", "judge"]

PytestOutcome = Literal["passed", "failed", "xfailed", "skipped"]

_NOTE_MARKS: Final = ("Falsifying example", "Falsifying explicit example", "Failing test case")


@dataclass(frozen=True)
class TestVerdict:
    """The judgements of one phase and how pytest should report the phase."""

    __test__ = False  # not a pytest test class

    judgements: tuple[Judgement, ...]
    pytest_outcome: PytestOutcome
    summary: str = ""


def example_of(exc: BaseException | None) -> str:
    """The failing example Hypothesis attached to ``exc`` (its notes), or ""."""
    notes = [str(n).strip() for n in getattr(exc, "__notes__", ()) or ()]
    start = next((i for i, n in enumerate(notes) if n.startswith(_NOTE_MARKS)), None)
    if start is None:
        return ""
    kept = [n for n in notes[start:] if not n.startswith(("You can reproduce", "Explanation"))]
    return "\n".join(kept).strip()


def _level(requirement_id: str, own: Mapping[str, Level]) -> Level:
    if requirement_id in own:
        return own[requirement_id]
    req = REQUIREMENTS.get(requirement_id)
    return req.level if req is not None else Level.MUST


def _soften(
    nodeid: str,
    judgement: Judgement,
    own: Mapping[str, Level],
    *,
    strict: bool,
    expected: ExpectedFailures,
) -> Judgement:
    rid = judgement.requirement_id
    entry = expected.for_failure(nodeid, rid)
    expects = entry is not None and entry.expects_failure
    if judgement.outcome == "failed" and expects:
        assert entry is not None
        message = f"expected failure: {entry.reason}\n{judgement.message}"
        return Judgement(nodeid, rid, "xfailed", message)
    # A test-level entry is strict: its test must fail. A requirement-level entry is the
    # requirement's verdict (some test fails); other tests of it may pass, and a requirement
    # that no longer fails at all is a ground-truth mismatch of the run (see `_reports`).
    if judgement.outcome == "passed" and expects and entry is not None:
        if entry.key in REQUIREMENTS:
            return judgement
        where = expected.path or "the expected-failures file"
        message = (
            f"[XPASS(strict)] {entry.key} now passes: remove it from {where}"
            f" (listed as: {entry.reason})"
        )
        return Judgement(nodeid, rid, "failed", message)
    if judgement.outcome == "failed" and _level(rid, own) is Level.SHOULD and not strict:
        return Judgement(nodeid, rid, "non-strict", judgement.message)
    return judgement


def _cause(exc: BaseException | None) -> dict[str, Any] | None:
    """Why a driver broke, as its `DriverError` recorded it (exit status, end of stderr)."""
    stderr = getattr(exc, "stderr_tail", None)
    if not isinstance(stderr, str):
        return None
    status = getattr(exc, "exit_status", None)
    return {"exit_status": status if isinstance(status, int) else None, "stderr": stderr}


def _raw(
    nodeid: str,
    own: Mapping[str, Level],
    phase: str,
    exc: BaseException | None,
    skip: str,
    timeline: Timeline | None = None,
) -> list[Judgement]:
    if skip:
        return [Judgement(nodeid, rid, "skipped", skip) for rid in own]
    if exc is None:
        return [Judgement(nodeid, rid, "passed") for rid in own] if phase == "call" else []
    if phase != "call":
        message = f"the test could not {'start' if phase == 'setup' else 'clean up'}: "
        message += message_of(exc)
        pinned = finding_timeline(attached(exc) or timeline, exc, message, "error")
        return [Judgement(nodeid, rid, "error", message, timeline=pinned, cause=_cause(exc))
                for rid in own]  # fmt: skip
    example = example_of(exc)
    judged: list[Judgement] = []
    for finding in findings(exc, list(own)):
        cause_example = example_of(finding.cause) or example
        message = finding.message + (f"\n{cause_example}" if cause_example else "")
        outcome: Outcome = finding.kind
        extras: dict[str, Any] = {}
        if outcome != "blocked":
            seen = attached(finding.cause) or attached(exc) or timeline
            extras = {
                "example": example_summary(cause_example),
                "timeline": finding_timeline(seen, finding.cause, finding.message, outcome),
                "cause": _cause(finding.cause),
            }
        judged += [Judgement(nodeid, rid, outcome, message, **extras)
                   for rid in finding.requirements]  # fmt: skip
    return judged


def _carried(raw: Judgement, softened: Judgement) -> Judgement:
    """``softened`` with the example, timeline and cause of the judgement it came from."""
    if softened.outcome == "passed" or softened is raw:
        return softened
    return replace(softened, example=raw.example, timeline=raw.timeline, cause=raw.cause)


def judge(
    nodeid: str,
    own: Mapping[str, Level],
    phase: str,
    exc: BaseException | None,
    *,
    strict: bool,
    expected: ExpectedFailures,
    skip: str = "",
    timeline: Timeline | None = None,
) -> TestVerdict:
    """Judge one phase of test ``nodeid`` whose marker names ``own`` (with their levels):
    it raised ``exc`` (None: it passed) or was skipped with reason ``skip``; ``timeline``
    is what the test did, for a failure that carries no timeline of its own."""
    raw = _raw(nodeid, own, phase, exc, skip, timeline)
    judged = tuple(
        _carried(j, _soften(nodeid, j, own, strict=strict, expected=expected)) for j in raw
    )
    bad = [j for j in judged if j.outcome in {"error", "failed"}]
    if bad:
        summary = "; ".join(f"{j.requirement_id} {j.outcome}: {j.message.splitlines()[0]}"
                            for j in bad if j.message)  # fmt: skip
        return TestVerdict(judged, "failed", summary)
    softened = [j for j in judged if j.outcome in {"xfailed", "non-strict"}]
    if softened:
        # An expected failure's message starts with "expected failure:" already.
        summary = "; ".join(
            f"{'non-strict: ' if j.outcome == 'non-strict' else ''}"
            f"{j.requirement_id}: {j.message.splitlines()[0]}"
            for j in softened
        )
        return TestVerdict(judged, "xfailed", summary)
    if skip:
        return TestVerdict(judged, "skipped", skip)
    return TestVerdict(judged, "passed")
