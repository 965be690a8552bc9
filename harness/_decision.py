"""One decision where the requirement catalogue is silent or ambiguous (see _decisions)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Decision"]


@dataclass(frozen=True)
class Decision:
    """One decision: the open question, the answer, the reason and where it applies."""

    id: str
    question: str
    answer: str
    why: str
    applies_to: tuple[str, ...]
    tested: bool = False
