"""Run-wide set-up of the suites: the key shapes the implementation uses (see _shapes.py),
and every helper module loaded whichever tests are collected."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from jwkconform.harness import Target
from jwkconform.suites._shapes import learn_key_shapes
from jwkconform.suites._store_checks import signers

# Hypothesis draws constants from the local (not installed) modules it has seen loaded, so a
# run narrowed to one test must load every helper the whole run loads: else its examples,
# and the printed replay line of a finding, differ from the whole run's.
for _helper in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if not _helper.name.startswith("test_") and _helper.name != "conftest":
        importlib.import_module(f"jwkconform.suites.{_helper.name}")


@pytest.fixture(scope="session", autouse=True)
def _key_shapes(jwk_target: Target) -> None:
    try:
        alg, key = signers(jwk_target)[0]
    except ValueError:  # no asymmetric signing key to probe with: the tests say so
        return
    learn_key_shapes(jwk_target, alg, {k: v for k, v in key.items() if k != "alg"})
