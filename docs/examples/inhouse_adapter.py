"""A complete jwkconform adapter for an in-house JWK-Set store (see docs/adapters.md).

The file has two parts:

1. ``InhouseJwksStore``, a small stand-in for *your* implementation. Replace it with an
   import of your real store; it is here so that the example runs on its own.
2. ``InhouseAdapter``, the part you copy: it opens a store for each test, hands it the
   harness's clock, HTTP client and warning sink, and translates its errors and results
   into the harness's terms.

Run the suites against it, with this folder on ``PYTHONPATH``::

    PYTHONPATH=docs/examples jwkconform run --adapter inhouse_adapter:factory

The store is deliberately not fully conformant: it reads only http(s) sets, serves only
the ``verify`` purpose, issues no leases, does not share a fetch between threads and does
not report which keys a verification tried; the adapter's ``capabilities`` say so, and the
tests that need those skip with a reason that names the capability. It also puts no cap on
the body size (LOAD-06, a SHOULD: reported as non-strict) and does not hold back reloads
after a failed fetch (decision D-5).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from jwcrypto.common import JWException
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from jwkconform.harness import (
    ConfigRefused,
    Environment,
    LoadFailed,
    PurposeRefused,
    SecretView,
    StoreUnderTest,
    Transport,
    VerifyOutcome,
)

if TYPE_CHECKING:
    from jwkconform.harness import Adapter

__all__ = [
    "InhouseAdapter",
    "InhouseConfigError",
    "InhouseFetchError",
    "InhouseJwksStore",
    "InhouseKey",
    "InhousePurposeError",
    "factory",
]

# =========================================================================================
# Your implementation goes here: everything down to the next banner stands in for the
# store you want to test. The adapter below only calls its public methods.
# =========================================================================================

_NANOS = {
    unit: nanos
    for nanos, units in (
        (86_400 * 10**9, "d day days"),
        (3_600 * 10**9, "h hour hours"),
        (60 * 10**9, "m min minute minutes"),
        (10**9, "s sec second seconds"),
        (10**6, "ms milli millis millisec millisecond milliseconds"),
        (10**3, "us \u00b5s \u03bcs micro micros microsec microsecond microseconds"),
        (1, "ns nano nanos nanosec nanosecond nanoseconds"),
    )
    for unit in units.split()
}
_DURATION = re.compile(r"(?:\s*(?:,|and)?\s*\d+\s*[a-z\u00b5\u03bc]+)+\s*")
_PIECE = re.compile(r"(\d+)\s*([a-z\u00b5\u03bc]+)")
_CURVES = {
    "ES256": {"P-256"},
    "ES384": {"P-384"},
    "ES512": {"P-521"},
    "EdDSA": {"Ed25519", "Ed448"},
}


class InhouseConfigError(ValueError):
    """A configuration the store refuses; ``option`` names the member at fault."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


class InhouseFetchError(RuntimeError):
    """The JWK Set could not be fetched or read, and no earlier set is cached."""


class InhousePurposeError(ValueError):
    """The store holds only signature verification keys."""


@dataclass(frozen=True)
class InhouseKey:
    stable_id: str  # the kid, or the RFC 7638 thumbprint of a key without one
    public: dict[str, Any]
    key: JWK


def _duration(config: Mapping[str, object], option: str, default: float) -> float:
    """Seconds in the gateway's duration syntax: "1 minute, 10 seconds", "zero", ..."""
    text = config.get(option)
    if text is None:
        return default
    words = str(text).strip().lower()
    if words in {"zero", "disabled"}:
        return 0.0
    if words in {"unlimited", "indefinite", "infinity", "undefined", "none"}:
        return math.inf
    pieces = _PIECE.findall(words) if _DURATION.fullmatch(words) else []
    if not pieces or any(unit not in _NANOS for _, unit in pieces):
        raise InhouseConfigError(option, f"cannot read the duration {text!r}")
    seconds = sum(int(number) * _NANOS[unit] for number, unit in pieces) / 10**9
    if seconds > 2**32:  # decision D-23: beyond the store's time arithmetic
        raise InhouseConfigError(option, f"the duration {text!r} is too large")
    return seconds


def _usable_for(key: InhouseKey, alg: object) -> bool:
    """Whether ``key`` may check a token signed with ``alg`` (JWK alg, key type, RSA size)."""
    if not isinstance(alg, str) or key.public.get("alg", alg) != alg:
        return False
    if alg[:2] in {"RS", "PS"} and alg[2:] in {"256", "384", "512"}:
        return key.public["kty"] == "RSA" and int(key.key.get_op_key("verify").key_size) >= 2048
    return key.public.get("crv") in _CURVES.get(alg, ())


class InhouseJwksStore:
    """Signature keys from a remote JWK Set, cached for ``cacheTimeout``."""

    def __init__(
        self,
        config: Mapping[str, object],
        *,
        http: httpx.Client,
        clock: Callable[[], float],
        on_warning: Callable[[str], None],
    ) -> None:
        url = config.get("jwkUrl")
        if not isinstance(url, str) or not url:
            raise InhouseConfigError("jwkUrl", "is required")
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            raise InhouseConfigError("jwkUrl", f"{url!r} is not a URL: {exc}") from exc
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise InhouseConfigError("jwkUrl", f"{url!r} is not an http(s) URL")
        self._url, self._http, self._clock, self._warn = url, http, clock, on_warning
        self._ttl = _duration(config, "cacheTimeout", 120.0)
        if self._ttl < 10:
            on_warning(f"cacheTimeout {config['cacheTimeout']!r} is under 10 s; using 2 minutes")
            self._ttl = 120.0
        self._miss_ttl = _duration(config, "cacheMissCacheTime", 120.0)
        # Checked like the gateway checks it, but this store hands out no leases.
        if _duration(config, "leaseExpiry", 300.0) in {0.0, math.inf}:
            on_warning(f"leaseExpiry {config['leaseExpiry']!r} is not allowed; using 5 minutes")
        self._keys: list[InhouseKey] = []
        self._loaded_at: float | None = None

    def valid(self, purpose: str = "verify") -> list[InhouseKey]:
        """The keys for ``purpose``, in the order of the set."""
        if purpose != "verify":
            raise InhousePurposeError(f"purpose {purpose!r}: this store serves only 'verify'")
        if self._age() >= self._ttl:
            self._reload()
        return self._keys

    def named(self, kid: str, purpose: str = "verify") -> InhouseKey | None:
        """The key whose kid is ``kid``; a miss reloads once the miss window has passed."""
        found = next((k for k in self.valid(purpose) if k.stable_id == kid), None)
        age = self._age()
        if found is None and age > 0 and age >= self._miss_ttl:  # never twice in one instant
            self._reload()
            found = next((k for k in self._keys if k.stable_id == kid), None)
        return found

    def verify(self, token: str) -> str | None:
        """The stable ID of the key that verifies ``token``, or None."""
        jws = JWS()
        try:
            jws.deserialize(token)
            header: dict[str, Any] = jws.jose_header
        except JWException:
            return None
        kid, alg = header.get("kid"), header.get("alg")
        named = self.named(kid) if isinstance(kid, str) else None
        for candidate in [named] if named is not None else self.valid():
            if not _usable_for(candidate, alg):
                continue
            try:
                jws.verify(candidate.key, alg=alg)
            except (JWException, ValueError, TypeError):
                continue
            return candidate.stable_id
        return None

    def _age(self) -> float:
        """Seconds since the last successful load, on the injected clock."""
        return math.inf if self._loaded_at is None else self._clock() - self._loaded_at

    def _reload(self) -> None:
        now = self._clock()
        try:
            response = self._http.get(self._url)
            if response.status_code != 200:
                raise InhouseFetchError(f"{self._url} answered {response.status_code}")
            document = response.json()
            if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                raise InhouseFetchError(f"{self._url} did not serve a JWK Set")
        except (httpx.HTTPError, ValueError, RecursionError, InhouseFetchError) as exc:
            if self._loaded_at is None:
                raise InhouseFetchError(f"cannot load {self._url}: {exc}") from exc
            self._warn(f"reloading {self._url} failed, keeping the cached set: {exc}")
            return
        self._keys = [key for entry in document["keys"] if (key := self._parse(entry))]
        self._loaded_at = now

    def _parse(self, entry: object) -> InhouseKey | None:
        # One JWK at a time: jwcrypto's JWKSet keeps its keys in a Python set, which loses
        # the document's order, and drops keys it cannot read without saying so.
        try:
            if not isinstance(entry, dict) or entry.get("kty") == "oct":
                raise ValueError("not an asymmetric JWK (a downloaded secret key is no secret)")
            if not isinstance(entry.get("kid", ""), str):
                raise ValueError(f"its kid {entry['kid']!r} is not a string")
            ops = entry.get("key_ops")  # the purpose filter: use "sig" or none, key_ops "verify"
            if ops is not None and not (
                isinstance(ops, list) and all(isinstance(op, str) for op in ops)
            ):
                raise ValueError(f"its key_ops {ops!r} is not a list of strings")
            if entry.get("use", "sig") != "sig" or (ops is not None and "verify" not in ops):
                return None
            key = JWK(**entry)
            op_key = key.get_op_key("verify")  # jwcrypto checks curve and members only now
            if entry["kty"] == "RSA" and (
                op_key.key_size < 2048 or op_key.public_numbers().n % 2 == 0
            ):
                raise ValueError("an RSA key under 2048 bits or with an even modulus")
            public: dict[str, Any] = key.export_public(as_dict=True)
        except (JWException, ValueError, TypeError) as exc:
            self._warn(f"skipped a JWK of {self._url}: {exc}")
            return None
        return InhouseKey(entry.get("kid") or key.thumbprint(), public, key)


# =========================================================================================
# The adapter: what you write for your own store.
# =========================================================================================


@contextmanager
def _translated() -> Iterator[None]:
    """Turn the store's own errors into the harness's, keeping the message."""
    try:
        yield
    except InhousePurposeError as exc:
        raise PurposeRefused(str(exc)) from exc
    except InhouseFetchError as exc:
        raise LoadFailed(str(exc)) from exc


def _view(key: InhouseKey) -> SecretView:
    return SecretView(stable_id=key.stable_id, jwk=key.public, expires_at=None)  # no leases


class _InhouseStoreUnderTest:
    """One store, answering the harness's three queries."""

    def __init__(self, store: InhouseJwksStore) -> None:
        self._store = store

    def named(self, purpose: str, kid: str) -> SecretView | None:
        with _translated():
            key = self._store.named(kid, purpose)
        return None if key is None else _view(key)

    def valid(self, purpose: str) -> Sequence[SecretView]:
        with _translated():
            return [_view(key) for key in self._store.valid(purpose)]

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        if not secret_id:
            raise ConfigRefused("verificationSecretId", "verificationSecretId must not be empty")
        try:
            verified_by = self._store.verify(token)
        except InhouseFetchError as exc:  # no keys at all: the token cannot be valid
            return VerifyOutcome(verified=False, reason=str(exc))
        if verified_by is None:
            return VerifyOutcome(verified=False, reason="no key verified the token")
        # tried=None: this store does not report its attempts ("reports-attempts").
        return VerifyOutcome(verified=True, secret_id=verified_by, tried=None)

    def close(self) -> None:
        pass  # nothing to release; the harness owns and closes env.http_client


class InhouseAdapter:
    """The in-house store as the conformance suites see it."""

    name = "inhouse-jwks 0.3 (docs example)"
    # Declare only what the store really does: tests needing anything else skip.
    capabilities = frozenset({"config", "named", "valid", "verify", "warnings"})
    transport: Transport = "respx"  # in process: the store fetches with env.http_client

    def open_store(self, config: Mapping[str, object], env: Environment) -> StoreUnderTest:
        try:
            store = InhouseJwksStore(
                config,
                http=env.http_client,  # the mock JWKS server is reachable only through it
                clock=env.clock,  # fake time: never time.time() or time.monotonic()
                on_warning=env.warn,  # what the store would log, for the harness to check
            )
        except InhouseConfigError as exc:
            raise ConfigRefused(exc.option, str(exc)) from exc
        return _InhouseStoreUnderTest(store)


def factory() -> InhouseAdapter:
    """What ``--jwk-adapter inhouse_adapter:factory`` calls: a new adapter, no arguments."""
    return InhouseAdapter()


if TYPE_CHECKING:
    # Lets mypy check the adapter against the protocol the harness expects.
    _checked: Adapter = InhouseAdapter()
