"""The specification as a document: ``jwkconform spec`` and docs/spec.md.

Everything here is rendered from data: the requirements (`_registry`), the decisions
(`_decisions`) and the tests that check each requirement, which are read from the
``jwk_requirement`` markers in the suites' source. Reading the source (with `ast`, without
importing or collecting anything) keeps ``jwkconform spec`` instant, and since the list
comes from the markers themselves it cannot drift from what the suites check.

>>> tests_for("PUB-06")
('test_publisher_endpoints.py::test_no_mappings_means_an_empty_key_set',)
>>> print(render_text(["KID-02"]).splitlines()[0])  # doctest: +ELLIPSIS
KID-02 (MUST): If the named secret does not verify the signature, the token fails at once; ...
"""

from __future__ import annotations

import ast
import functools
import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any, Final

from jwkconform.harness.spec._decision import Decision
from jwkconform.harness.spec._decisions import DECISIONS, decisions_for
from jwkconform.harness.spec._registry import (
    GROUPS,
    REQUIREMENTS,
    SOURCES,
    Requirement,
    requirement,
)
from jwkconform.harness.spec._requirement import gate_text

__all__ = [
    "CAPABILITY_MARKER",
    "REQUIREMENT_MARKER",
    "render_decisions",
    "render_decisions_page",
    "render_json",
    "render_markdown",
    "render_text",
    "suite_tests",
    "tests_for",
]

REQUIREMENT_MARKER: Final = "jwk_requirement"
CAPABILITY_MARKER: Final = "jwk_capability"
_SUITES: Final = "jwkconform.suites"
_WIDTH: Final = 92

# The catalogue's preamble, in the project's words: what the levels mean and the two
# definitions every group relies on.
PREAMBLE: Final = (
    (
        "Levels",
        "A **MUST** requirement is stated by the vendor documents or an RFC; a failure fails"
        " the run. A **SHOULD** requirement is our reading where the documents are silent or"
        " ambiguous, chosen for safety and for losing nothing; a failure is reported as"
        " non-strict unless strict mode is on. A **MAY** requirement describes an optional"
        " capability: it applies only to an implementation that declares it. A requirement"
        " may also presume a feature (a lease, a resolver configuration, a publisher); for an"
        " implementation that does not declare that feature it does not apply, and its tests"
        " skip naming the capability.",
    ),
    (
        "Time",
        "Every time comes from the clock the harness injects, never from the wall clock. The"
        " cached set is fresh while `now - loaded_at < cacheTimeout`. A `kid` miss may reload"
        " the set when `now - loaded_at >= cacheMissCacheTime`. A secret has expired when"
        " `now >= expires_at`. `loaded_at` is the time of the last successful load.",
    ),
    (
        "Purposes",
        "Queries name a purpose: `verify` (checking a signature) and `encrypt` (encrypting"
        " to the key's owner) are required, `sign` and `decrypt` (private keys of a local"
        " set) are optional. A JWK fits `verify` when its `use` is `sig` or absent and its"
        " `key_ops` is absent or contains `verify`. It fits `encrypt` when its `use` is `enc`"
        " or absent and its `key_ops` is absent or contains `encrypt` or `wrapKey`.",
    ),
)


# -- the tests of each requirement, from the markers --------------------------------------


def _marker_ids(decorator: ast.expr) -> list[str]:
    """The requirement IDs of a ``@pytest.mark.jwk_requirement(...)`` decorator, or []."""
    if not isinstance(decorator, ast.Call):
        return []
    name = decorator.func
    if not (isinstance(name, ast.Attribute) and name.attr == REQUIREMENT_MARKER):
        return []
    return [
        arg.value
        for arg in decorator.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]


def _module_tests(module: str, source: str) -> Iterable[tuple[str, str]]:
    """(requirement ID, test) pairs of one suite module; module-wide marks apply to all."""
    tree = ast.parse(source)
    everywhere: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            values = node.value.elts if isinstance(node.value, ast.List) else [node.value]
            everywhere += [i for value in values for i in _marker_ids(value)]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            ids = [i for d in node.decorator_list for i in _marker_ids(d)]
            for rid in dict.fromkeys([*everywhere, *ids]):
                yield rid, f"{module}::{node.name}"


@functools.cache
def suite_tests() -> Mapping[str, tuple[str, ...]]:
    """Requirement ID -> the suite tests (``module.py::function``) whose markers name it."""
    found: dict[str, list[str]] = {}
    for entry in sorted(resources.files(_SUITES).iterdir(), key=lambda e: e.name):
        if entry.name.startswith("test_") and entry.name.endswith(".py"):
            for rid, test in _module_tests(entry.name, entry.read_text(encoding="utf-8")):
                found.setdefault(rid, []).append(test)
    return {rid: tuple(tests) for rid, tests in found.items()}


def tests_for(requirement_id: str) -> tuple[str, ...]:
    """The suite tests of one requirement, in module and source order."""
    return suite_tests().get(requirement_id, ())


# -- text ----------------------------------------------------------------------------------


def _wrap(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=indent, subsequent_indent=indent)


def _selected(ids: Sequence[str] | None) -> list[Requirement]:
    return [requirement(i) for i in ids] if ids else list(REQUIREMENTS.values())


def render_text(ids: Sequence[str] | None = None) -> str:
    """The requirements ``ids`` (default: all) for a terminal, each with its details."""
    out: list[str] = []
    for req in _selected(ids):
        out.append(f"{req.id} ({req.level}): {req.summary}")
        if ids:
            out += _wrap(req.text)
            out += ["  why:", *_wrap(req.rationale, "    ")]
            out.append("  sources:")
            out += [f"    - {s.name}" for s in req.sources]
            if req.gates:
                gates = ", ".join(gate_text(g, quote="") for g in req.gates)
                out.append(f"  applies to implementations declaring: {gates}")
            for d in decisions_for(req.id):
                out += [f"  decision {d.id}:", *_wrap(f"{d.question} {d.answer}", "    ")]
            tests = tests_for(req.id)
            out.append(f"  tests ({len(tests)}):" if tests else "  tests: none yet (untested)")
            out += [f"    {t}" for t in tests]
            out += _wrap(f"If this fails, {req.hint}.")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# -- JSON ----------------------------------------------------------------------------------


def _decision_json(d: Decision) -> dict[str, Any]:
    return {"id": d.id, "question": d.question, "answer": d.answer, "why": d.why,
            "tested": d.tested,
            "tightens": [{"requirement": r, "text": w} for r, w in d.tightens]}  # fmt: skip


def requirement_json(req: Requirement) -> dict[str, Any]:
    """One requirement as a JSON object."""
    return {
        "id": req.id,
        "group": req.group,
        "level": req.level.value,
        "summary": req.summary,
        "text": req.text,
        "rationale": req.rationale,
        "sources": [
            {"ref": s.ref, "title": SOURCES[s.ref], "detail": s.detail} for s in req.sources
        ],
        "gates": list(req.gates),
        "decisions": [d.id for d in decisions_for(req.id)],
        "tests": list(tests_for(req.id)),
        "hint": f"If this fails, {req.hint}.",
    }


def render_json(ids: Sequence[str] | None = None) -> str:
    """The requirements ``ids`` (default: the whole specification) as JSON."""
    document: dict[str, Any] = {
        "requirements": [requirement_json(r) for r in _selected(ids)],
    }
    if not ids:
        document = {
            "groups": dict(GROUPS),
            "sources": dict(SOURCES),
            "preamble": dict(PREAMBLE),
            **document,
            "decisions": [_decision_json(d) for d in DECISIONS.values()],
        }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- Markdown ------------------------------------------------------------------------------

_GENERATED: Final = (
    "<!-- Generated by `jwkconform spec --format markdown` from the package's requirement"
    " registry; do not edit by hand. -->"
)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _anchor(rid: str) -> str:
    return rid.lower()


def _requirement_md(req: Requirement) -> list[str]:
    out = [f"### {req.id}", "", f"**{req.level}.** {req.text}", "", f"*Why.* {req.rationale}", ""]
    sources = "; ".join(
        SOURCES[s.ref] + (f" ({s.detail})" if s.detail else "") for s in req.sources
    )
    out += [f"*Sources.* {sources}.", ""]
    if req.gates:
        gates = ", ".join(gate_text(g) for g in req.gates)
        out += [f"*Applies to* implementations that declare {gates}.", ""]
    related = decisions_for(req.id)
    if related:
        links = ", ".join(f"[{d.id}](#{_anchor(d.id)})" for d in related)
        out += [f"*Decisions.* {links}.", ""]
    tests = tests_for(req.id)
    if tests:
        out += ["*Tests.* " + ", ".join(f"`{t}`" for t in tests) + ".", ""]
    else:
        out += ["*Tests.* None yet: the requirement is reported as untested.", ""]
    out += [f"*If this fails,* {req.hint}.", ""]
    return out


def render_decisions() -> list[str]:
    """The decisions as a Markdown section (also the body of docs/decisions.md)."""
    out = ["| # | Question | Decision | Why | Applies to |", "|---|---|---|---|---|"]
    for d in DECISIONS.values():
        tested = " *Tested.*" if d.tested else ""
        ids = ", ".join(f"[{i}](#{_anchor(i)})" for i in d.applies_to)
        out.append(
            f'| <a id="{_anchor(d.id)}"></a>{d.id} | {_md(d.question)} | {_md(d.answer)}{tested}'
            f" | {_md(d.why)} | {ids} |"
        )
    return out


def render_decisions_page() -> str:
    """docs/decisions.md: the decisions alone, for readers who look for them by that name."""
    out = [
        "# Decisions where the catalogue is silent or ambiguous",
        "",
        "<!-- Generated by `jwkconform spec --format decisions`; do not edit by hand. -->",
        "",
        "The specification ([spec.md](spec.md), `jwkconform spec`) is what implementations"
        " are held to. Where the requirement catalogue it grew from left a question open,"
        " this table records what jwkconform decided and why; the reference behaves this way,"
        " and the suites test a decision only where it says *Tested* (otherwise either answer"
        " conforms). The links lead to the requirements in spec.md.",
        "",
        *render_decisions(),
        "",
        *_render_tightenings(),
    ]
    return "\n".join(out).replace("](#", "](spec.md#")


def _render_tightenings() -> list[str]:
    """Which decisions ask more than a requirement's catalogue text, and the words of the
    requirement's own text that now say it."""
    out = [
        "## Decisions that tighten a requirement",
        "",
        "Where the suites hold an implementation to a decision that asks more than the"
        " catalogue's text of a requirement, that requirement's text in the specification says"
        " it too, in the words quoted here. Every other decision asks nothing beyond its"
        " requirements' texts: it settles a choice the suites leave open (not *Tested*),"
        " allows what a text could be read to forbid, or spells out what the text implies.",
        "",
        "| Decision | Requirement | Its text now says |",
        "|---|---|---|",
    ]
    for d in DECISIONS.values():
        for rid, words in d.tightens:
            out.append(
                f"| [{d.id}](#{_anchor(d.id)}) | [{rid}](#{_anchor(rid)})"
                f" | \u201c{_md(words)}\u201d |"
            )
    out.append("")
    return out


def render_markdown() -> str:
    """docs/spec.md: the whole specification, readable on its own."""
    out = [
        "# The jwkconform specification",
        "",
        _GENERATED,
        "",
        "This is what a JWK-Set secret store, its secrets provider and a JWK URI publisher"
        " must do to conform. Each requirement has an ID, a level, its text, why it exists,"
        " where it comes from, the decisions that settle what it leaves open, and the tests"
        " of the conformance suites that check it. `jwkconform spec ID` prints one"
        " requirement; `jwkconform run` checks an implementation against all of them.",
        "",
    ]
    for title, text in PREAMBLE:
        out += [f"## {title}", "", text, ""]
    out += ["## Sources", "", "| Key | Document |", "|---|---|"]
    out += [f"| {ref} | {_md(title)} |" for ref, title in SOURCES.items()]
    out.append("")
    for group, title in GROUPS.items():
        out += [f"## {title} ({group})", "", "| ID | Level | Summary |", "|---|---|---|"]
        rows = [r for r in REQUIREMENTS.values() if r.group == group]
        out += [f"| [{r.id}](#{_anchor(r.id)}) | {r.level} | {_md(r.summary)} |" for r in rows]
        out.append("")
        for req in rows:
            out += _requirement_md(req)
    out += ["## Decisions", "", *render_decisions(), ""]
    return "\n".join(out)
