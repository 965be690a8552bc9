"""Run-wide set-up of the suites: the key shapes the implementation uses (see _shapes.py)."""

from __future__ import annotations

import pytest

from jwkconform.harness import Target
from jwkconform.suites._shapes import learn_key_shapes
from jwkconform.suites._store_checks import signers


@pytest.fixture(scope="session", autouse=True)
def _key_shapes(jwk_target: Target) -> None:
    try:
        alg, key = signers(jwk_target)[0]
    except ValueError:  # no asymmetric signing key to probe with: the tests say so
        return
    learn_key_shapes(jwk_target, alg, {k: v for k, v in key.items() if k != "alg"})
