"""Tests for the reference JWK URI publisher (PUB-01..15): the rules of `published_keys`,
the HTTP front of `PublisherApp` served in process, and `PublisherConfig.from_json`.

Every expected kid and public member is computed here, from the fixture certificates, with
`cryptography` and a hand-written RFC 7638 thumbprint, never with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwcrypto.jwk import JWK

from jwkconform.fixtures import keystore
from jwkconform.reference import (
    DEFAULT_MAPPINGS,
    ConfigError,
    PublisherApp,
    PublisherConfig,
    effective_mappings,
    published_keys,
)
from jwkconform.reference._jwk_uri import ENDPOINTS
from jwkconform.reference._publisher_config import (
    MTLS,
    PROVIDER_DECRYPTION,
    PROVIDER_SIGNING,
    RP_ENCRYPTION,
    RP_SIGNING,
)

KEYSTORE: dict[str, Any] = dict(keystore())
ASYMMETRIC = tuple(alias for alias, entry in KEYSTORE.items() if "jwk" in entry)
SYMMETRIC = tuple(alias for alias, entry in KEYSTORE.items() if "secret" in entry)

BASE = "https://am.test"
ROOT = "/oauth2/realms/root"
RP = "/connect/rp/jwk_uri"
PROVIDER = "/connect/jwk_uri"
DISCOVERY = "/.well-known/openid-configuration"

RSA_SIG = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
RSA_ENC = ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"]
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


# -- helpers -------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _leaf(alias: str) -> bytes:
    return base64.b64decode(KEYSTORE[alias]["x5c"][0])


def _certificate_members(der: bytes) -> dict[str, str]:
    """The certificate's public key as JWK members, straight from `cryptography`."""
    key = x509.load_der_x509_certificate(der).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        n, e = numbers.n, numbers.e
        return {
            "kty": "RSA",
            "n": _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big")),
            "e": _b64url(e.to_bytes((e.bit_length() + 7) // 8, "big")),
        }
    if isinstance(key, ec.EllipticCurvePublicKey):
        size = (key.curve.key_size + 7) // 8  # RFC 7518 6.2.1.2: full coordinate length
        point = key.public_numbers()
        return {
            "kty": "EC",
            "crv": CURVES[key.curve.name],
            "x": _b64url(point.x.to_bytes(size, "big")),
            "y": _b64url(point.y.to_bytes(size, "big")),
        }
    assert isinstance(key, ed25519.Ed25519PublicKey)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def _thumbprint(members: Mapping[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, no white space."""
    required = {
        "RSA": ("e", "kty", "n"),
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
    }
    canonical = json.dumps(
        {name: members[name] for name in required[members["kty"]]},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def _kid(alias: str) -> str:
    return _thumbprint(_certificate_members(_leaf(alias)))


def _mapping(*aliases: str, active: str | None = None) -> dict[str, Any]:
    return {"aliases": list(aliases), "active": active or aliases[0]}


def _config(
    mappings: Mapping[str, Any] | None = None,
    realm: Mapping[str, Any] | None = None,
    store: Mapping[str, Any] | None = None,
) -> PublisherConfig:
    raw: dict[str, Any] = {
        "keystore": KEYSTORE if store is None else store,
        "globalMappings": dict(mappings or {}),
    }
    if realm is not None:
        raw["realm"] = realm
    return PublisherConfig.from_json(raw)


def _get(
    config: PublisherConfig, path: str, method: str = "GET", base: str = BASE
) -> httpx.Response:
    with httpx.Client(transport=PublisherApp(config).transport(), base_url=base) as client:
        return client.request(method, path)


def _keys(config: PublisherConfig, path: str = ROOT + RP) -> list[dict[str, Any]]:
    response = _get(config, path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["keys"]
    keys: list[dict[str, Any]] = body["keys"]
    return keys


def _kids(keys: list[dict[str, Any]]) -> list[str]:
    return [key["kid"] for key in keys]


# Sub-realms used by the realm tests: root > alpha > beta, and root > gamma.
NESTED: dict[str, Any] = {"realms": {"alpha": {"realms": {"beta": {}}}, "gamma": {}}}
REALM_PATHS = {
    "root": ROOT,
    "alpha": ROOT + "/realms/alpha",
    "beta": ROOT + "/realms/alpha/realms/beta",
    "gamma": ROOT + "/realms/gamma",
}


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


# -- PUB-02: every alias of the RP signing ID ----------------------------------------------


@pytest.mark.parametrize("active", ["rsa-a", "rsa-b", "ec256-a"])
def test_pub_02_every_rp_signing_alias_is_published_active_or_not(active: str) -> None:
    aliases = ("rsa-a", "rsa-b", "ec256-a")
    keys = _keys(_config({RP_SIGNING: _mapping(*aliases, active=active)}))
    assert _kids(keys) == [_kid(alias) for alias in aliases]
    assert {key["use"] for key in keys} == {"sig"}


def test_pub_02_rotation_keeps_the_old_signing_key_published() -> None:
    before = _keys(_config({RP_SIGNING: _mapping("rsa-a")}))
    after = _keys(_config({RP_SIGNING: _mapping("rsa-a", "rsa-b", active="rsa-b")}))
    assert set(_kids(before)) < set(_kids(after))
    removed = _keys(_config({RP_SIGNING: _mapping("rsa-b")}))
    assert _kids(removed) == [_kid("rsa-b")]


# -- PUB-03: only the active alias of the RP encryption ID ---------------------------------


@pytest.mark.parametrize("active", ["test", "selfserviceenctest", "rsa-c"])
def test_pub_03_only_the_active_rp_encryption_alias_is_published(active: str) -> None:
    config = _config(
        {RP_ENCRYPTION: _mapping("test", "selfserviceenctest", "rsa-c", active=active)}
    )
    keys = _keys(config)
    assert _kids(keys) == [_kid(active)]
    assert keys[0]["use"] == "enc"


# -- PUB-04: the active mTLS alias with its chain ------------------------------------------


def test_pub_04_the_active_mtls_alias_is_published_with_its_whole_chain() -> None:
    chain = [KEYSTORE["mtls-a"]["x5c"][0], KEYSTORE["rsa-a"]["x5c"][0]]
    store = {**KEYSTORE, "mtls-chain": {"jwk": dict(KEYSTORE["mtls-a"]["jwk"]), "x5c": chain}}
    config = _config({MTLS: _mapping("rsa-b", "mtls-chain", active="mtls-chain")}, store=store)
    keys = _keys(config)
    assert _kids(keys) == [_kid("mtls-a")]
    assert keys[0]["x5c"] == chain  # leaf first, issuer after
    assert keys[0]["x5t"] == _b64url(hashlib.sha1(_leaf("mtls-a")).digest())
    assert keys[0]["use"] == "sig"


def test_pub_04_inactive_mtls_aliases_are_not_published() -> None:
    keys = _keys(_config({MTLS: _mapping("mtls-a", "rsa-b", active="mtls-a")}))
    assert _kids(keys) == [_kid("mtls-a")]


def test_pub_04_mtls_keys_are_not_on_the_provider_endpoint() -> None:
    assert _keys(_config({MTLS: _mapping("mtls-a")}), ROOT + PROVIDER) == []


# -- PUB-05: global and realm mappings -----------------------------------------------------


@pytest.mark.parametrize("realm", sorted(REALM_PATHS))
def test_pub_05_global_mappings_show_at_every_realm(realm: str) -> None:
    config = _config({RP_SIGNING: _mapping("rsa-a")}, realm=NESTED)
    assert _kids(_keys(config, REALM_PATHS[realm] + RP)) == [_kid("rsa-a")]


@pytest.mark.parametrize(
    ("realm", "expected"), [("root", []), ("alpha", ["rsa-b"]), ("beta", []), ("gamma", [])]
)
def test_pub_05_a_realm_mapping_shows_only_at_that_realm(realm: str, expected: list[str]) -> None:
    tree = {
        "realms": {
            "alpha": {"mappings": {RP_SIGNING: _mapping("rsa-b")}, "realms": {"beta": {}}},
            "gamma": {},
        }
    }
    config = _config({}, realm=tree)
    assert _kids(_keys(config, REALM_PATHS[realm] + RP)) == [_kid(a) for a in expected]


@pytest.mark.parametrize(
    ("realm", "expected"), [("root", ["rsa-c"]), ("alpha", []), ("beta", []), ("gamma", [])]
)
def test_pub_05_root_realm_mappings_do_not_reach_sub_realms(
    realm: str, expected: list[str]
) -> None:
    config = _config({}, realm={**NESTED, "mappings": {RP_SIGNING: _mapping("rsa-c")}})
    assert _kids(_keys(config, REALM_PATHS[realm] + RP)) == [_kid(a) for a in expected]


@pytest.mark.parametrize(
    ("realm", "expected"),
    [("root", ["rsa-a"]), ("alpha", ["rsa-b"]), ("beta", ["rsa-a"]), ("gamma", ["rsa-a"])],
)
def test_pub_05_a_realm_mapping_replaces_the_global_mapping_of_that_id(
    realm: str, expected: list[str]
) -> None:
    tree = {
        "realms": {
            "alpha": {"mappings": {RP_SIGNING: _mapping("rsa-b")}, "realms": {"beta": {}}},
            "gamma": {},
        }
    }
    config = _config({RP_SIGNING: _mapping("rsa-a")}, realm=tree)
    assert _kids(_keys(config, REALM_PATHS[realm] + RP)) == [_kid(a) for a in expected]


def test_pub_05_a_realm_mapping_of_another_id_adds_to_the_global_ones() -> None:
    tree = {"realms": {"alpha": {"mappings": {RP_ENCRYPTION: _mapping("test")}}}}
    config = _config({RP_SIGNING: _mapping("rsa-a")}, realm=tree)
    assert _kids(_keys(config, REALM_PATHS["alpha"] + RP)) == [_kid("rsa-a"), _kid("test")]
    assert _kids(_keys(config, ROOT + RP)) == [_kid("rsa-a")]


def test_pub_05_effective_mappings_merge_global_and_own() -> None:
    tree = {"realms": {"alpha": {"mappings": {RP_SIGNING: _mapping("rsa-b")}}}}
    config = _config({RP_SIGNING: _mapping("rsa-a"), MTLS: _mapping("mtls-a")}, realm=tree)
    alpha = effective_mappings(config, ("root", "alpha"))
    assert alpha[RP_SIGNING].aliases == ("rsa-b",)
    assert alpha[MTLS].aliases == ("mtls-a",)
    assert effective_mappings(config, ("root",))[RP_SIGNING].aliases == ("rsa-a",)


# -- PUB-06: no mappings -------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", [RP, PROVIDER])
@pytest.mark.parametrize("realm", sorted(REALM_PATHS))
def test_pub_06_without_mappings_the_set_is_empty(realm: str, endpoint: str) -> None:
    response = _get(_config({}, realm=NESTED), REALM_PATHS[realm] + endpoint)
    assert response.status_code == 200
    assert response.json() == {"keys": []}


def test_pub_06_absent_global_mappings_mean_none() -> None:
    config = PublisherConfig.from_json({"keystore": KEYSTORE})
    assert _get(config, ROOT + RP).json() == {"keys": []}


def test_pub_06_mappings_of_other_ids_or_unknown_aliases_publish_nothing() -> None:
    config = _config(
        {"some.other.secret.id": _mapping("rsa-a"), RP_SIGNING: _mapping("no-such-alias")}
    )
    assert _get(config, ROOT + RP).json() == {"keys": []}
    assert _get(config, ROOT + PROVIDER).json() == {"keys": []}


# -- PUB-07: new install -------------------------------------------------------------------


def test_pub_07_new_install_publishes_the_default_signing_and_encryption_keys() -> None:
    config = PublisherConfig.new_install(_config().keystore)
    keys = _keys(config)
    assert [(key["kid"], key["use"]) for key in keys] == [
        (_kid("rsajwtsigningkey"), "sig"),
        (_kid("test"), "enc"),
    ]


def test_pub_07_new_install_maps_the_demo_aliases() -> None:
    assert DEFAULT_MAPPINGS[RP_SIGNING].aliases == ("rsajwtsigningkey",)
    assert DEFAULT_MAPPINGS[RP_SIGNING].active == "rsajwtsigningkey"
    assert DEFAULT_MAPPINGS[RP_ENCRYPTION].active == "test"
    assert MTLS not in DEFAULT_MAPPINGS


def test_pub_07_new_install_provider_endpoint_has_the_demo_provider_keys() -> None:
    keys = _keys(PublisherConfig.new_install(_config().keystore), ROOT + PROVIDER)
    expected = ["rsajwtsigningkey", "es256test", "es384test", "es512test", "test"]
    assert _kids(keys) == [_kid(alias) for alias in expected]
    assert [key["use"] for key in keys] == ["sig"] * 4 + ["enc"]


# -- PUB-08: nothing private, nothing symmetric --------------------------------------------

EVERYTHING = {
    RP_SIGNING: _mapping(*ASYMMETRIC, *SYMMETRIC),
    RP_ENCRYPTION: _mapping(*SYMMETRIC, "test", active="directenctest"),
    MTLS: _mapping("hmac-a", "mtls-a", active="hmac-a"),
    **{label: _mapping(*SYMMETRIC, *ASYMMETRIC) for label in PROVIDER_SIGNING},
    **{label: _mapping(*SYMMETRIC, "test") for label in PROVIDER_DECRYPTION},
}


@pytest.mark.parametrize("combinations", [False, True])
@pytest.mark.parametrize("endpoint", [RP, PROVIDER])
def test_pub_08_no_private_or_symmetric_member_is_ever_published(
    endpoint: str, combinations: bool
) -> None:
    config = _config(EVERYTHING, realm={"includeAllKtyAlgCombinations": combinations})
    keys = _keys(config, ROOT + endpoint)
    assert keys
    for key in keys:
        assert not PRIVATE_MEMBERS & set(key), key["kid"]
        assert key["kty"] in {"RSA", "EC", "OKP"}


@pytest.mark.parametrize("alias", SYMMETRIC)
@pytest.mark.parametrize("secret_id", [RP_SIGNING, RP_ENCRYPTION, MTLS, *PROVIDER_SIGNING])
def test_pub_08_a_symmetric_alias_mapped_anywhere_never_appears(secret_id: str, alias: str) -> None:
    tree = {"realms": {"alpha": {"mappings": {secret_id: _mapping(alias)}}}}
    config = _config({secret_id: _mapping(alias)}, realm=tree)
    for path in (ROOT, REALM_PATHS["alpha"]):
        for endpoint in (RP, PROVIDER):
            assert _get(config, path + endpoint).json() == {"keys": []}


# -- PUB-09: unique kids -------------------------------------------------------------------


def test_pub_09_kids_are_unique_when_a_key_is_mapped_to_several_ids() -> None:
    config = _config(
        {
            RP_SIGNING: _mapping("rsa-a", "rsa-b"),
            RP_ENCRYPTION: _mapping("rsa-a"),
            MTLS: _mapping("rsa-b"),
        }
    )
    keys = _keys(config)
    assert _kids(keys) == [_kid("rsa-a"), _kid("rsa-b")]
    assert [key["use"] for key in keys] == ["sig", "sig"]  # the first rule wins


def test_pub_09_two_aliases_of_one_key_publish_one_entry() -> None:
    store = {**KEYSTORE, "rsa-a-copy": KEYSTORE["rsa-a"]}
    keys = _keys(_config({RP_SIGNING: _mapping("rsa-a", "rsa-a-copy")}, store=store))
    assert _kids(keys) == [_kid("rsa-a")]


@pytest.mark.parametrize("endpoint", [RP, PROVIDER])
def test_pub_09_kids_are_unique_with_everything_mapped(endpoint: str) -> None:
    kids = _kids(_keys(_config(EVERYTHING), ROOT + endpoint))
    assert len(kids) == len(set(kids))


def test_pub_09_provider_labels_sharing_a_key_publish_it_once() -> None:
    config = _config({label: _mapping("rsa-a") for label in PROVIDER_SIGNING})
    assert _kids(_keys(config, ROOT + PROVIDER)) == [_kid("rsa-a")]


# -- PUB-10: all kty and alg combinations --------------------------------------------------

COMBINATIONS = [
    (RP_SIGNING, "rsa-a", "sig", RSA_SIG),
    (RP_SIGNING, "rsa-3072", "sig", RSA_SIG),
    (RP_SIGNING, "ec256-a", "sig", ["ES256"]),
    (RP_SIGNING, "ec384-a", "sig", ["ES384"]),
    (RP_SIGNING, "ec521-a", "sig", ["ES512"]),
    (RP_SIGNING, "ed25519-a", "sig", ["EdDSA"]),
    (RP_ENCRYPTION, "test", "enc", RSA_ENC),
]


@pytest.mark.parametrize(("secret_id", "alias", "use", "algorithms"), COMBINATIONS)
def test_pub_10_a_key_appears_once_per_algorithm_with_its_alg(
    secret_id: str, alias: str, use: str, algorithms: list[str]
) -> None:
    config = _config({secret_id: _mapping(alias)}, realm={"includeAllKtyAlgCombinations": True})
    keys = _keys(config)
    assert [key["alg"] for key in keys] == algorithms
    assert _kids(keys) == [_kid(alias)] * len(algorithms)
    assert {key["use"] for key in keys} == {use}


def test_pub_10_a_key_in_two_roles_appears_for_each_algorithm_of_each_use() -> None:
    config = _config(
        {RP_SIGNING: _mapping("rsa-a"), RP_ENCRYPTION: _mapping("rsa-a")},
        realm={"includeAllKtyAlgCombinations": True},
    )
    keys = _keys(config)
    assert [(key["use"], key["alg"]) for key in keys] == [
        *(("sig", alg) for alg in RSA_SIG),
        *(("enc", alg) for alg in RSA_ENC),
    ]
    pairs = [(key["kid"], key["alg"]) for key in keys]
    assert len(pairs) == len(set(pairs))


def test_pub_10_the_option_is_per_realm_and_not_inherited() -> None:
    tree = {
        "realms": {
            "alpha": {"includeAllKtyAlgCombinations": True, "realms": {"beta": {}}},
            "gamma": {},
        }
    }
    config = _config({RP_SIGNING: _mapping("rsa-a", "ec256-a")}, realm=tree)
    alpha = _keys(config, REALM_PATHS["alpha"] + RP)
    assert [key["alg"] for key in alpha] == [*RSA_SIG, "ES256"]
    for realm in ("root", "beta", "gamma"):
        keys = _keys(config, REALM_PATHS[realm] + RP)
        assert _kids(keys) == [_kid("rsa-a"), _kid("ec256-a")]
        assert all("alg" not in key for key in keys)


# -- PUB-11: members -----------------------------------------------------------------------


@pytest.mark.parametrize("alias", ASYMMETRIC)
def test_pub_11_members_match_the_certificate(alias: str) -> None:
    (key,) = _keys(_config({RP_SIGNING: _mapping(alias)}))
    leaf = _leaf(alias)
    public = _certificate_members(leaf)
    assert {"kty", "kid", "use", "x5c", "x5t"} <= set(key)
    assert key["use"] == "sig"
    assert key["kid"] == _kid(alias)
    assert key["x5c"] == list(KEYSTORE[alias]["x5c"])
    assert base64.b64decode(key["x5c"][0], validate=True) == leaf  # standard base64
    assert key["x5t"] == _b64url(hashlib.sha1(leaf).digest())
    assert "=" not in key["x5t"]
    assert len(key["x5t"]) == 27  # 20 bytes, unpadded
    assert {name: key[name] for name in public} == public
    assert "alg" not in key  # only with all combinations (PUB-10)


def test_pub_11_encryption_keys_carry_the_same_members_with_use_enc() -> None:
    (key,) = _keys(_config({RP_ENCRYPTION: _mapping("selfserviceenctest")}))
    public = _certificate_members(_leaf("selfserviceenctest"))
    assert key["use"] == "enc"
    assert {name: key[name] for name in public} == public
    assert key["x5t"] == _b64url(hashlib.sha1(_leaf("selfserviceenctest")).digest())


@pytest.mark.parametrize("combinations", [False, True])
def test_pub_11_a_key_is_never_published_for_a_use_its_type_cannot_serve(
    combinations: bool,
) -> None:
    # Ed25519 only signs (decisions.md D-3). With all combinations the key has no
    # encryption algorithm and is left out; the default mode must agree, not advertise it
    # with "use": "enc".
    config = _config(
        {RP_ENCRYPTION: _mapping("ed25519-a")},
        realm={"includeAllKtyAlgCombinations": combinations},
    )
    assert _keys(config) == []


# -- PUB-12: kid derivation ----------------------------------------------------------------


def test_pub_12_same_key_same_kid_across_configs_and_aliases() -> None:
    store = {**KEYSTORE, "renamed": KEYSTORE["rsa-a"]}
    first = _keys(_config({RP_SIGNING: _mapping("rsa-a")}))
    second = _keys(_config({RP_SIGNING: _mapping("renamed")}, store=store))
    third = _keys(PublisherConfig.from_json(json.loads(json.dumps(_raw_rsa_a()))))
    assert _kids(first) == _kids(second) == _kids(third) == [_kid("rsa-a")]


def _raw_rsa_a() -> dict[str, Any]:
    """A config that went through JSON text, as after a restart."""
    entry = KEYSTORE["rsa-a"]
    return {
        "keystore": {"x": {"jwk": dict(entry["jwk"]), "x5c": list(entry["x5c"])}},
        "globalMappings": {RP_SIGNING: _mapping("x")},
    }


def test_pub_12_kids_do_not_change_between_requests() -> None:
    config = _config({RP_SIGNING: _mapping("rsa-a", "ec256-a")})
    assert _keys(config) == _keys(config)


def test_pub_12_different_keys_different_kids() -> None:
    keys = _keys(_config({RP_SIGNING: _mapping(*ASYMMETRIC)}))
    assert len(keys) == len(ASYMMETRIC)
    assert len(set(_kids(keys))) == len(ASYMMETRIC)


@pytest.mark.parametrize("alias", ASYMMETRIC)
def test_pub_12_kid_is_the_rfc_7638_thumbprint(alias: str) -> None:
    (key,) = _keys(_config({RP_SIGNING: _mapping(alias)}))
    assert key["kid"] == JWK(**KEYSTORE[alias]["jwk"]).thumbprint()
    assert key["kid"] == _thumbprint(key)


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


# -- PUB-14: provider endpoint -------------------------------------------------------------


def test_pub_14_provider_publishes_signing_as_sig_and_decryption_as_enc() -> None:
    signing = dict(zip(PROVIDER_SIGNING, ("rsa-a", "ec256-a", "ec384-a", "ec521-a"), strict=True))
    decryption = dict(
        zip(PROVIDER_DECRYPTION, ("test", "selfserviceenctest", "rsa-c"), strict=True)
    )
    config = _config(
        {
            **{label: _mapping(alias) for label, alias in signing.items()},
            **{label: _mapping(alias) for label, alias in decryption.items()},
            RP_SIGNING: _mapping("rsa-b"),  # an RP key is not a provider key
        }
    )
    keys = _keys(config, ROOT + PROVIDER)
    assert [(key["kid"], key["use"]) for key in keys] == [
        *((_kid(alias), "sig") for alias in signing.values()),
        *((_kid(alias), "enc") for alias in decryption.values()),
    ]


def test_pub_14_provider_publishes_every_alias_of_its_ids() -> None:
    config = _config(
        {
            PROVIDER_SIGNING[0]: _mapping("rsa-a", "rsa-b", active="rsa-b"),
            PROVIDER_DECRYPTION[1]: _mapping("test", "selfserviceenctest", active="test"),
        }
    )
    keys = _keys(config, ROOT + PROVIDER)
    assert [(key["kid"], key["use"]) for key in keys] == [
        (_kid("rsa-a"), "sig"),
        (_kid("rsa-b"), "sig"),
        (_kid("test"), "enc"),
        (_kid("selfserviceenctest"), "enc"),
    ]


def test_pub_14_provider_keys_are_not_on_the_rp_endpoint() -> None:
    config = _config({PROVIDER_SIGNING[1]: _mapping("es256test")})
    assert _keys(config, ROOT + RP) == []


def test_pub_14_rules_table_covers_the_catalogue_ids() -> None:
    rp = [(rule.secret_id, rule.aliases, rule.use) for rule in ENDPOINTS["rp"]]
    assert rp == [
        (RP_SIGNING, "all", "sig"),
        (RP_ENCRYPTION, "active", "enc"),
        (MTLS, "active", "sig"),
    ]
    provider = {(rule.secret_id, rule.aliases, rule.use) for rule in ENDPOINTS["provider"]}
    assert provider == {
        *((label, "all", "sig") for label in PROVIDER_SIGNING),
        *((label, "all", "enc") for label in PROVIDER_DECRYPTION),
    }


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


# -- configuration errors ------------------------------------------------------------------

RSA_ENTRY: dict[str, Any] = {
    "jwk": dict(KEYSTORE["rsa-a"]["jwk"]),
    "x5c": list(KEYSTORE["rsa-a"]["x5c"]),
}

BAD_CONFIGS: list[tuple[str, Any, str]] = [
    ("not an object", ["keystore"], "config"),
    ("keystore missing", {"globalMappings": {}}, "keystore"),
    ("keystore not an object", {"keystore": []}, "keystore"),
    ("alias not an object", {"keystore": {"a": "rsa"}}, "keystore.a"),
    ("alias unknown member", {"keystore": {"a": {**RSA_ENTRY, "pem": "x"}}}, "keystore.a.pem"),
    ("alias without jwk", {"keystore": {"a": {"x5c": RSA_ENTRY["x5c"]}}}, "keystore.a.jwk"),
    ("jwk without kty", {"keystore": {"a": {**RSA_ENTRY, "jwk": {"n": "AQAB"}}}}, "keystore.a.jwk"),
    ("jwk not an object", {"keystore": {"a": {**RSA_ENTRY, "jwk": "RSA"}}}, "keystore.a.jwk"),
    ("x5c missing", {"keystore": {"a": {"jwk": RSA_ENTRY["jwk"]}}}, "keystore.a.x5c"),
    ("x5c empty", {"keystore": {"a": {**RSA_ENTRY, "x5c": []}}}, "keystore.a.x5c"),
    ("x5c a string", {"keystore": {"a": {**RSA_ENTRY, "x5c": "MIIB"}}}, "keystore.a.x5c"),
    ("x5c item not a string", {"keystore": {"a": {**RSA_ENTRY, "x5c": [1]}}}, "keystore.a.x5c[0]"),
    (
        "x5c second item bad base64",
        {"keystore": {"a": {**RSA_ENTRY, "x5c": [RSA_ENTRY["x5c"][0], "A"]}}},
        "keystore.a.x5c[1]",
    ),
    ("secret not base64", {"keystore": {"h": {"secret": "A"}}}, "keystore.h.secret"),
    ("secret empty", {"keystore": {"h": {"secret": ""}}}, "keystore.h.secret"),
    ("secret not a string", {"keystore": {"h": {"secret": 42}}}, "keystore.h.secret"),
    ("globalMappings not an object", {"keystore": {}, "globalMappings": []}, "globalMappings"),
    ("mapping not an object", {"keystore": {}, "globalMappings": {"X": ["a"]}}, "globalMappings.X"),
    (
        "mapping unknown member",
        {"keystore": {}, "globalMappings": {"X": {"aliases": ["a"], "primary": "a"}}},
        "globalMappings.X.primary",
    ),
    ("aliases missing", {"keystore": {}, "globalMappings": {"X": {}}}, "globalMappings.X.aliases"),
    (
        "aliases empty",
        {"keystore": {}, "globalMappings": {"X": {"aliases": []}}},
        "globalMappings.X.aliases",
    ),
    (
        "aliases repeated",
        {"keystore": {}, "globalMappings": {"X": {"aliases": ["a", "a"], "active": "a"}}},
        "globalMappings.X.aliases",
    ),
    (
        "alias name empty",
        {"keystore": {}, "globalMappings": {"X": {"aliases": [""]}}},
        "globalMappings.X.aliases",
    ),
    (
        "alias name not a string",
        {"keystore": {}, "globalMappings": {"X": {"aliases": [1]}}},
        "globalMappings.X.aliases",
    ),
    (
        "active missing with two aliases",
        {"keystore": {}, "globalMappings": {"X": {"aliases": ["a", "b"]}}},
        "globalMappings.X.active",
    ),
    (
        "active not among the aliases",
        {"keystore": {}, "globalMappings": {"X": {"aliases": ["a", "b"], "active": "c"}}},
        "globalMappings.X.active",
    ),
    (
        "active a list",
        {"keystore": {}, "globalMappings": {"X": {"aliases": ["a"], "active": ["a"]}}},
        "globalMappings.X.active",
    ),
    ("realm not an object", {"keystore": {}, "realm": []}, "realm"),
    ("top-level member named ''", {"keystore": {}, "": {}}, '""'),
    ("alias named '' not an object", {"keystore": {"": "rsa"}}, 'keystore.""'),
    (
        "mapping named '' without aliases",
        {"keystore": {}, "globalMappings": {"": {}}},
        'globalMappings."".aliases',
    ),
    (
        "realm member named ''",
        {"keystore": {}, "realm": {"realms": {"alpha": {"": 1}}}},
        'realm.realms.alpha.""',
    ),
    ("realm unknown member", {"keystore": {}, "realm": {"name": "root"}}, "realm.name"),
    (
        "combinations not a boolean",
        {"keystore": {}, "realm": {"includeAllKtyAlgCombinations": "true"}},
        "realm.includeAllKtyAlgCombinations",
    ),
    (
        "sub-realm combinations not a boolean",
        {"keystore": {}, "realm": {"realms": {"alpha": {"includeAllKtyAlgCombinations": 1}}}},
        "realm.realms.alpha.includeAllKtyAlgCombinations",
    ),
    (
        "remoteJwkUrl not http",
        {"keystore": {}, "realm": {"remoteJwkUrl": "ftp://keys.example/jwks"}},
        "realm.remoteJwkUrl",
    ),
    (
        "remoteJwkUrl not a string",
        {"keystore": {}, "realm": {"remoteJwkUrl": 5}},
        "realm.remoteJwkUrl",
    ),
    ("realms not an object", {"keystore": {}, "realm": {"realms": ["a"]}}, "realm.realms"),
    ("realm name empty", {"keystore": {}, "realm": {"realms": {"": {}}}}, "realm.realms"),
    ("realm name with slash", {"keystore": {}, "realm": {"realms": {"a/b": {}}}}, "realm.realms"),
    (
        "sub-realm not an object",
        {"keystore": {}, "realm": {"realms": {"alpha": True}}},
        "realm.realms.alpha",
    ),
    (
        "sub-realm unknown member",
        {"keystore": {}, "realm": {"realms": {"alpha": {"realm": {}}}}},
        "realm.realms.alpha.realm",
    ),
    (
        "realm mapping active",
        {"keystore": {}, "realm": {"mappings": {"X": {"aliases": ["a", "b"], "active": "z"}}}},
        "realm.mappings.X.active",
    ),
    (
        "nested realm mapping aliases",
        {
            "keystore": {},
            "realm": {"realms": {"alpha": {"realms": {"beta": {"mappings": {"X": {}}}}}}},
        },
        "realm.realms.alpha.realms.beta.mappings.X.aliases",
    ),
    (
        "realm mappings not an object",
        {"keystore": {}, "realm": {"realms": {"alpha": {"mappings": []}}}},
        "realm.realms.alpha.mappings",
    ),
]


@pytest.mark.parametrize(
    ("raw", "field"),
    [(raw, field) for _, raw, field in BAD_CONFIGS],
    ids=[c[0] for c in BAD_CONFIGS],
)
def test_config_error_names_the_dotted_path(raw: Any, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        PublisherConfig.from_json(raw)
    assert caught.value.field == field
    assert str(caught.value).startswith(field + ": ")


def test_config_error_unknown_top_level_member_is_named_by_its_own_name() -> None:
    # Every other path starts at the top-level member ("keystore.a.x5c"), and the store's
    # ConfigError names an unknown top-level member by its bare name: so does this one.
    with pytest.raises(ConfigError) as caught:
        PublisherConfig.from_json({"keystore": {}, "globalMapping": {}})
    assert caught.value.field == "globalMapping"


def test_config_error_x5c_that_is_not_a_certificate_is_refused_when_configured() -> None:
    # Valid base64, but not DER: accepting it would only fail later, at every request of an
    # endpoint that publishes the alias.
    entry = {"jwk": RSA_ENTRY["jwk"], "x5c": ["AAAA"]}
    with pytest.raises(ConfigError) as caught:
        PublisherConfig.from_json({"keystore": {"a": entry}})
    assert caught.value.field.startswith("keystore.a.x5c")


def test_config_keystore_falls_back_to_the_default_keystore() -> None:
    default = _config().keystore
    config = PublisherConfig.from_json({"globalMappings": {}}, default_keystore=default)
    assert config.keystore is default


def test_config_a_single_alias_is_active_by_default() -> None:
    config = PublisherConfig.from_json(
        {"keystore": {}, "globalMappings": {"X": {"aliases": ["a"]}}}
    )
    assert config.global_mappings["X"].active == "a"


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)
