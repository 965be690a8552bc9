"""The reference driver (``python -m jwkconform.reference.driver``), one request at a time.

Every request sent and every response received is checked against
docs/driver-protocol.schema.json; requests that break the protocol on purpose are checked
to be invalid there too.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from jwkconform.fixtures import keystore, private_jwk, public_jwk, sign_token, tamper
from jwkconform.harness._adapter import CAPABILITIES, CAPABILITY_ALIASES
from jwkconform.reference._log import LOGGER_NAME
from jwkconform.reference._publisher_config import RP_SIGNING
from jwkconform.reference.driver import Driver, main

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


# -- hello and the clock ----------------------------------------------------------------------


def test_hello_names_the_reference_and_its_capabilities(session: Session) -> None:
    result = session.result("hello", protocol=2)
    assert result["protocol"] == 2
    assert result["name"].startswith("jwkconform reference ")
    assert result["name"].endswith("(driver)")
    assert {"named", "valid", "verify", "lease", "warnings", "publisher"} <= set(
        result["capabilities"]
    )
    # A serial protocol cannot run concurrent queries (CACHE-05).
    assert "coalescing" not in result["capabilities"]


def test_set_clock_drives_the_lease_of_every_secret(session: Session, jwks_file: str) -> None:
    store = _open(session, {"jwkUrl": jwks_file, "leaseExpiry": "1 minute"})
    assert session.result("set_clock", now=1000.0) == {}
    secret = session.result("named", store=store, purpose="verify", kid="a")["secret"]
    assert secret["expires_at"] == 1060.0
    session.result("set_clock", now=1030.5)
    secrets = session.result("valid", store=store, purpose="verify")["secrets"]
    assert [s["expires_at"] for s in secrets] == [1090.5] * 3


def test_the_clock_starts_at_zero(session: Session, jwks_file: str) -> None:
    store = _open(session, {"jwkUrl": jwks_file})
    secret = session.result("named", store=store, purpose="verify", kid="b")["secret"]
    assert secret["expires_at"] == 300.0  # the default leaseExpiry of 5 minutes, from 0


# -- stores: named, valid, verify ---------------------------------------------------------------


def test_a_file_set_answers_named_valid_and_verify(session: Session, jwks_file: str) -> None:
    session.result("set_clock", now=1000.0)
    store = _open(session, {"jwkUrl": jwks_file})

    secret = session.result("named", store=store, purpose="verify", kid="b")["secret"]
    assert secret["stable_id"] == "b"
    assert secret["jwk"] == public_jwk(KEYS[1])
    assert session.result("named", store=store, purpose="verify", kid="zz") == {"secret": None}

    secrets = session.result("valid", store=store, purpose="verify")["secrets"]
    assert [s["stable_id"] for s in secrets] == ["a", "b", "c"]
    assert session.result("valid", store=store, purpose="encrypt") == {"secrets": []}

    token = sign_token(KEYS[2], "ES256")
    outcome = session.result("verify", store=store, token=token, secret_id="access.token")
    assert outcome["verified"] is True
    assert outcome["secret_id"] == "c"
    assert outcome["tried"] == ["c"]

    forged = session.result("verify", store=store, token=tamper(token), secret_id="access.token")
    assert forged["verified"] is False
    assert forged["secret_id"] is None
    assert forged["reason"]

    assert session.result("close_store", store=store) == {}
    assert session.error("valid", store=store, purpose="verify")["type"] == "internal"


def test_a_token_without_kid_tries_the_secrets_in_order(session: Session, jwks_file: str) -> None:
    store = _open(session, {"jwkUrl": jwks_file})
    token = sign_token(KEYS[1], "ES256", kid=None)
    outcome = session.result("verify", store=store, token=token, secret_id="access.token")
    assert (outcome["verified"], outcome["secret_id"], outcome["tried"]) == (True, "b", ["a", "b"])


def test_stores_are_independent(session: Session, jwks_file: str, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"keys": [public_jwk(_key(3, "d"))]}), encoding="utf-8")
    first = _open(session, {"jwkUrl": jwks_file})
    second = _open(session, {"jwkUrl": other.as_uri()})
    assert first != second
    valid = {
        store: [s["stable_id"] for s in session.result("valid", store=store, purpose="verify")[
            "secrets"
        ]]
        for store in (first, second)
    }  # fmt: skip
    assert valid == {first: ["a", "b", "c"], second: ["d"]}


# -- errors ---------------------------------------------------------------------------------------


def test_a_config_without_jwk_url_is_refused_naming_the_field(session: Session) -> None:
    error = session.error("open_store", config={"cacheTimeout": "5 minutes"}, jwks_url=MOCK_URL)
    assert error["type"] == "config_refused"
    assert error["field"] == "jwkUrl"
    assert "jwkUrl" in error["message"]


def test_an_unknown_config_member_is_refused_naming_it(session: Session, jwks_file: str) -> None:
    error = session.error(
        "open_store", config={"jwkUrl": jwks_file, "cacheTimeOut": "5 min"}, jwks_url=MOCK_URL
    )
    assert (error["type"], error["field"]) == ("config_refused", "cacheTimeOut")


def test_a_purpose_that_is_not_a_key_is_refused(session: Session, jwks_file: str) -> None:
    store = _open(session, {"jwkUrl": jwks_file})
    error = session.error("valid", store=store, purpose="password")
    assert error["type"] == "purpose_refused"
    assert "password" in error["message"]
    error = session.error("named", store=store, purpose="password", kid="a")
    assert error["type"] == "purpose_refused"


def test_a_missing_file_is_a_load_failure(session: Session, tmp_path: Path) -> None:
    missing = (tmp_path / "nowhere.json").as_uri()
    store = _open(session, {"jwkUrl": missing})
    error = session.error("valid", store=store, purpose="verify")
    assert error["type"] == "load_failed"
    assert "nowhere.json" in error["message"]
    assert "field" not in error


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


def test_an_unknown_store_is_an_internal_error(session: Session) -> None:
    for method, params in (
        ("named", {"purpose": "verify", "kid": "a"}),
        ("valid", {"purpose": "verify"}),
        ("verify", {"token": sign_token(KEYS[0], "ES256"), "secret_id": "access.token"}),
        ("warnings", {}),
    ):
        error = session.error(method, store="s404", **params)
        assert error["type"] == "internal", method
        assert "s404" in error["message"], method


def test_missing_params_are_an_internal_error(session: Session) -> None:
    request = {"id": 1, "method": "set_clock", "params": {}}
    assert not VALIDATORS["request"].is_valid(request)
    response = session.raw(json.dumps(request))
    assert response["id"] == 1
    assert response["error"]["type"] == "internal"


# -- warnings -------------------------------------------------------------------------------------


def test_warnings_are_drained_per_store(session: Session, jwks_file: str) -> None:
    quiet = _open(session, {"jwkUrl": jwks_file})
    noisy = _open(session, {"jwkUrl": jwks_file, "cacheTimeout": "5 s"})
    first = session.result("warnings", store=noisy)["warnings"]
    assert len(first) == 1
    assert "cacheTimeout" in first[0]
    assert session.result("warnings", store=noisy) == {"warnings": []}
    assert session.result("warnings", store=quiet) == {"warnings": []}


def test_a_query_warning_goes_to_the_store_that_was_queried(
    session: Session, jwks_file: str, tmp_path: Path
) -> None:
    path = tmp_path / "set.json"
    session.result("set_clock", now=0.0)
    failing = _open(session, {"jwkUrl": jwks_file, "cacheTimeout": "10 s"})
    other = _open(session, {"jwkUrl": jwks_file})
    session.result("valid", store=failing, purpose="verify")
    path.write_text("not a JWK Set", encoding="utf-8")
    session.result("set_clock", now=10.0)
    # The reload fails: the last good set is kept, and the store warns.
    secrets = session.result("valid", store=failing, purpose="verify")["secrets"]
    assert [s["stable_id"] for s in secrets] == ["a", "b", "c"]
    warned = session.result("warnings", store=failing)["warnings"]
    assert any("reload" in w for w in warned), warned
    assert session.result("warnings", store=other) == {"warnings": []}


# -- publishers -----------------------------------------------------------------------------------


def _publisher_config(alias: str) -> dict[str, Any]:
    entries = {
        name: {"jwk": dict(entry["jwk"]), "x5c": list(entry["x5c"])}
        for name, entry in keystore().items()
        if name in {"es256test", "rsajwtsigningkey"}
    }
    return {"keystore": entries, "globalMappings": {RP_SIGNING: {"aliases": [alias]}}}


def _rp_keys(base_url: str) -> list[dict[str, Any]]:
    response = httpx.get(base_url + RP_JWK_URI, trust_env=False, timeout=5)
    assert response.status_code == 200, response.text
    keys: list[dict[str, Any]] = response.json()["keys"]
    return keys


def test_a_publisher_serves_on_a_real_port_and_can_be_reconfigured_and_closed(
    session: Session,
) -> None:
    opened = session.result("open_publisher", config=_publisher_config("es256test"))
    base_url = opened["base_url"]
    assert base_url.startswith("http://127.0.0.1:")
    assert {k["kty"] for k in _rp_keys(base_url)} == {"EC"}

    reconfigured = session.result(
        "reconfigure_publisher",
        publisher=opened["publisher"],
        config=_publisher_config("rsajwtsigningkey"),
    )
    assert reconfigured == {}
    assert {k["kty"] for k in _rp_keys(base_url)} == {"RSA"}

    assert session.result("close_publisher", publisher=opened["publisher"]) == {}
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + RP_JWK_URI, trust_env=False, timeout=5)


def test_a_bad_publisher_config_is_refused_naming_the_field(session: Session) -> None:
    config = _publisher_config("es256test")
    config["globalMappings"][RP_SIGNING]["active"] = "nosuchalias"
    error = session.error("open_publisher", config=config)
    assert error["type"] == "config_refused"
    assert error["field"] == f"globalMappings.{RP_SIGNING}.active"


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
