"""The publisher's HTTP front: paths, methods, discovery, content type (PUB-01, 13, 15)."""

from __future__ import annotations

import json

import pytest
from _publisher_support import (
    BASE,
    DISCOVERY,
    EVERYTHING,
    NESTED,
    PROVIDER,
    REALM_PATHS,
    ROOT,
    RP,
    _config,
    _get,
    _keys,
    _kid,
    _kids,
    _mapping,
)

from jwkconform.reference import ConfigError, PublisherConfig, published_keys
from jwkconform.reference._publisher_config import RP_SIGNING

# -- PUB-01: paths -------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", [RP, PROVIDER])
def test_pub_01_root_realm_answers_both_endpoints_with_a_jwk_set(endpoint: str) -> None:
    config = PublisherConfig.new_install(_config().keystore)
    response = _get(config, ROOT + endpoint)
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, dict)
    assert isinstance(body["keys"], list)
    assert body["keys"]


@pytest.mark.parametrize("endpoint", [RP, PROVIDER, DISCOVERY])
def test_pub_01_nested_realms_nest_the_path(endpoint: str) -> None:
    config = _config(
        {RP_SIGNING: _mapping("rsa-a")}, realm={"realms": {"a": {"realms": {"b": {}}}}}
    )
    response = _get(config, ROOT + "/realms/a/realms/b" + endpoint)
    assert response.status_code == 200
    assert response.json()


def test_pub_01_a_query_string_does_not_change_the_path() -> None:
    config = _config({RP_SIGNING: _mapping("rsa-a")})
    assert _kids(_keys(config, ROOT + RP + "?realm=other")) == [_kid("rsa-a")]


@pytest.mark.parametrize(
    "path",
    [
        ROOT + "/realms/zzz" + RP,
        ROOT + "/realms/a/realms/zzz" + PROVIDER,
        ROOT + "/realms/b" + DISCOVERY,  # b exists only under a
    ],
)
def test_pub_01_unknown_realm_is_a_json_404(path: str) -> None:
    config = _config(
        {RP_SIGNING: _mapping("rsa-a")}, realm={"realms": {"a": {"realms": {"b": {}}}}}
    )
    response = _get(config, path)
    assert response.status_code == 404
    assert response.json()["error"] == "realm_not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/oauth2/realms/root",
        ROOT + "/connect/jwks",
        ROOT + "/connect/rp/jwk_uri/",
        ROOT + "/realms/" + RP,  # empty realm name
        "/oauth2/connect/rp/jwk_uri",
        "/am" + ROOT + RP,
        "/oauth2/realms/other" + RP,  # the top realm is always root
    ],
)
def test_pub_01_unknown_path_is_a_json_404(path: str) -> None:
    response = _get(_config({RP_SIGNING: _mapping("rsa-a")}), path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("endpoint", [RP, PROVIDER, DISCOVERY])
def test_pub_01_other_methods_are_a_405_that_allows_get_and_head(
    method: str, endpoint: str
) -> None:
    response = _get(_config({RP_SIGNING: _mapping("rsa-a")}), ROOT + endpoint, method=method)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {"error": "method_not_allowed"}


@pytest.mark.parametrize("name", ["a b", "équipe"])
def test_pub_01_every_configured_realm_is_reachable_or_refused(name: str) -> None:
    # A realm name is either refused when configured, or served at its (percent-encoded)
    # URL; never accepted and then unreachable.
    try:
        config = _config({RP_SIGNING: _mapping("rsa-a")}, realm={"realms": {name: {}}})
    except ConfigError as refused:
        refusal: ConfigError | None = refused
    else:
        refusal = None
    if refusal is not None:
        assert refusal.field == "realm.realms"
        return
    response = _get(config, ROOT + "/realms/" + name + RP)
    assert response.status_code == 200, response.text
    assert _kids(response.json()["keys"]) == [_kid("rsa-a")]


# -- PUB-13: discovery ---------------------------------------------------------------------


@pytest.mark.parametrize("realm", sorted(REALM_PATHS))
def test_pub_13_discovery_points_at_the_realm_jwk_uri(realm: str) -> None:
    response = _get(_config({}, realm=NESTED), REALM_PATHS[realm] + DISCOVERY)
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == BASE + REALM_PATHS[realm]
    assert document["jwks_uri"] == BASE + REALM_PATHS[realm] + PROVIDER


@pytest.mark.parametrize("base", ["http://other.example:8443", "https://idp.example"])
def test_pub_13_discovery_is_absolute_with_the_request_host(base: str) -> None:
    document = _get(_config({}), ROOT + DISCOVERY, base=base).json()
    assert document["jwks_uri"] == base + ROOT + PROVIDER
    assert document["issuer"] == base + ROOT


def test_pub_13_remote_jwk_url_replaces_jwks_uri_for_that_realm_only() -> None:
    remote = "https://keys.example/jwks.json"
    tree = {"realms": {"alpha": {"remoteJwkUrl": remote, "realms": {"beta": {}}}, "gamma": {}}}
    config = _config({}, realm=tree)
    assert _get(config, REALM_PATHS["alpha"] + DISCOVERY).json()["jwks_uri"] == remote
    for realm in ("root", "beta", "gamma"):
        document = _get(config, REALM_PATHS[realm] + DISCOVERY).json()
        assert document["jwks_uri"] == BASE + REALM_PATHS[realm] + PROVIDER


def test_pub_13_remote_jwk_url_at_root() -> None:
    remote = "http://keys.example/jwks"
    document = _get(_config({}, realm={"remoteJwkUrl": remote}), ROOT + DISCOVERY).json()
    assert document == {"issuer": BASE + ROOT, "jwks_uri": remote}


# -- PUB-15: content type ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", ROOT + RP, 200),
        ("GET", ROOT + PROVIDER, 200),
        ("GET", ROOT + DISCOVERY, 200),
        ("GET", ROOT + "/realms/alpha" + RP, 200),
        ("GET", ROOT + "/realms/zzz" + RP, 404),
        ("GET", "/nothing/here", 404),
        ("POST", ROOT + RP, 405),
        ("POST", "/nothing/here", 404),
    ],
)
def test_pub_15_every_answer_is_application_json(method: str, path: str, status: int) -> None:
    config = _config({RP_SIGNING: _mapping("rsa-a")}, realm=NESTED)
    response = _get(config, path, method=method)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    json.loads(response.content)


# -- the pure function ---------------------------------------------------------------------


def test_published_keys_equals_what_the_http_front_serves() -> None:
    config = _config(EVERYTHING, realm=NESTED)
    for path, names in ((ROOT, ("root",)), (REALM_PATHS["beta"], ("root", "alpha", "beta"))):
        assert published_keys(config, names, "rp") == _get(config, path + RP).json()
        assert published_keys(config, names, "provider") == _get(config, path + PROVIDER).json()
