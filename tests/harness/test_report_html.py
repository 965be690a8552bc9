"""The HTML report and HTML matrix: one self-contained file each (nothing fetched from
anywhere), every text escaped, rows filterable, each finding's timeline drawn."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from report_adapters import jwkconform

from jwkconform.harness.report._report_html import html_report
from jwkconform.harness.report._svg import timeline_svg

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
# Anything that would make the browser fetch: a URL in src/href/action, a stylesheet or
# script from elsewhere, a CSS import or url().
FETCHES = re.compile(
    r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"""
    r"""|<script[^>]*\bsrc\b|<link\b|@import|url\(|<iframe|<object|<embed""",
    re.IGNORECASE,
)


def self_contained(page: str) -> list[str]:
    """What in ``page`` would reach beyond the file (empty: nothing)."""
    return FETCHES.findall(page)


def _document() -> dict[str, Any]:
    timeline = {"origin": 1000.0, "omitted": 0, "events": [
        {"t": 0, "kind": "query", "text": "valid('verify')", "expected": False},
        {"t": 0, "kind": "fetch", "text": "GET /jwks.json: 200, kids ['a']", "expected": False,
         "status": "200", "kids": ["a"], "fault": None},
        {"t": 0, "kind": "answer", "text": "valid -> ['a']", "expected": False, "kids": ["a"]},
        {"t": 60, "kind": "clock", "text": "clock +60 s", "expected": False, "step": 60},
        {"t": 60, "kind": "fetch", "text": "GET /jwks.json: 503 (fault Status(503))",
         "expected": False, "status": "503", "fault": "Status(503)"},
        {"t": 120, "kind": "failure", "text": f"failed: {HOSTILE}", "expected": False},
        {"t": 120, "kind": "fetch", "text": "expected a fetch by t=120 s", "expected": True,
         "missing": 1},
    ]}  # fmt: skip
    finding = {"test": "test_cache.py::test_x[<b>]", "outcome": "failed",
               "message": f"{HOSTILE}\nassert 1 == 2", "replay": "jwkconform run --test 'x<y'",
               "example": f"keys={HOSTILE}", "timeline": timeline,
               "cause": {"exit_status": 3, "stderr": f"boom {HOSTILE}"}}  # fmt: skip
    rows = [
        {"id": "CACHE-02", "level": "MUST", "verdict": "fail", "tests": ["t"], "message": "m",
         "summary": f"reloads {HOSTILE}", "source": "000", "hint": "If this fails, check.",
         "findings": [finding]},
        {"id": "LOAD-05", "level": "SHOULD", "verdict": "non-strict", "tests": ["t"],
         "message": "m", "summary": "s", "source": "000", "hint": "h", "findings": []},
        {"id": "KID-01", "level": "MUST", "verdict": "pass", "tests": ["t"], "message": None,
         "summary": "s", "source": "000", "hint": "h", "findings": []},
    ]  # fmt: skip
    return {
        "schema_version": 3, "jwkconform": "0.1.0", "implementation": f"impl {HOSTILE}",
        "implementation_version": "1.0", "adapter": "https://evil.example/x.js",
        "transport": "respx", "seed": 5, "profile": "dev", "strict": False, "complete": False,
        "incomplete": [HOSTILE], "exit_status": 1, "started": "2026-11-30T00:00:00+00:00",
        "duration": 1.5, "versions": {"python": "3.11", "pytest": "9", "hypothesis": "6",
                                      "platform": "x"},
        "capabilities": ["named"], "key_support": {"kinds": ["RSA"], "algorithms": ["RS256"]},
        "summary": {"error": 0, "fail": 1, "non-strict": 1, "xfail": 0, "pass": 1, "blocked": 0,
                    "skip": 0, "untested": 0},
        "requirements": rows, "tests": [],
        "expectations": {"file": None, "stale": [], "mismatches": [
            {"id": "KID-01", "expected": "fail", "got": "pass"}]},
    }  # fmt: skip


def test_the_report_is_one_self_contained_page_with_every_text_escaped() -> None:
    page = html_report(_document())
    assert page.startswith("<!DOCTYPE html>")
    assert not self_contained(page), self_contained(page)
    assert "<script>" in page
    assert page.count("<script") == 1
    assert HOSTILE not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in page
    assert "https://evil.example/x.js" in page  # as text, not as a link


def test_a_page_that_fetched_something_is_caught() -> None:
    bad = ['<img src="https://x/y.png">', "<script src=a.js></script>",
           '<a href="//cdn.example/x">', "<style>@import 'x.css';</style>",
           '<link rel="stylesheet" href="s.css">', '<div style="background: url(x)">']  # fmt: skip
    for page in bad:
        assert self_contained(page), page


def test_rows_and_findings_carry_their_level_and_verdict_for_the_filter() -> None:
    page = html_report(_document())
    rows = re.findall(r'<tr id="row-([A-Z0-9-]+)" data-filtered data-level="(\w+)"'
                      r' data-verdict="([\w-]+)"', page)  # fmt: skip
    assert rows == [("CACHE-02", "MUST", "fail"), ("LOAD-05", "SHOULD", "non-strict"),
                    ("KID-01", "MUST", "pass")]  # fmt: skip
    assert '<article class="finding" id="finding-CACHE-02" data-filtered data-level="MUST"' in page
    assert '<select id="filter-level">' in page
    assert '<select id="filter-verdict">' in page
    assert '<a href="#finding-CACHE-02">CACHE-02</a>' in page


def test_a_finding_shows_example_cause_replay_and_its_timeline() -> None:
    page = html_report(_document())
    finding = page[page.index('id="finding-CACHE-02"') :]
    for part in ('class="example"', 'class="cause"', "The driver exited 3",
                 'class="replay">jwkconform run --test &#x27;x&lt;y&#x27;</code>',
                 '<svg class="timeline"', "<details><summary>Events (7)"):  # fmt: skip
        assert part in finding, part
    assert "Against the ground truth" in page


def test_the_timeline_marks_queries_fetches_the_failure_and_the_expected_fetch() -> None:
    svg = timeline_svg(_document()["requirements"][0]["findings"][0]["timeline"])
    assert svg.count('<circle class="mark query"') == 1
    assert svg.count('<rect class="mark fetch ok"') == 1
    assert svg.count('<rect class="mark fetch fault"') == 1
    assert svg.count('<rect class="mark fetch expected"') == 1
    assert ">expected fetch</text>" in svg
    assert ">check failed</text>" in svg
    assert svg.count('class="mark clock"') == 1
    # The expected fetch sits at t = 120 s, the right end of the axis; the first at 0 s.
    xs = {m[0]: float(m[1]) for m in re.findall(r'class="mark fetch (\w+)" x="([\d.]+)"', svg)}
    assert xs["ok"] < xs["fault"] < xs["expected"]
    assert "<title>t=120 s: expected a fetch by t=120 s</title>" in svg
    assert "xmlns" not in svg  # inline in HTML: no namespace URL to name


def test_the_plugin_writes_the_html_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_one="""
        import pytest

        @pytest.mark.jwk_requirement("KID-01")
        def test_lookup(jwk_target):
            with jwk_target.open_store(document={"keys": []}) as rig:
                assert rig.store.named("verify", "a") is not None, "no secret 'a'"
        """
    )
    pytester.runpytest("--jwk-report-html", "out/r.html")
    page = (pytester.path / "out" / "r.html").read_text(encoding="utf-8")
    assert not self_contained(page)
    assert 'data-level="MUST" data-verdict="fail"' in page
    assert "no secret &#x27;a&#x27;" in page
    # The named() query of the failing test, at one instant: asked, served, answered.
    assert '<text class="cell query"' in page


def test_the_matrix_is_written_as_html_too(tmp_path: Path) -> None:
    document = _document()
    document["complete"], document["incomplete"] = True, []
    (tmp_path / "a.json").write_text(json.dumps(document), encoding="utf-8")
    completed = jwkconform(tmp_path, "matrix", "a.json", "--html", "out/m.html", timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert not completed.stdout, "with --html and no --out nothing goes to stdout"
    page = (tmp_path / "out" / "m.html").read_text(encoding="utf-8")
    assert not self_contained(page)
    assert HOSTILE not in page
    assert re.search(r'<tr id="row-CACHE-02" data-filtered data-level="MUST" data-verdict="fail"',
                     page)  # fmt: skip
    assert '<tr id="row-CFG-01" data-filtered data-level="MUST" data-verdict="n/a"' in page
    assert '<select id="filter-verdict">' in page
    assert "Differences by implementation" in page


def test_a_failure_at_one_instant_is_drawn_as_request_set_and_answer() -> None:
    events = [
        {"t": 0, "kind": "note", "text": "endpoint serves kids ['A', 'a']", "kids": ["A", "a"]},
        {"t": 0, "kind": "query", "text": "named('verify', 'A')"},
        {"t": 0, "kind": "fetch", "text": "GET /jwks.json: 200", "status": "200",
         "kids": ["A", "a"]},
        {"t": 0, "kind": "answer", "text": "named -> 'A'"},
        {"t": 0, "kind": "query", "text": "named('verify', 'a')"},
        {"t": 0, "kind": "answer", "text": "named -> 'A'"},
        {"t": 0, "kind": "failure", "text": "failed: the named secret for kid 'a' is 'A'"},
    ]  # fmt: skip
    svg = timeline_svg({"events": [{**e, "expected": False} for e in events]})
    assert 'class="timeline instant"' in svg
    assert 'class="tick"' not in svg  # no empty time axis
    cells = re.findall(r'<text class="cell (\w+)[^>]*><title>([^<]*)</title>', svg)
    row = [
        ("query", "named(&#x27;verify&#x27;, &#x27;{}&#x27;)"),
        ("served", "200: kids [&#x27;A&#x27;, &#x27;a&#x27;]"),
        ("answer", "&#x27;A&#x27;"),
    ]
    assert cells == [(k, t.format(kid)) for kid in "Aa" for k, t in row]  # fmt: skip
    assert "check failed: the named secret for kid" in svg


def test_the_chart_takes_the_page_width_and_each_store_gets_one() -> None:
    events = [
        {"t": t, "kind": "fetch", "text": "GET", "status": "200", "expected": False, "store": n}
        for n in (1, 2) for t in (0, 120.001)
    ]  # fmt: skip
    svg = timeline_svg({"events": events}, store=1)
    assert 'width="' not in svg.split(">", 1)[0]  # sized by the page (CSS width: 100%)
    document = _document()
    document["requirements"][0]["findings"][0]["timeline"]["events"] = events
    page = html_report(document)
    assert "svg.timeline { width: 100%;" in page
    assert page.count('<figure class="timeline">') == 2
    assert "store 1 of 2: " in page
    assert "store 2 of 2: " in page
