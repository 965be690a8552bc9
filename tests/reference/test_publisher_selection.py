"""Which aliases each endpoint publishes: per secret ID, realm and new install (PUB-02..07, 14)."""

from __future__ import annotations

import hashlib

import pytest
from _publisher_support import (
    KEYSTORE,
    NESTED,
    PROVIDER,
    REALM_PATHS,
    ROOT,
    RP,
    _b64url,
    _config,
    _get,
    _keys,
    _kid,
    _kids,
    _leaf,
    _mapping,
)

from jwkconform.reference import DEFAULT_MAPPINGS, PublisherConfig, effective_mappings
from jwkconform.reference._jwk_uri import ENDPOINTS
from jwkconform.reference._publisher_config import (
    MTLS,
    PROVIDER_DECRYPTION,
    PROVIDER_SIGNING,
    RP_ENCRYPTION,
    RP_SIGNING,
)

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
