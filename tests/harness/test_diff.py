"""``jwkconform diff OLD.json NEW.json``: the verdicts that changed, which of them are
regressions, and its exit status (1 on a regression, 2 on a report it cannot read)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from report_adapters import jwkconform

from jwkconform.harness.report._diff import Change, compare

BASE = {"CFG-01": "pass", "KID-03": "pass", "LOAD-05": "xfail", "ORD-01": "fail",
        "CACHE-05": "skip", "PUB-04": "non-strict", "LEASE-01": "untested"}  # fmt: skip
LEVELS = {"PUB-04": "SHOULD", "LOAD-05": "SHOULD", "CACHE-05": "MAY"}


def _document(verdicts: dict[str, str], schema: int = 3) -> dict[str, Any]:
    return {
        "schema_version": schema,
        "jwkconform": "0.1.0",
        "implementation": "x 1.0",
        "adapter": "x:factory",
        "transport": "respx",
        "seed": 3,
        "profile": "dev",
        "strict": False,
        "complete": True,
        "incomplete": [],
        "summary": {},
        "requirements": [
            {"id": rid, "level": LEVELS.get(rid, "MUST"), "verdict": v, "message": None}
            for rid, v in verdicts.items()
        ],
    }


@pytest.mark.parametrize(
    ("rid", "new", "regression"),
    [
        ("CFG-01", "fail", True),
        ("CFG-01", "error", True),
        ("LOAD-05", "fail", True),  # an expected failure that now fails for real
        ("CACHE-05", "error", True),
        ("PUB-04", "fail", True),
        ("LEASE-01", "fail", True),
        ("ORD-01", "error", False),  # it failed before
        ("ORD-01", "pass", False),
        ("CFG-01", "non-strict", False),
        ("CFG-01", "skip", False),
    ],
)
def test_a_regression_is_a_change_to_fail_or_error_from_anything_else(
    rid: str, new: str, regression: bool
) -> None:
    changes = compare(_document(BASE), _document({**BASE, rid: new}))
    assert changes == [Change(rid, LEVELS.get(rid, "MUST"), BASE[rid], new)]
    assert changes[0].regression is regression


def test_added_and_removed_requirements_are_listed() -> None:
    old = {k: v for k, v in BASE.items() if k != "KID-03"}
    new = {k: v for k, v in BASE.items() if k != "CFG-01"} | {"KID-03": "fail"}
    changes = {c.id: c for c in compare(_document(old), _document(new))}
    assert changes["KID-03"] == Change("KID-03", "MUST", "absent", "fail")
    assert changes["KID-03"].regression  # a new requirement that fails counts
    assert changes["CFG-01"] == Change("CFG-01", "MUST", "pass", "absent")
    assert not changes["CFG-01"].regression


def _write(folder: Path, name: str, document: object) -> str:
    (folder / name).write_text(json.dumps(document), encoding="utf-8")
    return name


def test_the_command_lists_changes_and_exits_1_on_a_regression(tmp_path: Path) -> None:
    old = _write(tmp_path, "old.json", _document(BASE, schema=2))  # schema 2 is still read
    new = _write(tmp_path, "new.json", _document({**BASE, "KID-03": "fail", "ORD-01": "pass"}))
    completed = jwkconform(tmp_path, "diff", old, new, timeout=120)
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "from old.json (x 1.0, seed 3)"
    assert re.fullmatch(r"KID-03 +MUST +pass -> fail +REGRESSION", lines[2])
    assert re.fullmatch(r"ORD-01 +MUST +fail -> pass", lines[3])
    assert lines[-1] == "2 changed, 0 added, 0 removed; 1 regression"
    assert not completed.stderr


def test_no_regression_exits_0(tmp_path: Path) -> None:
    same = _write(tmp_path, "a.json", _document(BASE))
    completed = jwkconform(tmp_path, "diff", same, same, timeout=120)
    assert (completed.returncode, completed.stdout.splitlines()[-1]) == (0, "no verdict changed")
    better = _write(tmp_path, "b.json", _document({**BASE, "ORD-01": "pass"}))
    assert jwkconform(tmp_path, "diff", same, better, timeout=120).returncode == 0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "cannot read report bad.json"),
        ("{not json", "report bad.json is not JSON"),
        (json.dumps(_document(BASE, schema=1)), "schema_version is 1, not 2 or 3"),
        (json.dumps({"schema_version": 3}), "member 'jwkconform' is missing"),
    ],
    ids=["missing", "not-json", "schema-1", "not-a-report"],
)
def test_an_unreadable_report_is_one_line_and_exit_status_2(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    if content is not None:
        (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    good = _write(tmp_path, "good.json", _document(BASE))
    for args in ((good, "bad.json"), ("bad.json", good)):
        completed = jwkconform(tmp_path, "diff", *args, timeout=120)
        assert completed.returncode == 2
        assert not completed.stdout
        lines = completed.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("jwkconform diff: error: ")
        assert problem in lines[0]
