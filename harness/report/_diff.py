"""``jwkconform diff OLD.json NEW.json``: which verdicts changed between two reports.

It lists every requirement whose verdict changed (ID, level, old -> new), the requirements
only one of the reports has (added, removed), and marks each **regression**: a verdict that
became ``fail`` or ``error`` from anything else (``pass``, ``xfail``, ``non-strict``,
``skip``, ``blocked``, ``untested``, or absent from the old report). A change between
``fail`` and ``error`` is listed but is not a regression: the requirement failed before.

Exit status: 1 when there is a regression, 0 otherwise, 2 (with one line on standard
error) when a report cannot be read or is not a report (schema versions 2 and 3).

>>> changes = compare(old_document, new_document)  # doctest: +SKIP
>>> [c.id for c in changes if c.regression]  # doctest: +SKIP
['CACHE-02']
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TextIO

from jwkconform.harness._untrusted import terminal
from jwkconform.harness.report._matrix_reports import MatrixError, load_report

__all__ = ["FAILING", "Change", "add_diff_arguments", "compare", "diff", "lines"]

FAILING: Final = frozenset({"fail", "error"})
_ABSENT: Final = "absent"


@dataclass(frozen=True)
class Change:
    """One requirement whose verdict differs; ``old`` or ``new`` is "absent" when only one
    of the reports has it."""

    id: str
    level: str
    old: str
    new: str

    @property
    def regression(self) -> bool:
        return self.new in FAILING and self.old not in FAILING


def _rows(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(r["id"]): r for r in document["requirements"]}


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The changes from report ``old`` to report ``new``, in the new report's order (then
    the removed requirements, in the old report's)."""
    before, after = _rows(old), _rows(new)
    changes = []
    for rid, row in after.items():
        was = str(before[rid]["verdict"]) if rid in before else _ABSENT
        if was != row["verdict"]:
            changes.append(Change(rid, str(row["level"]), was, str(row["verdict"])))
    changes += [Change(rid, str(row["level"]), str(row["verdict"]), _ABSENT)
                for rid, row in before.items() if rid not in after]  # fmt: skip
    return changes


def _run(document: Mapping[str, Any], path: str) -> str:
    seed = document.get("seed")
    state = "" if document.get("complete", True) else ", INCOMPLETE"
    return f"{path} ({document['implementation']}, seed {seed}{state})"


def lines(
    old: Mapping[str, Any], new: Mapping[str, Any], old_path: str, new_path: str
) -> list[str]:
    """The diff as text."""
    changes = compare(old, new)
    out = [f"from {_run(old, old_path)}", f"  to {_run(new, new_path)}"]
    if not changes:
        return [*out, "no verdict changed"]
    width = max(len(c.id) for c in changes) + 2
    changed = [c for c in changes if _ABSENT not in {c.old, c.new}]
    added = [c for c in changes if c.old == _ABSENT]
    removed = [c for c in changes if c.new == _ABSENT]
    for c in changed:
        mark = "  REGRESSION" if c.regression else ""
        out.append(f"{c.id:<{width}}{c.level:<8}{c.old} -> {c.new}{mark}")
    for c in added:
        mark = "  REGRESSION" if c.regression else ""
        out.append(f"{c.id:<{width}}{c.level:<8}added: {c.new}{mark}")
    out += [f"{c.id:<{width}}{c.level:<8}removed (was {c.old})" for c in removed]
    regressions = sum(c.regression for c in changes)
    out.append(
        f"{len(changed)} changed, {len(added)} added, {len(removed)} removed;"
        f" {regressions} regression{'' if regressions == 1 else 's'}"
    )
    return out


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD.json", help="the earlier report")
    parser.add_argument("new", metavar="NEW.json", help="the later report")


def diff(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``jwkconform diff``: print the changes; 1 on a regression, 2 on a bad report."""
    stream = out or sys.stdout
    try:
        old, new = load_report(args.old), load_report(args.new)
    except MatrixError as exc:
        print(f"jwkconform diff: error: {exc}", file=sys.stderr)
        return 2
    text: Sequence[str] = lines(old.document, new.document, args.old, args.new)
    stream.write("".join(terminal(line) + "\n" for line in text))
    return 1 if any(c.regression for c in compare(old.document, new.document)) else 0
