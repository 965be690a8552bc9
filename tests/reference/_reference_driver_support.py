"""Shared by the reference driver's tests (test_reference_driver_*.py): the protocol's schema,
a `Session` that checks every message against it, its fixtures, the keys and a publisher config.

Every request sent and every response received is checked against
docs/driver-protocol.schema.json.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jwkconform.fixtures import keystore, private_jwk, public_jwk
from jwkconform.reference._log import LOGGER_NAME
from jwkconform.reference._publisher_config import RP_SIGNING
from jwkconform.reference.driver import Driver

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs/driver-protocol.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
METHODS = (
    "hello", "set_clock", "open_store", "named", "valid", "verify", "warnings", "close_store",
    "open_publisher", "reconfigure_publisher", "close_publisher", "shutdown",
)  # fmt: skip

RP_JWK_URI = "/oauth2/realms/root/connect/rp/jwk_uri"
# What the harness sends as ``jwks_url`` (its loopback mock server); the stores here read
# ``file:`` sets named by ``jwkUrl`` and never ask it.
MOCK_URL = "http://127.0.0.1:9/jwks.json"


def _validator(definition: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


VALIDATORS = {
    name: _validator(name) for name in ("request", "response", "success_response", "error_response")
}
RESULTS = {method: _validator(f"{method}_result") for method in METHODS}
WHOLE = jsonschema.Draft202012Validator(SCHEMA)


def check(definition: str, message: Mapping[str, Any]) -> None:
    """``message`` follows ``definition`` of the schema (and the schema as a whole)."""
    VALIDATORS[definition].validate(message)
    WHOLE.validate(message)


def check_response(method: str | None, response: Mapping[str, Any]) -> None:
    check("response", response)
    if "result" in response and method in RESULTS:
        RESULTS[method].validate(response["result"])


class Session:
    """A `Driver` spoken to in JSON lines, every message checked against the schema."""

    def __init__(self) -> None:
        self.driver = Driver()
        self.ids = 0

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """The whole response to a valid request (result or error)."""
        self.ids += 1
        request = {"id": self.ids, "method": method, "params": params}
        check("request", request)
        response, _ = self.driver.answer(json.dumps(request))
        check_response(method, response)
        assert response["id"] == self.ids
        return response

    def result(self, method: str, **params: Any) -> dict[str, Any]:
        response = self.send(method, **params)
        assert "result" in response, response
        result: dict[str, Any] = response["result"]
        return result

    def error(self, method: str, **params: Any) -> dict[str, Any]:
        response = self.send(method, **params)
        assert "error" in response, response
        error: dict[str, Any] = response["error"]
        return error

    def raw(self, line: str) -> dict[str, Any]:
        """The response to a line that need not be a valid request."""
        response, done = self.driver.answer(line)
        assert done is False
        check_response(None, response)
        return response


@pytest.fixture
def session() -> Iterator[Session]:
    opened = Session()
    try:
        yield opened
    finally:
        opened.driver.close()
        # Driver.close leaves its warning collector on the logger (see
        # test_main_leaves_no_handler_on_the_reference_logger); do not pile them up here.
        logging.getLogger(LOGGER_NAME).removeHandler(opened.driver._log)


def _key(index: int, kid: str) -> dict[str, Any]:
    return private_jwk("EC-P-256", index, kid=kid, use="sig")


KEYS = [_key(0, "a"), _key(1, "b"), _key(2, "c")]


@pytest.fixture
def jwks_file(tmp_path: Path) -> str:
    """A ``file:`` URL of a JWK Set holding the public halves of ``KEYS``, in order."""
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"keys": [public_jwk(k) for k in KEYS]}), encoding="utf-8")
    return path.as_uri()


def _open(session: Session, config: Mapping[str, Any]) -> str:
    store = session.result("open_store", config=dict(config), jwks_url=MOCK_URL)["store"]
    assert isinstance(store, str)
    return store


def _publisher_config(alias: str) -> dict[str, Any]:
    entries = {
        name: {"jwk": dict(entry["jwk"]), "x5c": list(entry["x5c"])}
        for name, entry in keystore().items()
        if name in {"es256test", "rsajwtsigningkey"}
    }
    return {"keystore": entries, "globalMappings": {RP_SIGNING: {"aliases": [alias]}}}
