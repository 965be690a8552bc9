"""The provider's cache of named secrets (LEASE-02), with a bound.

A named secret is reused until its lease ends. Kids come from tokens, which anyone can
write, and a set that rotates keeps bringing new ones: kept for ever, 20,000 rotations held
76 MB. So a lookup drops the expired secret it finds, a full cache first drops every
expired secret, and it never holds more than `MAX_SECRETS`: past that, the secret stored
longest ago goes (it is only asked of the store again, which is cheap).
"""

from __future__ import annotations

import threading
from typing import Final

from jwkconform.reference._secrets import Secret

__all__ = ["MAX_SECRETS", "LeaseCache"]

# Far more kids than any JWK Set holds (misses are never cached, so only kids that the store
# found are kept); a few hundred secrets are a few hundred KB even as RSA keys.
MAX_SECRETS: Final = 256


class LeaseCache:
    """Secrets by kid, each until its lease ends, at most ``max_secrets`` of them.

    >>> cache = LeaseCache(max_secrets=2)
    >>> for kid in ("a", "b", "c"):
    ...     cache.put(kid, Secret(kid, {}, expires_at=10.0, key=None), now=0.0)
    >>> [cache.get(kid, now=0.0) is not None for kid in ("a", "b", "c")]
    [False, True, True]
    >>> cache.get("c", now=10.0), len(cache)
    (None, 1)
    """

    def __init__(self, max_secrets: int = MAX_SECRETS) -> None:
        self._max = max_secrets
        self._secrets: dict[str, Secret] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._secrets)

    def get(self, kid: str, now: float) -> Secret | None:
        """The secret stored for ``kid`` if its lease still runs at ``now``."""
        secret = self._secrets.get(kid)
        if secret is not None and secret.is_expired(now):
            self.forget(kid)
            return None
        return secret

    def put(self, kid: str, secret: Secret, now: float) -> None:
        """Keep ``secret`` for ``kid``, making room if the cache is full."""
        with self._lock:
            self._secrets.pop(kid, None)  # stored again: now the newest
            if len(self._secrets) >= self._max:
                for old_kid, old in list(self._secrets.items()):
                    if old.is_expired(now):
                        del self._secrets[old_kid]
            while len(self._secrets) >= self._max:
                del self._secrets[next(iter(self._secrets))]  # the oldest, in insertion order
            self._secrets[kid] = secret

    def forget(self, kid: str) -> None:
        with self._lock:
            self._secrets.pop(kid, None)
