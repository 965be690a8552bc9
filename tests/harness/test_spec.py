"""The specification inside the package: registry, decisions, docs/spec.md and the markers agree.

Nothing here reads outside the repository: the registry is the source of truth, the
documents are rendered from it, and the tests each requirement lists come from the suites'
own markers, which pytest's collection must confirm.
"""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import jwkconform.harness.spec._decisions_publisher as decisions_publisher
import jwkconform.harness.spec._decisions_store as decisions_store
import jwkconform.harness.spec._decisions_use as decisions_use
import jwkconform.harness.spec._index as index_module
import jwkconform.harness.spec._registry as registry_module
import jwkconform.harness.spec._requirement as requirement_module
import jwkconform.harness.spec._requirements_publisher as requirements_publisher
import jwkconform.harness.spec._requirements_store as requirements_store
import jwkconform.harness.spec._requirements_use as requirements_use
from jwkconform.harness.seam._adapter import CAPABILITIES
from jwkconform.harness.spec._decision import Decision
from jwkconform.harness.spec._decisions import DECISIONS, decisions_for
from jwkconform.harness.spec._index import by_id
from jwkconform.harness.spec._registry import (
    GROUPS,
    REQUIREMENTS,
    SOURCES,
    Level,
    Requirement,
    UnknownRequirement,
    by_group,
    requirement,
)
from jwkconform.harness.spec._requirement import ANY_OF
from jwkconform.harness.spec._spec import (
    render_decisions_page,
    render_json,
    render_markdown,
    render_text,
    suite_tests,
)

ROOT = Path(__file__).resolve().parents[2]
ID_PATTERN = re.compile(r"^[A-Z]+-\d{2}$")
ORDER = ("CFG", "LOAD", "KID", "PUR", "ORD", "CACHE", "LEASE", "PUB", "RT")


@pytest.mark.parametrize("req", list(REQUIREMENTS.values()), ids=list(REQUIREMENTS))
def test_row_is_well_formed(req: Requirement) -> None:
    assert ID_PATTERN.match(req.id), req.id
    assert REQUIREMENTS[req.id] is req
    assert isinstance(req.level, Level)
    assert req.group in GROUPS
    for text in (req.summary, req.text, req.rationale, req.hint):
        assert text, req.id
        assert text == text.strip(), req.id
        assert "\n" not in text, req.id
    assert len(req.summary) <= 115, f"{req.id}: the summary is {len(req.summary)} characters"
    assert len(req.text) > len(req.summary) * 0.6, f"{req.id}: the text is no fuller"
    assert req.hint.startswith("check "), req.hint
    assert req.sources, req.id
    assert all(s.ref in SOURCES for s in req.sources), req.sources
    assert all(c in CAPABILITIES for gate in req.gates for c in gate.split(ANY_OF)), req.gates
    if req.level is Level.MAY:
        assert req.gates, f"{req.id} is MAY but names no capability that enables it"


def test_ids_are_in_group_order_and_numbered_without_gaps() -> None:
    assert tuple(GROUPS) == ORDER
    assert list(dict.fromkeys(r.group for r in REQUIREMENTS.values())) == list(ORDER)
    for group in ORDER:
        numbers = [int(r.id.rpartition("-")[2]) for r in by_group(group)]
        assert numbers == list(range(1, len(numbers) + 1)), group


def test_the_registry_holds_the_revised_catalogue() -> None:
    # The rows this round's catalogue revision added or reworded.
    assert requirement("CACHE-06").level is Level.SHOULD
    assert "failed reload" in requirement("CACHE-06").text
    assert "at least the active" in requirement("PUB-14").text
    assert "whole number" in requirement("CFG-07").text
    assert "too large" in requirement("CFG-08").text
    assert "miss rules" in requirement("KID-05").text
    assert requirement("KID-06").gates == ("resolver-config",)
    assert requirement("CACHE-05").gates == ("coalescing",)
    assert requirement("CFG-09").gates == ("http-client|default-client",)
    assert len(REQUIREMENTS) == 56


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        REQUIREMENTS["NEW-01"] = REQUIREMENTS["CFG-01"]  # type: ignore[index]
    with pytest.raises(TypeError):
        GROUPS["NEW"] = "New"  # type: ignore[index]


def test_unknown_id_suggests_the_closest() -> None:
    with pytest.raises(UnknownRequirement) as caught:
        requirement("KID-3")
    assert caught.value.suggestions[0] == "KID-03"
    with pytest.raises(UnknownRequirement, match=r"^unknown requirement 'XYZZY'$"):
        requirement("XYZZY")
    with pytest.raises(KeyError, match="NOPE"):
        by_group("NOPE")


def test_docstring_examples_run() -> None:
    import jwkconform.harness.spec._decisions as decisions_module
    import jwkconform.harness.spec._ground_truth as ground_truth_module
    import jwkconform.harness.spec._spec as spec_module

    for module in (
        index_module,
        requirement_module,
        registry_module,
        decisions_module,
        spec_module,
        ground_truth_module,
    ):
        failures, attempted = doctest.testmod(module)
        assert attempted > 0, module.__name__
        assert failures == 0, module.__name__


# -- decisions ------------------------------------------------------------------------------


def test_decisions_name_known_requirements_and_are_numbered_in_order() -> None:
    assert [d.id for d in DECISIONS.values()] == [f"D-{i}" for i in range(1, len(DECISIONS) + 1)]
    for d in DECISIONS.values():
        assert d.applies_to, d.id
        assert set(d.applies_to) <= set(REQUIREMENTS), d.id
        assert d.question
        assert d.answer
        assert d.why


@pytest.mark.parametrize(
    ("decisions", "requirements"),
    [
        (decisions_store.ROWS, requirements_store.ROWS),
        (decisions_use.ROWS, requirements_use.ROWS),
        (decisions_publisher.ROWS, requirements_publisher.ROWS),
    ],
    ids=["store", "use", "publisher"],
)
def test_a_decision_lives_with_the_first_requirement_it_bears_on(
    decisions: tuple[Decision, ...], requirements: tuple[Requirement, ...]
) -> None:
    ids = {r.id for r in requirements}
    assert decisions
    assert [d.id for d in decisions if d.applies_to[0] not in ids] == []


def test_a_row_listed_twice_is_refused() -> None:
    row = DECISIONS["D-1"]
    with pytest.raises(ValueError, match=r"^decision D-1 is listed twice$"):
        by_id((row, row), "decision")


def test_a_decision_that_tightens_a_requirement_is_in_its_text() -> None:
    """What the suites ask beyond a catalogue text is in the requirement's own text."""
    for d in DECISIONS.values():
        for rid, words in d.tightens:
            assert rid in d.applies_to, f"{d.id} tightens {rid} but does not apply to it"
            text = " ".join(REQUIREMENTS[rid].text.split())
            assert words in text, f"{d.id}: the text of {rid} does not say {words!r}"
    assert "Decisions that tighten a requirement" in render_decisions_page()


def test_decisions_for_finds_every_decision_of_a_requirement() -> None:
    assert [d.id for d in decisions_for("KID-02")] == ["D-20"]
    assert "D-6" in [d.id for d in decisions_for("CACHE-01")]


# -- the markers are the test lists ---------------------------------------------------------


def _collected_markers(pytester: pytest.Pytester) -> dict[str, set[str]]:
    """Requirement ID -> suite test functions, as pytest itself collects the markers."""
    pytester.makeconftest(
        """
import json

def pytest_collection_modifyitems(items):
    found = {}
    for item in items:
        for mark in item.iter_markers("jwk_requirement"):
            for rid in mark.args:
                name = item.nodeid.split("[", 1)[0].rsplit("/", 1)[-1]
                found.setdefault(rid, []).append(name)
    with open("markers.json", "w") as out:
        json.dump(found, out)
"""
    )
    result = pytester.runpytest_subprocess(
        "--pyargs", "jwkconform.suites", "--collect-only", "-q", "-p", "no:cacheprovider"
    )
    assert result.ret == 0, result.stdout.str()[-2000:]
    data = json.loads((pytester.path / "markers.json").read_text())
    return {rid: set(names) for rid, names in data.items()}


def test_the_test_lists_read_from_source_match_what_pytest_collects(
    pytester: pytest.Pytester,
) -> None:
    from_source = {rid: set(tests) for rid, tests in suite_tests().items()}
    assert from_source == _collected_markers(pytester)


def test_every_marker_names_a_known_requirement() -> None:
    assert set(suite_tests()) <= set(REQUIREMENTS)


# -- the documents --------------------------------------------------------------------------


def test_docs_spec_md_is_the_rendered_specification() -> None:
    text = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    assert text == render_markdown(), "run: jwkconform spec --format markdown > docs/spec.md"


def test_docs_decisions_md_is_rendered_from_the_decisions() -> None:
    text = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    assert text == render_decisions_page(), (
        "run: jwkconform spec --format decisions > docs/decisions.md"
    )


def test_docs_ground_truth_md_is_rendered_from_the_shipped_ground_truth() -> None:
    from jwkconform.harness.spec._ground_truth import render_ground_truth_page

    text = (ROOT / "docs" / "ground-truth.md").read_text(encoding="utf-8")
    assert text == render_ground_truth_page(), (
        "run: jwkconform spec --format ground-truth > docs/ground-truth.md"
    )


def test_the_spec_document_stands_alone() -> None:
    text = render_markdown()
    for req in REQUIREMENTS.values():
        assert f"### {req.id}\n" in text
        assert req.text in text
        assert req.rationale in text
    for d in DECISIONS.values():
        assert d.answer.replace("|", "\\|") in text
    for heading in ("## Levels", "## Time", "## Purposes", "## Sources", "## Decisions"):
        assert heading in text


def test_json_is_the_whole_specification() -> None:
    document = json.loads(render_json())
    assert [r["id"] for r in document["requirements"]] == list(REQUIREMENTS)
    assert [d["id"] for d in document["decisions"]] == list(DECISIONS)
    kid = next(r for r in document["requirements"] if r["id"] == "KID-02")
    assert kid["tests"] == list(suite_tests()["KID-02"])
    assert kid["decisions"] == ["D-20"]
    assert kid["hint"].startswith("If this fails, check ")


def test_one_requirement_in_text_has_everything() -> None:
    text = render_text(["KID-06"])
    assert text.startswith("KID-06 (MUST): ")
    for part in ("why:", "sources:", "resolver-config", "tests (", "If this fails, check"):
        assert part in text


def _spec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", "spec", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_jwkconform_spec_prints_one_requirement_with_its_tests() -> None:
    done = _spec("KID-03")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("KID-03 (MUST)")
    for test in suite_tests()["KID-03"]:
        assert test in done.stdout
    assert "If this fails, check" in done.stdout


def test_jwkconform_spec_refuses_an_unknown_id_in_one_line() -> None:
    done = _spec("KID-3")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "jwkconform spec: error: unknown requirement 'KID-3'; did you mean KID-03, KID-06, KID-05?"
    ]


def test_jwkconform_spec_formats() -> None:
    assert json.loads(_spec("--format", "json").stdout)["requirements"]
    assert _spec("--format", "markdown").stdout == render_markdown()
    assert _spec("KID-01", "--format", "markdown").returncode == 2
