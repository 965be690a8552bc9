"""The reference driver (``python -m jwkconform.reference.driver``): the protocol itself. The
schema, the messages that break it, and ``main``'s JSON-lines loop.

Every request sent and every response received is checked against
docs/driver-protocol.schema.json; requests that break the protocol on purpose are checked
to be invalid there too.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx
import jsonschema
import pytest
from _reference_driver_support import (
    KEYS,
    METHODS,
    RESULTS,
    RP_JWK_URI,
    SCHEMA,
    VALIDATORS,
    WHOLE,
    Session,
    _publisher_config,
    check,
    check_response,
)
from _reference_driver_support import session as session

from jwkconform.fixtures import public_jwk
from jwkconform.harness.seam._adapter import CAPABILITIES, CAPABILITY_ALIASES
from jwkconform.reference._log import LOGGER_NAME
from jwkconform.reference.driver import main

# -- the schema itself --------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for method in METHODS:
        assert f"{method}_params" in SCHEMA["$defs"], method
        assert f"{method}_result" in SCHEMA["$defs"], method


def test_the_schema_knows_every_method_and_capability(session: Session) -> None:
    branches = SCHEMA["$defs"]["request"]["oneOf"]
    assert [b["properties"]["method"]["const"] for b in branches] == list(METHODS)
    assert set(session.driver.methods) == set(METHODS)
    assert set(SCHEMA["$defs"]["capability"]["enum"]) == set(CAPABILITIES) | set(CAPABILITY_ALIASES)


@pytest.mark.parametrize(
    "message",
    [
        {"id": 1, "method": "teleport", "params": {}},
        {"id": 1, "method": "hello", "params": {"protocol": 3}},
        {"id": 1, "method": "named", "params": {"store": "s1", "purpose": "verify"}},
        {"id": 1, "method": "shutdown", "params": {"now": 1}},
        {"id": 1, "result": {}, "error": {"type": "internal", "message": "both"}},
        {"id": 1, "error": {"type": "config_refused", "message": "no field"}},
        {"id": 1, "error": {"type": "oops", "message": "unknown type"}},
        {"id": 1},
    ],
    ids=[
        "unknown-method",
        "wrong-protocol",
        "missing-param",
        "shutdown-with-params",
        "result-and-error",
        "config-refused-without-field",
        "unknown-error-type",
        "neither-result-nor-error",
    ],
)
def test_the_schema_refuses_broken_messages(message: dict[str, Any]) -> None:
    assert not WHOLE.is_valid(message)


def test_the_schema_refuses_a_private_member_in_a_secret() -> None:
    secret = {"stable_id": "a", "jwk": KEYS[0], "expires_at": None}
    assert not RESULTS["named"].is_valid({"secret": secret})
    assert RESULTS["named"].is_valid({"secret": {**secret, "jwk": public_jwk(KEYS[0])}})


# -- messages that break the protocol -----------------------------------------------------------


def test_an_unknown_method_is_unsupported(session: Session) -> None:
    request = {"id": 7, "method": "teleport", "params": {}}
    assert not VALIDATORS["request"].is_valid(request)
    response = session.raw(json.dumps(request))
    assert response["id"] == 7
    assert response["error"]["type"] == "unsupported"
    assert "teleport" in response["error"]["message"]


@pytest.mark.parametrize(
    "line",
    ["this is not JSON", '{"id": 3, "method": ', "[1, 2, 3]", '"hello"', "null"],
    ids=["text", "truncated", "array", "string", "null"],
)
def test_a_malformed_line_is_answered_with_an_error_never_an_exception(
    session: Session, line: str
) -> None:
    response = session.raw(line)
    assert response["id"] is None
    assert response["error"]["type"] == "internal"
    # The session goes on.
    assert session.result("hello", protocol=2)["protocol"] == 2


def test_missing_params_are_an_internal_error(session: Session) -> None:
    request = {"id": 1, "method": "set_clock", "params": {}}
    assert not VALIDATORS["request"].is_valid(request)
    response = session.raw(json.dumps(request))
    assert response["id"] == 1
    assert response["error"]["type"] == "internal"


# -- main: the JSON-lines loop ----------------------------------------------------------------


def _lines(*requests: Mapping[str, Any]) -> list[str]:
    for request in requests:
        check("request", request)
    return [json.dumps(r) + "\n" for r in requests]


def _responses(out: io.StringIO, methods: list[str]) -> list[dict[str, Any]]:
    responses = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(responses) == len(methods)
    for method, response in zip(methods, responses, strict=True):
        check_response(method, response)
    return responses


def test_main_answers_each_line_in_order_and_stops_at_shutdown() -> None:
    lines = iter(
        [
            *_lines(
                {"id": 1, "method": "hello", "params": {"protocol": 2}},
                {"id": 2, "method": "set_clock", "params": {"now": 5.0}},
            ),
            "\n",  # blank lines are skipped, not answered
            *_lines(
                {"id": 3, "method": "shutdown", "params": {}},
                {"id": 4, "method": "hello", "params": {"protocol": 2}},
            ),
        ]
    )
    out = io.StringIO()
    assert main(lines, out) == 0
    responses = _responses(out, ["hello", "set_clock", "shutdown"])
    assert [r["id"] for r in responses] == [1, 2, 3]
    assert responses[2] == {"id": 3, "result": {}}
    # shutdown ended the loop: the request after it was never read.
    assert json.loads(next(lines))["id"] == 4


def test_main_answers_a_malformed_line_and_goes_on() -> None:
    lines = [
        "not JSON at all\n",
        *_lines({"id": 1, "method": "hello", "params": {"protocol": 2}}),
    ]
    out = io.StringIO()
    assert main(lines, out) == 0  # the end of input ends the session too
    responses = _responses(out, ["", "hello"])
    assert responses[0]["id"] is None
    assert responses[0]["error"]["type"] == "internal"
    assert responses[1]["result"]["protocol"] == 2


def test_main_stops_its_publishers_when_it_ends() -> None:
    out = io.StringIO()
    lines = _lines(
        {"id": 1, "method": "open_publisher", "params": {"config": _publisher_config("es256test")}},
        {"id": 2, "method": "shutdown", "params": {}},
    )
    assert main(lines, out) == 0
    opened, _ = _responses(out, ["open_publisher", "shutdown"])
    with pytest.raises(httpx.ConnectError):
        httpx.get(opened["result"]["base_url"] + RP_JWK_URI, trust_env=False, timeout=5)


def test_main_leaves_no_handler_on_the_reference_logger() -> None:
    """A finished session releases what it took: its warning collector included.

    ``Driver.__init__`` adds a handler to the ``jwkconform.reference`` logger and
    ``Driver.close`` never removes it, so every session run in one process leaves one
    behind (and each keeps collecting warnings into the lists of its dead stores).
    """
    reference_logger = logging.getLogger(LOGGER_NAME)
    before = list(reference_logger.handlers)
    try:
        lines = _lines({"id": 1, "method": "shutdown", "params": {}})
        assert main(lines, io.StringIO()) == 0
        assert reference_logger.handlers == before
    finally:
        for handler in reference_logger.handlers:
            if handler not in before:
                reference_logger.removeHandler(handler)
