"""Fixtures for the reference's own tests: a fake clock and a scripted JWKS endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
from support import JWKS_URL, Endpoint

from jwkconform.harness.endpoints._clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    with respx.mock(assert_all_called=False) as router:
        router.get(JWKS_URL).mock(side_effect=served.respond)
        yield served
