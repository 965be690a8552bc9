"""The requirement registry: the specification's requirements as data the harness looks up.

This is the one source of truth for the catalogue inside the package. Each `Requirement`
holds its ID, level, a one-line summary, the full requirement in the project's words, why
it exists, where it comes from, the capabilities without which it does not apply, and a
hint for an implementer whose test of it failed (the type in `_requirement`). The rows live
in three modules by group (`_requirements_store`, `_requirements_use`,
`_requirements_publisher`); the decisions that bear on a requirement are in `_decisions`,
and the tests that check it are read from the suites' markers (`_spec`), so nothing is
listed twice.

>>> from jwkconform.harness.spec._registry import GROUPS, UnknownRequirement, by_group, requirement
>>> req = requirement("CACHE-03")
>>> str(req.level), req.group, GROUPS[req.group]
('MUST', 'CACHE', 'Cache')
>>> [r.id for r in by_group("ORD")]
['ORD-01', 'ORD-02', 'ORD-03']
>>> requirement("CACHE-05").gates
('coalescing',)
>>> try:
...     requirement("KID-3")
... except UnknownRequirement as error:
...     print(error)
unknown requirement 'KID-3'; did you mean KID-03, KID-06, KID-05?
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from jwkconform.harness.spec._index import by_id
from jwkconform.harness.spec._requirement import SOURCES, Level, Requirement, Source
from jwkconform.harness.spec._requirements_publisher import ROWS as PUBLISHER
from jwkconform.harness.spec._requirements_store import ROWS as STORE
from jwkconform.harness.spec._requirements_use import ROWS as USE

__all__ = [
    "GROUPS",
    "REQUIREMENTS",
    "SOURCES",
    "Level",
    "Requirement",
    "Source",
    "UnknownRequirement",
    "by_group",
    "requirement",
]


class UnknownRequirement(KeyError):
    """A requirement ID that the catalogue does not have."""

    def __init__(self, requirement_id: str, suggestions: Iterable[str] = ()) -> None:
        self.requirement_id = requirement_id
        self.suggestions = tuple(suggestions)
        message = f"unknown requirement {requirement_id!r}"
        if self.suggestions:
            message += f"; did you mean {', '.join(self.suggestions)}?"
        super().__init__(message)

    def __str__(self) -> str:
        # KeyError would show the repr of its argument; the message reads better plain.
        return str(self.args[0])


GROUPS: Mapping[str, str] = MappingProxyType(
    {
        "CFG": "Store configuration",
        "LOAD": "Loading the set",
        "KID": "Named secrets and kid fallback",
        "PUR": "Purpose filtering and constraints",
        "ORD": "Order",
        "CACHE": "Cache",
        "LEASE": "Leases",
        "PUB": "JWK URI publisher",
        "RT": "Round trip",
    }
)


REQUIREMENTS: Mapping[str, Requirement] = by_id((*STORE, *USE, *PUBLISHER), "requirement")
"""Every requirement by ID, in catalogue order."""


def requirement(id: str) -> Requirement:
    """The requirement with ID ``id``; `UnknownRequirement` names close IDs when it is absent."""
    try:
        return REQUIREMENTS[id]
    except KeyError:
        # "kid-3" is compared as "KID-03", so the likely intended ID comes first.
        wanted = re.sub(r"-(\d)$", r"-0\1", id.strip().upper())
        close = difflib.get_close_matches(wanted, REQUIREMENTS, n=3)
        raise UnknownRequirement(id, close) from None


def by_group(group: str) -> tuple[Requirement, ...]:
    """The requirements of ``group`` (a code such as ``"KID"``), in catalogue order."""
    if group not in GROUPS:
        raise KeyError(f"unknown requirement group {group!r}; known: {', '.join(GROUPS)}")
    return tuple(row for row in REQUIREMENTS.values() if row.group == group)
