"""The requirement registry: the specification's requirements as data the harness looks up.

This is the one source of truth for the catalogue inside the package. Each `Requirement`
holds its ID, level, a one-line summary, the full requirement in the project's words, why
it exists, where it comes from, the capabilities without which it does not apply, and a
hint for an implementer whose test of it failed. The rows live in three modules by group
(`_requirements_store`, `_requirements_use`, `_requirements_publisher`); the decisions that
bear on a requirement are in `_decisions`, and the tests that check it are read from the
suites' markers (`_spec`), so nothing is listed twice.

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
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

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


class Level(str, Enum):
    """How binding a requirement is: a MUST failure fails the run, a SHOULD failure is
    non-strict unless strict mode is on, and a MAY requirement applies only to
    implementations that declare the capability enabling it."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"

    def __str__(self) -> str:
        return self.value


# Where requirements come from. The vendor documents are known by the number the catalogue
# gave them; the project paraphrases them and never quotes them.
SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "000": "IG 7.2 reference, JwkSetSecretStore",
        "001": "IG 2023.11 reference, JwkSetSecretStore and its StatelessAccessTokenResolver"
        " example",
        "002": "AM 7.2.2, the relying party's JWK URI endpoint",
        "003": "Identity Cloud, the realm's JWK URI endpoint",
        "004": "AM 7.2.0, /oauth2/connect/rp/jwk_uri",
        "RFC 7517": "RFC 7517, JSON Web Key (JWK)",
        "RFC 7518": "RFC 7518, JSON Web Algorithms (JWA)",
        "RFC 8037": "RFC 8037, CFRG curves in JOSE",
        "SP 800-56A": "NIST SP 800-56A, public key validation",
        "research": "facts about the vendor's internals and peer libraries gathered for this"
        " project (the vendor's open-source ancestor, its javadoc and bug tracker; Nimbus,"
        " jose, PyJWT, .NET)",
        "derived": "derived from other requirements of this catalogue",
    }
)


@dataclass(frozen=True)
class Source:
    """One source of a requirement: a key of `SOURCES` and, optionally, the part meant."""

    ref: str
    detail: str = ""

    @property
    def name(self) -> str:
        """The source by name, as a reader can look it up: ``RFC 7518, ...: §3.3``."""
        return f"{SOURCES[self.ref]}: {self.detail}" if self.detail else SOURCES[self.ref]


@dataclass(frozen=True)
class Requirement:
    """One requirement of the specification.

    ``summary`` fits a table cell; ``text`` is the requirement in full; ``rationale`` says
    why it exists; ``gates`` are the capabilities an implementation must declare for the
    requirement to apply at all (without them its tests skip as not applicable); ``hint``
    completes "If this fails, ..." for an implementer.
    """

    id: str
    level: Level
    summary: str
    text: str
    rationale: str
    sources: tuple[Source, ...]
    hint: str
    gates: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        """The group code the ID starts with: ``"KID"`` for ``"KID-03"``."""
        return self.id.rpartition("-")[0]

    @property
    def source(self) -> str:
        """The sources by name as one line, as ``jwkconform spec`` names them."""
        return "; ".join(s.name for s in self.sources)


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


def _index(rows: Iterable[Requirement]) -> Mapping[str, Requirement]:
    table: dict[str, Requirement] = {}
    for row in rows:
        if row.id in table:
            raise ValueError(f"requirement {row.id} is listed twice")
        table[row.id] = row
    return MappingProxyType(table)


def _rows() -> Iterable[Requirement]:
    # Imported here: the row modules import the types above.
    from jwkconform.harness.spec._requirements_publisher import ROWS as PUBLISHER
    from jwkconform.harness.spec._requirements_store import ROWS as STORE
    from jwkconform.harness.spec._requirements_use import ROWS as USE

    return (*STORE, *USE, *PUBLISHER)


REQUIREMENTS: Mapping[str, Requirement] = _index(_rows())
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
