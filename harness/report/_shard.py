"""``--shard K/N``: a deterministic, duration-balanced share of a run's tests.

Every shard collects the same tests (after ``--requirement``, ``-k``, ``-m``), weighs each
by its duration in the table shipped with the suites (``suites/durations.json``, written by
``python benchmarks/campaign.py --durations``; a test it does not list weighs the mean),
and keeps those that pytest-split's ``least_duration`` algorithm gives to shard K: the
heaviest test goes to the lightest shard, ties by name, so every machine computes the same
split with no coordination. The table is keyed by the node ID as reports spell it
(``test_kid.py::test_x[p]``), so the split is the same from a checkout, a wheel or
``pytest --pyargs``.

>>> parse_shard("2/4")
Shard(index=2, count=4)
>>> str(parse_shard("1/1"))
'1/1'
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Final

from jwkconform.harness.spec._expected import canonical_nodeid

if TYPE_CHECKING:
    import pytest

__all__ = ["DURATIONS", "Shard", "parse_shard", "shard_prefix", "shard_reason", "split"]

DURATIONS: Final = "durations.json"
_FORM: Final = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 1) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``K/N`` as a `Shard`; a one-line ValueError for anything else."""
    found = _FORM.fullmatch(text)
    if found is None:
        raise ValueError(f"--shard {text!r}: give K/N, as in --shard 2/4")
    index, count = int(found[1]), int(found[2])
    if not 1 <= index <= count:
        raise ValueError(f"--shard {text}: K must be between 1 and N")
    return Shard(index, count)


@functools.cache
def shipped_durations() -> Mapping[str, float]:
    """Seconds per test of the suites (canonical node IDs), as shipped."""
    entry = resources.files("jwkconform.suites") / DURATIONS
    if not entry.is_file():
        return {}
    data = json.loads(entry.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in data.items()}


def split(
    items: Sequence[pytest.Item], shard: Shard, durations: Mapping[str, float] | None = None
) -> tuple[list[pytest.Item], list[pytest.Item]]:
    """The items of ``shard`` (in their order) and the items of the other shards."""
    # Not at the top: `jwkconform run` imports this module before pytest starts, and
    # pytest cannot rewrite the asserts of a plugin (pytest-split) imported before it.
    from pytest_split.algorithms import Algorithms

    table = shipped_durations() if durations is None else durations
    # pytest-split looks durations up by the item's own node ID, which depends on the
    # rootdir; the table is keyed by the canonical one.
    weights = {i.nodeid: table[c] for i in items if (c := canonical_nodeid(i.nodeid)) in table}
    # In canonical order: pytest-split breaks ties by position, and pytest-randomly (or
    # another plugin) may have shuffled the items differently on each machine.
    ordered = sorted(items, key=lambda i: canonical_nodeid(i.nodeid))
    group = Algorithms.least_duration.value(shard.count, ordered, weights)[shard.index - 1]
    chosen = {id(i) for i in group.selected}
    return [i for i in items if id(i) in chosen], [i for i in items if id(i) not in chosen]


def shard_reason(shard: Shard, elsewhere: int) -> str:
    """Why a shard's report is incomplete on its own (`jwkconform merge` drops exactly this)."""
    return f"{shard_prefix(shard)} {elsewhere} tests run in the other shards"


def shard_prefix(shard: Shard) -> str:
    return f"shard {shard}:"
