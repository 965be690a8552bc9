"""Broken stores: the reference with one cache behaviour changed (CACHE). See
mutant_support.py for how a mutant works.

The reference keeps ``_keys.loaded_at`` (the last successful load, which freshness and the
miss window count from) apart from ``_retry_at`` (when a retry may follow a failed attempt,
docs/decisions.md D-5); most mutants here move one of those anchors.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mutant_support import registry

from jwkconform.reference import _store
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)

_Store = _store.JwkSetSecretStore


# -- freshness and staleness (CACHE-01, CACHE-02) ----------------------------------------------


@mutant("CACHE-01")
def reload_at_half_timeout() -> None:
    """The set is reloaded once half of cacheTimeout has passed."""

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is None:
            return self._first_load(now)
        if now - keys.loaded_at >= self.config.cache_timeout.seconds / 2:
            return self._reload(now, keys, reason="early")
        return keys

    _Store._current = current  # type: ignore[method-assign]


@mutant("CACHE-02")
def stale_one_tick_late() -> None:
    """The set is reloaded only after cacheTimeout, not at it (off by one)."""

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is None:
            return self._first_load(now)
        if now - keys.loaded_at > self.config.cache_timeout.seconds:
            return self._reload(now, keys, reason="cache timeout")
        return keys

    _Store._current = current  # type: ignore[method-assign]


@mutant("CACHE-02", "LEASE-03")
def a_reload_keeps_the_removed_keys() -> None:
    """A reload adds the new document's keys to the cached ones instead of replacing them:
    a key removed from the published set is still listed, and named, after the reload."""
    original = _Store._load

    def load(self: Any, now: float) -> Any:
        before = self._keys
        keys = original(self, now)
        if before is None:
            return keys
        fresh = _entries(keys)
        published = [entry.public_jwk for entry in fresh]
        kept = [entry for entry in _entries(before) if entry.public_jwk not in published]
        merged = _store._KeySet.index([*fresh, *kept], keys.loaded_at)
        with self._lock:
            self._keys = merged
        return merged

    _Store._load = load  # type: ignore[method-assign]


def _entries(keys: Any) -> list[Any]:
    """A loaded set's entries, each once, in set order of their first purpose."""
    seen: dict[int, Any] = {}
    for entries in keys.valid.values():
        for entry in entries:
            seen.setdefault(id(entry), entry)
    return list(seen.values())


# -- the miss window (CACHE-03, CACHE-04) ------------------------------------------------------


@mutant("CACHE-03")
def unthrottled_miss_reload() -> None:
    """Every kid miss reloads the set."""
    _Store._miss_may_reload = lambda self, keys, now: True  # type: ignore[method-assign]


@mutant("CACHE-03")
def miss_window_from_last_miss() -> None:
    """The miss window counts from the last miss instead of the last successful load."""

    def may_reload(self: Any, keys: Any, now: float) -> bool:
        last = getattr(self, "_last_miss", keys.loaded_at)
        self._last_miss = now
        return now - last >= self.config.cache_miss_cache_time.seconds

    _Store._miss_may_reload = may_reload  # type: ignore[method-assign]


def _miss_window_from(anchor: str) -> None:
    """Count the miss window from ``self.<anchor>`` (set by the patched loads) when set."""

    def may_reload(self: Any, keys: Any, now: float) -> bool:
        since = getattr(self, anchor, None)
        age = now - (keys.loaded_at if since is None else since)
        return age > 0 and age >= self.config.cache_miss_cache_time.seconds

    _Store._miss_may_reload = may_reload  # type: ignore[method-assign]


@mutant("CACHE-03")
def miss_window_from_the_first_load() -> None:
    """The miss window counts from the first load only: no reload restarts it."""
    original = _Store._first_load

    def first_load(self: Any, now: float) -> Any:
        keys = original(self, now)
        if getattr(self, "_first_loaded_at", None) is None:
            self._first_loaded_at = keys.loaded_at
        return keys

    _Store._first_load = first_load  # type: ignore[method-assign]
    _miss_window_from("_first_loaded_at")


@mutant("CACHE-03")
def miss_window_ignores_reloads_for_staleness() -> None:
    """A reload because the set went stale does not restart the miss window: it counts from
    the first load or the last reload for a miss."""
    original = _Store._reload

    def reload(self: Any, now: float, keys: Any, *, reason: str) -> Any:
        fresh = original(self, now, keys, reason=reason)
        if fresh is not keys and reason.startswith("kid"):
            self._miss_anchor = fresh.loaded_at
        elif getattr(self, "_miss_anchor", None) is None:
            self._miss_anchor = keys.loaded_at
        return fresh

    _Store._reload = reload  # type: ignore[method-assign]
    _miss_window_from("_miss_anchor")


@mutant("CACHE-03")
def miss_window_from_the_last_failure() -> None:
    """After a failed reload the miss window counts from that failure, even once a later
    load has succeeded."""
    original = _Store._load

    def load(self: Any, now: float) -> Any:
        try:
            return original(self, now)
        except LoadError:
            self._failed_at = now
            raise

    _Store._load = load  # type: ignore[method-assign]
    _miss_window_from("_failed_at")


@mutant("CACHE-03")
def no_miss_reload_for_a_single_key() -> None:
    """A kid miss never reloads a set of one key (as if a set that small were complete)."""
    original = _Store._miss_may_reload

    def may_reload(self: Any, keys: Any, now: float) -> bool:
        return len(keys.valid[_store.Purpose.VERIFY]) > 1 and original(self, keys, now)

    _Store._miss_may_reload = may_reload  # type: ignore[method-assign]


@mutant("CACHE-04")
def miss_reload_not_used_at_once() -> None:
    """A miss reload happens, but the query that caused it still answers from the old set."""
    original = _Store._reload

    def reload(self: Any, now: float, keys: Any, *, reason: str) -> Any:
        fresh = original(self, now, keys, reason=reason)
        return keys if reason.startswith("kid") else fresh

    _Store._reload = reload  # type: ignore[method-assign]


# -- coalescing (CACHE-05) ---------------------------------------------------------------------


@mutant("CACHE-05")
def every_query_fetches() -> None:
    """Concurrent queries that need a reload each fetch: none joins the load under way."""

    def shared_load(self: Any, now: float, seen: Any, *, reason: str) -> Any:
        try:
            return self._load(now)
        except LoadError as exc:
            return exc

    _Store._shared_load = shared_load  # type: ignore[method-assign]


# -- failed reloads (CACHE-06) -----------------------------------------------------------------


def _after_a_failed_reload(change: Any) -> None:
    """Call ``change(self, now, keys)`` when a reload (not a first load) fails."""
    original = _Store._load

    def load(self: Any, now: float) -> Any:
        keys = self._keys
        try:
            return original(self, now)
        except LoadError:
            if keys is not None:
                change(self, now, keys)
            raise

    _Store._load = load  # type: ignore[method-assign]


@mutant("CACHE-06")
def failed_reload_counts_as_a_load() -> None:
    """A failed reload moves loaded_at: the last good set is fresh again for cacheTimeout."""

    def restart(self: Any, now: float, keys: Any) -> None:
        with self._lock:
            self._keys = replace(keys, loaded_at=now)

    _after_a_failed_reload(restart)


@mutant("CACHE-06")
def stale_set_fresh_again_after_a_failed_reload() -> None:
    """After a failed reload for staleness, queries stop reloading the stale set; only a
    kid miss past the miss window tries again."""
    original = _Store._current

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is not None and getattr(self, "_gave_up_on", None) is keys:
            return keys
        found = original(self, now)
        stale = keys is not None and now - keys.loaded_at >= self.config.cache_timeout.seconds
        if stale and found is keys:
            self._gave_up_on = keys  # its reload for staleness failed: serve it from now on
        return found

    _Store._current = current  # type: ignore[method-assign]


@mutant("CACHE-06")
def retries_held_back_for_good() -> None:
    """After a failed reload the store never fetches again: it serves the last good set."""

    def never(self: Any, now: float, keys: Any) -> None:
        self._retry_at = float("inf")

    _after_a_failed_reload(never)


@mutant("CACHE-06")
def retries_held_back_for_cache_timeout() -> None:
    """After a failed reload, retries wait cacheTimeout instead of at most the miss window."""

    def wait(self: Any, now: float, keys: Any) -> None:
        self._retry_at = now + self.config.cache_timeout.seconds

    _after_a_failed_reload(wait)


@mutant("CACHE-01")
def kidless_token_without_candidate_reloads() -> None:
    """A token without kid whose alg no cached key can take is handled like a kid miss (as
    some libraries do): past the miss window it reloads the set, although the set is fresh."""
    from jwkconform.reference import _provider
    from jwkconform.reference._constraints import constraint_failure

    original = _provider.SecretsProvider.verify

    def verify(self: Any, token: str) -> Any:
        outcome = original(self, token)
        try:
            _, alg, kid = _provider._parse(token)
        except _provider._BadToken:
            return outcome
        candidates = self._valid_secrets(self._clock())
        if (
            outcome.verified
            or kid is not None
            or any(constraint_failure(s.jwk, s.bits, alg) is None for s in candidates)
        ):
            return outcome
        self._store.named(_store.Purpose.VERIFY, "\x00kid-less")  # a miss: may reload
        self._valid = ()
        return original(self, token)

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]


@mutant("CACHE-02", "LEASE-03")
def a_removed_kid_is_served_from_a_per_kid_cache() -> None:
    """Each kid once named is kept in a cache of its own that no reload clears: a key the
    new document no longer holds is still named (and verifies) after the reload."""
    original = _store.JwkSetSecretStore.named

    def named(self: Any, purpose: Any, kid: str) -> Any:
        found = original(self, purpose, kid)
        # Kept on the store itself: a table keyed by id(store) would hand a later store,
        # which may reuse a collected store's id, that store's secrets.
        remembered = self.__dict__.setdefault("_per_kid", {})
        key = (str(purpose), kid)
        if found is not None:
            remembered[key] = found
            return found
        stale = remembered.get(key)
        return None if stale is None else self._produce_again(stale)

    def produce_again(self: Any, secret: Any) -> Any:
        return secret  # the secret as first produced, lease and all

    _store.JwkSetSecretStore.named = named
    _store.JwkSetSecretStore._produce_again = produce_again
