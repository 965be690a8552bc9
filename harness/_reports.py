"""The conformance reports: a JSON document (schema in docs/report.schema.json), a Markdown
report for people, and the terminal table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jwkconform import __version__
from jwkconform.harness._registry import GROUPS
from jwkconform.harness._verdicts import RequirementResult, summarize

__all__ = ["RunInfo", "report_document", "terminal_lines", "write_json", "write_markdown"]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RunInfo:
    """What a report says about the run itself."""

    implementation: str
    adapter: str
    seed: int | None
    profile: str
    strict: bool
    transport: str


def report_document(info: RunInfo, results: Sequence[RequirementResult]) -> dict[str, Any]:
    """The JSON report as a Python object."""
    return {
        "schema_version": SCHEMA_VERSION,
        "jwkconform": __version__,
        "implementation": info.implementation,
        "adapter": info.adapter,
        "transport": info.transport,
        "seed": info.seed,
        "profile": info.profile,
        "strict": info.strict,
        "summary": summarize(results),
        "requirements": [
            {
                "id": r.requirement.id,
                "level": r.requirement.level.value,
                "verdict": r.verdict,
                "tests": r.tests,
                "message": r.message or None,
                "statement": r.requirement.statement,
                "hint": r.requirement.hint,
            }
            for r in results
        ],
    }


def write_json(path: Path, info: RunInfo, results: Sequence[RequirementResult]) -> None:
    """Write the JSON report to ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report_document(info, results), indent=2) + "\n", encoding="utf-8")


def terminal_lines(results: Sequence[RequirementResult]) -> list[str]:
    """The per-requirement table for the terminal summary."""
    lines = [f"{'requirement':<12}{'level':<8}{'verdict':<12}tests"]
    for r in results:
        lines.append(
            f"{r.requirement.id:<12}{r.requirement.level.value:<8}{r.verdict:<12}{len(r.tests)}"
        )
    counts = summarize(results)
    lines.append(", ".join(f"{n} {verdict}" for verdict, n in counts.items()))
    return lines


_MARK = {
    "pass": "pass",
    "fail": "**FAIL**",
    "non-strict": "non-strict",
    "skip": "skip",
    "xfail": "xfail",
    "untested": "untested",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(path: Path, info: RunInfo, results: Sequence[RequirementResult]) -> None:
    """Write the conformance report a person reads to ``path``."""
    counts = summarize(results)
    out = [
        f"# Conformance report: {info.implementation}",
        "",
        f"- adapter: `{info.adapter}` (transport {info.transport})",
        f"- jwkconform {__version__}, Hypothesis profile `{info.profile}`, seed `{info.seed}`"
        f"{', strict mode' if info.strict else ''}",
        "- summary: " + ", ".join(f"{n} {verdict}" for verdict, n in counts.items()),
        "",
    ]
    for group, title in GROUPS.items():
        rows = [r for r in results if r.requirement.group == group]
        if not rows:
            continue
        out += [
            f"## {title} ({group})",
            "",
            "| ID | Level | Verdict | Tests | Requirement |",
            "|---|---|---|---:|---|",
        ]
        out += [
            f"| {r.requirement.id} | {r.requirement.level.value} | {_MARK[r.verdict]} "
            f"| {len(r.tests)} | {_cell(r.requirement.statement)} |"
            for r in rows
        ]
        out.append("")
    problems = [r for r in results if r.verdict in {"fail", "non-strict", "xfail"}]
    if problems:
        out += ["## Findings", ""]
        for r in problems:
            out += [
                f"### {r.requirement.id} ({r.verdict})",
                "",
                f"{r.requirement.statement}",
                "",
                "```text",
                r.message.strip() or "(no message)",
                "```",
                "",
                f"If this fails, check: {r.requirement.hint}",
                "",
            ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")
