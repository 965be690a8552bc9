"""A run against an adapter that breaks CACHE-02, end to end: the finding in the terminal,
the JSON, the Markdown and the HTML report, with its test, example, timeline (which shows
the missing fetch) and a replay command that reproduces it as printed; and ``jwkconform
diff`` against the reference's report of the same run names the regression."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_adapters import jwkconform, write_stale_adapter

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/report.schema.json").read_text(encoding="utf-8")
)
RUN = ("--requirement", "CACHE-02", "--seed", "11", "--profile", "dev")
TEST = "test_cache.py::test_the_first_query_once_stale_reloads_the_set"
# A private JWK member with a value that is not the redaction mark, in Python or JSON quoting.
PRIVATE = re.compile(r"""\\?["'](?:d|p|q|dp|dq|qi|k)\\?["']\s*:\s*\\?["'](?!<private>)""")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("cache-02")
    write_stale_adapter(folder)
    stale = jwkconform(
        folder, "run", "--adapter", "stale:factory", *RUN, "--report-json", "out/r.json",
        "--report-md", "out/r.md", "--report-html", "out/r.html",
    )  # fmt: skip
    reference = jwkconform(folder, "run", *RUN, "--report-json", "out/ref.json")
    return {"folder": folder, "stale": stale, "reference": reference}


def _document(runs: dict[str, Any], name: str = "r.json") -> dict[str, Any]:
    document: dict[str, Any] = json.loads((runs["folder"] / "out" / name).read_text("utf-8"))
    return document


def _finding(document: dict[str, Any]) -> dict[str, Any]:
    row = next(r for r in document["requirements"] if r["id"] == "CACHE-02")
    assert row["verdict"] == "fail", row
    finding: dict[str, Any] = next(f for f in row["findings"] if f["test"].startswith(TEST))
    return finding


def test_the_terminal_shows_the_test_example_timeline_hint_and_replay(
    runs: dict[str, Any],
) -> None:
    completed = runs["stale"]
    assert completed.returncode == 1, completed.stderr[-3000:]
    out = completed.stdout
    start = out.index("CACHE-02 (MUST) fail: " + TEST)
    block = out[start : out.index("\n      replay: ", start) + 200]  # the requirement's findings
    first = block.split("\n  CACHE-02", 1)[0]  # the first finding, which has the timeline
    assert "\n      example: " in first
    timeline = [line for line in first.splitlines() if line.startswith("      t=")]
    assert 3 <= len(timeline) <= 15, block
    # A fetch shows on its query's line or on its own; a line is cut to the screen's width,
    # so a long query may hide the fetch's details.
    assert any(re.search(r"\bfetch\s+GET /j", line) for line in timeline), block
    assert " EXPECTED   expected a fetch by t=" in timeline[-1]
    assert "\n      If this fails, check that staleness uses" in block
    assert re.search(r"\n      replay: jwkconform run --adapter stale:factory .*--test ", block)


def test_the_json_finding_carries_example_timeline_and_the_missing_fetch(
    runs: dict[str, Any],
) -> None:
    document = _document(runs)
    jsonschema.validate(document, SCHEMA)
    assert document["schema_version"] == 3
    assert (document["implementation_version"], _document(runs, "ref.json")[
        "implementation_version"]) == ("0.1", "0.1.0")  # fmt: skip
    finding = _finding(document)
    assert "JWK(" in finding["example"]
    assert "cacheTimeout" in finding["example"]
    events = finding["timeline"]["events"]
    fetches = [e for e in events if e["kind"] == "fetch" and not e["expected"]]
    expected = [e for e in events if e["expected"]]
    failure = next(e for e in events if e["kind"] == "failure")
    assert fetches[0]["t"] == 0
    assert fetches[0]["status"] == "200"
    assert fetches[0]["kids"]
    assert [e["kind"] for e in expected] == ["fetch"]
    # The fetch that should have come at the moment the check failed, and did not.
    assert expected[0]["t"] == failure["t"] > fetches[-1]["t"]
    assert expected[0]["missing"] == 1
    clock = [e for e in events if e["kind"] == "clock"]
    assert clock
    assert clock[-1]["t"] == failure["t"]
    queries = [e for e in events if e["kind"] == "query" and e["t"] == failure["t"]]
    assert queries, "the query at the boundary is on the timeline"
    assert not PRIVATE.search(json.dumps(document)), "private key material in the report"


def test_the_markdown_report_shows_the_finding_and_its_timeline(runs: dict[str, Any]) -> None:
    text = (runs["folder"] / "out" / "r.md").read_text(encoding="utf-8")
    assert "- implementation version: 0.1" in text
    section = text[text.index("### CACHE-02 (MUST, fail)") :]
    assert f"Test `{TEST}" in section
    assert "Example: `" in section
    assert re.search(r"```text\nt=0 +note .*\n(?:.*\n)*t=\S+ +EXPECTED +expected a fetch", section)
    assert "Replay: `jwkconform run --adapter stale:factory" in section
    assert not PRIVATE.search(text)


def test_the_html_report_draws_the_timeline_with_the_expected_fetch(runs: dict[str, Any]) -> None:
    page = (runs["folder"] / "out" / "r.html").read_text(encoding="utf-8")
    finding = page[page.index('<article class="finding" id="finding-CACHE-02"') :]
    assert TEST in finding
    assert '<svg class="timeline"' in finding
    assert '<rect class="mark fetch expected"' in finding
    assert ">expected fetch</text>" in finding
    assert '<rect class="mark fetch ok"' in finding  # the fetch that did happen, at t = 0
    assert "stale-one-tick-late 0.1 &lt;b&gt;&amp;" in page
    assert "0.1 <b>" not in page
    assert not PRIVATE.search(page)


def test_the_replay_command_reproduces_the_finding_as_printed(runs: dict[str, Any]) -> None:
    first = _finding(_document(runs))
    words = shlex.split(first["replay"])
    assert words[:2] == ["jwkconform", "run"]
    assert "--seed" in words
    assert "--test" in words
    again = jwkconform(runs["folder"], *words[1:], "--report-json", "out/again.json")
    assert again.returncode == 1, again.stderr[-3000:]
    replayed = _finding(_document(runs, "again.json"))
    assert (replayed["test"], replayed["example"]) == (first["test"], first["example"])
    assert replayed["message"] == first["message"]


def test_diff_reports_the_regressions_against_the_references_report(
    runs: dict[str, Any],
) -> None:
    assert runs["reference"].returncode == 0, runs["reference"].stderr[-3000:]
    completed = jwkconform(runs["folder"], "diff", "out/ref.json", "out/r.json")
    assert completed.returncode == 1, completed.stderr
    assert re.search(r"^CACHE-02 +MUST +pass -> fail +REGRESSION$", completed.stdout, re.M)
    assert completed.stdout.rstrip().endswith("1 regression")
    back = jwkconform(runs["folder"], "diff", "out/r.json", "out/ref.json")
    assert back.returncode == 0, back.stdout
    assert re.search(r"^CACHE-02 +MUST +fail -> pass$", back.stdout, re.M)
