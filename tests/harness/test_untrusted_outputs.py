"""Hostile text from the implementation through every output: the JSON, Markdown and HTML
reports, JUnit XML, the matrix (Markdown and HTML), ``jwkconform diff`` and the terminal.

The text comes from `hostile_text`: every Unicode category, lone surrogates, control
characters, and markup of each format. Whatever it is, every output is written, each JSON
and XML parses, the Markdown parsed by markdown-it-py has exactly the elements the report
makes of a harmless text, and the HTML parsed by html.parser has no element or attribute
that the harmless page lacks.
"""

from __future__ import annotations

import copy
import json
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from markdown_it import MarkdownIt
from test_report_html import _document

from jwkconform.harness._untrusted import json_safe, terminal, xml
from jwkconform.harness.report._diff import lines as diff_lines
from jwkconform.harness.report._matrix import render
from jwkconform.harness.report._matrix_html import render_html
from jwkconform.harness.report._matrix_reports import Report
from jwkconform.harness.report._report_html import html_report
from jwkconform.harness.report._report_md import markdown_report
from jwkconform.harness.spec._registry import REQUIREMENTS

MARKUP = [
    "```", "~~~", "\n```\n## all passed\n", "\n# forged\n", "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">', "<!--", "-->", "|", "\n| a | b |\n|---|---|\n", "[x](y)",
    "![i](j)", "<http://evil.example>", "*em* _em_ **b**", "~~s~~", "&amp;", "&#x3c;", "\\",
    "`", "``", "\n---\n", "\n    indented\n", "\n> quote\n", "\n- item\n", "\n1. item\n",
    "\x1b[2J", "\x1b]0;title\x07", "\x00", "\x07", "\r\n", "\r", "\u2028", "\u202e", "\ufeff",
    "\ud800", "\udfff", "\ufffe", "\U0001f600", "]]>", "<![CDATA[", "\x0c", "\x85",
]  # fmt: skip
# Every category, surrogates included (Hypothesis leaves them out unless asked).
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())


def hostile_text() -> st.SearchStrategy[str]:
    """Text an implementation might send to break an output: any characters, and markup."""
    piece = st.one_of(st.text(ANY_CHARACTER, max_size=8), st.sampled_from(MARKUP))
    # Not blank: a blank text leaves out its line, which is the report's own choice.
    return st.lists(piece, min_size=1, max_size=6).map("".join).filter(str.strip)


def _with(text: str) -> dict[str, Any]:
    """The test report with ``text`` wherever an implementation's text goes."""
    d = copy.deepcopy(_document())
    d["implementation"] = d["implementation_version"] = d["adapter"] = text
    d["capabilities"] = ["named", text]
    d["incomplete"] = [text]
    row = d["requirements"][0]
    row["message"] = text
    finding = row["findings"][0]
    for name in ("message", "example", "test", "replay"):
        finding[name] = text
    finding["cause"]["stderr"] = text
    for event in finding["timeline"]["events"]:
        event["text"] = text
        if "kids" in event:
            event["kids"] = [text]
    return d


def _read_back(document: dict[str, Any], text: str) -> dict[str, Any]:
    """``document`` as `jwkconform matrix` or `diff` read it: a file that anyone may have
    written, with a requirement whose ID and summary are ``text`` too."""
    unknown = {**document["requirements"][1], "id": text, "summary": text, "message": text}
    return {**document, "requirements": [*document["requirements"], unknown]}


def _markdown_elements(text: str) -> Counter[str]:
    """Every element markdown-it-py finds (CommonMark, GFM tables and strikethrough), but
    the text runs."""
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    found: Counter[str] = Counter()
    for token in parser.parse(text):
        found[token.type] += 1
        for child in token.children or ():
            if child.type != "text":
                found[child.type] += 1
    return found


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.seen: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        self.seen.update(f"{tag}@{name}" for name, _ in attrs)


def _html_elements(page: str) -> set[str]:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser.seen


def _shows_as_itself(text: str) -> bool:
    """No character a terminal acts on or hides: controls, format characters, separators,
    surrogates, private or unassigned code points."""
    return not any(unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" for c in text)


def _outputs(text: str) -> dict[str, str]:
    safe = json_safe(_with(text))  # as write_reports does
    read = json_safe(_read_back(safe, text))  # as load_report does
    report = Report("r.json", read)
    return {
        "json": json.dumps(safe, indent=2),
        "markdown": markdown_report(safe),
        "html": html_report(safe),
        "matrix": render([report]),
        "matrix-html": render_html([report]),
        "diff": "\n".join(terminal(line) for line in diff_lines(safe, read, "a", "b")),
    }


HARMLESS = _outputs("harmless")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text())
@example(text="CFG-")  # an ID of a catalogue group's shape: once sorted into that group
def test_hostile_text_never_breaks_an_output(text: str) -> None:
    # A text that is a catalogue ID makes the read-back row that requirement's own, not one
    # of its own section: the elements differ from the harmless text's by design.
    assume(json_safe(text) not in REQUIREMENTS)
    outputs = _outputs(text)
    for output in outputs.values():
        output.encode("utf-8")  # every output can be written (a lone surrogate could not)
    assert json.loads(outputs["json"])["implementation"] == json_safe(text)
    for name in ("markdown", "matrix"):
        assert _markdown_elements(outputs[name]) == _markdown_elements(HARMLESS[name]), name
    for name in ("html", "matrix-html"):
        extra = _html_elements(outputs[name]) - _html_elements(HARMLESS[name])
        assert not extra, (name, extra)
    assert _shows_as_itself(outputs["diff"].replace("\n", ""))


@settings(max_examples=150, deadline=None)
@given(text=hostile_text())
def test_hostile_text_in_junit_xml_parses_back(text: str) -> None:
    """What pytest's JUnit writer does with the suite name (ElementTree, UTF-8)."""
    suite = ET.Element("testsuite", name=xml(text))
    ET.SubElement(suite, "property", name="reason", value=xml(text)).text = xml(text)
    parsed = ET.fromstring(ET.tostring(suite, encoding="utf-8"))
    assert parsed.get("name") == xml(text)


@settings(max_examples=150, deadline=None)
@given(text=hostile_text())
def test_hostile_text_on_the_terminal_has_no_control_character(text: str) -> None:
    assert _shows_as_itself(terminal(text))


HOSTILE_ADAPTER = r"""
from jwkconform.harness.reference_adapter import ReferenceAdapter


class Hostile(ReferenceAdapter):
    name = "impl\x1b[2J\x1b]0;pwned\x07\n## all passed\n```\n<script>x</script>\ud800"
    version = "1.0\ud800\n# forged"


def factory():
    return Hostile()
"""


def test_a_hostile_implementation_name_breaks_no_report_and_no_terminal(
    pytester: pytest.Pytester,
) -> None:
    """R2-R5 end to end: every report is written and parses, nothing is forged, the run's
    exit status is the verdicts'."""
    pytester.makepyfile(hostile=HOSTILE_ADAPTER)
    pytester.makepyfile(
        test_one=r"""
        import pytest

        @pytest.mark.jwk_requirement("KID-01")
        def test_lookup(jwk_target):
            with jwk_target.open_store(document={"keys": []}) as rig:
                assert rig.store.named("verify", "a") is None

        @pytest.mark.jwk_requirement("ORD-01")
        def test_order(jwk_target):
            raise AssertionError("```\n## forged\ud800\x1b[2J\x07 <script>x</script>")
        """
    )
    result = pytester.runpytest(
        "--jwk-adapter", "hostile.py:factory", "--junitxml", "out/j.xml",
        "--jwk-report-json", "out/r.json", "--jwk-report-md", "out/r.md",
        "--jwk-report-html", "out/r.html",
    )  # fmt: skip
    assert result.ret == 1, result.stdout.str()[-3000:]  # ORD-01 failed, nothing else broke
    out = pytester.path / "out"
    document = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert document["implementation"].startswith("impl\x1b[2J")
    verdicts = {r["id"]: r["verdict"] for r in document["requirements"]}
    assert (verdicts["KID-01"], verdicts["ORD-01"]) == ("pass", "fail")
    report = (out / "r.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable(["table"]).parse(report)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0].startswith("Conformance report: impl")
    assert not [h for h in headings if h.startswith(("all passed", "forged"))], headings
    assert not [t for t in tokens if t.type.startswith("html")]
    assert "forged" in report  # the message is in the report: in a code block
    suite = ET.parse(out / "j.xml").getroot().find("testsuite")
    assert suite is not None
    assert suite.get("name", "").startswith("impl\\x1b[2J")
    assert "<script>x" not in (out / "r.html").read_text(encoding="utf-8")
    assert "\x1b[2J" not in result.stdout.str()
    assert "\x07" not in result.stdout.str()
