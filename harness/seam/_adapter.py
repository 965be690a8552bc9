"""The seam between the suites and an implementation under test.

An *adapter* names the implementation, declares its capabilities and opens stores. A store
under test answers three queries (``named``, ``valid``, ``verify``) in the harness's terms,
and translates its implementation's errors into the three exceptions below, so that the
suites never depend on how a given library spells a refusal.

>>> class MyAdapter:
...     name = "my-gateway 1.2"
...     capabilities = frozenset({"encrypt", "lease"})
...     transport = "loopback"
...     def open_store(self, config, env):
...         return MyStore(config, env)          # anything with named/valid/verify/close
>>> def factory() -> MyAdapter:                  # --jwk-adapter mymodule:factory
...     return MyAdapter()
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from jwkconform.harness.endpoints._faults import DEFAULT_FETCH_TIMEOUT
from jwkconform.harness.spec._requirement import ANY_OF

if TYPE_CHECKING:
    import httpx

    from jwkconform.harness.endpoints._clock import FakeClock

__all__ = [
    "CAPABILITIES",
    "CAPABILITY_ALIASES",
    "Adapter",
    "AdapterFactory",
    "ConfigRefused",
    "Environment",
    "ImplementationRaised",
    "LoadFailed",
    "PublisherAdapter",
    "PublisherEnvironment",
    "PublisherUnderTest",
    "PurposeRefused",
    "SecretView",
    "StoreUnderTest",
    "Transport",
    "VerifyOutcome",
    "expand_capabilities",
    "missing",
    "own_fetch_deadline",
    "unknown_capabilities",
]

Transport = Literal["respx", "loopback"]

# What an adapter may declare; a test that needs an undeclared one skips, naming it.
CAPABILITIES: Mapping[str, str] = {
    # How the harness can observe the implementation.
    "named": "answers named(purpose, kid) queries",
    "valid": "answers valid(purpose) queries",
    "verify": "verifies compact JWS tokens (a secrets provider)",
    "reports-attempts": "reports the stable IDs a verification tried, in order",
    "warnings": "reports its log warnings to the harness",
    # Configuration: what the implementation itself reads, refuses and corrects.
    "config-refusal": "refuses a configuration without jwkUrl, with a bad jwkUrl or a bad value",
    "duration-syntax": "reads durations in the gateway's syntax itself",
    "cache-timeout": "takes a configured cache lifetime (cacheTimeout)",
    "miss-window": "takes a configured miss window (cacheMissCacheTime)",
    "http-client": "fetches through the HTTP client it is given (env.http_client, the handler)",
    "default-client": "when env.own_client is set, fetches with its own default HTTP client",
    # Features that some requirements presume.
    "encrypt": "serves the encrypt purpose",
    "other-purposes": "takes queries for purposes whose secrets are not keys (LOAD-02)",
    "sign-decrypt": "serves private keys of a local set for sign and decrypt",
    "lease": "gives each secret a lease and reports its expiry on the fake clock",
    "resolver-config": "has a resolver configuration with a verificationSecretId (KID-06)",
    "file-urls": "reads jwkUrl values with the file: scheme",
    "coalescing": "shares one fetch between concurrent queries that need a reload",
    "publisher": "opens a JWK URI publisher (open_publisher)",
    "provider-endpoint": "the publisher serves the provider keys at .../connect/jwk_uri",
    "realms": "the publisher serves nested realms",
    "all-combinations": "the publisher supports 'include all kty and alg combinations'",
    "remote-jwk-url": "the publisher supports a Remote JSON Web Key URL in discovery",
    "mtls": "the publisher publishes the mTLS client-authentication alias",
}
# Shorthands an adapter may declare instead of their parts.
CAPABILITY_ALIASES: Mapping[str, tuple[str, ...]] = {
    "config": ("config-refusal", "duration-syntax", "cache-timeout", "miss-window"),
}


def own_fetch_deadline(declared: object) -> float | None:
    """An adapter's (or driver's) ``fetch_deadline``: the whole-fetch deadline, in seconds,
    that the implementation's own HTTP client keeps whatever it is configured with; None
    when it takes the deadline it is given (``fetch_timeout``)."""
    if declared is None:
        return None
    if (
        isinstance(declared, bool)
        or not isinstance(declared, (int, float))
        or not math.isfinite(declared)
        or declared <= 0
    ):
        raise ValueError(f"fetch_deadline must be a positive number of seconds, not {declared!r}")
    return float(declared)


def expand_capabilities(declared: Iterable[str]) -> tuple[str, ...]:
    """``declared`` with every shorthand replaced by its parts, in order, once each."""
    return tuple(dict.fromkeys(p for c in declared for p in CAPABILITY_ALIASES.get(c, (c,))))


def unknown_capabilities(declared: Iterable[str]) -> list[str]:
    """The names in ``declared`` that are neither capabilities nor shorthands."""
    return sorted(set(declared) - set(CAPABILITIES) - set(CAPABILITY_ALIASES))


class ConfigRefused(Exception):
    """The implementation refused the configuration; ``field`` names the member at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LoadFailed(Exception):
    """The implementation could not load the JWK Set and had no set to serve."""


class PurposeRefused(Exception):
    """The implementation refused a purpose it cannot serve (LOAD-02)."""


class ImplementationRaised(Exception):
    """The implementation itself raised an exception the seam has no name for (a
    ``TypeError`` on a ``null`` JWK, say): a finding about the implementation, counted
    against the requirement being checked, never an adapter fault.

    An adapter wraps the original around the one call it makes into its implementation;
    anything raised outside that call stays the adapter's own error (``error``).

    >>> try:
    ...     raise ImplementationRaised.wrap(TypeError("keys is not iterable"))
    ... except ImplementationRaised as exc:
    ...     print(exc)
    the implementation raised TypeError: keys is not iterable
    """

    def __init__(self, exception_type: str, message: str) -> None:
        detail = f"{exception_type}: {message}" if message else exception_type
        super().__init__(f"the implementation raised {detail}")
        self.exception_type = exception_type
        self.detail = message

    @classmethod
    def wrap(cls, original: BaseException) -> ImplementationRaised:
        """The exception for ``original``, with its type and message; raise it ``from``
        the original so the traceback keeps both."""
        raised = cls(type(original).__name__, str(original))
        raised.__cause__ = original
        return raised


@dataclass(frozen=True)
class SecretView:
    """A secret as the harness sees it: stable ID, public JWK, lease expiry (fake clock)."""

    stable_id: str
    jwk: Mapping[str, Any]
    expires_at: float | None = None


@dataclass(frozen=True)
class VerifyOutcome:
    """The result of a verification; ``tried`` is None when the adapter cannot report it."""

    verified: bool
    secret_id: str | None = None
    tried: tuple[str, ...] | None = None
    reason: str = ""


@dataclass
class Environment:
    """What the harness gives an adapter when it opens a store.

    ``jwks_url`` is the mock JWKS server; ``http_client`` reaches it (it is a respx-routed
    client when the transport is ``respx``); ``warnings`` collects the log warnings the
    implementation reports; ``tmp_path`` is a private folder for ``file:`` sets;
    ``fetch_timeout`` is how many real seconds the implementation should wait for a fetch
    (pass it to your HTTP client where you can: a scripted time-out then costs that long;
    it can differ from store to store, a quarter of the run's where no fetch is answered);
    ``durations`` holds the configuration's duration members in seconds, for adapters
    whose implementation does not read the gateway's syntax itself. When ``own_client`` is
    set the test is about the implementation's own default HTTP client (CFG-09): do not
    hand it ``http_client``, but pass ``fetch_timeout`` as its deadline where it takes one.
    """

    clock: FakeClock
    jwks_url: str
    http_client: httpx.Client
    tmp_path: Path
    warnings: list[str] = field(default_factory=list)
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT
    durations: Mapping[str, float] = field(default_factory=dict)
    own_client: bool = False

    def warn(self, message: str) -> None:
        """Record one warning the implementation logged."""
        self.warnings.append(message)


@runtime_checkable
class StoreUnderTest(Protocol):
    """A store (and its secrets provider) opened for one test example."""

    def named(self, purpose: str, kid: str) -> SecretView | None: ...

    def valid(self, purpose: str) -> Sequence[SecretView]: ...

    def verify(self, token: str, secret_id: str) -> VerifyOutcome: ...

    def close(self) -> None: ...


@runtime_checkable
class Adapter(Protocol):
    """An implementation under test: its name, capabilities, transport and store factory.

    An adapter may also have ``key_support`` (a `KeySupport`: the key types and algorithms
    it verifies with; by default every one the catalogue names), so that the suites draw
    only keys the implementation lawfully supports, ``version`` (a string), which the
    reports record ("unknown" without it), and ``fetch_deadline`` (seconds), the fixed
    whole-fetch deadline of an implementation whose own HTTP client cannot be given
    ``env.fetch_timeout`` (CFG-09 is judged against it).
    """

    name: str
    capabilities: frozenset[str]
    transport: Transport

    def open_store(self, config: Mapping[str, object], env: Environment) -> StoreUnderTest: ...


@dataclass
class PublisherEnvironment:
    """What the harness gives an adapter when it opens a publisher: the fake clock, how
    the endpoints must be reachable (``respx``: an in-process client is enough;
    ``loopback``: a real server on 127.0.0.1), a private folder and a warnings list."""

    clock: FakeClock
    transport: Transport
    tmp_path: Path
    warnings: list[str] = field(default_factory=list)


@runtime_checkable
class PublisherUnderTest(Protocol):
    """A JWK URI publisher opened for one test example.

    ``http_client`` reaches the endpoints with paths relative to ``base_url``; with the
    loopback transport ``base_url`` is a real ``http://127.0.0.1:PORT`` address.
    """

    base_url: str
    http_client: httpx.Client

    def reconfigure(self, config: Mapping[str, object]) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class PublisherAdapter(Protocol):
    """An adapter that also opens publishers (it declares the ``publisher`` capability).

    ``config`` has the JSON shape of docs/publisher.md: ``keystore``, ``globalMappings``
    and ``realm``; an adapter translates it for its implementation.
    """

    def open_publisher(
        self, config: Mapping[str, object], env: PublisherEnvironment
    ) -> PublisherUnderTest: ...


class AdapterFactory(Protocol):
    """What ``--jwk-adapter module:factory`` names: a callable returning an `Adapter`."""

    def __call__(self) -> Adapter: ...


def missing(declared: Iterable[str], needed: Iterable[str]) -> list[str]:
    """The capabilities in ``needed`` that are not in ``declared`` (shorthands expanded; a
    gate ``"a|b"`` is met by either).

    >>> missing(["valid", "default-client"], ["valid", "http-client|default-client", "lease"])
    ['lease']
    """
    have = set(expand_capabilities(declared))
    return [
        c for c in dict.fromkeys(expand_capabilities(needed)) if not have & set(c.split(ANY_OF))
    ]
