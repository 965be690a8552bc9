"""The results of benchmarks/mutation.py: every mutant as cosmic-ray's sessions record it,
saved in benchmarks/mutation-results.json, and rendered into docs/mutation.md.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from _mutation_run import _UNREACHED, GROUPS, ROOT, WORK  # benchmarks/_mutation_run.py

RESULTS = ROOT / "benchmarks" / "mutation-results.json"
DOC = ROOT / "docs" / "mutation.md"

BEGIN, END = "<!-- mutation-results:begin -->", "<!-- mutation-results:end -->"
_VERDICT = re.compile(r"^([A-Z]+-[0-9]+)\s+(?:MUST|SHOULD|MAY)\s+(fail|error)\b", re.MULTILINE)


@dataclass(frozen=True)
class Mutant:
    """One mutant and what became of it."""

    module: str
    line: int
    operator: str
    occurrence: int
    outcome: str  # killed, timeout, survived, annotation, error, pending
    before: str
    after: str
    by: tuple[str, ...] = ()  # the requirements that failed against it
    reached: bool = True  # False: no test executes the mutated lines, so none ran

    @property
    def key(self) -> str:
        """How benchmarks/mutation_survivors.py names it: stable while the line is unchanged."""
        return f"{self.module}: {self.before} -> {self.after}"

    @property
    def line_key(self) -> str:
        """How benchmarks/mutation_survivors.py names every mutant of its line at once."""
        return f"{self.module}: {self.before}"

    def look_up(self, known: Mapping[str, str]) -> str | None:
        """Its entry in ``known``: for this very mutant, else for every mutant of its line."""
        return known.get(self.key, known.get(self.line_key))


# --- the results -------------------------------------------------------------------------------


def _changed(diff: str) -> tuple[str, str]:
    lines = diff.splitlines()
    before = [x[1:].strip() for x in lines if x.startswith("-") and not x.startswith("---")]
    after = [x[1:].strip() for x in lines if x.startswith("+") and not x.startswith("+++")]
    return " / ".join(before), " / ".join(after)


def _outcome(result: Mapping[str, Any] | None) -> str:
    if result is None:
        return "pending"
    if result["worker_outcome"] == "skipped":
        return "annotation"
    if result["worker_outcome"] != "normal":
        return "error"
    if result["test_outcome"] == "killed":
        return "timeout" if result["output"] == "timeout" else "killed"
    return str(result["test_outcome"])


def _annotation_change(module: str, spec: Mapping[str, Any]) -> tuple[str, str]:
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    source = (WORK / "w0" / "jwkconform" / "reference" / f"{module}.py").read_text("utf-8")
    mutated = mutate_code(source, get_operator(spec["operator_name"])(), spec["occurrence"])
    line = spec["start_pos"][0] - 1
    return source.splitlines()[line].strip(), str(mutated).splitlines()[line].strip()


def collect(module: str) -> list[Mutant]:
    """Every mutant of ``module`` in its session (``cosmic-ray dump``)."""
    done = subprocess.run(
        [sys.executable, "-m", "cosmic_ray.cli", "dump", str(WORK / f"{module}.sqlite")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = []
    for line in done.stdout.splitlines():
        item, result = json.loads(line)
        (spec,) = item["mutations"]
        outcome = _outcome(result)
        if outcome == "annotation":
            before, after = _annotation_change(module, spec)
        else:
            before, after = _changed((result or {}).get("diff") or "")
        output = (result or {}).get("output") or ""
        found.append(
            Mutant(
                module=module,
                line=spec["start_pos"][0],
                operator=spec["operator_name"].removeprefix("core/"),
                occurrence=spec["occurrence"],
                outcome=outcome,
                before=before,
                after=after,
                by=tuple(sorted({m[0] for m in _VERDICT.finditer(output)})),
                reached=not output.startswith(_UNREACHED),
            )
        )
    return sorted(found, key=lambda m: (m.line, m.operator, m.occurrence))


def save(figures: Mapping[str, Any], mutants: Sequence[Mutant]) -> None:
    defaults = {"by": (), "reached": True}
    lines = [
        json.dumps({k: v for k, v in asdict(m).items() if k not in defaults or v != defaults[k]})
        for m in mutants
    ]
    RESULTS.write_text(
        '{"run": ' + json.dumps(figures) + ',\n"mutants": [\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


def load() -> tuple[dict[str, Any], list[Mutant]]:
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    mutants = [Mutant(**{**m, "by": tuple(m.get("by", ()))}) for m in document["mutants"]]
    return document["run"], mutants


# --- the document ------------------------------------------------------------------------------


KINDS = ("killed", "timeout", "missing", "equivalent", "unspecified", "unclassified", "error")


def _kind(m: Mutant) -> str:
    """What a mutant counts as: one of KINDS, or its outcome (error, pending)."""
    from mutation_survivors import EQUIVALENT, MISSING, UNSPECIFIED

    if m.outcome == "annotation":
        return "equivalent"
    if m.outcome != "survived":
        return m.outcome
    found = [m.look_up(known) for known in (EQUIVALENT, UNSPECIFIED, MISSING)]
    for kind, entry in zip(("equivalent", "unspecified", "missing"), found, strict=True):
        if entry is not None:
            return kind
    return "unclassified"


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`" if text else "(nothing)"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def table(mutants: Sequence[Mutant]) -> Iterator[str]:
    """The score of each module; a survivor not yet classified counts as missing a test."""
    yield (
        "| module | mutants | killed | timeout | survived: missing test | equivalent "
        "| unspecified | not yet classified | not made | score | score, unspecified counted |"
    )
    yield "|---|" + "---:|" * 10
    modules = sorted({m.module for m in mutants}, key=list(GROUPS).index)
    totals = dict.fromkeys(("all", *KINDS), 0)
    for module in [*modules, ""]:
        if module:
            kinds = [_kind(m) for m in mutants if m.module == module]
            row = {"all": len(kinds), **{k: kinds.count(k) for k in KINDS}}
            for k, v in row.items():
                totals[k] += v
        else:
            row = totals
        killed = row["killed"] + row["timeout"]
        name = f"`{module}`" if module else "**all**"
        cells = " | ".join(str(row[k]) for k in totals)
        made = row["all"] - row["error"]
        score = _percent(killed, made - row["equivalent"] - row["unspecified"])
        strict = _percent(killed, made - row["equivalent"])
        yield f"| {name} | {cells} | {score} | {strict} |"


def survivors(mutants: Sequence[Mutant], kind: str) -> Iterator[str]:
    """The survivors of one kind, one line each, with why (or which test should kill them)."""
    from mutation_survivors import EQUIVALENT, MISSING, UNSPECIFIED

    why = {"equivalent": EQUIVALENT, "unspecified": UNSPECIFIED, "missing": MISSING}.get(kind, {})
    for m in mutants:
        if m.outcome == "annotation" or _kind(m) != kind:
            continue
        where = f"`{m.module}.py:{m.line}` {m.operator}: {_code(m.before)} → {_code(m.after)}"
        unreached = "" if m.reached else " (no test executes this line)"
        reason = m.look_up(why)
        yield f"- {where}{unreached}" + (f": {reason}" if reason else "")


def render(figures: Mapping[str, Any], mutants: Sequence[Mutant]) -> str:
    annotation = sum(m.outcome == "annotation" for m in mutants)
    sections = (
        ("missing", "Not equivalent: a test should kill them"),
        ("unclassified", "Not yet classified"),
        ("unspecified", "Unspecified: they change only what no requirement fixes"),
        ("equivalent", "Equivalent: no test can tell them from the reference"),
        ("error", "Not made: cosmic-ray failed to apply the mutation"),
        ("pending", "Not run yet"),
    )
    body = [
        f"Measured with {figures['tool']}, {figures['jobs']} modules at a time on "
        f"{figures['cores']} cores: {figures['wall_seconds'] / 60:.1f} minutes of wall time and "
        f"{figures['cpu_seconds'] / 60:.1f} minutes of CPU time (load average at the end, "
        f"over 5 minutes: {figures['load_average']}).",
        "",
        *table(mutants),
        "",
        "Score = (killed + timeout) / (mutants - equivalent - unspecified); the last column "
        "counts the unspecified survivors as not killed. Equivalent includes the "
        f"{annotation} mutants inside annotations, which are never run; a mutant cosmic-ray "
        "failed to make (not made) counts nowhere.",
    ]
    for kind, title in sections:
        found = list(survivors(mutants, kind))
        if found:
            body += ["", f"### {title} ({len(found)})", "", *found]
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return f"{head}{BEGIN}\n" + "\n".join(body) + f"\n{END}{tail}"
