"""The reference restricted to one query path (and the way it fetches), for the coverage
test: ``--adapter coverage_adapters:named`` and so on."""

from __future__ import annotations

import importlib
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


def _mutant_through(path: str, module: str, name: str) -> Callable[[], ReferenceAdapter]:
    # By name: the mutants patch the reference when their factory runs, so only the chosen
    # one may be built (tests/mutants is on PYTHONPATH in the coverage test).
    def factory() -> ReferenceAdapter:
        adapter: ReferenceAdapter = getattr(importlib.import_module(module), name)()
        adapter.capabilities = frozenset({path, FETCHING})
        adapter.name = f"{adapter.name} through {path} alone"
        return adapter

    return factory


# Mutants that only a check through valid() alone can catch when nothing else is declared.
valid_lists_bare_x25519 = _mutant_through(
    "valid", "mutants_shapes", "bare_encryption_keys_listed_for_verify"
)
valid_after_reload_fails = _mutant_through(
    "valid", "mutants_loading", "failed_reload_clears_the_cache"
)
valid_without_size_cap = _mutant_through("valid", "mutants_loading", "no_size_cap")
valid_reloads_at_half_timeout = _mutant_through("valid", "mutants_cache", "reload_at_half_timeout")
valid_keeps_removed_keys = _mutant_through(
    "valid", "mutants_cache", "a_reload_keeps_the_removed_keys"
)
valid_never_retries = _mutant_through("valid", "mutants_cache", "retries_held_back_for_good")
valid_one_minute_cache = _mutant_through("valid", "mutants_config", "one_minute_cache")
named_ignores_purpose = _mutant_through("named", "mutants_keys", "named_lookup_ignores_purpose")
valid_ignores_use = _mutant_through("valid", "mutants_keys", "use_ignored")
