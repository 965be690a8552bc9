"""Broken stores: the reference with one cache behaviour changed (CACHE). See
mutant_support.py for how a mutant works.
"""

from __future__ import annotations

from typing import Any

from mutant_support import registry

from jwkconform.reference import (
    _store,
)
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- cache ---------------------------------------------------------------------------------------


@mutant("CACHE-01")
def reload_at_half_timeout() -> None:
    """The set is reloaded once half of cacheTimeout has passed."""

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is None:
            return self._load(now)
        if now - keys.loaded_at >= self.config.cache_timeout.seconds / 2:
            return self._reload(now, keys, reason="early")
        return keys

    _store.JwkSetSecretStore._current = current  # type: ignore[method-assign]


@mutant("CACHE-02")
def stale_one_tick_late() -> None:
    """The set is reloaded only after cacheTimeout, not at it (off by one)."""

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is None:
            return self._load(now)
        if now - keys.loaded_at > self.config.cache_timeout.seconds:
            return self._reload(now, keys, reason="cache timeout")
        return keys

    _store.JwkSetSecretStore._current = current  # type: ignore[method-assign]


@mutant("CACHE-03")
def unthrottled_miss_reload() -> None:
    """Every kid miss reloads the set."""
    _store.JwkSetSecretStore._miss_may_reload = lambda self, keys, now: True  # type: ignore[method-assign]


@mutant("CACHE-03")
def miss_window_from_last_miss() -> None:
    """The miss window counts from the last miss instead of the last successful load."""

    def may_reload(self: Any, keys: Any, now: float) -> bool:
        last = getattr(self, "_last_miss", keys.loaded_at)
        self._last_miss = now
        return now - last >= self.config.cache_miss_cache_time.seconds

    _store.JwkSetSecretStore._miss_may_reload = may_reload  # type: ignore[method-assign]


@mutant("CACHE-04")
def miss_reload_not_used_at_once() -> None:
    """A miss reload happens, but the query that caused it still answers from the old set."""
    original = _store.JwkSetSecretStore._reload

    def reload(self: Any, now: float, keys: Any, *, reason: str) -> Any:
        fresh = original(self, now, keys, reason=reason)
        return keys if reason.startswith("kid") else fresh

    _store.JwkSetSecretStore._reload = reload  # type: ignore[method-assign]


@mutant("CACHE-05")
def every_query_fetches() -> None:
    """Concurrent queries that need a reload each fetch: none joins the load under way."""

    def shared_load(self: Any, now: float, seen: Any, *, reason: str) -> Any:
        try:
            return self._load(now)
        except LoadError as exc:
            return exc

    _store.JwkSetSecretStore._shared_load = shared_load  # type: ignore[method-assign]
