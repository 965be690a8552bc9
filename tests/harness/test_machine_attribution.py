"""The state machines keep distinct requirements apart when a store refuses to answer.

Hypothesis shrinks each distinct failure on its own and reports one example per failure; a
refusal is raised from one line per requirement, so a store that refuses before any fault
(LOAD-01) and after one (LOAD-05) fails both, not whichever Hypothesis met first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from jwkconform.harness import (
    Environment,
    LoadFailed,
    SecretView,
    StoreUnderTest,
    Target,
    VerifyOutcome,
)
from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.harness.seam._attribution import findings
from jwkconform.suites._machines import run_machine
from jwkconform.suites.test_model_based import FaultyStoreMachine

OWN = ("LOAD-01", "CACHE-01", "CACHE-02", "CACHE-03", "CACHE-04", "CACHE-06", "KID-01",
       "KID-04", "LOAD-05", "PUR-01")  # fmt: skip


class _RefusesLookups:
    """The reference, except that every lookup by kid is a load error."""

    def __init__(self, store: StoreUnderTest) -> None:
        self._store = store

    def named(self, purpose: str, kid: str) -> SecretView | None:
        raise LoadFailed("this store never looks a kid up")

    def valid(self, purpose: str) -> Sequence[SecretView]:
        return self._store.valid(purpose)

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        return self._store.verify(token, secret_id)

    def close(self) -> None:
        self._store.close()


class _Adapter(ReferenceAdapter):
    name = "refuses every lookup"

    def open_store(self, config: Mapping[str, object], env: Environment) -> Any:
        return _RefusesLookups(super().open_store(config, env))


# After its first failure Hypothesis looks for others for a bounded number of calls, and for
# at most 10 s: on a loaded machine a run can stop before it meets the second. One run in
# which both show is enough; a machine that raised both from one line never shows both.
_RUNS = 3


def _failed_once() -> set[str]:
    with Target(_Adapter(), "refuses-lookups") as target:
        try:
            run_machine(FaultyStoreMachine, target)
        except Exception as exc:
            found = findings(exc, OWN)
        else:
            pytest.fail("the state machine passed a store that refuses every lookup")
    return {r for f in found if f.kind == "failed" for r in f.requirements}


def test_a_refusal_fails_load_01_and_load_05_apart() -> None:
    seen = []
    for _ in range(_RUNS):
        seen.append(_failed_once())
        if seen[-1] == {"LOAD-01", "LOAD-05"}:
            return
    assert all(failed <= {"LOAD-01", "LOAD-05"} for failed in seen), seen
    pytest.fail(f"no run of {_RUNS} failed LOAD-01 and LOAD-05 apart: {seen}")
