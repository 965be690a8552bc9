"""An implementation whose own HTTP client keeps a fixed whole-fetch deadline declares it
(``fetch_deadline``, decision D-43), and CFG-09 is judged against that deadline, not the
run's fetch timeout. (tests/mutants has the adapter that declares less than it keeps.)"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from report_adapters import jwkconform

from jwkconform.harness.seam._adapter import own_fetch_deadline

_FIXED_DEADLINE_ADAPTER = '''
import dataclasses

from jwkconform.harness.reference_adapter import ReferenceAdapter


class FixedDeadline(ReferenceAdapter):
    """The reference, its own client always given 2.5 s, whatever the run's fetch timeout."""

    name = "fixed-deadline 0.1"
    fetch_deadline = 2.5

    def open_store(self, config, env):
        if env.own_client:
            env = dataclasses.replace(env, fetch_timeout=self.fetch_deadline)
        return super().open_store(config, env)


def factory():
    return FixedDeadline()
'''
_TEST = "suites/test_config_client.py::test_the_default_client_bounds_a_whole_fetch_by_a_deadline"


def test_a_declared_fixed_deadline_is_what_cfg_09_judges(tmp_path: Path) -> None:
    (tmp_path / "fixed.py").write_text(_FIXED_DEADLINE_ADAPTER, encoding="utf-8")
    report = tmp_path / "report.json"
    done = jwkconform(
        tmp_path, "run", "--adapter", "fixed.py:factory", "--test", _TEST,
        "--report-json", str(report),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    verdicts = {r["id"]: r["verdict"] for r in json.loads(report.read_text())["requirements"]}
    assert verdicts["CFG-09"] == "pass"


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, math.nan, True, "5 s"])
def test_a_fetch_deadline_is_a_positive_number_of_seconds(bad: object) -> None:
    with pytest.raises(ValueError, match="fetch_deadline"):
        own_fetch_deadline(bad)


def test_no_fetch_deadline_means_the_implementation_takes_the_one_it_is_given() -> None:
    assert own_fetch_deadline(None) is None
    assert own_fetch_deadline(5) == 5.0
