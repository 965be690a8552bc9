"""What every mutant module shares: the registry pattern, configuration wrappers and the
store patches that more than one module makes.

A mutant is an adapter factory (``--jwk-adapter MODULE:NAME``) that patches the reference in
the process it runs in, then returns the reference adapter under the mutant's name. Each
module keeps its own ``MUTANTS`` (name -> the requirements the mutant breaks) through
`registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.reference import _config, _provider, _store
from jwkconform.reference._errors import LoadError

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


def patch_index(change: Callable[[Any, Sequence[Any]], Any]) -> None:
    """Let ``change(built, entries)`` rewrite every loaded set's index."""
    original_index = _store._KeySet.index.__func__  # type: ignore[attr-defined]

    def index(cls: Any, entries: Any, loaded_at: float) -> Any:
        return change(original_index(cls, entries, loaded_at), entries)

    _store._KeySet.index = classmethod(index)  # type: ignore[assignment,method-assign]


def patch_resolution(
    named_path: Callable[[Any, str, Any, list[Any]], Any] | None = None,
    *,
    fall_back_when: Callable[[Any, str], bool] = lambda secret, alg: False,
) -> None:
    """Rewrite `SecretsProvider.verify`: ``named_path(jws, alg, secret, tried)`` replaces
    the check of a named secret, and a named secret for which ``fall_back_when`` holds is
    passed over for the valid secrets."""

    def verify(self: Any, token: str) -> Any:
        try:
            jws, alg, kid = _provider._parse(token)
        except _provider._BadToken as exc:
            return _provider.Verification(False, None, (), f"malformed token: {exc}")
        now = self._clock()
        try:
            named = self._named_secret(kid, now) if kid is not None else None
            if named is not None and not fall_back_when(named, alg):
                if named_path is not None:
                    return named_path(jws, alg, named, [])
                return _provider._try_in_order(jws, alg, [named], reason="the named secret")
            secrets = self._valid_secrets(now)
            return _provider._try_in_order(jws, alg, secrets, reason="no valid secret")
        except LoadError as exc:
            return _provider.Verification(False, None, (), str(exc))

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]
