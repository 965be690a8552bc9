"""Coalescing (CACHE-05): concurrent queries that need a reload share one fetch.

Each round lets the set go stale a second past cacheTimeout (staleness at exactly
cacheTimeout is CACHE-02's boundary, not this one's), then lines many threads up to query at
once.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Final

import pytest

from jwkconform.fixtures import private_jwk
from jwkconform.harness import Target, premise
from jwkconform.suites.store_strategies import public_set

_THREADS: Final = 20
_ROUNDS: Final = 3
_TIMEOUT: Final = 60
_KEYS: Final = [private_jwk("EC-P-256", i, kid=f"k{i}", use="sig") for i in range(_ROUNDS + 1)]


@contextmanager
def _eager_thread_switches() -> Iterator[None]:
    """Make the interpreter switch threads far more often than its 5 ms default, so that an
    in-process store without coalescing shows its race instead of winning it by luck."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.jwk_requirement("CACHE-05")
@pytest.mark.jwk_capability("valid", "coalescing", "cache-timeout")
def test_concurrent_queries_on_a_stale_set_share_one_fetch(jwk_target: Target) -> None:
    config = {"cacheTimeout": f"{_TIMEOUT} s"}
    with jwk_target.open_store(config, document=public_set(_KEYS[:1])) as rig:
        with premise("LOAD-01"):
            rig.store.valid("verify")
            assert rig.jwks.fetch_count() == 1, "the first query did not load the set once"
        for round_ in range(1, _ROUNDS + 1):
            # Each round publishes one more key, so every reload is visible in the answers.
            expected = [k["kid"] for k in _KEYS[: round_ + 1]]
            rig.jwks.serve(public_set(_KEYS[: round_ + 1]))
            rig.clock.advance(_TIMEOUT + 1)
            barrier = threading.Barrier(_THREADS)

            def query(barrier: threading.Barrier = barrier) -> list[str]:
                # Line every thread up so that the queries overlap as much as they can.
                barrier.wait(timeout=10)
                return [s.stable_id for s in rig.store.valid("verify")]

            with _eager_thread_switches(), ThreadPoolExecutor(max_workers=_THREADS) as pool:
                futures = [pool.submit(query) for _ in range(_THREADS)]
                answers = [f.result(timeout=30) for f in futures]
            fetches = rig.jwks.fetch_count() - round_
            with premise("CACHE-02"):
                assert fetches >= 1, f"{_THREADS} queries on a set stale for 1 s did not reload it"
            assert fetches == 1, (
                f"{_THREADS} concurrent queries on a stale set made {fetches} fetches instead of "
                "sharing one"
            )
            wrong = [a for a in answers if sorted(a) != sorted(expected)]
            assert not wrong, (
                f"a concurrent query answered {wrong[0]}, not the reloaded set {expected}"
            )
