"""The compatibility matrix: several JSON reports side by side, as Markdown.

``jwkconform matrix REPORT.json... --out docs/compatibility.md`` reads conformance reports
(docs/report.schema.json), one per implementation, and writes one table per requirement
group (rows in catalogue order, one verdict column per implementation), a header naming
the harness versions, seeds and profiles, and per implementation a short account of the
differences found, condensed from the reports' messages; above the tables, a short guide
for someone choosing a client, answered from the verdicts (``_matrix_guide``). A
hand-written notes file (``{"implementation name prefix": "paragraph"}``) adds a paragraph
to each implementation whose name starts with a key. The output depends only on its
inputs, so regenerating it from the same reports gives the same bytes.

The matrix ends with its own source, compressed in an HTML comment: what it read of each
report and the notes. `regenerate` renders that source again, so a test can check that a
checked-in matrix is exactly what the tool makes of it (no hand edits).

>>> text = render([load_report(path) for path in paths])  # doctest: +SKIP
>>> regenerate(text) == text  # doctest: +SKIP
True
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from jwkconform.harness._untrusted import json_safe, markdown, markdown_code, read_json
from jwkconform.harness.report._matrix_guide import guide
from jwkconform.harness.report._merge import seeds_text
from jwkconform.harness.report._verdicts import VERDICTS
from jwkconform.harness.spec._registry import GROUPS, REQUIREMENTS

__all__ = [
    "SCHEMA_VERSIONS",
    "MatrixError",
    "Report",
    "embedded_source",
    "load_notes",
    "load_report",
    "regenerate",
    "render",
    "write_matrix",
]

_VERDICTS: Final = VERDICTS
# The report schemas the matrix (and `jwkconform diff`) read; 3 added timelines.
SCHEMA_VERSIONS: Final = (2, 3)
_LEVELS: Final = ("MUST", "SHOULD", "MAY")
_CELL: Final[Mapping[str, str]] = {
    "pass": "pass",
    "fail": "**FAIL**",
    "error": "**ERROR**",
    "blocked": "blocked",
    "non-strict": "non-strict",
    "skip": "skip",
    "xfail": "xfail",
    "untested": "untested",
}
_MISSING: Final = "n/a"
_MESSAGE_LIMIT: Final = 220
# What a report says before the part worth reading.
_NOISE: Final = ("AssertionError: ", "Failed: ", "reason: ", "[XPASS(strict)] ")
# What changes from run to run in a message: loopback ports and object addresses.
_VOLATILE: Final = (
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r" at 0x[0-9a-f]+"), ""),
)
# The report members the matrix reads; the embedded source keeps only these.
_RUN_MEMBERS: Final = (
    "schema_version", "jwkconform", "implementation", "adapter", "transport", "seed", "profile",
    "strict", "complete", "incomplete", "summary", "seeds", "unstable",
)  # fmt: skip
_SOURCE_BEGIN: Final = "<!-- jwkconform-matrix-source (zlib, base64): regenerate, do not edit"
_SOURCE_END: Final = "-->"
_SOURCE_WIDTH: Final = 100


class MatrixError(ValueError):
    """A report or notes file that cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class Report:
    """One conformance report, as the matrix reads it."""

    path: str
    document: Mapping[str, Any]

    @property
    def implementation(self) -> str:
        return str(self.document["implementation"])

    @property
    def verdicts(self) -> dict[str, Mapping[str, Any]]:
        return {str(r["id"]): r for r in self.document["requirements"]}


def _problem(document: object) -> str | None:
    """What is wrong with ``document`` as a report (schema version 2 or 3), or None."""
    if not isinstance(document, dict):
        return f"the document is a JSON {type(document).__name__}, not an object"
    if document.get("schema_version") not in SCHEMA_VERSIONS:
        return f"schema_version is {document.get('schema_version')!r}, not 2 or 3"
    for member, kind in (
        ("jwkconform", str),
        ("implementation", str),
        ("adapter", str),
        ("transport", str),
        ("profile", str),
        ("strict", bool),
        ("complete", bool),
        ("incomplete", list),
        ("summary", dict),
        ("requirements", list),
    ):
        if not isinstance(document.get(member), kind):
            return f"member {member!r} is missing or not a {kind.__name__}"
    if not all(isinstance(reason, str) for reason in document["incomplete"]):
        return "member 'incomplete' is not a list of strings"
    counts = document["summary"].values()
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in counts):
        return "member 'summary' is not an object of counts"
    if document.get("seed") is not None and not isinstance(document["seed"], int):
        return f"seed is {document['seed']!r}, not an integer or null"
    for index, row in enumerate(document["requirements"]):
        where = f"requirements[{index}]"
        if not isinstance(row, dict):
            return f"{where} is not an object"
        if not isinstance(row.get("id"), str):
            return f"{where} has no string id"
        if row.get("level") not in _LEVELS:
            return f"{where} ({row['id']}) has level {row.get('level')!r}"
        if row.get("verdict") not in _VERDICTS:
            return f"{where} ({row['id']}) has verdict {row.get('verdict')!r}"
        if row.get("message") is not None and not isinstance(row["message"], str):
            return f"{where} ({row['id']}) has a message that is not a string"
    return None


def load_report(path: str | Path) -> Report:
    """Read one JSON report; a `MatrixError` says what is wrong with a bad one."""
    try:
        document = read_json(Path(path), "report")
    except ValueError as exc:
        raise MatrixError(str(exc)) from None
    problem = _problem(document)
    if problem is not None:
        raise MatrixError(f"{path} is not a jwkconform report (docs/report.schema.json): {problem}")
    return Report(str(path), document)


def load_notes(path: str | Path) -> dict[str, str]:
    """Read a notes file: ``{"implementation name prefix": "paragraph"}``."""
    try:
        notes = read_json(Path(path), "notes file")
    except ValueError as exc:
        raise MatrixError(str(exc)) from None
    if not isinstance(notes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in notes.items()
    ):
        raise MatrixError(
            f'notes file {path} must be a JSON object of strings: {{"name prefix": "paragraph"}}'
        )
    return notes


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _condensed(message: str | None) -> str:
    """The first line worth reading of a report message, shortened."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("If this fails", "(the full"))]
    text = lines[0] if lines else "(no message)"
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    for noise in _NOISE:
        text = text.removeprefix(noise)
    if text.startswith("expected failure: "):
        text = "known: " + text.removeprefix("expected failure: ")
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 3].rstrip() + "..."
    return text


def _order(reports: Sequence[Report]) -> list[tuple[str, str]]:
    """(id, level) of every row: the catalogue's order, then IDs only the reports know."""
    rows = [(rid, req.level.value) for rid, req in REQUIREMENTS.items()]
    known = set(REQUIREMENTS)
    for report in reports:
        for rid, row in report.verdicts.items():
            if rid not in known:
                known.add(rid)
                rows.append((rid, str(row["level"])))
    return rows


# What tells apart runs of one implementation, in the order a heading names them (members
# the embedded source keeps, so a regenerated matrix has the same headings).
_DISTINCT: Final = (
    ("adapter", "adapter"), ("transport", "transport"), ("profile", "profile"),
    ("strict", "strict"), ("seed", "seed"),
)  # fmt: skip


def headings(reports: Sequence[Report]) -> list[str]:
    """A column heading per report: its implementation, and where several reports share
    one, what differs between them (``pyjwt 2.8 (seed 5)``), or else its place (``run 2``)."""
    out = []
    for index, report in enumerate(reports):
        same = [i for i, r in enumerate(reports) if r.implementation == report.implementation]
        if len(same) == 1:
            out.append(report.implementation)
            continue
        parts = [
            f"{label} {report.document.get(member)}"
            for member, label in _DISTINCT
            if len({str(reports[i].document.get(member)) for i in same}) > 1
        ]
        out.append(
            f"{report.implementation} ({', '.join(parts) or f'run {same.index(index) + 1}'})"
        )
    return out


def _group_of(rid: str) -> str:
    return rid.rpartition("-")[0]


def _header(reports: Sequence[Report]) -> list[str]:
    versions = sorted({str(r.document["jwkconform"]) for r in reports})
    out = [
        "# Compatibility matrix",
        "",
        "<!-- Generated by `jwkconform matrix` from conformance reports; do not edit by hand."
        " Regenerate it instead. -->",
        "",
        f"Verdicts of jwkconform {', '.join(versions)} for each implementation, requirement"
        " by requirement (see [the reports guide](reports.md) for what each verdict means).",
        "",
        "| Implementation | Adapter | Transport | jwkconform | Profile | Seed | Mode |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        d = r.document
        seed = "none" if d.get("seed") is None else str(d["seed"])
        if d.get("seeds"):  # a merged campaign (jwkconform merge, run --seeds)
            seed = f"{seeds_text(d['seeds'])} ({len(d['seeds'])} seeds)"
        mode = "strict" if d["strict"] else "default"
        if d.get("unstable"):
            mode += f"; **UNSTABLE** across seeds: {', '.join(d['unstable'])}"
        if not d["complete"]:
            mode += f"; **INCOMPLETE** ({'; '.join(markdown(i) for i in d['incomplete'])})"
        # Every text a report holds passes harness/_untrusted before it is written.
        out.append(
            f"| {markdown(r.implementation)} | {markdown_code(str(d['adapter']), cell=True)}"
            f" | {markdown(d['transport'])} | {markdown(d['jwkconform'])}"
            f" | {markdown(d['profile'])} | {seed} | {mode} |"
        )
    out += ["", "| Summary | " + " | ".join(_VERDICTS) + " |", "|---" * (len(_VERDICTS) + 1) + "|"]
    for r, name in zip(reports, headings(reports), strict=True):
        counts = r.document["summary"]
        out.append(
            f"| {_cell(markdown(name))} | "
            + " | ".join(str(counts.get(v, 0)) for v in _VERDICTS)
            + " |"
        )
    out.append("")
    return out


def _tables(reports: Sequence[Report]) -> list[str]:
    rows = _order(reports)
    verdicts = [r.verdicts for r in reports]
    names = " | ".join(_cell(markdown(name)) for name in headings(reports))
    out: list[str] = []
    extra = [g for g in dict.fromkeys(_group_of(rid) for rid, _ in rows) if g not in GROUPS]
    groups = [*GROUPS, *extra]
    for group in groups:
        members = [(rid, level) for rid, level in rows if _group_of(rid) == group]
        if not members:
            continue
        out += [
            f"## {GROUPS.get(group) or markdown(group)} ({markdown(group)})",
            "",
            f"| ID | Level | {names} | Requirement |",
            "|---|---|" + "---|" * len(reports) + "---|",
        ]
        for rid, level in members:
            cells = [
                _CELL.get(str(v[rid]["verdict"]), str(v[rid]["verdict"])) if rid in v else _MISSING
                for v in verdicts
            ]
            statement = (
                _cell(REQUIREMENTS[rid].summary)
                if rid in REQUIREMENTS
                else markdown(
                    next((str(v[rid].get("summary", "")) for v in verdicts if rid in v), "")
                )
            )
            out.append(f"| {markdown(rid)} | {level} | {' | '.join(cells)} | {statement} |")
        out.append("")
    return out


def _differences(report: Report, notes: Mapping[str, str]) -> list[str]:
    out = [f"### {markdown(report.implementation)}", ""]
    for prefix, paragraph in sorted(notes.items()):
        if report.implementation.startswith(prefix):
            out += [paragraph.strip(), ""]
    findings: list[str] = []
    skipped: dict[str, list[str]] = {}
    for rid, row in report.verdicts.items():
        verdict = str(row["verdict"])
        if verdict in {"fail", "xfail", "non-strict"}:
            findings.append(
                f"- **{markdown(rid)}** ({row['level']}, {verdict}):"
                f" {markdown(_condensed(row.get('message')))}"
            )
        elif verdict == "skip":
            reason = _condensed(row.get("message")).removeprefix(report.implementation).strip()
            skipped.setdefault(reason, []).append(rid)
    if findings:
        out += ["Differences found:", "", *findings, ""]
    else:
        out += ["No failing, expected-failing or non-strict requirement.", ""]
    if skipped:
        out += ["Not tested:", ""]
        out += [
            f"- {markdown(reason)}: {', '.join(markdown(i) for i in ids)}"
            for reason, ids in skipped.items()
        ]
        out.append("")
    return out


def _source(reports: Sequence[Report], notes: Mapping[str, str]) -> list[str]:
    """The embedded source: what the matrix read, compressed, in an HTML comment."""
    source = {
        "reports": [
            {
                **{m: r.document[m] for m in _RUN_MEMBERS if m in r.document},
                "requirements": [
                    {k: row.get(k) for k in ("id", "level", "verdict", "message")}
                    for row in r.document["requirements"]
                ],
            }
            for r in reports
        ],
        "notes": dict(sorted(notes.items())),
    }
    raw = json.dumps(source, sort_keys=True, separators=(",", ":")).encode("utf-8")
    blob = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    width = _SOURCE_WIDTH
    return [_SOURCE_BEGIN, *(blob[i : i + width] for i in range(0, len(blob), width)), _SOURCE_END]


def render(reports: Sequence[Report], notes: Mapping[str, str] | None = None) -> str:
    """The matrix as Markdown, its source embedded at the end."""
    if not reports:
        raise MatrixError("the matrix needs at least one report")
    out = _header(reports) + guide(reports) + _tables(reports)
    out += ["## Differences by implementation", ""]
    for report in reports:
        out += _differences(report, notes or {})
    out += _source(reports, notes or {})
    return "\n".join(out) + "\n"


def embedded_source(markdown: str) -> tuple[list[Report], dict[str, str]]:
    """The reports and notes a matrix was rendered from, read back from its end."""
    start = markdown.rfind(_SOURCE_BEGIN)
    end = markdown.find(_SOURCE_END, start)
    if start < 0 or end < 0:
        raise MatrixError("the text has no embedded matrix source: was it generated?")
    blob = "".join(markdown[start + len(_SOURCE_BEGIN) : end].split())
    try:
        source = json.loads(zlib.decompress(base64.b64decode(blob, validate=True)))
    except (ValueError, zlib.error) as exc:
        raise MatrixError(f"the embedded matrix source is damaged: {exc}") from None
    reports = []
    for index, document in enumerate(source.get("reports") or []):
        problem = _problem(document)
        if problem is not None:
            raise MatrixError(f"embedded report {index} is not usable: {problem}")
        reports.append(Report(f"<embedded {index}>", json_safe(document)))
    return reports, dict(source.get("notes") or {})


def regenerate(markdown: str) -> str:
    """Render a generated matrix again from its embedded source."""
    reports, notes = embedded_source(markdown)
    return render(reports, notes)


def write_matrix(
    paths: Iterable[str | Path],
    out: str | Path | None = None,
    notes: str | Path | None = None,
    *,
    allow_incomplete: bool = False,
    html: str | Path | None = None,
) -> str:
    """Read the reports (and notes), write the matrix to ``out`` (and as HTML to ``html``)
    if given, return the Markdown.

    A report of an incomplete run (interrupted, stopped early, filtered) is refused unless
    ``allow_incomplete``; then its column is marked as incomplete.
    """
    reports = [load_report(path) for path in paths]
    for report in reports:
        if not report.document["complete"] and not allow_incomplete:
            raise MatrixError(
                f"{report.path} is the report of an incomplete run"
                f" ({'; '.join(report.document['incomplete'])}): rerun it in full, or pass"
                " --allow-incomplete to take it (the matrix then marks it)"
            )
    loaded = load_notes(notes) if notes is not None else None
    text = render(reports, loaded)
    pages = [(out, text)]
    if html is not None:
        from jwkconform.harness.report._matrix_html import render_html

        pages.append((html, render_html(reports, loaded)))
    for path, content in pages:
        if path is not None:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    return text
