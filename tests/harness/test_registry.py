"""The requirement registry is well formed and mirrors the requirement catalogue."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from typing import NamedTuple

import pytest

import jwkconform.harness._registry as registry_module
from jwkconform.harness._registry import (
    GROUPS,
    REQUIREMENTS,
    Level,
    Requirement,
    UnknownRequirement,
    by_group,
    requirement,
)

# The catalogue lives in the shared spec next to the project; users' checkouts do not have it.
CATALOGUE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "requirements.md"

ID_PATTERN = re.compile(r"^[A-Z]+-\d{2}$")
ROW_PATTERN = re.compile(r"^\|\s*[A-Z]+-\d{2}\s*\|")
HEADING_PATTERN = re.compile(r"^##\s+(?P<title>.+?)\s+\((?P<code>[A-Z]+)\)\s*$")
CATALOGUE_ORDER = ("CFG", "LOAD", "KID", "PUR", "ORD", "CACHE", "LEASE", "PUB", "RT")


class CatalogueRow(NamedTuple):
    id: str
    level: str
    requirement: str
    source: str


def _catalogue_text() -> str:
    if not CATALOGUE.is_file():
        pytest.skip(
            f"requirement catalogue not found at {CATALOGUE}; it ships with the development"
            " tree, not with the package"
        )
    return CATALOGUE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalogue_rows() -> list[CatalogueRow]:
    rows = []
    for line in _catalogue_text().splitlines():
        if not ROW_PATTERN.match(line):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 4, f"catalogue row does not have 4 cells: {line!r}"
        rows.append(CatalogueRow(*cells))
    assert rows, f"no requirement rows found in {CATALOGUE}"
    return rows


@pytest.fixture(scope="module")
def catalogue_groups() -> dict[str, str]:
    groups = {}
    for line in _catalogue_text().splitlines():
        match = HEADING_PATTERN.match(line)
        if match:
            groups[match["code"]] = match["title"]
    return groups


def _words(text: str) -> str:
    return " ".join(text.replace("`", "").split()).casefold()


# --- the rows themselves ---------------------------------------------------------------


@pytest.mark.parametrize("req", list(REQUIREMENTS.values()), ids=list(REQUIREMENTS))
def test_row_is_well_formed(req: Requirement) -> None:
    assert isinstance(req, Requirement)
    assert ID_PATTERN.match(req.id), req.id
    assert REQUIREMENTS[req.id] is req
    assert isinstance(req.level, Level)
    assert req.group in GROUPS
    for text in (req.statement, req.source, req.hint):
        assert text.strip() == text
        assert text
        assert "\n" not in text
    assert len(req.statement) <= 110, f"{req.id}: statement is {len(req.statement)} chars"
    assert req.hint.startswith("check "), req.hint
    if req.level is Level.MAY:
        assert req.capability, f"{req.id} is MAY but names no capability"
    else:
        assert req.capability is None, f"{req.id} is {req.level} yet names a capability"


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        REQUIREMENTS["NEW-01"] = REQUIREMENTS["CFG-01"]  # type: ignore[index]
    with pytest.raises(TypeError):
        GROUPS["NEW"] = "New"  # type: ignore[index]


def test_groups_in_catalogue_order() -> None:
    assert tuple(GROUPS) == CATALOGUE_ORDER
    seen = list(dict.fromkeys(req.group for req in REQUIREMENTS.values()))
    assert seen == list(CATALOGUE_ORDER)


def test_only_may_is_coalescing() -> None:
    may = [req for req in REQUIREMENTS.values() if req.level is Level.MAY]
    assert [(req.id, req.capability) for req in may] == [("CACHE-05", "coalescing")]


def test_pub_05_is_must_and_carries_the_realm_override() -> None:
    pub_05 = requirement("PUB-05")
    assert pub_05.level is Level.MUST
    assert "SHOULD" in pub_05.statement


def test_level_renders_as_its_word() -> None:
    assert [str(level) for level in Level] == ["MUST", "SHOULD", "MAY"]
    assert Level("SHOULD") is Level.SHOULD


# --- lookups ---------------------------------------------------------------------------


def test_requirement_finds_a_known_id() -> None:
    req = requirement("KID-03")
    assert req.id == "KID-03"
    assert req.group == "KID"


def test_unknown_id_suggests_the_closest() -> None:
    with pytest.raises(UnknownRequirement) as caught:
        requirement("KID-3")
    assert isinstance(caught.value, KeyError)
    assert "KID-3" in str(caught.value)
    assert "KID-03" in str(caught.value)
    assert caught.value.suggestions[0] == "KID-03"


def test_unknown_id_far_from_any_has_no_suggestion() -> None:
    with pytest.raises(UnknownRequirement, match=r"^unknown requirement 'XYZZY'$"):
        requirement("XYZZY")


def test_lookup_is_exact() -> None:
    with pytest.raises(UnknownRequirement, match="KID-03"):
        requirement("kid-03")


def test_by_group_keeps_catalogue_order() -> None:
    assert [req.id for req in by_group("ORD")] == ["ORD-01", "ORD-02", "ORD-03"]
    assert [req.id for req in by_group("RT")] == ["RT-01"]
    everything = [req for group in GROUPS for req in by_group(group)]
    assert everything == list(REQUIREMENTS.values())


def test_by_group_refuses_an_unknown_group() -> None:
    with pytest.raises(KeyError, match="NOPE"):
        by_group("NOPE")


def test_docstring_example_runs() -> None:
    failures, attempted = doctest.testmod(registry_module)
    assert attempted > 0
    assert failures == 0


# --- against the catalogue -------------------------------------------------------------


def test_same_ids_in_same_order(catalogue_rows: list[CatalogueRow]) -> None:
    assert list(REQUIREMENTS) == [row.id for row in catalogue_rows]


def test_same_levels(catalogue_rows: list[CatalogueRow]) -> None:
    ours = {req.id: req.level.value for req in REQUIREMENTS.values()}
    assert ours == {row.id: row.level for row in catalogue_rows}


def test_same_sources(catalogue_rows: list[CatalogueRow]) -> None:
    ours = {req.id: req.source for req in REQUIREMENTS.values()}
    assert ours == {row.id: row.source for row in catalogue_rows}


def test_same_groups(catalogue_groups: dict[str, str]) -> None:
    assert dict(GROUPS) == catalogue_groups
    assert list(GROUPS) == list(catalogue_groups)


def test_statements_are_our_own_words(catalogue_rows: list[CatalogueRow]) -> None:
    copied = [
        row.id
        for row in catalogue_rows
        if _words(REQUIREMENTS[row.id].statement) == _words(row.requirement)
    ]
    assert copied == []
