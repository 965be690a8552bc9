"""``jwkconform merge``: the reports of shards and seeds as the report of one run.

Reports merge only when they describe the same run but for the seed and the shard (the same
implementation and version, adapter, transport, profile, strict mode, jwkconform and
expected-failures file); anything else is a `MergeError` that names the member that differs.

First the shards of each seed become that seed's run: a requirement's verdict is the worst
of its verdicts in the shards (the precedence of docs/reports.md, so the verdict one
unsharded run would have reached), findings of that verdict are kept from every shard, and
the run is complete only when every shard 1..N is there and was complete but for the tests
the other shards ran. Then the seeds become the campaign: the worst verdict over the seeds,
again by the same precedence, and a requirement whose verdict differs between seeds is
**unstable**: the report lists its verdict per seed, the seeds that disagree with the most
common verdict, and for each a command that replays that requirement on that seed. A seed
without a report (``--seeds`` names it) makes the campaign incomplete, never silently
complete.

>>> merged = merge_documents([shard_1, shard_2])  # doctest: +SKIP
>>> merged["complete"], merged["shard"]  # doctest: +SKIP
(True, None)
"""

from __future__ import annotations

import collections
import copy
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from jwkconform.harness.report._shard import Shard, shard_prefix
from jwkconform.harness.report._verdicts import OUTCOMES, VERDICTS
from jwkconform.harness.spec._expected import ExpectedFailures

__all__ = ["MergeError", "merge_documents", "seed_list", "seeds_text"]

# The members that say which run a report is of: they must agree before reports merge.
SAME_RUN: Final = (
    "schema_version", "jwkconform", "implementation", "implementation_version", "adapter",
    "transport", "profile", "strict",
)  # fmt: skip
# Worst first: the merged exit status is the first of these that a part has.
_EXIT_SEVERITY: Final = (130, 3, 2, 1, 0)
# Options that select part of a run: a per-seed replay of one requirement drops them.
_SELECTING: Final = frozenset(
    {"--shard", "--jwk-shard", "--requirement", "--jwk-requirement", "--test", "--jwk-test"}
)
_MAX_SEEDS: Final = 10_000


class MergeError(ValueError):
    """Reports that cannot be merged; the message names them and why."""


# -- seeds ----------------------------------------------------------------------------------


def seed_list(text: str) -> list[int]:
    """The seeds of ``1-20``, ``1,5,9`` or ``1-3,7``, in order, each once.

    >>> seed_list("3-5,1,4")
    [3, 4, 5, 1]
    """
    seeds: dict[int, None] = {}
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            low, high = int(first), int(last if dash else first)
        except ValueError:
            raise ValueError(f"--seeds {text!r}: give seeds as 1-20 or 1,5,9") from None
        if not 0 <= low <= high < 2**32:
            raise ValueError(f"--seeds {text!r}: {part.strip()} is not a range of seeds")
        if high - low + len(seeds) >= _MAX_SEEDS:
            raise ValueError(f"--seeds {text!r}: more than {_MAX_SEEDS} seeds")
        seeds.update(dict.fromkeys(range(low, high + 1)))
    return list(seeds)


def seeds_text(seeds: Iterable[int]) -> str:
    """``1-3,7``: seeds as ranges.

    >>> seeds_text([1, 2, 3, 7, 9, 10])
    '1-3,7,9-10'
    """
    runs: list[list[int]] = []
    for seed in sorted(set(seeds)):
        if runs and seed == runs[-1][-1] + 1:
            runs[-1].append(seed)
        else:
            runs.append([seed])
    return ",".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


# -- one requirement over several parts -----------------------------------------------------


def _worst_verdict(verdicts: Iterable[str]) -> str:
    return min(verdicts, key=VERDICTS.index, default="untested")


def _worst_exit(statuses: Iterable[int]) -> int:
    present = set(statuses)
    return next((s for s in _EXIT_SEVERITY if s in present), 3 if present else 0)


def _merge_requirement(rows: Sequence[tuple[int | None, Mapping[str, Any]]]) -> dict[str, Any]:
    """One requirement's row from its rows in the parts (with each part's seed)."""
    verdict = _worst_verdict(row["verdict"] for _, row in rows)
    deciding = [row for _, row in rows if row["verdict"] == verdict]
    merged = dict(deciding[0])
    merged["tests"] = sorted({t for _, row in rows for t in row["tests"]})
    merged["findings"] = [
        {**finding, "seed": finding.get("seed", seed)}
        for seed, row in rows
        if row["verdict"] == verdict
        for finding in row["findings"]
    ]
    return merged


def _merge_tests(parts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    outcomes: dict[str, dict[str, str]] = {}
    for part in parts:
        for entry in part["tests"]:
            mine = outcomes.setdefault(entry["test"], {})
            for rid, outcome in entry["requirements"].items():
                old = mine.get(rid)
                if old is None or OUTCOMES.index(outcome) < OUTCOMES.index(old):
                    mine[rid] = outcome
    return [{"test": t, "requirements": rs} for t, rs in sorted(outcomes.items())]


def _summary(requirements: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for row in requirements:
        counts[row["verdict"]] += 1
    return counts


def _combine(parts: Sequence[Mapping[str, Any]], seeds: Sequence[int | None]) -> dict[str, Any]:
    """The members every merge computes the same way, from ``parts`` (one seed each)."""
    merged = copy.deepcopy(dict(parts[0]))
    by_id: dict[str, list[tuple[int | None, Mapping[str, Any]]]] = collections.defaultdict(list)
    for seed, part in zip(seeds, parts, strict=True):
        for row in part["requirements"]:
            by_id[row["id"]].append((seed, row))
    merged["requirements"] = [_merge_requirement(rows) for rows in by_id.values()]
    merged["tests"] = _merge_tests(parts)
    merged["summary"] = _summary(merged["requirements"])
    merged["started"] = min(str(p["started"]) for p in parts)
    merged["duration"] = round(sum(float(p["duration"]) for p in parts), 3)
    merged["exit_status"] = _worst_exit(int(p["exit_status"]) for p in parts)
    return merged


# -- shards of one seed ---------------------------------------------------------------------


def _shard_of(document: Mapping[str, Any]) -> Shard | None:
    data = document.get("shard")
    return Shard(int(data["index"]), int(data["count"])) if data else None


def _merge_shards(seed: int | None, parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One seed's run from its shards (or its one whole run)."""
    label = f"seed {seed}" if seed is not None else "the run without a seed"
    shards = [_shard_of(p) for p in parts]
    if None in shards:
        if len(parts) > 1:
            raise MergeError(f"{label} has {len(parts)} reports that are not all shards")
        return dict(parts[0])
    counts = {s.count for s in shards if s is not None}
    if len(counts) > 1:
        raise MergeError(f"{label}: shards of different splits ({', '.join(map(str, shards))})")
    count = counts.pop()
    indices = collections.Counter(s.index for s in shards if s is not None)
    twice = sorted(i for i, n in indices.items() if n > 1)
    if twice:
        raise MergeError(f"{label}: shard {twice[0]}/{count} is given twice")
    ordered = sorted(parts, key=lambda p: int(p["shard"]["index"]))
    merged = _combine(ordered, [seed] * len(ordered))
    incomplete = []
    for part in ordered:
        own = shard_prefix(_shard_of(part))  # type: ignore[arg-type]
        incomplete += [r for r in part["incomplete"] if not r.startswith(own)]
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in indices]
    if missing:
        incomplete.append(f"shard {', '.join(missing)} missing")
    whole = max(int(p["shard"].get("tests", 0)) for p in ordered)
    reported = len(merged["tests"])
    if not missing and reported < whole:
        incomplete.append(f"{whole - reported} of the run's {whole} tests reported no verdict")
    merged["incomplete"] = list(dict.fromkeys(incomplete))  # the shards' filters, once
    merged["complete"] = not incomplete
    merged["shard"] = None
    merged["replay"] = _without_shard(ordered[0].get("replay"))
    return merged


def _without_shard(replay: str | None) -> str | None:
    if not replay:
        return replay
    words = shlex.split(replay)
    out = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in {"--shard", "--jwk-shard"}:
            skip = True
        else:
            out.append(word)
    return shlex.join(out)


# -- seeds of one campaign ------------------------------------------------------------------


def _replay_requirement(replay: str | None, rid: str) -> str | None:
    """``replay`` (a whole run) narrowed to requirement ``rid``."""
    if not replay:
        return None
    words, out, skip = shlex.split(replay), [], False
    for word in words:
        if skip:
            skip = False
        elif word in _SELECTING:
            skip = True
        else:
            out.append(word)
    flag = "--requirement" if out[:2] == ["jwkconform", "run"] else "--jwk-requirement"
    return shlex.join([*out, flag, rid])


def _stability(
    rid: str, verdicts: Mapping[int, str], replays: Mapping[int, str | None]
) -> dict[str, Any]:
    """Per seed verdicts of one requirement, and the seeds that disagree. A seed that did
    not reach the requirement (``untested``: filtered, interrupted) says nothing about it."""
    by_verdict: dict[str, list[int]] = {}
    for seed, verdict in verdicts.items():
        by_verdict.setdefault(verdict, []).append(seed)
    reached = {v: s for v, s in by_verdict.items() if v != "untested"}
    # The most common verdict; on a tie the better one, so the worse seeds are listed.
    common = max(reached or by_verdict, key=lambda v: (len(by_verdict[v]), VERDICTS.index(v)))
    return {
        "unstable": len(reached) > 1,
        "seeds": {v: sorted(s) for v, s in by_verdict.items()},
        "disagreeing": [
            {"seed": seed, "verdict": verdict, "replay": _replay_requirement(replays[seed], rid)}
            for seed, verdict in sorted(verdicts.items())
            if verdict not in {common, "untested"}
        ],
    }


def _campaign_replay(replay: str | None, seeds: Sequence[int]) -> str | None:
    if not replay:
        return None
    words = shlex.split(replay)
    for flag, many in (("--seed", "--seeds"), ("--jwk-seed", None)):
        if flag in words:
            at = words.index(flag)
            if many is None:
                return None  # pytest runs one seed: there is no campaign command to print
            words[at : at + 2] = [many, seeds_text(seeds)]
    return shlex.join(words)


def _merge_seeds(
    runs: Mapping[int, Mapping[str, Any]], wanted: Sequence[int] | None
) -> dict[str, Any]:
    seeds = sorted(runs)
    parts = [runs[s] for s in seeds]
    merged = _combine(parts, seeds)
    replays = {s: runs[s].get("replay") for s in seeds}
    per_id: dict[str, dict[int, str]] = collections.defaultdict(dict)
    for seed, part in zip(seeds, parts, strict=True):
        for row in part["requirements"]:
            per_id[row["id"]][seed] = row["verdict"]
    unstable = []
    for row in merged["requirements"]:
        row.update(_stability(row["id"], per_id[row["id"]], replays))
        if row["unstable"]:
            unstable.append(row["id"])
    reasons: dict[str, list[int]] = {}
    for seed in seeds:
        for reason in runs[seed]["incomplete"]:
            reasons.setdefault(reason, []).append(seed)
    incomplete = [f"seed {seeds_text(s)}: {r}" for r, s in reasons.items()]
    absent = [s for s in (wanted or ()) if s not in runs]
    if absent:
        incomplete.append(f"seed {seeds_text(absent)}: no report")
    merged.update(
        seed=None,
        seeds=seeds,
        unstable=unstable,
        incomplete=incomplete,
        complete=not incomplete,
        replay=_campaign_replay(parts[0].get("replay"), wanted or seeds),
        shard=None,
    )
    return merged


# -- the whole merge ------------------------------------------------------------------------


def _check_same_run(documents: Sequence[Mapping[str, Any]], names: Sequence[str]) -> None:
    first = documents[0]
    for document, name in zip(documents[1:], names[1:], strict=True):
        for member in SAME_RUN:
            if document.get(member) != first.get(member):
                raise MergeError(
                    f"{name} is not a part of the run of {names[0]}: {member} is"
                    f" {document.get(member)!r}, not {first.get(member)!r}"
                )
        mine, theirs = (Path(str(d["expectations"]["file"] or "")).name for d in (document, first))
        if mine != theirs:
            raise MergeError(f"{name} used other expected failures ({mine or 'none'})")
        if "seeds" in document or "seeds" in first:
            merged = names[0] if "seeds" in first else name
            raise MergeError(
                f"{merged} is a merged campaign report: merge the reports of its seeds"
                " (a campaign writes them beside it, as NAME.seed-S.json)"
            )


def _recheck_expectations(merged: dict[str, Any], expected: ExpectedFailures | None) -> None:
    """The ground truth is checked only on a complete run: the merged one, if it is."""
    if expected is None or not merged["complete"]:
        merged["expectations"]["mismatches"] = []
        return
    by_id = {r["id"]: r["verdict"] for r in merged["requirements"]}
    mismatches = []
    for rid, entry in expected.expected_verdicts().items():
        want = "xfail" if entry.expects_failure else entry.verdict
        got = by_id.get(rid, "untested")
        if got != want:
            mismatches.append({"id": rid, "expected": want, "got": got})
    merged["expectations"]["mismatches"] = mismatches
    if mismatches and merged["exit_status"] == 0:
        merged["exit_status"] = 1


def merge_documents(
    documents: Sequence[Mapping[str, Any]],
    names: Sequence[str] | None = None,
    *,
    seeds: Sequence[int] | None = None,
    expected: ExpectedFailures | None = None,
) -> dict[str, Any]:
    """The report one run (or campaign) would have written, from its parts' reports.

    ``seeds``: the seeds the campaign was to run (a missing one makes it incomplete);
    ``expected``: the expected-failures file the parts ran with, to check the merged
    verdicts against (the parts could not: a shard is never complete on its own).
    """
    if not documents:
        raise MergeError("no reports to merge")
    labels = (
        list(names) if names is not None else [f"report {i + 1}" for i in range(len(documents))]
    )
    _check_same_run(documents, labels)
    groups: dict[int | None, list[Mapping[str, Any]]] = collections.defaultdict(list)
    for document in documents:
        groups[document.get("seed")].append(document)
    runs = {seed: _merge_shards(seed, parts) for seed, parts in groups.items()}
    if len(runs) == 1 and (seeds is None or list(seeds) == list(runs)):
        merged = next(iter(runs.values()))
    elif None in runs:
        raise MergeError("a report without a seed cannot be merged with reports of seeds")
    else:
        merged = _merge_seeds({s: r for s, r in runs.items() if s is not None}, seeds)
    _recheck_expectations(merged, expected)
    return merged
