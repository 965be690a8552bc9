"""The secrets provider: verify a compact JWS with secrets from a store (KID, ORD-02, LEASE-02).

The order of resolution follows the gateway's stateless access-token resolver:

1. a token with a ``kid`` asks the store for that named secret; when there is one, it alone
   decides: if it cannot verify the token, the token is invalid (KID-02);
2. otherwise (no ``kid``, or no JWK with that ``kid`` fits) the valid secrets are tried one
   by one in set order until one verifies (KID-03, ORD-02).

Secrets are reused until their lease expires, then asked for again (LEASE-02); named ones
are kept in a bounded cache (``_lease_cache``), since kids come from tokens. A secret
whose constraints do not fit the token's ``alg`` (PUR-05, PUR-06) is not tried at all.
Only the signature is checked here; claims such as ``exp`` belong to the caller.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jwcrypto.jws import JWS

from jwkconform.reference._constraints import ALGORITHMS, constraint_failure
from jwkconform.reference._errors import ConfigError, LoadError
from jwkconform.reference._lease_cache import LeaseCache
from jwkconform.reference._purposes import Purpose
from jwkconform.reference._secrets import Secret
from jwkconform.reference._store import Clock

__all__ = ["SecretStore", "SecretsProvider", "Verification"]


class SecretStore(Protocol):
    """What the provider needs of a store."""

    def named(self, purpose: Purpose | str, kid: str) -> Secret | None: ...

    def valid(self, purpose: Purpose | str) -> list[Secret]: ...


@dataclass(frozen=True)
class Verification:
    """The outcome of `SecretsProvider.verify`.

    ``secret_id`` is the stable ID of the secret that verified the token (None when none
    did); ``tried`` lists, in order, the stable IDs whose signature check ran; ``reason``
    says why the token is invalid ("" when it verified).
    """

    verified: bool
    secret_id: str | None
    tried: tuple[str, ...]
    reason: str = ""


_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")


class _BadToken(Exception):
    pass


class SecretsProvider:
    """Verifies compact JWS tokens against a `SecretStore`.

    ``token`` below is a compact JWS whose header names no ``kid``, signed by ``key-2``:

    >>> store = JwkSetSecretStore.from_json({"jwkUrl": "https://idp.example/jwks"})
    >>> provider = SecretsProvider.from_json({"verificationSecretId": "access.token"}, store)
    >>> result = provider.verify(token)  # doctest: +SKIP
    >>> result.verified, result.secret_id, result.tried  # doctest: +SKIP
    (True, 'key-2', ('key-1', 'key-2'))
    >>> store.close()
    """

    def __init__(
        self, store: SecretStore, *, verification_secret_id: str, clock: Clock = time.monotonic
    ) -> None:
        if not isinstance(verification_secret_id, str) or not verification_secret_id:
            raise ConfigError("verificationSecretId", "a non-empty string is required")
        self.verification_secret_id = verification_secret_id
        self._store = store
        self._clock = clock
        self._named = LeaseCache()
        self._valid: tuple[Secret, ...] = ()

    @classmethod
    def from_json(
        cls, raw: Mapping[str, object], store: SecretStore, *, clock: Clock = time.monotonic
    ) -> SecretsProvider:
        """A provider configured like the gateway's resolver (KID-06)."""
        unknown = sorted(set(raw) - {"verificationSecretId"})
        if unknown:
            raise ConfigError(unknown[0], "unknown member (known: verificationSecretId)")
        if "verificationSecretId" not in raw:
            raise ConfigError("verificationSecretId", "is required")
        secret_id = raw["verificationSecretId"]
        if not isinstance(secret_id, str):
            raise ConfigError("verificationSecretId", f"expected a string, got {secret_id!r}")
        return cls(store, verification_secret_id=secret_id, clock=clock)

    def verify(self, token: str) -> Verification:
        """Whether ``token`` verifies, which secret verified it, and which were tried.

        Never raises, whatever the string: a token that cannot be read, or a store that
        cannot load, is an unverified `Verification` whose ``reason`` says why."""
        try:
            jws, alg, kid = _parse(token)
        except _BadToken as exc:
            return Verification(False, None, (), f"malformed token: {exc}")
        now = self._clock()
        try:
            named = self._named_secret(kid, now) if kid is not None else None
            if named is not None:
                return _try_in_order(jws, alg, [named], reason="the named secret")
            return _try_in_order(jws, alg, self._valid_secrets(now), reason="no valid secret")
        except LoadError as exc:
            return Verification(False, None, (), str(exc))

    def _named_secret(self, kid: str, now: float) -> Secret | None:
        cached = self._named.get(kid, now)
        if cached is not None:
            return cached
        # Misses are not cached: a rotated-in key must be found at once (CACHE-04).
        secret = self._store.named(Purpose.VERIFY, kid)
        if secret is not None:
            self._named.put(kid, secret, now)
        return secret

    def _valid_secrets(self, now: float) -> Sequence[Secret]:
        if not self._valid or any(s.is_expired(now) for s in self._valid):
            self._valid = tuple(self._store.valid(Purpose.VERIFY))
        return self._valid


def _try_in_order(jws: JWS, alg: str, secrets: Sequence[Secret], *, reason: str) -> Verification:
    tried: list[str] = []
    failures: list[str] = []
    for secret in secrets:
        problem = constraint_failure(secret.jwk, secret.bits, alg)
        if problem:
            failures.append(f"{secret.stable_id}: {problem}")
            continue
        tried.append(secret.stable_id)
        if _signature_holds(jws, alg, secret):
            return Verification(True, secret.stable_id, tuple(tried))
        failures.append(f"{secret.stable_id}: signature does not verify")
    detail = "; ".join(failures) or "no secret to try"
    return Verification(False, None, tuple(tried), f"{reason} did not verify ({detail})")


def _signature_holds(jws: JWS, alg: str, secret: Secret) -> bool:
    try:
        jws.verify(secret.key, alg=alg)
    except Exception:  # jwcrypto raises many types; a check that cannot run does not hold
        return False
    return True


def _parse(token: object) -> tuple[JWS, str, str | None]:
    if not isinstance(token, str) or not _COMPACT.fullmatch(token):
        raise _BadToken("not a compact JWS (three base64url parts joined by dots)")
    header = _header(token.split(".", 1)[0])
    alg = header.get("alg")
    kid = header.get("kid")
    if not isinstance(alg, str):
        raise _BadToken("header has no string 'alg'")
    if kid is not None and not isinstance(kid, str):
        raise _BadToken("header 'kid' is not a string")
    if "crit" in header:
        raise _BadToken("critical header extensions are not supported")
    if alg not in ALGORITHMS:
        # PUR-06: `none` and unknown algorithms never verify, whatever the keys are.
        raise _BadToken(f"algorithm {alg!r} is not accepted")
    jws = JWS()
    try:
        jws.deserialize(token)
    except Exception as exc:  # jwcrypto raises several types for bad input
        raise _BadToken(f"{type(exc).__name__}: {exc}") from None
    return jws, alg, kid


def _header(segment: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise _BadToken(f"header is not base64url JSON ({exc})") from None
    except RecursionError:
        # A 1.3 KB header of nested arrays is enough to reach the parser's depth limit.
        raise _BadToken("header is nested too deeply") from None
    if not isinstance(header, dict):
        raise _BadToken("header is not a JSON object")
    return header
