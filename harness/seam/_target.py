"""The implementation under test as the suites see it: capabilities and fresh stores.

Every call of `Target.open_store` builds a new fake clock, a new scripted JWKS endpoint on
the adapter's transport, and a new store, and tears them all down on exit, so Hypothesis
examples never share state. Every call into the adapter goes through a `CheckedStore`
(``_checked``), which holds it to the seam's contract: a wrong return type, a missing
method or an exception other than the seam's three is an `AdapterError` (the verdict
``error``), and an in-process call that hangs past its deadline is one too.

>>> with target.open_store({"cacheTimeout": "1 min"}, document=jwks) as rig:  # doctest: +SKIP
...     rig.clock.advance(60)
...     ids = [s.stable_id for s in rig.store.valid("verify")]
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from jwkconform.harness.endpoints._client import loopback_client
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.endpoints._faults import DEFAULT_FETCH_TIMEOUT
from jwkconform.harness.endpoints._loopback import LoopbackHub
from jwkconform.harness.endpoints._respx_transport import respx_client, respx_url
from jwkconform.harness.endpoints._scenario import JwksScenario
from jwkconform.harness.seam._adapter import (
    Adapter,
    Environment,
    PublisherEnvironment,
    PublisherUnderTest,
    StoreUnderTest,
    Transport,
    expand_capabilities,
    missing,
    own_fetch_deadline,
)
from jwkconform.harness.seam._attribution import (
    SEAM_EXCEPTIONS,
    AdapterContractError,
    AdapterError,
    AdapterTimeout,
    CallHung,
    UnexpectedException,
)
from jwkconform.harness.seam._checked import CheckedPublisher, CheckedStore, copy_config
from jwkconform.harness.seam._deadline import DEFAULT_CALL_TIMEOUT, deadline
from jwkconform.harness.seam._durations import duration_seconds
from jwkconform.harness.seam._folders import FolderPool
from jwkconform.harness.seam._seen import config_text, observe_scenario
from jwkconform.harness.seam._timeline import RECORDER, RecordingClock
from jwkconform.harness.spec._keys import CATALOGUE_KEYS, KeySupport
from jwkconform.harness.spec._requirement import gate_text

__all__ = ["AdapterContractError", "PublisherRig", "StoreRig", "Target"]

_T = TypeVar("_T")


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
    call_timeout: float | None = DEFAULT_CALL_TIMEOUT
    target: Target | None = None  # told of a GET that hangs, so that nothing else is called

    def get(self, path: str) -> httpx.Response:
        """GET ``path`` (relative to the publisher's base URL)."""
        RECORDER.record(self.clock.now(), "query", f"publisher GET {path}")
        try:
            with deadline(self.call_timeout, f"GET {path} on the publisher"):
                response = self.publisher.http_client.get(path)
        except AdapterTimeout as exc:
            hung = CallHung(exc)
            if self.target is not None:
                self.target.hung = hung
            raise hung from exc
        status = str(response.status_code)
        RECORDER.record(self.clock.now(), "answer", f"GET -> {status}", status=status)
        return response


class Target:
    """The adapter chosen for this run, with the transport it speaks and its limits."""

    def __init__(
        self,
        adapter: Adapter,
        spec: str,
        transport: Transport | None = None,
        *,
        call_timeout: float | None = DEFAULT_CALL_TIMEOUT,
        fetch_timeout: float = DEFAULT_FETCH_TIMEOUT,
    ) -> None:
        self.adapter = adapter
        self.spec = spec
        self.transport: Transport = transport or adapter.transport
        self.capabilities = frozenset(expand_capabilities(adapter.capabilities))
        support = getattr(adapter, "key_support", None)
        self.key_support: KeySupport = support if support is not None else CATALOGUE_KEYS
        # A driver bounds its own requests (and kills a process that misses them).
        self.call_timeout = None if getattr(adapter, "bounds_its_calls", False) else call_timeout
        self.fetch_timeout = fetch_timeout
        self.fetch_deadline = own_fetch_deadline(getattr(adapter, "fetch_deadline", None))
        # The run's Hypothesis seed, for state machines run by hand (the plugin sets it).
        self.seed: int | None = None
        # Where each store's and publisher's fake clock starts, unless a test says.
        self.origin = 1_000.0
        # The call that hung in the running test: no call of that test reaches the
        # implementation after it (the plugin clears it before each test).
        self.hung: CallHung | None = None
        # A driver's JSON-lines transcript ends the timeline of each of its findings.
        transcript = getattr(adapter, "transcript_tail", None)
        RECORDER.transcript = transcript if callable(transcript) else None
        # Every loopback store's endpoint, on one server; a target never closed still
        # stops it when collected or at exit.
        self._hub = LoopbackHub()
        weakref.finalize(self, self._hub.stop)
        self._folders = FolderPool()
        weakref.finalize(self, self._folders.close)

    def close(self) -> None:
        """Stop the loopback server of this target's stores and remove their folders (safe
        to call again)."""
        self._hub.stop()
        self._folders.close()

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def call_deadline(self) -> float | None:
        """How long one call into the implementation may take: the harness's deadline, or
        the driver's (None: no bound)."""
        if self.call_timeout is not None:
            return self.call_timeout
        bound = getattr(self.adapter, "timeout", None)
        return float(bound) if isinstance(bound, (int, float)) else None

    @property
    def version(self) -> str:
        """The implementation's version, if its adapter (or driver) says; else "unknown"."""
        return str(getattr(self.adapter, "version", None) or "unknown")

    @property
    def name(self) -> str:
        return self.adapter.name

    def require(self, *capabilities: str, why: str = "") -> None:
        """Skip the calling test unless the adapter declares every one of ``capabilities``."""
        lacking = missing(self.capabilities, capabilities)
        if lacking:
            names = ", ".join(gate_text(c, quote="") for c in lacking)
            reason = f"{self.name} does not declare capability {names}"
            pytest.skip(f"{reason} ({why})" if why else reason)

    def _start(self, start: float) -> float:
        # An implementation with one clock for all its stores (a driver process) must not
        # see time go back when the next store opens.
        next_start = getattr(self.adapter, "next_start", None)
        return float(next_start(start)) if callable(next_start) else start

    def _call(self, what: str, function: Callable[..., _T], *args: object) -> _T:
        if self.hung is not None:
            raise self.hung  # a call of this test hung: the implementation is not called again
        try:
            return self._bounded(what, function, *args)
        except AdapterTimeout as exc:  # the harness's deadline, or a driver's
            self.hung = CallHung(exc)
            raise self.hung from exc

    def _bounded(self, what: str, function: Callable[..., _T], *args: object) -> _T:
        with deadline(self.call_timeout, what):
            try:
                return function(*args)
            except (*SEAM_EXCEPTIONS, AdapterError):
                raise
            except Exception as exc:
                raise UnexpectedException(
                    f"{self.name}: {what} raised {type(exc).__name__}: {exc} (an adapter"
                    " translates its implementation's errors into ConfigRefused, LoadFailed"
                    " or PurposeRefused, and wraps any other exception of the implementation"
                    " in ImplementationRaised)"
                ) from exc

    def _environment(
        self,
        clock: FakeClock,
        url: str,
        client: httpx.Client,
        folder: Path,
        config: Mapping[str, object],
        fetch_timeout: float,
        own_client: bool = False,
    ) -> Environment:
        return Environment(
            clock=clock,
            jwks_url=url,
            http_client=client,
            tmp_path=folder,
            fetch_timeout=fetch_timeout,
            durations=duration_seconds(config),
            own_client=own_client,
        )

    @contextmanager
    def open_store(
        self,
        config: Mapping[str, object] | None = None,
        *,
        document: Mapping[str, Any] | bytes | None = None,
        file_document: Mapping[str, Any] | None = None,
        with_url: bool = True,
        start: float | None = None,
        own_client: bool = False,
        fetch_timeout: float | None = None,
    ) -> Iterator[StoreRig]:
        """A fresh store reading a fresh scripted endpoint; ``jwkUrl`` is filled in unless
        ``with_url`` is false or ``config`` sets it. With ``file_document``, that document
        is written to the rig's folder and ``jwkUrl`` is its ``file:`` URL instead. With
        ``own_client`` the implementation fetches with its own client over loopback.
        ``fetch_timeout`` replaces the run's deadline for this store's fetches."""
        fetch_timeout = self.fetch_timeout if fetch_timeout is None else fetch_timeout
        clock = RecordingClock(self._start(self.origin if start is None else start))
        scenario = JwksScenario(clock)
        scenario.observer = observe_scenario
        if document is not None:
            scenario.serve(document)
        with ExitStack() as stack:
            folder = stack.enter_context(self._folders.folder())
            if self.transport == "respx" and not own_client:
                client, url = respx_client(scenario), respx_url(scenario)
            else:
                url = stack.enter_context(self._hub.mount(scenario, hold_timeout=fetch_timeout + 5))
                client = loopback_client(timeout=fetch_timeout)
            stack.callback(client.close)
            if file_document is not None:
                path = folder / "set.json"
                path.write_text(json.dumps(file_document), encoding="utf-8")
                url = path.as_uri()
            raw = {"jwkUrl": url, **(config or {})} if with_url else dict(config or {})
            env = self._environment(clock, url, client, folder, raw, fetch_timeout, own_client)
            RECORDER.record(clock.now(), "note", f"store opened: {config_text(raw)}")
            store = self._call("open_store()", self.adapter.open_store, dict(raw), env)
            checked = CheckedStore(store, self, clock)
            stack.callback(checked.close)
            yield StoreRig(checked, clock, scenario, env)

    @contextmanager
    def open_publisher(
        self,
        config: Mapping[str, object],
        *,
        transport: Transport | None = None,
        start: float | None = None,
    ) -> Iterator[PublisherRig]:
        """A fresh publisher configured with a copy of ``config`` (docs/publisher.md),
        reachable on ``transport`` (default: the run's)."""
        self.require("publisher")
        opener = getattr(self.adapter, "open_publisher", None)
        if not callable(opener):
            raise AdapterContractError(
                f"{self.name} declares capability publisher but has no open_publisher()"
            )
        clock = RecordingClock(self._start(self.origin if start is None else start))
        RECORDER.record(clock.now(), "note", f"publisher opened: {config_text(config)}")
        with ExitStack() as stack:
            folder = stack.enter_context(self._folders.folder())
            env = PublisherEnvironment(clock, transport or self.transport, folder)
            # A copy: an adapter that changes what it is given must not change the test's.
            publisher = self._call("open_publisher()", opener, copy_config(config), env)
            for name in ("base_url", "http_client", "reconfigure", "close"):
                if not hasattr(publisher, name):
                    raise AdapterContractError(f"{self.name}: the publisher has no {name}")
            checked = CheckedPublisher(publisher, self)
            stack.callback(checked.close)
            yield PublisherRig(checked, clock, env, self.call_timeout, self)

    @contextmanager
    def open_store_at(
        self, url: str, config: Mapping[str, object] | None = None, *, clock: FakeClock
    ) -> Iterator[StoreRig]:
        """A store reading ``url`` (a publisher's endpoint, say) over a real HTTP client,
        on ``clock`` (the publisher's, for a round trip)."""
        scenario = JwksScenario(clock)
        with ExitStack() as stack:
            folder = stack.enter_context(self._folders.folder())
            client = loopback_client(timeout=self.fetch_timeout)
            stack.callback(client.close)
            raw = {"jwkUrl": url, **(config or {})}
            env = self._environment(clock, url, client, folder, raw, self.fetch_timeout)
            RECORDER.record(clock.now(), "note", f"store opened on {url}: {config_text(raw)}")
            store = self._call("open_store()", self.adapter.open_store, raw, env)
            checked = CheckedStore(store, self, clock)
            stack.callback(checked.close)
            yield StoreRig(checked, clock, scenario, env)
