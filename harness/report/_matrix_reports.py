"""The reports a compatibility matrix reads, checked, and what every rendering of it shares.

`load_report` reads one JSON report (docs/report.schema.json, schema 2 or 3) and says in one
`MatrixError` line what is wrong with a bad one; `load_notes` reads the hand-written notes.
The Markdown matrix (``_matrix``) and its HTML page (``_matrix_html``) both order the rows
with `rows`, head the columns with `headings` and shorten messages with `condensed`.

>>> condensed("AssertionError: kid 'a' at 127.0.0.1:5501 not found")
"kid 'a' at 127.0.0.1:PORT not found"
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from jwkconform.harness._untrusted import read_json
from jwkconform.harness.report._verdicts import VERDICTS
from jwkconform.harness.spec._registry import REQUIREMENTS

__all__ = [
    "SCHEMA_VERSIONS",
    "UNLISTED",
    "Difference",
    "MatrixError",
    "Report",
    "condensed",
    "differences",
    "group_of",
    "headings",
    "load_notes",
    "load_report",
    "problem_of",
    "rows",
]

_VERDICTS: Final = VERDICTS
# The report schemas the matrix (and `jwkconform diff`) read; 3 added timelines.
SCHEMA_VERSIONS: Final = (2, 3)
_LEVELS: Final = ("MUST", "SHOULD", "MAY")
_MESSAGE_LIMIT: Final = 220
# The group of the rows whose ID the catalogue lacks (a newer catalogue's, or a forged one).
UNLISTED: Final = "Not in this specification"
# What a report says before the part worth reading.
_NOISE: Final = ("AssertionError: ", "Failed: ", "reason: ", "[XPASS(strict)] ")
# What changes from run to run in a message: loopback ports and object addresses.
_VOLATILE: Final = (
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r" at 0x[0-9a-f]+"), ""),
)


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


def problem_of(document: object) -> str | None:
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
    problem = problem_of(document)
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


def condensed(message: str | None) -> str:
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


def rows(reports: Sequence[Report]) -> list[tuple[str, str]]:
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


def group_of(rid: str) -> str:
    """The group a matrix lists ``rid`` under: its ID's prefix if the catalogue has it, else
    `UNLISTED`, whatever the ID looks like (a report file is anyone's text, and a row of its
    own must not pass for one of the specification's)."""
    return rid.rpartition("-")[0] if rid in REQUIREMENTS else UNLISTED


# The verdicts a matrix lists under an implementation as differences from the specification.
_DIFFERENT: Final = frozenset({"fail", "error", "xfail", "non-strict"})


@dataclass(frozen=True)
class Difference:
    """One requirement an implementation does not simply pass, as the matrix lists it."""

    id: str
    level: str
    verdict: str
    message: str


def differences(
    report: Report, notes: Mapping[str, str]
) -> tuple[list[str], list[Difference], dict[str, list[str]]]:
    """What the matrix says under one implementation: the notes' paragraphs for it, its
    differences from the specification, and the requirements it skipped, by reason."""
    paragraphs = [p.strip() for prefix, p in sorted(notes.items())
                  if report.implementation.startswith(prefix)]  # fmt: skip
    found: list[Difference] = []
    skipped: dict[str, list[str]] = {}
    for rid, row in report.verdicts.items():
        verdict = str(row["verdict"])
        if verdict in _DIFFERENT:
            message = condensed(row.get("message"))
            found.append(Difference(rid, str(row["level"]), verdict, message))
        elif verdict == "skip":
            reason = condensed(row.get("message")).removeprefix(report.implementation).strip()
            skipped.setdefault(reason, []).append(rid)
    return paragraphs, found, skipped
