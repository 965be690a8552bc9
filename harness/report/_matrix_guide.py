"""The short guide above the compatibility matrix: four questions someone choosing a JWKS
client asks, answered from the reports' verdicts alone.

Each question names the requirements that answer it. An implementation answers *yes* when
every one of them passed, *no* when any failed (``fail``, ``xfail`` or ``non-strict``: an
expected failure is still the library's failure), and is *not judged* otherwise (skipped,
blocked by another requirement's failure, untested, or missing from its report). Nothing
here is written by hand, so a regenerated matrix answers from the reports it was made of.

>>> answer({"LOAD-05": "pass"}, ("LOAD-05",))
'yes'
>>> answer({"PUR-01": "pass", "PUR-02": "xfail"}, ("PUR-01", "PUR-02"))
'no'
>>> answer({"CFG-09": "pass", "LOAD-06": "blocked"}, ("CFG-09", "LOAD-06"))
'not judged'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal, Protocol

from jwkconform.harness._untrusted import markdown

__all__ = ["QUESTIONS", "answer", "guide"]

Answer = Literal["yes", "no", "not judged"]

# (the question, the requirements that answer it)
QUESTIONS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("Keeps serving its last good set through an outage", ("LOAD-05",)),
    ("Falls back on the other keys when a token's `kid` is unknown", ("KID-03",)),
    ("Honours `use` and `key_ops`: verifies with signing keys only",
     ("PUR-01", "PUR-02", "PUR-04")),
    ("Bounds the fetch: a deadline for the whole fetch, a cap on its size",
     ("CFG-09", "LOAD-06")),
)  # fmt: skip
_FAILED: Final = frozenset({"fail", "xfail", "non-strict"})


class _Report(Protocol):
    @property
    def implementation(self) -> str: ...

    @property
    def verdicts(self) -> Mapping[str, Mapping[str, object]]: ...


def answer(verdicts: Mapping[str, str], requirements: Sequence[str]) -> Answer:
    """What the verdicts of ``requirements`` say to one question."""
    seen = [verdicts.get(rid, "untested") for rid in requirements]
    if any(v in _FAILED for v in seen):
        return "no"
    if all(v == "pass" for v in seen):
        return "yes"
    return "not judged"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def guide(reports: Sequence[_Report]) -> list[str]:
    """The guide's Markdown lines: a table, one row per question."""
    out = [
        "## Choosing a client",
        "",
        "Four questions, answered from the verdicts below: *yes* when every requirement named"
        " passed, *no* when one failed (an expected failure, `xfail`, is the library's failure"
        " too), *not judged* when one was skipped or blocked.",
        "",
        "| Question (requirements) | Yes | No | Not judged |",
        "|---|---|---|---|",
    ]
    for question, requirements in QUESTIONS:
        by_answer: dict[Answer, list[str]] = {"yes": [], "no": [], "not judged": []}
        for report in reports:
            verdicts = {rid: str(row["verdict"]) for rid, row in report.verdicts.items()}
            # The implementation's name is its own text: escaped like every other (issue 20).
            by_answer[answer(verdicts, requirements)].append(_cell(markdown(report.implementation)))
        cells = [", ".join(by_answer[a]) or "-" for a in ("yes", "no", "not judged")]
        out.append(f"| {question} ({', '.join(requirements)}) | {' | '.join(cells)} |")
    out.append("")
    return out
