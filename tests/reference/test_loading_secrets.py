"""Which JWKs of a set become secrets: bad entries, oct keys, stable IDs (LOAD-03, PUR-07)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _loading_support import _capture_warnings as _capture_warnings  # autouse fixture
from _loading_support import _ec, _ids, _warnings
from _loading_support import make_store as make_store  # fixture
from jwcrypto.jwk import JWK
from support import Endpoint

from jwkconform.fixtures import jwk_set, private_jwk, public_jwk

PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


# --- LOAD-03 ------------------------------------------------------------------------------


def _rsa_public(**members: Any) -> dict[str, Any]:
    return public_jwk(private_jwk("RSA-2048", 0, **members))


BAD_ENTRIES: list[Any] = [
    pytest.param(5, id="number"),
    pytest.param("x", id="string"),
    pytest.param(None, id="null"),
    pytest.param([], id="array"),
    pytest.param({}, id="empty-object"),
    pytest.param({"kty": "XYZ"}, id="unknown-kty"),
    pytest.param(_ec(2, kid="bad", crv="P-999"), id="ec-unknown-curve"),
    # Extra case beyond the brief: an OKP curve nobody knows.
    pytest.param(
        public_jwk(private_jwk("OKP-Ed25519", 0, kid="bad", crv="Ed999")), id="okp-unknown-curve"
    ),
    pytest.param({k: v for k, v in _rsa_public(kid="bad").items() if k != "n"}, id="rsa-missing-n"),
    pytest.param({"kty": "RSA", "n": "!!!", "e": "AQAB", "kid": "bad"}, id="rsa-bad-n"),
    pytest.param(_ec(2, kid=7), id="kid-not-string"),
    pytest.param(_ec(2, kid="bad", use=1), id="use-not-string"),
    pytest.param(_ec(2, kid="bad", key_ops="verify"), id="key-ops-not-list"),
    pytest.param(_ec(2, kid="bad", key_ops=["verify", "verify"]), id="key-ops-duplicate"),
]


@pytest.mark.parametrize("bad", BAD_ENTRIES)
def test_load03_unusable_jwk_is_skipped_and_others_stay(
    endpoint: Endpoint, make_store: Any, caplog: pytest.LogCaptureFixture, bad: Any
) -> None:
    endpoint.document = {"keys": [_ec(0, kid="first"), bad, _ec(1, kid="last")]}
    store = make_store()
    assert _ids(store.valid("verify")) == ["first", "last"]
    assert store.named("verify", "bad") is None
    warnings = _warnings(caplog)
    assert any("skipping" in message for message in warnings), warnings


# --- PUR-07 -------------------------------------------------------------------------------


def test_pur07_oct_key_in_remote_set_is_skipped(
    endpoint: Endpoint, make_store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint.document = jwk_set(private_jwk("oct-256", 0, kid="hmac", use="sig"), _ec(0, kid="ec"))
    store = make_store()
    assert _ids(store.valid("verify")) == ["ec"]
    assert store.named("verify", "hmac") is None
    warnings = _warnings(caplog)
    assert any("skipping" in m and "oct" in m for m in warnings), warnings


def test_pur07_oct_key_in_file_set_is_returned(tmp_path: Path, make_store: Any) -> None:
    path = tmp_path / "jwks.json"
    document = jwk_set(private_jwk("oct-256", 0, kid="hmac", use="sig"), _ec(0, kid="ec"))
    path.write_text(json.dumps(document), encoding="utf-8")
    store = make_store(jwkUrl=path.as_uri())
    assert _ids(store.valid("verify")) == ["hmac", "ec"]
    named = store.named("verify", "hmac")
    assert named is not None
    assert named.stable_id == "hmac"
    assert "k" not in named.jwk


# --- stable IDs and public JWKs -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["EC-P-256", "RSA-2048", "OKP-Ed25519"])
def test_stable_id_without_kid_is_rfc7638_thumbprint(
    endpoint: Endpoint, make_store: Any, kind: str
) -> None:
    public = public_jwk(private_jwk(kind, 0))
    public.pop("kid", None)
    endpoint.document = jwk_set(public)
    (secret,) = make_store().valid("verify")
    assert secret.stable_id == JWK(**public).thumbprint()


@pytest.mark.parametrize("kind", ["EC-P-256", "RSA-2048", "OKP-Ed25519", "OKP-X25519"])
def test_secret_jwk_never_holds_private_members(
    endpoint: Endpoint, make_store: Any, kind: str
) -> None:
    private = private_jwk(kind, 0, kid="p")
    assert "d" in private
    endpoint.document = jwk_set(private)
    store = make_store()
    secrets = [*store.valid("verify"), *store.valid("encrypt")]
    assert secrets
    for secret in secrets:
        assert secret.stable_id == "p"
        assert PRIVATE_MEMBERS.isdisjoint(secret.jwk), sorted(secret.jwk)
        assert dict(secret.jwk) == public_jwk(private)


def test_private_key_without_kid_gets_public_thumbprint(
    endpoint: Endpoint, make_store: Any
) -> None:
    private = private_jwk("EC-P-256", 1)
    private.pop("kid", None)
    endpoint.document = jwk_set(private)
    (secret,) = make_store().valid("verify")
    public = public_jwk(private)
    assert secret.stable_id == JWK(**public).thumbprint()
    assert PRIVATE_MEMBERS.isdisjoint(secret.jwk)
