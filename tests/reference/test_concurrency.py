"""Locking: queries the current set can answer never wait for a fetch under way, and
queries that need a load share one fetch and read its result (CACHE-05).

The endpoint can hold a fetch open (a gate) until the test lets it go, so a query can be
made while a load is under way. Time is the fake clock's; real time only bounds the waits
for threads, so that a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from support import JWKS_URL

from jwkconform.fixtures import jwk_set, private_jwk, public_jwk
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import LOGGER_NAME, JwkSetSecretStore, LoadError

BOUND = 5.0  # real seconds a thread may take before the test gives up on it
A = public_jwk(private_jwk("EC-P-256", 0, kid="a"))
B = public_jwk(private_jwk("EC-P-256", 1, kid="b"))


class GatedEndpoint:
    """An in-process JWKS endpoint; while ``gate`` is closed, a fetch waits at it."""

    def __init__(self) -> None:
        self.document: Any = jwk_set(A)
        self.status = 200
        self.fetches = 0
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()
        self.client = httpx.Client(transport=httpx.MockTransport(self._respond))

    def _respond(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        document, status = self.document, self.status
        self.entered.set()
        self.gate.wait(BOUND)
        return httpx.Response(status, content=iter([json.dumps(document).encode()]))

    def hold(self) -> None:
        """Hold the next fetch at the gate."""
        self.entered.clear()
        self.gate.clear()

    def wait_until_held(self) -> None:
        assert self.entered.wait(BOUND), "no fetch reached the gate"


class Background:
    """Queries run in threads; each result (or exception) kept in order of start."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.results: dict[int, Any] = {}

    def start(self, query: Callable[[], Any]) -> int:
        index = len(self.threads)

        def run() -> None:
            try:
                self.results[index] = query()
            except Exception as exc:
                self.results[index] = exc

        thread = threading.Thread(target=run, daemon=True)
        self.threads.append(thread)
        thread.start()
        return index

    def finished(self, index: int, within: float = BOUND) -> bool:
        self.threads[index].join(within)
        return not self.threads[index].is_alive()

    def join_all(self) -> None:
        for thread in self.threads:
            thread.join(BOUND)


class CountingClock(FakeClock):
    """A fake clock that counts its readings: each query reads it once, first."""

    def __init__(self) -> None:
        super().__init__()
        self.readings = 0
        self.read = threading.Condition()

    def __call__(self) -> float:
        with self.read:
            self.readings += 1
            self.read.notify_all()
        return super().__call__()

    def wait_for_readings(self, count: int) -> None:
        with self.read:
            assert self.read.wait_for(lambda: self.readings >= count, BOUND)


@pytest.fixture
def endpoint() -> Iterator[GatedEndpoint]:
    served = GatedEndpoint()
    yield served
    served.gate.set()
    served.client.close()


@pytest.fixture
def clock() -> CountingClock:
    return CountingClock()


@pytest.fixture
def background(endpoint: GatedEndpoint) -> Iterator[Background]:
    running = Background()
    yield running
    endpoint.gate.set()  # whatever happened, no thread stays held
    running.join_all()


def _store(endpoint: GatedEndpoint, clock: FakeClock, **config: str) -> JwkSetSecretStore:
    raw = {"jwkUrl": JWKS_URL, "handler": endpoint.client, **config}
    return JwkSetSecretStore.from_json(raw, clock=clock)


def _ids(secrets: Any) -> list[str]:
    return [s.stable_id for s in secrets]


def test_queries_the_fresh_set_answers_never_wait_for_a_miss_reload(
    endpoint: GatedEndpoint, clock: CountingClock, background: Background
) -> None:
    store = _store(endpoint, clock, cacheTimeout="10 min", cacheMissCacheTime="30 s")
    assert _ids(store.valid("verify")) == ["a"]
    clock.advance(30)  # fresh, and past the miss window
    endpoint.document = jwk_set(A, B)
    endpoint.hold()
    miss = background.start(lambda: store.named("verify", "b"))
    endpoint.wait_until_held()

    answerable = [
        background.start(lambda: _ids(store.valid("verify"))),
        background.start(lambda: store.named("verify", "a").stable_id),  # type: ignore[union-attr]
    ]
    for index in answerable:
        assert background.finished(index), "a query the fresh set answers waited for a fetch"
    assert [background.results[i] for i in answerable] == [["a"], "a"]

    endpoint.gate.set()
    assert background.finished(miss)
    assert background.results[miss].stable_id == "b"
    assert endpoint.fetches == 2


@pytest.mark.parametrize("stale", [True, False], ids=["stale-set", "first-load"])
def test_queries_that_need_a_load_share_the_one_under_way(
    endpoint: GatedEndpoint, clock: CountingClock, background: Background, stale: bool
) -> None:
    store = _store(endpoint, clock, cacheTimeout="1 min")
    if stale:
        store.valid("verify")
        clock.advance(60)
    endpoint.document = jwk_set(B, A)
    readings = clock.readings
    endpoint.hold()
    queries = [background.start(lambda: _ids(store.valid("verify")))]
    endpoint.wait_until_held()
    queries += [background.start(lambda: _ids(store.valid("verify"))) for _ in range(4)]
    queries.append(background.start(lambda: store.named("verify", "b").stable_id))  # type: ignore[union-attr]
    clock.wait_for_readings(readings + len(queries))  # every query is in the store
    endpoint.gate.set()
    for index in queries:
        assert background.finished(index)
    assert [background.results[i] for i in queries] == [["b", "a"]] * 5 + ["b"]
    assert endpoint.fetches == (2 if stale else 1)


def test_a_failed_shared_reload_keeps_the_last_good_set_for_every_query(
    endpoint: GatedEndpoint,
    clock: CountingClock,
    background: Background,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    store = _store(endpoint, clock, cacheTimeout="1 min")
    store.valid("verify")
    clock.advance(60)
    endpoint.status = 503
    readings = clock.readings
    endpoint.hold()
    queries = [background.start(lambda: _ids(store.valid("verify")))]
    endpoint.wait_until_held()
    queries += [background.start(lambda: _ids(store.valid("verify"))) for _ in range(3)]
    clock.wait_for_readings(readings + len(queries))
    endpoint.gate.set()
    for index in queries:
        assert background.finished(index)
    assert [background.results[i] for i in queries] == [["a"]] * 4
    assert endpoint.fetches == 2
    failures = [r for r in caplog.records if "reload" in r.getMessage()]
    assert len(failures) == 1, "one failed fetch, one log line"


def test_a_failed_shared_first_load_is_a_load_error_for_every_query(
    endpoint: GatedEndpoint, clock: CountingClock, background: Background
) -> None:
    store = _store(endpoint, clock)
    endpoint.status = 500
    endpoint.hold()
    queries = [background.start(lambda: store.valid("verify"))]
    endpoint.wait_until_held()
    queries += [background.start(lambda: store.named("verify", "a")) for _ in range(3)]
    clock.wait_for_readings(len(queries))
    endpoint.gate.set()
    for index in queries:
        assert background.finished(index)
    errors = [background.results[i] for i in queries]
    assert all(isinstance(e, LoadError) for e in errors), errors
    assert len({id(e) for e in errors}) == len(errors), "each query gets its own exception"
    assert endpoint.fetches == 1
