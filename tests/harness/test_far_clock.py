"""Fake times stay exact however far the clock has run.

A driver's clock never goes back within its process, so over a long run it runs far ahead;
the lease and cache checks must not depend on how far. The lease checks compare to the
float rounding at the clock's magnitude (`lease_is`), and a driver whose clock passed the
limit is started afresh before its next store, when nothing is open on it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from jwkconform.harness import Target
from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.harness.seam._driver import _CLOCK_LIMIT, DriverAdapter
from jwkconform.suites import test_cache, test_cache_miss, test_config, test_lease

# Far ahead: the magnitude at which the reference once failed LEASE-01 through its driver.
FAR = 38_656_301_783.0
_DRIVER = shlex.join([sys.executable, "-m", "jwkconform.reference.driver"])
_FEW = settings(
    max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


CHECKS: dict[str, Callable[..., None]] = {
    "LEASE-01": test_lease.test_every_secret_expires_lease_expiry_after_it_was_produced,
    "CFG-06": test_config.test_lease_expiry_defaults_to_five_minutes,
    "CACHE-01": test_cache.test_no_query_fetches_while_the_set_is_fresh,
    "CACHE-02": test_cache.test_the_first_query_once_stale_reloads_the_set,
    "CACHE-03": test_cache_miss.test_a_miss_reloads_only_once_the_miss_window_has_passed,
}


@contextmanager
def few_examples(check: Callable[..., None]) -> Iterator[None]:
    """A few examples of a suites' test: its settings swapped for the call (a test may be
    decorated with settings only once, and these are the suites' own functions)."""
    name = "_hypothesis_internal_use_settings"
    previous = getattr(check, name, None)
    if previous is None:
        yield
        return
    setattr(check, name, _FEW)
    try:
        yield
    finally:
        setattr(check, name, previous)


@pytest.fixture(params=["in-process", "driver"])
def far_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    adapter: Any = ReferenceAdapter() if request.param == "in-process" else DriverAdapter(_DRIVER)
    target = Target(adapter, request.param)
    # A driver is started afresh past the limit, so it never sees FAR: it runs just below.
    target.origin = FAR if request.param == "in-process" else _CLOCK_LIMIT - 2.0**20
    yield target
    target.close()
    if isinstance(adapter, DriverAdapter):
        adapter.close()


@pytest.mark.parametrize("requirement", list(CHECKS))
def test_lease_and_cache_checks_pass_with_the_clock_far_ahead(
    far_target: Target, requirement: str
) -> None:
    check = CHECKS[requirement]
    with few_examples(check):
        check(jwk_target=far_target)


def test_a_driver_far_ahead_is_started_afresh_before_its_next_store() -> None:
    adapter = DriverAdapter(_DRIVER)
    try:
        first = adapter.process()
        adapter._sent = _CLOCK_LIMIT * 2  # as after a long run
        start = adapter.next_start(1_000.0)
        assert start == 1_000.0, "the new store did not start at its own origin"
        assert adapter.process() is not first, "the driver was not started afresh"
        assert adapter._restarts == 0, "a planned start was counted as a failure"
    finally:
        adapter.close()


def test_a_driver_with_a_store_open_is_not_restarted_under_it() -> None:
    adapter = DriverAdapter(_DRIVER)
    target = Target(adapter, "driver")
    try:
        with target.open_store(document={"keys": []}) as rig:
            process = adapter.process()
            adapter._sent = _CLOCK_LIMIT * 2
            assert adapter.next_start(1_000.0) > _CLOCK_LIMIT
            assert adapter.process() is process
            rig.store.valid("verify")  # the open store still answers
    finally:
        target.close()
        adapter.close()
