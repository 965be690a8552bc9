"""The terminal summary of a conformance run: the verdicts first, then the causes.

After pytest's progress the terminal shows a verdict table by requirement group (coloured
where the terminal supports it: pytest's own writer decides, so ``NO_COLOR``, a pipe and
``--color`` behave as in pytest), then per failing requirement one finding (its test, what
happened, a compact timeline, the hint, a replay command), then whether the run was
complete, which expected failures moved, and how to replay the run. pytest's tracebacks
are left out unless ``--verbose-findings`` asks for them; the reports keep every finding.

>>> from jwkconform.harness.spec._registry import REQUIREMENTS
>>> from jwkconform.harness.report._verdicts import RequirementResult
>>> rows = [RequirementResult(REQUIREMENTS[i], v) for i, v in
...         (("KID-01", "fail"), ("KID-02", "pass"), ("KID-03", "pass"), ("KID-06", "skip"))]
>>> print("\\n".join(verdict_table(rows)))
group  fail  pass   skip
KID    01    02-03  06
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

import pytest

from jwkconform.harness._untrusted import redact, terminal
from jwkconform.harness.report._reports import (
    Run,
    _findings,
    _first_line,
    _mismatches,
    cause_text,
    mismatch_text,
    replay_command,
)
from jwkconform.harness.report._verdicts import VERDICTS, Judgement, RequirementResult, summarize
from jwkconform.harness.seam._timeline import timeline_lines
from jwkconform.harness.spec._expected import ExpectedFailures, canonical_nodeid
from jwkconform.harness.spec._spec import suite_tests

__all__ = [
    "Paint",
    "finding_lines",
    "plain",
    "progress_by_group",
    "shown",
    "summary_first",
    "terminal_lines",
    "verdict_table",
]

Paint = Callable[..., str]  # pytest's TerminalWriter.markup: (text, red=True, ...) -> text
_COLOURS: Final[Mapping[str, Mapping[str, bool]]] = {
    "error": {"red": True, "bold": True},
    "fail": {"red": True, "bold": True},
    "non-strict": {"yellow": True},
    "xfail": {"yellow": True},
    "pass": {"green": True},
    "blocked": {"purple": True},
}
_FAILING: Final = ("error", "fail")  # a full finding each; the other problems one line
_SOFT: Final = ("non-strict", "xfail")
_COMPACT: Final = 7  # timeline lines of a finding in the terminal
_LINE: Final = 110  # a one-line message or timeline line is cut here
_SOURCE: Final = 72


def plain(text: str, **markup: bool) -> str:
    """No colour: the `Paint` of a terminal without markup (and of tests)."""
    return text


def shown(text: str) -> str:
    """Text the implementation supplied, as the terminal summary may print it: private key
    material redacted, control characters (escape sequences) written as ``\\xNN``. The one
    place the summary escapes such text."""
    return terminal(redact(text))


def _numbers(ids: Sequence[str]) -> str:
    """``["CFG-01", "CFG-02", "CFG-03", "CFG-05"]`` -> ``"01-03 05"`` (catalogue order)."""
    parts: list[str] = []
    run: list[str] = []
    for rid in ids:
        number = rid.rpartition("-")[2]
        if run and number.isdigit() and int(number) == int(run[-1]) + 1:
            run.append(number)
            continue
        if run:
            parts.append(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [number]
    if run:
        parts.append(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return " ".join(parts)


def verdict_table(results: Sequence[RequirementResult], paint: Paint = plain) -> list[str]:
    """One row per requirement group, one column per verdict that occurs, the requirement
    numbers in its cells (``01-03`` for three in a row)."""
    present = [v for v in VERDICTS if any(r.verdict == v for r in results)]
    groups: dict[str, dict[str, list[str]]] = {}
    for r in results:
        groups.setdefault(r.requirement.group, {}).setdefault(r.verdict, []).append(
            r.requirement.id
        )
    cells = {(g, v): _numbers(ids) for g, by in groups.items() for v, ids in by.items()}
    widths = {v: max([len(v), *(len(c) for (_, w), c in cells.items() if w == v)])
              for v in present}  # fmt: skip
    first = max([len("group"), *(len(g) for g in groups)]) + 2

    def row(label: str, texts: Mapping[str, str], colour: bool) -> str:
        out = label.ljust(first)
        for v in present:
            text = texts.get(v, "").ljust(widths[v] + 2)
            out += paint(text, **_COLOURS.get(v, {})) if colour and texts.get(v) else text
        return out.rstrip()

    lines = [row("group", {v: v for v in present}, False)]
    lines += [row(g, {v: cells.get((g, v), "") for v in present}, True) for g in groups]
    return lines


def _more(result: RequirementResult, shown_test: str) -> str:
    others = {j.nodeid for j in _findings(result)} - {shown_test}
    return f" (+{len(others)} more failing test{'s' * (len(others) != 1)})" if others else ""


def _timeline(judgement: Judgement, verbose: bool) -> list[str]:
    if judgement.timeline is None or not judgement.timeline.events:
        return []
    if verbose:
        return [shown(line) for line in timeline_lines(judgement.timeline)]
    return [
        _cut(shown(line)) for line in timeline_lines(judgement.timeline, _COMPACT, compact=True)
    ]


def _cut(text: str, width: int = _LINE) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def finding_lines(
    run: Run,
    result: RequirementResult,
    *,
    paint: Paint = plain,
    verbose: bool = False,
    root: tuple[str, str] | None = None,
) -> list[str]:
    """One requirement's finding: the test, what happened, the example, the timeline of
    the failing example, the hint, the source and the replay. A requirement that only
    failed softly (non-strict, xfail) gets one line unless ``verbose``; one whose failure
    is the one ``root`` (requirement, test) already showed points to it."""
    req = result.requirement
    findings = _findings(result)
    if not findings:
        return []
    first = findings[0]
    test = canonical_nodeid(first.nodeid)
    label = f"{req.id} ({req.level}) "
    head = label + paint(result.verdict, **_COLOURS.get(result.verdict, {}))
    if root is not None:
        return [f"{head}: {test}: the same failure as {root[0]} above"]
    if result.verdict in _SOFT and not verbose:
        tests = len({j.nodeid for j in findings})
        where = f" ({tests} test{'s' * (tests != 1)}: {test})" if tests > 1 else f" ({test})"
        message = _cut(shown(_first_line(first.message)), _LINE - 30)
        room = _LINE + 6 - len(f"{label}{result.verdict}: ")  # the line fits one screen row
        return [f"{head}: {_cut(message + where, room)}"]
    out: list[str] = []
    for index, judgement in enumerate(findings[:3] if verbose else findings[:1]):
        more = "" if verbose else _more(result, judgement.nodeid)
        out += [f"{head}: {canonical_nodeid(judgement.nodeid)}{more}",
                f"    {shown(_first_line(judgement.message))}"]  # fmt: skip
        if judgement.example:
            out.append(f"    example: {shown(judgement.example)}")
        if judgement.cause is not None:
            out.append(f"    cause: {shown(cause_text(judgement.cause))}")
        if index == 0:
            out += [f"    {line}" for line in _timeline(judgement, verbose)]
    source = req.source if verbose else _cut(req.source, _SOURCE)
    if source != req.source:
        source += f" (in full: jwkconform spec {req.id})"
    out += [f"    If this fails, {req.hint}.", f"    source: {source}"]
    out.append(f"    replay: {replay_command(run, first.nodeid)}")
    return out


def _roots(run: Run) -> dict[str, tuple[str, str]]:
    """Requirements whose shown failure is another's: the same test failed them with the
    same message (one failed check counted against both). The first in the order the
    tests failed is the root; the others point to it."""
    order = {j.nodeid: i for i, j in reversed(list(enumerate(run.judgements)))}
    firsts = {r.requirement.id: fs[0] for r in run.results if (fs := _findings(r))}
    seen: dict[tuple[str, str], str] = {}
    out: dict[str, tuple[str, str]] = {}
    for rid, j in sorted(firsts.items(), key=lambda item: order.get(item[1].nodeid, 0)):
        key = (j.nodeid, _first_line(j.message))
        if key in seen:
            out[rid] = (seen[key], j.nodeid)
        else:
            seen[key] = rid
    return out


def findings_in_order(run: Run) -> list[RequirementResult]:
    """The results worth a finding, failures first (each root before what points to it),
    then the soft problems, each part in catalogue order."""
    roots = _roots(run)
    problems = [r for r in run.results if _findings(r)]
    hard = [r for r in problems if r.verdict in _FAILING]
    ordered = [r for r in hard if r.requirement.id not in roots]
    ordered += [r for r in hard if r.requirement.id in roots]
    return ordered + [r for r in problems if r.verdict not in _FAILING]


def terminal_lines(
    run: Run, expected: ExpectedFailures, *, paint: Paint = plain, verbose: bool = False
) -> list[str]:
    """The terminal summary: verdict table, findings, completeness, what moved, replay."""
    lines = verdict_table(run.results, paint)
    counts = summarize(run.results)
    lines.append(
        ", ".join(
            paint(f"{n} {v}", **_COLOURS.get(v, {})) if n and v in _FAILING else f"{n} {v}"
            for v, n in counts.items()
        )
    )
    roots = _roots(run)
    findings: list[str] = []
    for result in findings_in_order(run):
        findings += finding_lines(
            run, result, paint=paint, verbose=verbose, root=roots.get(result.requirement.id)
        )
    if findings:
        lines += ["", "findings:", *(f"  {line}" for line in findings)]
    info = run.info
    lines.append("")
    if info.incomplete:
        lines.append(f"INCOMPLETE run: {'; '.join(info.incomplete)}")
    else:
        lines.append("complete run: every test of the suites ran")
    for mismatch in _mismatches(run, expected):
        lines.append(paint(mismatch_text(*mismatch, expected.path), red=True, bold=True))
    known = [t for tests in suite_tests().values() for t in tests]
    for key in expected.stale([*known, *(j.nodeid for j in run.judgements)]):
        lines.append(f"warning: expected-failure key {key!r} names no requirement or test")
    lines.append(f"replay this run: {replay_command(run)}")
    if not verbose and findings:
        jwk = "" if run.invocation and run.invocation.program == "jwkconform run" else "jwk-"
        lines.append(f"pytest's tracebacks: add --{jwk}verbose-findings (or read the reports)")
    return lines


# -- pytest's own lines in a conformance run ------------------------------------------------


def summary_first(config: pytest.Config) -> None:
    """Leave pytest's tracebacks and FAILED lines out (unless the user chose a ``--tb`` or
    ``-r`` of their own): the summary's findings say the same, shorter, and come last."""
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "no"
    if config.option.reportchars != "fE":  # not pytest's default: the user chose
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:  # not made yet: it reads the option when it is
        config.option.reportchars = "N"
    else:
        reporter.reportchars = reporter.reportchars.replace("f", "").replace("E", "")


def progress_by_group(config: pytest.Config, labels: Mapping[str, str]) -> None:
    """pytest's progress lines name a test of ``labels`` (node ID -> label) by its label,
    such as its requirement group and module (``KID   test_kid.py ....``), not by a path
    to the installed suites that wraps."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    write = getattr(reporter, "write_fspath_result", None)
    if reporter is None or write is None or getattr(write, "_jwkconform", False):
        return
    root = config.rootpath

    def by_group(nodeid: str, res: str, **markup: bool) -> None:
        label = labels.get(nodeid)
        if label is None:
            write(nodeid, res, **markup)
            return
        saved, reporter.startpath = reporter.startpath, root
        try:  # pytest prints the path of the node ID relative to startpath: the label
            write(f"{label}::x", res, **markup)
        finally:
            reporter.startpath = saved

    by_group._jwkconform = True  # type: ignore[attr-defined]
    reporter.write_fspath_result = by_group
