"""The reference restricted to one query path (and the way it fetches), for the coverage
test: ``--adapter coverage_adapters:named`` and so on."""

from __future__ import annotations

from collections.abc import Callable

from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.harness.spec._coverage import FETCHING


def _only(path: str) -> Callable[[], ReferenceAdapter]:
    def factory() -> ReferenceAdapter:
        adapter = ReferenceAdapter()
        adapter.capabilities = frozenset({path, FETCHING})
        adapter.name = f"reference through {path} alone"
        return adapter

    return factory


named = _only("named")
valid = _only("valid")
verify = _only("verify")
