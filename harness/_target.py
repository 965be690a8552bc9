"""The implementation under test as the suites see it: capabilities and fresh stores.

Every call of `Target.open_store` builds a new fake clock, a new scripted JWKS endpoint on
the adapter's transport, and a new store, and tears them all down on exit, so Hypothesis
examples never share state.

>>> with target.open_store({"cacheTimeout": "1 min"}, document=jwks) as rig:  # doctest: +SKIP
...     rig.clock.advance(60)
...     ids = [s.stable_id for s in rig.store.valid("verify")]
"""

from __future__ import annotations

import functools
import json
import shutil
import ssl
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from jwkconform.harness._adapter import (
    CAPABILITIES,
    Adapter,
    Environment,
    PublisherEnvironment,
    PublisherUnderTest,
    SecretView,
    StoreUnderTest,
    Transport,
    VerifyOutcome,
    missing,
)
from jwkconform.harness._clock import FakeClock
from jwkconform.harness._loopback import LoopbackJwksServer
from jwkconform.harness._respx_transport import respx_client, respx_url
from jwkconform.harness._scenario import JwksScenario

__all__ = ["AdapterContractError", "PublisherRig", "StoreRig", "Target"]

# A real HTTP client for the loopback transport must give up quickly on a held request.
_LOOPBACK_TIMEOUT = httpx.Timeout(2.0)


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs ~65 ms; loopback URLs are plain http, so one context is
    # built once and shared by every loopback client.
    return ssl.create_default_context()


def loopback_client(base_url: str = "") -> httpx.Client:
    """A client for plain-http servers on 127.0.0.1 (quick to build: the TLS context is shared)."""
    return httpx.Client(
        base_url=base_url, timeout=_LOOPBACK_TIMEOUT, trust_env=False, verify=_tls()
    )


class AdapterContractError(AssertionError):
    """The adapter broke the seam's contract (a missing method, a wrong return type)."""


@dataclass
class StoreRig:
    """One opened store with the clock, the scripted endpoint and the environment it uses."""

    store: StoreUnderTest
    clock: FakeClock
    jwks: JwksScenario
    env: Environment


@dataclass
class PublisherRig:
    """One opened publisher with the clock and environment it uses."""

    publisher: PublisherUnderTest
    clock: FakeClock
    env: PublisherEnvironment

    def get(self, path: str) -> httpx.Response:
        """GET ``path`` (relative to the publisher's base URL)."""
        return self.publisher.http_client.get(path)


class Target:
    """The adapter chosen for this run, with the transport it speaks."""

    def __init__(self, adapter: Adapter, spec: str, transport: Transport | None = None) -> None:
        self.adapter = adapter
        self.spec = spec
        self.transport: Transport = transport or adapter.transport

    @property
    def name(self) -> str:
        return self.adapter.name

    def require(self, *capabilities: str) -> None:
        """Skip the calling test unless the adapter declares every one of ``capabilities``."""
        unknown = [c for c in capabilities if c not in CAPABILITIES]
        if unknown:
            raise ValueError(f"unknown capabilities {unknown}; known: {sorted(CAPABILITIES)}")
        lacking = missing(self.adapter, capabilities)
        if lacking:
            pytest.skip(f"{self.name} does not declare capability {', '.join(lacking)}")

    @contextmanager
    def open_store(
        self,
        config: Mapping[str, object] | None = None,
        *,
        document: Mapping[str, Any] | bytes | None = None,
        file_document: Mapping[str, Any] | None = None,
        with_url: bool = True,
        start: float = 1_000.0,
    ) -> Iterator[StoreRig]:
        """A fresh store reading a fresh scripted endpoint; ``jwkUrl`` is filled in unless
        ``with_url`` is false or ``config`` sets it. With ``file_document``, that document
        is written to the rig's folder and ``jwkUrl`` is its ``file:`` URL instead."""
        clock = FakeClock(start)
        scenario = JwksScenario(clock)
        if document is not None:
            scenario.serve(document)
        with ExitStack() as stack:
            folder = Path(tempfile.mkdtemp(prefix="jwkconform-"))
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
            if self.transport == "respx":
                client, url = respx_client(scenario), respx_url(scenario)
            else:
                server = stack.enter_context(LoopbackJwksServer(scenario))
                client = loopback_client()
                url = server.url
            stack.callback(client.close)
            env = Environment(clock=clock, jwks_url=url, http_client=client, tmp_path=folder)
            if file_document is not None:
                path = folder / "set.json"
                path.write_text(json.dumps(file_document), encoding="utf-8")
                url = path.as_uri()
            raw = {"jwkUrl": url, **(config or {})} if with_url else dict(config or {})
            checked = _Checked(self.adapter.open_store(raw, env), self.name)
            stack.callback(checked.close)
            yield StoreRig(checked, clock, scenario, env)

    @contextmanager
    def open_publisher(
        self,
        config: Mapping[str, object],
        *,
        transport: Transport | None = None,
        start: float = 1_000.0,
    ) -> Iterator[PublisherRig]:
        """A fresh publisher configured with ``config`` (docs/publisher.md), reachable on
        ``transport`` (default: the run's)."""
        self.require("publisher")
        opener = getattr(self.adapter, "open_publisher", None)
        if not callable(opener):
            raise AdapterContractError(
                f"{self.name} declares capability publisher but has no open_publisher()"
            )
        clock = FakeClock(start)
        with ExitStack() as stack:
            folder = Path(tempfile.mkdtemp(prefix="jwkconform-"))
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
            env = PublisherEnvironment(clock, transport or self.transport, folder)
            publisher = opener(config, env)
            for name in ("base_url", "http_client", "reconfigure", "close"):
                if not hasattr(publisher, name):
                    raise AdapterContractError(f"{self.name}: the publisher has no {name}")
            stack.callback(publisher.close)
            yield PublisherRig(publisher, clock, env)

    @contextmanager
    def open_store_at(
        self, url: str, config: Mapping[str, object] | None = None, *, clock: FakeClock
    ) -> Iterator[StoreRig]:
        """A store reading ``url`` (a publisher's endpoint, say) over a real HTTP client,
        on ``clock`` (the publisher's, for a round trip)."""
        scenario = JwksScenario(clock)
        with ExitStack() as stack:
            folder = Path(tempfile.mkdtemp(prefix="jwkconform-"))
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
            client = loopback_client()
            stack.callback(client.close)
            env = Environment(clock=clock, jwks_url=url, http_client=client, tmp_path=folder)
            checked = _Checked(
                self.adapter.open_store({"jwkUrl": url, **(config or {})}, env), self.name
            )
            stack.callback(checked.close)
            yield StoreRig(checked, clock, scenario, env)


class _Checked:
    """Checks what the adapter returns, so a broken adapter fails with a sentence, not an
    AttributeError deep inside a suite."""

    def __init__(self, store: object, name: str) -> None:
        self._store = store
        self._name = name

    def _call(self, method: str, *args: object) -> object:
        function = getattr(self._store, method, None)
        if not callable(function):
            raise AdapterContractError(f"{self._name}: the store has no {method}() method")
        return function(*args)

    def _fail(self, method: str, expected: str, got: object) -> AdapterContractError:
        return AdapterContractError(
            f"{self._name}: {method}() returned {got!r}; expected {expected}"
        )

    def named(self, purpose: str, kid: str) -> SecretView | None:
        got = self._call("named", purpose, kid)
        if got is not None and not isinstance(got, SecretView):
            raise self._fail("named", "a SecretView or None", got)
        return got

    def valid(self, purpose: str) -> Sequence[SecretView]:
        got = self._call("valid", purpose)
        if not isinstance(got, Sequence) or not all(isinstance(s, SecretView) for s in got):
            raise self._fail("valid", "a sequence of SecretView", got)
        return got

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        got = self._call("verify", token, secret_id)
        if not isinstance(got, VerifyOutcome):
            raise self._fail("verify", "a VerifyOutcome", got)
        return got

    def close(self) -> None:
        self._call("close")
