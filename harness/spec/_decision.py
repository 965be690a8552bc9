"""One decision where the requirement catalogue is silent or ambiguous (see _decisions)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Decision"]


@dataclass(frozen=True, kw_only=True)
class Decision:
    """One decision: the open question, the answer, the reason and where it applies.

    ``tested``: the suites test all of the decision (otherwise either answer conforms,
    except for the parts in ``tightens``). ``tightens`` lists the requirements whose text
    the decision made stricter than the catalogue's, each with the words of that text that
    now say it: whatever the suites ask beyond a requirement's text is folded into it, so
    that the text a user reads (`jwkconform spec ID`) is what the suites hold them to.
    """

    id: str
    question: str
    answer: str
    why: str
    applies_to: tuple[str, ...]
    tested: bool = False
    tightens: tuple[tuple[str, str], ...] = ()
