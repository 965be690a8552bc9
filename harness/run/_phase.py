"""One phase of a conformance test as pytest reports it: the requirements its markers name,
its judgements, and pytest's report and JUnit properties made to agree with them.

`judge_phase` is what the verdict hook (`_session.Conformance.pytest_runtest_makereport`)
does with each phase; `requirement_marks` is how every hook reads a test's requirements.
"""

from __future__ import annotations

from typing import Final

import pytest

from jwkconform.harness._untrusted import terminal as terminal_text
from jwkconform.harness.report._verdicts import OUTCOMES, VERDICT_OF, Judgement, Outcome
from jwkconform.harness.run._judge import judge
from jwkconform.harness.seam._timeline import RECORDER
from jwkconform.harness.spec._expected import ExpectedFailures
from jwkconform.harness.spec._registry import REQUIREMENTS, Level, UnknownRequirement, requirement
from jwkconform.harness.spec._spec import REQUIREMENT_MARKER

__all__ = ["judge_phase", "requirement_marks"]

_JUNIT_NAMES: Final = ("requirement", "level", "verdict")
_OUTCOMES = pytest.StashKey[dict[str, Outcome]]()


def requirement_marks(item: pytest.Item) -> dict[str, Level]:
    """The requirements an item's markers name, with the level each is checked at."""
    found: dict[str, Level] = {}
    for mark in item.iter_markers(REQUIREMENT_MARKER):
        level = mark.kwargs.get("level")
        for rid in mark.args:
            try:
                req = requirement(str(rid))
            except UnknownRequirement as exc:
                raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
            try:
                found[req.id] = Level(level) if level is not None else req.level
            except ValueError:
                raise pytest.UsageError(
                    f"{item.nodeid}: unknown level {level!r} (MUST, SHOULD, MAY)"
                ) from None
    return found


def judge_phase(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    marks: dict[str, Level],
    *,
    strict: bool,
    expected: ExpectedFailures,
) -> tuple[Judgement, ...]:
    """The judgements of one phase of ``item``; its ``report`` (outcome, text) and JUnit
    properties are made to agree with them."""
    skip = _skip_reason(report) if report.skipped else ""
    exc = call.excinfo.value if call.excinfo is not None and not report.skipped else None
    verdict = judge(
        item.nodeid,
        marks,
        report.when,
        exc,
        strict=strict,
        expected=expected,
        skip=skip,
        timeline=RECORDER.snapshot() if exc is not None else None,
    )
    _show(report, verdict.pytest_outcome, verdict.summary)
    _escape_longrepr(report)
    _junit_properties(item, marks, verdict.judgements)
    return verdict.judgements


def _junit_properties(
    item: pytest.Item, marks: dict[str, Level], judgements: tuple[Judgement, ...]
) -> None:
    """JUnit properties: per requirement of the test, its ``requirement``, ``level`` and
    ``verdict`` (this test's outcome for it, worst phase first)."""
    outcomes = item.stash.setdefault(_OUTCOMES, {})
    for j in judgements:
        old = outcomes.get(j.requirement_id)
        if old is None or OUTCOMES.index(j.outcome) < OUTCOMES.index(old):
            outcomes[j.requirement_id] = j.outcome
    kept = [(n, v) for n, v in item.user_properties if n not in _JUNIT_NAMES]
    # Its own requirements, then the owners of premises that failed in it.
    others = {r: REQUIREMENTS[r].level for r in outcomes if r not in marks and r in REQUIREMENTS}
    levels = {**marks, **others}
    for rid, level in levels.items():
        kept += [("requirement", rid), ("level", level.value)]
        if rid in outcomes:
            kept.append(("verdict", VERDICT_OF[outcomes[rid]]))
    item.user_properties[:] = kept


def _show(report: pytest.TestReport, outcome: str, summary: str) -> None:
    """Make pytest's own report (progress, summary, exit code) agree with the judgement."""
    if outcome == "xfailed":
        report.outcome = "skipped"
        report.wasxfail = summary
    elif outcome == "failed" and report.passed:
        report.outcome = "failed"
        report.longrepr = summary or "[XPASS(strict)] an expected failure did not happen"


def _escape_longrepr(report: pytest.TestReport) -> None:
    """A failure's text quotes the implementation: pytest would print its control characters
    raw, so the text goes through the terminal rule (only when it holds any)."""
    if not report.failed or report.longrepr is None:
        return
    text = str(report.longrepr)
    shown = "\n".join(terminal_text(line) for line in text.split("\n"))
    if shown != text:
        report.longrepr = shown


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(getattr(report, "wasxfail", "")) or "skipped"
