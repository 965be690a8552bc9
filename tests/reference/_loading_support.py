"""Shared by the store's loading tests (test_loading_*.py): JWK helpers and the fixtures."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from support import JWKS_URL

from jwkconform.fixtures import private_jwk, public_jwk
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import LOGGER_NAME, JwkSetSecretStore


def _ec(index: int, **members: Any) -> dict[str, Any]:
    return public_jwk(private_jwk("EC-P-256", index, **members))


def _ids(secrets: list[Any]) -> list[str]:
    return [secret.stable_id for secret in secrets]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER_NAME and record.levelno == logging.WARNING
    ]


def _padded(document: Any, size: int) -> bytes:
    body = json.dumps(document).encode()
    assert len(body) <= size
    return body + b" " * (size - len(body))


@pytest.fixture(autouse=True)
def _capture_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)


@pytest.fixture
def make_store(clock: FakeClock) -> Iterator[Any]:
    """``make_store(**members)``: a store over ``JWKS_URL`` (or ``jwkUrl=...``), closed after."""
    stores: list[JwkSetSecretStore] = []

    def make(**members: Any) -> JwkSetSecretStore:
        store = JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL, **members}, clock=clock)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()
