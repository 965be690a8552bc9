"""The Markdown conformance report, rendered from the JSON report's document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from jwkconform.harness._untrusted import markdown, markdown_block, markdown_code
from jwkconform.harness.seam._timeline import Timeline, timeline_lines
from jwkconform.harness.spec._registry import GROUPS

__all__ = ["markdown_report"]

_MARK: Final = {"fail": "**FAIL**", "error": "**ERROR**"}
_PROBLEMS: Final = ("error", "fail", "non-strict", "xfail")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cause(cause: Mapping[str, Any]) -> list[str]:
    status = cause.get("exit_status")
    how = "was still running (stopped by the harness)" if status is None else f"exited {status}"
    return [f"The driver {how}; the end of its standard error:", "",
            *markdown_block(str(cause.get("stderr", "")).strip() or "(nothing)"), ""]  # fmt: skip


def _timeline(data: Mapping[str, Any]) -> list[str]:
    lines = timeline_lines(Timeline.from_json(data), limit=60)
    return [lines[0].rstrip(":").capitalize() + ":", "", *markdown_block("\n".join(lines[1:])), ""]


def markdown_report(document: Mapping[str, Any]) -> str:
    """The report a person reads: run, completeness, one table per group, findings."""
    d = document
    versions = ", ".join(f"{k} {v}" for k, v in d["versions"].items())
    # What the implementation sent (names, versions, messages...) passes harness/_untrusted.
    capabilities = ", ".join(markdown(c) for c in d["capabilities"])
    out = [
        f"# Conformance report: {markdown(d['implementation'])}",
        "",
        f"- implementation version: {markdown(d.get('implementation_version', 'unknown'))}",
        f"- adapter: {markdown_code(d['adapter'])} (transport {markdown(d['transport'])})",
        f"- jwkconform {d['jwkconform']}, Hypothesis profile `{d['profile']}`, seed"
        f" `{d['seed']}`{', strict mode' if d['strict'] else ''}",
        f"- started {d['started']}, {d['duration']:.1f} s, exit status {d['exit_status']}",
        f"- {versions}",
        f"- capabilities: {capabilities or 'none'}",
        "- summary: " + ", ".join(f"{n} {verdict}" for verdict, n in d["summary"].items()),
        "",
    ]
    if d["complete"]:
        out += ["This run is **complete**: every test of the suites ran.", ""]
    else:
        out += ["> **Incomplete run**: " + "; ".join(markdown(i) for i in d["incomplete"]), ""]
    rows = {r["id"]: r for r in d["requirements"]}
    for group, title in GROUPS.items():
        members = [r for rid, r in rows.items() if rid.rpartition("-")[0] == group]
        if not members:
            continue
        out += [f"## {title} ({group})", "", "| ID | Level | Verdict | Tests | Requirement |",
                "|---|---|---|---:|---|"]  # fmt: skip
        out += [
            f"| {r['id']} | {r['level']} | {_MARK.get(r['verdict'], r['verdict'])}"
            f" | {len(r['tests'])} | {_cell(r['summary'])} |"
            for r in members
        ]
        out.append("")
    problems = [r for r in rows.values() if r["verdict"] in _PROBLEMS]
    if problems:
        out += ["## Findings", ""]
        for r in problems:
            out += [f"### {r['id']} ({r['level']}, {r['verdict']})", "", r["summary"], ""]
            for index, finding in enumerate(r["findings"][:3]):
                out += [
                    f"Test {markdown_code(finding['test'])} ({finding['outcome']}):",
                    "",
                    *markdown_block(finding["message"].strip() or "(no message)"),
                    "",
                ]
                if finding.get("example"):
                    out += [f"Example: {markdown_code(finding['example'])}", ""]
                if finding.get("cause"):
                    out += _cause(finding["cause"])
                if index == 0 and finding.get("timeline"):
                    out += _timeline(finding["timeline"])
                out += [f"Replay: {markdown_code(finding['replay'])}", ""]
            out += [r["hint"], "", f"Source: {r['source']}.", ""]
    mismatches = d["expectations"]["mismatches"]
    if mismatches:
        out += ["## Against the ground truth", "", "| ID | expected | got | what to do |",
                "|---|---|---|---|"]  # fmt: skip
        out += [f"| {m['id']} | {m['expected']} | {m['got']} | {_cell(m.get('message', ''))} |"
                for m in mismatches]  # fmt: skip
        out.append("")
    return "\n".join(out)
