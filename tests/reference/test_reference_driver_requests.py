"""The reference driver (``python -m jwkconform.reference.driver``), one request at a time:
hello and the clock, stores (their answers, errors and warnings), publishers.

Every request sent and every response received is checked against
docs/driver-protocol.schema.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from _reference_driver_support import (
    KEYS,
    MOCK_URL,
    RP_JWK_URI,
    Session,
    _key,
    _open,
    _publisher_config,
)
from _reference_driver_support import jwks_file as jwks_file
from _reference_driver_support import session as session

from jwkconform.fixtures import public_jwk, sign_token, tamper
from jwkconform.reference._publisher_config import RP_SIGNING

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
