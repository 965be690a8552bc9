"""The JWK-Set secret store: named and valid secrets from a cached JWK Set.

Time rules (all read from the injected clock):

- the set is fresh while ``now - loaded_at < cacheTimeout`` (CACHE-01, CACHE-02);
- a ``kid`` miss reloads when ``now - loaded_at >= cacheMissCacheTime`` (CACHE-03, CACHE-04);
- a produced secret expires at ``now + leaseExpiry`` (LEASE-01);
- ``loaded_at`` moves only on a successful load; a failed reload keeps the last good set
  (LOAD-05), and no new attempt is made for ``min(cacheMissCacheTime, 10 s)`` after a
  failure, so an outage cannot turn every query into a fetch (docs/decisions.md, D-5).

Locking: the loaded set is immutable and replaced whole, so a query that the current set can
answer (a hit or a ``valid`` on a fresh set, a miss inside the miss window) reads it without
a lock and never waits for a fetch. A query that needs a load joins the one under way, if
any, or starts it; the others that need it wait for that fetch and read its result
(CACHE-05). The lock guards only that decision and the state it reads, never a fetch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import httpx

from jwkconform.reference._config import StoreConfig
from jwkconform.reference._errors import LoadError
from jwkconform.reference._fetch import fetch
from jwkconform.reference._jwks import KeyEntry, parse_jwk_set
from jwkconform.reference._log import logger
from jwkconform.reference._purposes import Purpose
from jwkconform.reference._secrets import Secret

__all__ = ["Clock", "JwkSetSecretStore"]

Clock = Callable[[], float]
"""Seconds on a clock that never goes back; `time.monotonic` unless a test injects one."""

_MAX_RETRY_BACKOFF: Final = 10.0


@dataclass(frozen=True)
class _KeySet:
    """One loaded document, indexed once so that lookups never scan it."""

    valid: Mapping[Purpose, tuple[KeyEntry, ...]]
    named: Mapping[tuple[Purpose, str], KeyEntry]
    loaded_at: float

    @classmethod
    def index(cls, entries: Sequence[KeyEntry], loaded_at: float) -> _KeySet:
        valid: dict[Purpose, list[KeyEntry]] = {p: [] for p in Purpose}
        named: dict[tuple[Purpose, str], KeyEntry] = {}
        for entry in entries:
            for purpose in entry.purposes:
                valid[purpose].append(entry)
                if entry.kid is not None:
                    # KID-04: the first JWK in set order wins a shared kid.
                    named.setdefault((purpose, entry.kid), entry)
        return cls({p: tuple(v) for p, v in valid.items()}, named, loaded_at)


class JwkSetSecretStore:
    """A secret store over a local or remote JWK Set.

    >>> store = JwkSetSecretStore.from_json({"jwkUrl": "https://idp.example/jwks"})
    >>> secret = store.named("verify", "key-1")      # doctest: +SKIP
    >>> [s.stable_id for s in store.valid("verify")]  # doctest: +SKIP
    ['key-1', 'key-2']
    >>> store.close()
    """

    def __init__(self, config: StoreConfig, *, clock: Clock = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._owns_client = config.handler is None
        self._client = config.handler or httpx.Client(timeout=config.fetch_timeout.seconds)
        # Guards the fields below for a moment at a time; never held during a fetch.
        self._lock = threading.Lock()
        self._keys: _KeySet | None = None
        self._retry_at = float("-inf")
        self._last_failure = ""
        self._load_under_way: _SharedLoad | None = None

    @classmethod
    def from_json(
        cls, raw: Mapping[str, object], *, clock: Clock = time.monotonic
    ) -> JwkSetSecretStore:
        """A store configured from the gateway's JSON ``config`` object."""
        return cls(StoreConfig.from_json(raw), clock=clock)

    def named(self, purpose: Purpose | str, kid: str) -> Secret | None:
        """The first JWK whose ``kid`` is exactly ``kid`` and which fits ``purpose``, or None."""
        wanted = Purpose.parse(purpose)
        now = self._clock()
        keys = self._current(now)
        entry = keys.named.get((wanted, kid))
        if entry is None and self._miss_may_reload(keys, now):
            keys = self._reload(now, keys, reason=f"kid {kid[:100]!r} not in the set")
            entry = keys.named.get((wanted, kid))
        return None if entry is None else self._produce(entry, now)

    def valid(self, purpose: Purpose | str) -> list[Secret]:
        """Every JWK that fits ``purpose``, in the set's order."""
        wanted = Purpose.parse(purpose)
        now = self._clock()
        keys = self._current(now)
        return [self._produce(entry, now) for entry in keys.valid[wanted]]

    def close(self) -> None:
        """Release the HTTP client, unless the user supplied it as ``handler``."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> JwkSetSecretStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _produce(self, entry: KeyEntry, now: float) -> Secret:
        expires_at = now + self.config.lease_expiry.seconds
        return Secret(entry.stable_id, entry.public_jwk, expires_at, entry.key, entry.bits)

    def _current(self, now: float) -> _KeySet:
        keys = self._keys
        if keys is None:
            return self._first_load(now)
        if now - keys.loaded_at >= self.config.cache_timeout.seconds:
            return self._reload(now, keys, reason="cache timeout")
        return keys

    def _miss_may_reload(self, keys: _KeySet, now: float) -> bool:
        # A set loaded at this very instant is as new as a reload would make it.
        age = now - keys.loaded_at
        return age > 0 and age >= self.config.cache_miss_cache_time.seconds

    def _first_load(self, now: float) -> _KeySet:
        outcome = self._shared_load(now, None, reason="first load")
        if isinstance(outcome, _KeySet):
            return outcome
        if outcome is None:
            reason = f"not retried before {self._retry_at}; last failure: {self._last_failure}"
            raise LoadError(self.config.jwk_url, reason)
        raise outcome

    def _reload(self, now: float, keys: _KeySet, *, reason: str) -> _KeySet:
        outcome = self._shared_load(now, keys, reason=reason)
        return outcome if isinstance(outcome, _KeySet) else keys

    def _shared_load(self, now: float, seen: _KeySet | None, *, reason: str) -> _Outcome:
        """The set after the one load that every query which saw ``seen`` needs: this query
        starts it, or waits for the one under way. None when retries are held back (D-5).

        A query that took its decision on a set that another load has replaced since gets
        that newer set: it is as new as a fetch of its own would make it.
        """
        with self._lock:
            if self._keys is not seen:
                return self._keys
            if now < self._retry_at:
                return None
            shared = self._load_under_way
            leading = shared is None
            if shared is None:
                shared = self._load_under_way = _SharedLoad(self.config.jwk_url)
        if not leading:
            shared.done.wait()
            outcome = shared.outcome
            # An exception of its own for each waiting query: one object raised in several
            # threads at once would mix their tracebacks.
            return (
                LoadError(outcome.url, outcome.reason)
                if isinstance(outcome, LoadError)
                else outcome
            )
        try:
            shared.outcome = self._load(now)
        except LoadError as exc:
            if seen is not None:
                logger.warning("reload (%s) failed, keeping the last good set: %s", reason, exc)
            shared.outcome = exc
        finally:
            with self._lock:
                self._load_under_way = None
            shared.done.set()
        return shared.outcome

    def _load(self, now: float) -> _KeySet:
        url = self.config.jwk_url
        try:
            body = fetch(
                url, self._client, self.config.max_body_bytes, self.config.fetch_timeout.seconds
            )
            entries = parse_jwk_set(body, url, remote=self.config.is_remote)
        except LoadError as exc:
            backoff = min(self.config.cache_miss_cache_time.seconds, _MAX_RETRY_BACKOFF)
            with self._lock:
                self._retry_at = now + backoff
                self._last_failure = exc.reason
            raise
        keys = _KeySet.index(entries, now)
        with self._lock:
            self._keys = keys
        return keys


_Outcome = _KeySet | LoadError | None


class _SharedLoad:
    """One load under way, and what it gave; every query that needs it reads the same."""

    def __init__(self, url: str) -> None:
        self.done = threading.Event()
        # What a waiting query sees if the load ends without an outcome (an interrupt).
        self.outcome: _Outcome = LoadError(url, "the load under way did not finish")
