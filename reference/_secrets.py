"""The secret a store hands out: a key with its stable ID, public JWK and lease expiry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jwcrypto.jwk import JWK

__all__ = ["Secret"]


@dataclass(frozen=True)
class Secret:
    """A key produced by a store, usable until ``expires_at`` on the store's clock.

    ``stable_id`` is the JWK's ``kid`` (or its RFC 7638 thumbprint when it has none);
    ``jwk`` holds the public members only; ``key`` is the key itself for crypto.
    """

    stable_id: str
    jwk: Mapping[str, Any]
    expires_at: float
    key: JWK = field(repr=False, compare=False)
    bits: int = field(default=0, repr=False)

    def is_expired(self, now: float) -> bool:
        """Whether the lease has run out at ``now``: expiry is inclusive."""
        return now >= self.expires_at
