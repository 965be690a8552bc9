"""The requirement row: one requirement of the specification, its level and its sources.

The rows themselves are in `_requirements_store`, `_requirements_use` and
`_requirements_publisher`; `_registry` gathers them and looks them up.

>>> from jwkconform.harness.spec._requirement import Source
>>> Source("RFC 7518", "§3.3").name
'RFC 7518, JSON Web Algorithms (JWA): §3.3'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Final

__all__ = ["ANY_OF", "SOURCES", "Level", "Requirement", "Source", "gate_text"]


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


@dataclass(frozen=True, kw_only=True)
class Requirement:
    """One requirement of the specification.

    ``summary`` fits a table cell; ``text`` is the requirement in full; ``rationale`` says
    why it exists; ``gates`` are the capabilities an implementation must declare for the
    requirement to apply at all (a gate ``"a|b"`` is met by either; without them its tests
    skip as not applicable); ``hint`` completes "If this fails, ..." for an implementer.
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


# A gate met by any one of several capabilities: "http-client|default-client".
ANY_OF: Final = "|"


def gate_text(gate: str, quote: str = "`") -> str:
    """A gate as a reader says it, each capability between ``quote`` (Markdown code).

    >>> gate_text("http-client|default-client")
    '`http-client` or `default-client`'
    >>> gate_text("http-client|default-client", quote="")
    'http-client or default-client'
    """
    return " or ".join(f"{quote}{c}{quote}" for c in gate.split(ANY_OF))
