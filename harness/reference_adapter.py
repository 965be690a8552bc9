"""The default adapter: the reference implementation, in process.

This is the only harness module that imports ``jwkconform.reference``. It is also a worked
example of an adapter: see docs/adapters.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import httpx

from jwkconform import __version__
from jwkconform.harness.endpoints._client import loopback_client
from jwkconform.harness.seam._adapter import (
    ConfigRefused,
    Environment,
    ImplementationRaised,
    LoadFailed,
    PublisherEnvironment,
    PublisherUnderTest,
    PurposeRefused,
    SecretView,
    StoreUnderTest,
    Transport,
    VerifyOutcome,
)
from jwkconform.reference import (
    LOGGER_NAME,
    ConfigError,
    JwkSetSecretStore,
    LoadError,
    PublisherApp,
    PublisherConfig,
    PublisherServer,
    Secret,
    SecretsProvider,
    UnsupportedPurposeError,
)

__all__ = ["ReferenceAdapter", "factory"]


class _ForwardWarnings(logging.Handler):
    def __init__(self, env: Environment) -> None:
        super().__init__(logging.WARNING)
        self._env = env

    def emit(self, record: logging.LogRecord) -> None:
        self._env.warn(record.getMessage())


def _view(secret: Secret) -> SecretView:
    return SecretView(secret.stable_id, dict(secret.jwk), secret.expires_at)


class _ReferenceStore:
    def __init__(self, config: Mapping[str, object], env: Environment) -> None:
        self._env = env
        self._handler = _ForwardWarnings(env)
        self._logger = logging.getLogger(LOGGER_NAME)
        self._logger.addHandler(self._handler)
        # The harness's client is the gateway's `handler`; a test of the store's own client
        # (CFG-09) gets none, and the store's whole-fetch deadline is the harness's.
        raw = (
            {**config, "fetchTimeout": f"{round(env.fetch_timeout * 1000)} ms"}
            if env.own_client
            else {"handler": env.http_client, **config}
        )
        try:
            self._store = JwkSetSecretStore.from_json(raw, clock=env.clock)
        except ConfigError as exc:
            self.close()
            raise ConfigRefused(exc.field, str(exc)) from exc
        self._providers: dict[str, SecretsProvider] = {}

    def named(self, purpose: str, kid: str) -> SecretView | None:
        with _translated():
            secret = self._store.named(purpose, kid)
        return None if secret is None else _view(secret)

    def valid(self, purpose: str) -> Sequence[SecretView]:
        with _translated():
            secrets = self._store.valid(purpose)
        return [_view(s) for s in secrets]

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        provider = self._providers.get(secret_id)
        if provider is None:
            try:
                provider = SecretsProvider(
                    self._store, verification_secret_id=secret_id, clock=self._env.clock
                )
            except ConfigError as exc:
                raise ConfigRefused(exc.field, str(exc)) from exc
            self._providers[secret_id] = provider
        result = provider.verify(token)
        return VerifyOutcome(result.verified, result.secret_id, result.tried, result.reason)

    def close(self) -> None:
        self._logger.removeHandler(self._handler)
        store = getattr(self, "_store", None)
        if store is not None:
            store.close()


@contextmanager
def _translated() -> Iterator[None]:
    """Map the reference's errors onto the harness's; any other exception it raises is
    its own (`ImplementationRaised`)."""
    try:
        yield
    except UnsupportedPurposeError as exc:
        raise PurposeRefused(str(exc)) from exc
    except LoadError as exc:
        raise LoadFailed(str(exc)) from exc
    except Exception as exc:  # the reference's own bug: a finding, not an adapter fault
        raise ImplementationRaised.wrap(exc) from exc


_IN_PROCESS_BASE = "https://am.jwkconform.test"


def _publisher_config(config: Mapping[str, object]) -> PublisherConfig:
    try:
        return PublisherConfig.from_json(config)
    except ConfigError as exc:
        raise ConfigRefused(exc.field, str(exc)) from exc


class _ReferencePublisher:
    def __init__(self, config: Mapping[str, object], env: PublisherEnvironment) -> None:
        self._app = PublisherApp(_publisher_config(config))
        self._server: PublisherServer | None = None
        if env.transport == "loopback":
            self._server = PublisherServer(self._app)
            self._server.start()
            self.base_url = self._server.base_url
            self.http_client = loopback_client(self.base_url)
        else:
            self.base_url = _IN_PROCESS_BASE
            self.http_client = httpx.Client(transport=self._app.transport(), base_url=self.base_url)

    def reconfigure(self, config: Mapping[str, object]) -> None:
        self._app.config = _publisher_config(config)

    def close(self) -> None:
        self.http_client.close()
        if self._server is not None:
            self._server.stop()


class ReferenceAdapter:
    """The reference store and provider (``jwkconform.reference``)."""

    name = f"jwkconform reference {__version__}"
    version = __version__
    capabilities = frozenset(
        {
            "config-refusal",
            "duration-syntax",
            "cache-timeout",
            "miss-window",
            "http-client",
            "default-client",
            "resolver-config",
            "named",
            "valid",
            "verify",
            "encrypt",
            "other-purposes",
            "sign-decrypt",
            "lease",
            "reports-attempts",
            "file-urls",
            "warnings",
            "coalescing",
            "publisher",
            "provider-endpoint",
            "realms",
            "all-combinations",
            "remote-jwk-url",
            "mtls",
        }
    )
    transport: Transport = "respx"

    def open_store(self, config: Mapping[str, object], env: Environment) -> StoreUnderTest:
        return _ReferenceStore(config, env)

    def open_publisher(
        self, config: Mapping[str, object], env: PublisherEnvironment
    ) -> PublisherUnderTest:
        return _ReferencePublisher(config, env)


def factory() -> ReferenceAdapter:
    """The reference adapter (``--jwk-adapter jwkconform.harness.reference_adapter:factory``)."""
    return ReferenceAdapter()
