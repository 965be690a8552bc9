"""From a red run to the cause in one screen: the docs' example adapter with two planted
deviations (a kid matched regardless of letter case, a default cache lifetime of 420 s
instead of 120 s) fails, and its verdict table and both findings fit in the last 50 lines
of the terminal; every finding's message and timeline tell one story, on the same times."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs/examples/inhouse_adapter.py"
SCREEN = 50  # lines
COLUMNS = 120  # a terminal this wide; longer lines wrap and take two
# The two deviations, planted by replacing text of the example's store.
PLANTS = (
    (
        "in self.valid(purpose) if k.stable_id == kid)",
        "in self.valid(purpose) if str(k.stable_id).lower() == kid.lower())",
    ),
    ('"cacheTimeout", 120.0)', '"cacheTimeout", 420.0)'),
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _planted(folder: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in PLANTS:
        assert text.count(old) == 1, f"the example changed: plant {old!r} again"
        text = text.replace(old, new)
    (folder / "planted_adapter.py").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("planted")
    _planted(folder)
    env = {**os.environ, "PYTHONPATH": str(folder), "COLUMNS": str(COLUMNS)}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    completed = subprocess.run(
        [sys.executable, "-m", "jwkconform", "run", "--adapter", "planted_adapter:factory",
         "--seed", "7", "--report-json", "r.json", "--report-html", "r.html"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout, json.loads((folder / "r.json").read_text(encoding="utf-8"))


def _screen_lines(line: str) -> int:
    return max(1, math.ceil(len(line) / COLUMNS))


def test_the_table_and_both_findings_fit_one_screen(planted_run: tuple[str, Any]) -> None:
    stdout, document = planted_run
    failing = {r["id"] for r in document["requirements"] if r["verdict"] in {"fail", "error"}}
    assert failing == {"KID-01", "CFG-03"}, "the example itself fails more than the plants"
    lines = stdout.splitlines()
    screen: list[str] = []
    used = 0
    for line in reversed(lines):  # the last 50 terminal lines, wrapped lines counted
        used += _screen_lines(line)
        if used > SCREEN:
            break
        screen.insert(0, line)
    text = "\n".join(screen)
    assert re.search(r"^=+ jwkconform: .+ =+$", text, re.M), text
    assert re.search(r"^group\s+fail\s+non-strict\s+pass\s+skip$", text, re.M), text
    for rid in ("KID-01", "CFG-03"):
        assert re.search(rf"^  {rid} \(MUST\) fail: test_", text, re.M), text
    assert text.count("    replay: jwkconform run ") == 2, text
    assert "Traceback" not in stdout
    assert "reproduce_failure" not in stdout
    assert not ANSI.search(stdout), "colour in a pipe"


def _failing_store(timeline: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    failure = next(e for e in timeline["events"] if e["kind"] == "failure")
    store = failure.get("store", 1)
    return [e for e in timeline["events"] if e.get("store", 1) == store], failure


_AFTER_LOAD = re.compile(r"(\d+(?:\.\d+)?) s after the load")
_AT = re.compile(r"\bt=(\d+(?:\.\d+)?) s\b")


def story_problems(finding: dict[str, Any]) -> list[str]:
    """Where a finding's message and its timeline disagree: times that go back within one
    store, an expectation placed elsewhere than the failure, a load the message dates that
    the timeline does not show."""
    timeline = finding.get("timeline")
    if not timeline:
        return []
    events, failure = _failing_store(timeline)
    problems = []
    times = [e["t"] for e in events if e["kind"] != "transcript"]
    if times != sorted(times):
        problems.append(f"times go back within one store: {times}")
    for e in events:
        for at in _AT.findall(e["text"]):
            if abs(float(at) - failure["t"]) > 1e-6:
                problems.append(f"{e['text']!r} is not where the check failed ({failure['t']})")
    for after in _AFTER_LOAD.findall(finding["message"]):
        load = failure["t"] - float(after)
        fetches = [e["t"] for e in events if e["kind"] == "fetch" and not e["expected"]]
        if not any(abs(t - load) < 1e-6 for t in fetches):
            problems.append(f"the message dates a load at t={load:g}; fetches at {fetches}")
    return problems


def test_every_finding_tells_its_message_on_its_timeline(planted_run: tuple[str, Any]) -> None:
    _, document = planted_run
    findings = [f for r in document["requirements"] for f in r["findings"]]
    assert any(_AFTER_LOAD.search(f["message"]) for f in findings), "no dated finding"
    problems = {f["test"]: p for f in findings if (p := story_problems(f))}
    assert not problems


def test_a_timeline_of_two_stores_mixed_on_one_axis_is_caught() -> None:
    # What the harness drew before stores were told apart: two stores on one axis.
    events = [
        {"t": t, "kind": k, "text": x, "expected": False}
        for t, k, x in ((0, "fetch", "GET"), (120.001, "fetch", "GET"), (0, "fetch", "GET"),
                        (120.001, "failure", "failed"))
    ]  # fmt: skip
    finding = {"message": "a query 120.001 s after the load did not reload the set",
               "timeline": {"events": events}}  # fmt: skip
    assert story_problems(finding) == ["times go back within one store: [0, 120.001, 0, 120.001]"]
    wrong = {**finding, "message": "a query 420.001 s after the load did not reload the set"}
    wrong["timeline"] = {"events": [events[0], events[3]]}
    assert story_problems(wrong) == ["the message dates a load at t=-300; fetches at [0]"]
