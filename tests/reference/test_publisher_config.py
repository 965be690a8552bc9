"""`PublisherConfig.from_json`: a refused configuration names its dotted path; the defaults."""

from __future__ import annotations

from typing import Any

import pytest
from _publisher_support import KEYSTORE, _config

from jwkconform.reference import ConfigError, PublisherConfig

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
