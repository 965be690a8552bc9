"""``--shard K/N``: a deterministic split, balanced by the shipped durations."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, cast

import pytest

from jwkconform._cli import main
from jwkconform.harness.report._shard import Shard, parse_shard, shipped_durations, split


@dataclass(frozen=True)
class Item:
    nodeid: str


def items(names: list[str]) -> list[Any]:
    return [Item(name) for name in names]


NAMES = [f"test_m{i % 3}.py::test_{i}[p{i % 2}]" for i in range(40)]


def test_the_shards_partition_the_tests_the_same_way_in_any_order() -> None:
    durations = {name: float(i % 7 + 1) for i, name in enumerate(NAMES)}
    shards = [split(items(NAMES), Shard(k, 4), durations)[0] for k in range(1, 5)]
    kept = [[i.nodeid for i in shard] for shard in shards]
    assert sorted(n for shard in kept for n in shard) == sorted(NAMES)
    shuffled = list(NAMES)
    random.Random(5).shuffle(shuffled)
    again = [{i.nodeid for i in split(items(shuffled), Shard(k, 4), durations)[0]}
             for k in range(1, 5)]  # fmt: skip
    assert again == [set(shard) for shard in kept]
    loads = [sum(durations[n] for n in shard) for shard in kept]
    assert max(loads) - min(loads) <= max(durations.values())


def test_the_split_weighs_tests_by_duration_wherever_the_rootdir_is() -> None:
    heavy, light = "test_a.py::test_heavy", [f"test_b.py::test_{i}" for i in range(5)]
    durations = {heavy: 10.0, **dict.fromkeys(light, 1.0)}
    # The node IDs of a `pytest --pyargs` run carry the path; the table does not.
    spelled = [f"../site/jwkconform/suites/{name}" for name in [heavy, *light]]
    first, others = split(items(spelled), Shard(1, 2), durations)
    assert {i.nodeid for i in first} in ({spelled[0]}, set(spelled[1:]))
    assert len(first) + len(others) == 6


def test_the_shipped_table_names_tests_of_the_suites() -> None:
    from jwkconform.harness.spec._spec import suite_tests

    table = shipped_durations()
    assert table, "suites/durations.json is missing: python benchmarks/campaign.py --durations"
    known = {t for tests in suite_tests().values() for t in tests}
    named = {name.split("[", 1)[0] for name in table}
    assert len(named & known) >= len(known) * 0.9
    assert all(value >= 0 for value in table.values())


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "1/0", " "])
def test_a_bad_shard_is_one_line(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)
    assert main(["run", "--shard", text]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--shard" in err


def test_a_shard_is_read_once_as_k_of_n() -> None:
    shard = parse_shard(" 3 / 4 ")
    assert (shard.index, shard.count, str(shard)) == (3, 4, "3/4")
    assert cast(Any, shard) == Shard(3, 4)
