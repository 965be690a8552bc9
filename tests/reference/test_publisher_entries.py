"""The published JWKs: nothing private, unique kids, algs, members, kid derivation (PUB-08..12)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from _publisher_support import (
    ASYMMETRIC,
    EVERYTHING,
    KEYSTORE,
    PROVIDER,
    REALM_PATHS,
    ROOT,
    RP,
    SYMMETRIC,
    _b64url,
    _certificate_members,
    _config,
    _get,
    _keys,
    _kid,
    _kids,
    _leaf,
    _mapping,
    _thumbprint,
)
from jwcrypto.jwk import JWK

from jwkconform.reference import PublisherConfig
from jwkconform.reference._publisher_config import (
    MTLS,
    PROVIDER_SIGNING,
    RP_ENCRYPTION,
    RP_SIGNING,
)

RSA_SIG = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
RSA_ENC = ["RSA1_5", "RSA-OAEP", "RSA-OAEP-256"]
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


# -- PUB-08: nothing private, nothing symmetric --------------------------------------------


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
