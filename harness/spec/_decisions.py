"""Decisions where the requirement catalogue is silent or ambiguous, as data.

Each decision says which question the catalogue left open, what jwkconform decided, why,
and which requirements it bears on. The reference behaves this way; the suites test a
decision only where ``tested`` is true (otherwise either answer conforms). The specification
(``jwkconform spec``, docs/spec.md) prints the decisions under the requirements they apply
to, and docs/decisions.md is rendered from this table. The rows (`Decision`, in `_decision`)
live in three modules by the group of the first requirement they bear on, as the
requirements do: `_decisions_store`, `_decisions_use` and `_decisions_publisher`.

>>> decision("D-20").applies_to
('KID-02', 'KID-05', 'PUR-05')
"""

from __future__ import annotations

from collections.abc import Mapping

from jwkconform.harness.spec._decision import Decision
from jwkconform.harness.spec._decisions_publisher import ROWS as PUBLISHER
from jwkconform.harness.spec._decisions_store import ROWS as STORE
from jwkconform.harness.spec._decisions_use import ROWS as USE
from jwkconform.harness.spec._index import by_id

__all__ = ["DECISIONS", "decision", "decisions_for"]


def _number(row: Decision) -> int:
    return int(row.id.removeprefix("D-"))


DECISIONS: Mapping[str, Decision] = by_id(
    sorted((*STORE, *USE, *PUBLISHER), key=_number), "decision"
)
"""Every decision by ID, in order."""


def decision(id: str) -> Decision:
    """The decision with ID ``id`` (``KeyError`` when there is none)."""
    return DECISIONS[id]


def decisions_for(requirement_id: str) -> tuple[Decision, ...]:
    """The decisions that bear on ``requirement_id``, in order."""
    return tuple(d for d in DECISIONS.values() if requirement_id in d.applies_to)
