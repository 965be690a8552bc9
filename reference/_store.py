"""The JWK-Set secret store: named and valid secrets from a cached JWK Set.

Time rules (all read from the injected clock):

- the set is fresh while ``now - loaded_at < cacheTimeout`` (CACHE-01, CACHE-02);
- a ``kid`` miss reloads when ``now - loaded_at >= cacheMissCacheTime`` (CACHE-03, CACHE-04);
- a produced secret expires at ``now + leaseExpiry`` (LEASE-01);
- ``loaded_at`` moves only on a successful load; a failed reload keeps the last good set
  (LOAD-05), and no new attempt is made for ``min(cacheMissCacheTime, 10 s)`` after a
  failure, so an outage cannot turn every query into a fetch (docs/decisions.md, D-5).
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
        # One lock around state and fetch: concurrent queries that need a reload wait for
        # the one fetch under way and then read its result (CACHE-05).
        self._lock = threading.Lock()
        self._keys: _KeySet | None = None
        self._retry_at = float("-inf")
        self._last_failure = ""

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
        with self._lock:
            keys = self._current(now)
            entry = keys.named.get((wanted, kid))
            if entry is None and self._miss_may_reload(keys, now):
                keys = self._reload(now, keys, reason=f"kid {kid!r} not in the set")
                entry = keys.named.get((wanted, kid))
        return None if entry is None else self._produce(entry, now)

    def valid(self, purpose: Purpose | str) -> list[Secret]:
        """Every JWK that fits ``purpose``, in the set's order."""
        wanted = Purpose.parse(purpose)
        now = self._clock()
        with self._lock:
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
            if now < self._retry_at:
                reason = f"not retried before {self._retry_at}; last failure: {self._last_failure}"
                raise LoadError(self.config.jwk_url, reason)
            return self._load(now)
        if now - keys.loaded_at >= self.config.cache_timeout.seconds:
            return self._reload(now, keys, reason="cache timeout")
        return keys

    def _miss_may_reload(self, keys: _KeySet, now: float) -> bool:
        # A set loaded at this very instant is as new as a reload would make it.
        age = now - keys.loaded_at
        return age > 0 and age >= self.config.cache_miss_cache_time.seconds

    def _reload(self, now: float, keys: _KeySet, *, reason: str) -> _KeySet:
        if now < self._retry_at:
            return keys
        try:
            return self._load(now)
        except LoadError as exc:
            logger.warning("reload (%s) failed, keeping the last good set: %s", reason, exc)
            return keys

    def _load(self, now: float) -> _KeySet:
        url = self.config.jwk_url
        try:
            body = fetch(
                url, self._client, self.config.max_body_bytes, self.config.fetch_timeout.seconds
            )
            entries = parse_jwk_set(body, url, remote=self.config.is_remote)
        except LoadError as exc:
            backoff = min(self.config.cache_miss_cache_time.seconds, _MAX_RETRY_BACKOFF)
            self._retry_at = now + backoff
            self._last_failure = exc.reason
            raise
        self._keys = _KeySet.index(entries, now)
        return self._keys
