"""What every mutant module shares: the registry pattern and configuration wrappers.

A mutant is an adapter factory (``--jwk-adapter MODULE:NAME``) that patches the reference in
the process it runs in, then returns the reference adapter under the mutant's name. Each
module keeps its own ``MUTANTS`` (name -> the requirements the mutant breaks) through
`registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.reference import _config

Factory = Callable[[], ReferenceAdapter]


def registry(
    mutants: dict[str, tuple[str, ...]],
) -> Callable[..., Callable[[Callable[[], None]], Factory]]:
    """A ``@mutant(*targets)`` decorator that registers patches in ``mutants``."""

    def mutant(*targets: str) -> Callable[[Callable[[], None]], Factory]:
        def register(patch: Callable[[], None]) -> Factory:
            def factory() -> ReferenceAdapter:
                patch()
                adapter = ReferenceAdapter()
                adapter.name = f"mutant {patch.__name__}"  # type: ignore[misc]
                return adapter

            mutants[patch.__name__] = targets
            factory.__name__ = patch.__name__
            factory.__doc__ = patch.__doc__
            return factory

        return register

    return mutant


def wrap_from_json(change: Callable[[dict[str, Any]], None]) -> None:
    """Let ``change`` edit every store configuration before the reference reads it."""
    original = _config.StoreConfig.from_json.__func__  # type: ignore[attr-defined]

    def from_json(cls: type, raw: Mapping[str, object]) -> Any:
        raw = dict(raw)
        change(raw)
        return original(cls, raw)

    _config.StoreConfig.from_json = classmethod(from_json)  # type: ignore[assignment,method-assign]
