"""Fixtures for the reference's own tests: a fake clock and a scripted JWKS endpoint."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx
from support import JWKS_URL, Endpoint

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.run._jobs import AUTO_VARIABLE

# Each `jwkconform run` the tests start gets a fresh Hypothesis storage, where Hypothesis
# would parse every local module again for the constants it draws from (0.2 s a run): the
# runs share one storage instead, the tests' own, which no run's database writes to.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(__file__).resolve().parents[1] / ".hypothesis")
)


def pytest_configure(config: pytest.Config) -> None:
    """A `jwkconform run` that a test starts spreads over every core (``--jobs auto``), as
    ``pytest -n auto`` does; the tests fill the cores themselves, so each such run stays in
    one process. xdist's own variable, set once this session's workers are counted."""
    os.environ[AUTO_VARIABLE] = "1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    with respx.mock(assert_all_called=False) as router:
        router.get(JWKS_URL).mock(side_effect=served.respond)
        yield served
