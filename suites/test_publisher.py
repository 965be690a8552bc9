"""JWK URI publisher (PUB): what each realm's ``jwk_uri`` endpoints publish, and how.

Every example opens a fresh publisher with a random configuration (see the publisher
strategies in `jwkconform.suites.strategies`) and reads its endpoints over HTTP. A
published key is traced back to its keystore alias by its leaf certificate (``x5c[0]``)
or, when that is missing or unknown, by its public key, so that one defect (a bad
``x5c``, say) does not hide the others.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st
from jwcrypto.jwk import JWK

from jwkconform.fixtures import keystore
from jwkconform.harness import ConfigRefused, PublisherRig, Target
from jwkconform.suites.strategies import (
    ALIAS_KINDS,
    ASYMMETRIC_ALIASES,
    CHAINED_ALIAS,
    MTLS,
    PROVIDER_DECRYPTION,
    PROVIDER_SECRET_IDS,
    PROVIDER_SIGNING,
    REMOTE_JWK_URLS,
    RP_ENCRYPTION,
    RP_SIGNING,
    SYMMETRIC_ALIASES,
    issued_chain,
    keystore_aliases,
    keystore_config,
    mappings,
    new_install_mappings,
    publisher_configs,
    realm_path,
    realm_paths,
    realm_trees,
    secret_mapping,
    suitable_aliases,
)

Config = dict[str, Any]
Names = tuple[str, ...]

ENDPOINTS: Mapping[str, str] = {"provider": "connect/jwk_uri", "rp": "connect/rp/jwk_uri"}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_MATERIAL = ("kty", "crv", "n", "e", "x", "y")
_RSA_SIGNING_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_SIGNING_ALG_OF_KIND: Mapping[str, str] = {
    "EC-P-256": "ES256",
    "EC-P-384": "ES384",
    "EC-P-521": "ES512",
    "OKP-Ed25519": "EdDSA",
}


# -- reading a publisher ----------------------------------------------------------------------


def _url(names: Names, endpoint: str) -> str:
    return f"{realm_path(names)}/{ENDPOINTS[endpoint]}"


def _where(names: Names) -> str:
    return "realm root" + "".join(f"/{n}" for n in names)


def _published(rig: PublisherRig, names: Names, endpoint: str) -> list[dict[str, Any]]:
    """The ``keys`` of one endpoint, after checking the answer is a JWK Set (PUB-01)."""
    return _answer(rig, names, endpoint)[0]


def _answer(rig: PublisherRig, names: Names, endpoint: str) -> tuple[list[dict[str, Any]], str]:
    """The ``keys`` of one endpoint and the body they came in."""
    path = _url(names, endpoint)
    response = rig.get(path)
    assert response.status_code == 200, (
        f"GET {path} answered {response.status_code}, not 200: {response.text[:200]!r}"
    )
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"GET {path} answered a body that is not JSON") from None
    shape = f'GET {path} answered {json.dumps(body)[:200]}, not a JSON object {{"keys": [...]}}'
    assert isinstance(body, dict), shape
    assert isinstance(body.get("keys"), list), shape
    assert all(isinstance(k, dict) for k in body["keys"]), (
        f"GET {path}: some members of keys are not JSON objects"
    )
    return list(body["keys"]), response.text


def _has_realms(target: Target) -> bool:
    return "realms" in target.adapter.capabilities


def _endpoints(target: Target) -> tuple[str, ...]:
    return ("rp", "provider") if "provider-endpoint" in target.adapter.capabilities else ("rp",)


def _material(jwk: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((m, jwk.get(m)) for m in _MATERIAL)


def _der(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


class _Aliases:
    """Which alias of a configuration's keystore a published JWK belongs to."""

    def __init__(self, keystore_member: Mapping[str, Any]) -> None:
        self.store = keystore_member
        self.leaf: dict[bytes, str] = {}
        self.material: dict[tuple[tuple[str, Any], ...], str] = {}
        for alias, entry in keystore_member.items():
            if "jwk" in entry:
                self.leaf[base64.b64decode(entry["x5c"][0])] = alias
                self.material[_material(entry["jwk"])] = alias

    def of(self, jwk: Mapping[str, Any]) -> str | None:
        chain = jwk.get("x5c")
        leaf = _der(chain[0]) if isinstance(chain, list) and chain else None
        found = self.leaf.get(leaf) if leaf is not None else None
        return found if found is not None else self.material.get(_material(jwk))

    def group(self, keys: Iterable[Mapping[str, Any]]) -> dict[str | None, list[Mapping[str, Any]]]:
        """Published entries by alias; entries no alias of the keystore holds under None."""
        grouped: dict[str | None, list[Mapping[str, Any]]] = {}
        for jwk in keys:
            grouped.setdefault(self.of(jwk), []).append(jwk)
        return grouped

    def asymmetric(self, aliases: Iterable[str]) -> set[str]:
        return {a for a in aliases if "jwk" in self.store.get(a, {})}


def _brief(jwk: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in jwk.items() if k in {"kty", "crv", "kid", "use", "alg"}}
    return json.dumps(shown)


# -- what the catalogue expects ---------------------------------------------------------------


def _effective(config: Config, realm: Mapping[str, Any]) -> dict[str, Any]:
    """Global mappings, each replaced by the realm's own mapping of that ID (PUB-05)."""
    return {**config.get("globalMappings", {}), **realm.get("mappings", {})}


def _rp_aliases(found: Mapping[str, Any]) -> set[str]:
    """The aliases the RP endpoint publishes for ``found`` mappings (PUB-02/03/04)."""
    aliases: set[str] = set()
    if RP_SIGNING in found:
        aliases |= set(found[RP_SIGNING]["aliases"])
    for sid in (RP_ENCRYPTION, MTLS):
        if sid in found:
            aliases.add(found[sid]["active"])
    return aliases


def _add_alias(found: dict[str, Any], sid: str, alias: str, *, active: bool) -> None:
    mapping = found.setdefault(sid, {"aliases": [], "active": alias})
    if alias not in mapping["aliases"]:
        mapping["aliases"].append(alias)
    if active:
        mapping["active"] = alias


def _force(config: Config, sid: str, alias: str, *, active: bool) -> None:
    """Map ``alias`` to ``sid`` globally and in every realm that maps ``sid`` itself, so
    that it applies at every realm whatever the override rule; add it to the keystore."""
    _add_alias(config["globalMappings"], sid, alias, active=active)
    for _, realm in realm_paths(config["realm"]):
        if sid in realm.get("mappings", {}):
            _add_alias(realm["mappings"], sid, alias, active=active)
    config["keystore"][alias] = keystore_config([alias])[alias]


# -- PUB-01 -----------------------------------------------------------------------------------


@pytest.mark.jwk_requirement("PUB-01")
@pytest.mark.jwk_capability("publisher")
@given(config=publisher_configs(max_depth=0))
def test_root_realm_answers_both_endpoints_with_a_jwk_set(
    jwk_target: Target, config: Config
) -> None:
    with jwk_target.open_publisher(config) as rig:
        for endpoint in ENDPOINTS:
            _published(rig, (), endpoint)


@pytest.mark.jwk_requirement("PUB-01")
@pytest.mark.jwk_capability("publisher", "realms")
@given(config=publisher_configs(min_depth=1, max_depth=3))
def test_nested_realms_answer_both_endpoints_at_nested_paths(
    jwk_target: Target, config: Config
) -> None:
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in ENDPOINTS:
                _published(rig, names, endpoint)
        # The nesting is part of the path: a sub-realm is not also a realm of root.
        known = {names for names, _ in realm_paths(config["realm"])}
        for names in known:
            if len(names) > 1 and (names[-1],) not in known:
                flat = _url((names[-1],), "rp")
                status = rig.get(flat).status_code
                assert status != 200, (
                    f"GET {flat} answered 200: realm {names[-1]!r} lives at {_where(names)}, "
                    f"not directly under root, so that path names no realm"
                )


# Realm names a URL path must escape: a space, non-ASCII letters, a percent sign, a plus.
_ESCAPED_NAMES = ("a b", "d\u00e9j\u00e0", "100%", "x+y", "caf\u00e9 bar", "\u00fcber")


@pytest.mark.jwk_requirement("PUB-01")
@pytest.mark.jwk_capability("publisher", "realms")
@given(
    names=st.lists(st.sampled_from(_ESCAPED_NAMES), min_size=1, max_size=3, unique=True),
    nested=st.booleans(),
)
def test_realms_whose_names_need_escaping_answer_at_their_escaped_paths(
    jwk_target: Target, names: list[str], nested: bool
) -> None:
    # Either refusing such a name or serving it is conformant; accepting the realm and
    # then answering 404 at its only possible URL is not.
    tree: dict[str, Any] = {}
    node = tree
    for name in names if nested else names[:1]:
        node["realms"] = {name: {}}
        node = node["realms"][name]
    if not nested:
        tree["realms"] = {name: {} for name in names}
    config = {
        "keystore": keystore_config(["rsa-a"]),
        "globalMappings": {RP_SIGNING: {"aliases": ["rsa-a"], "active": "rsa-a"}},
        "realm": tree,
    }
    try:
        with jwk_target.open_publisher(config) as rig:
            for realm, _ in realm_paths(tree)[1:]:
                for endpoint in ENDPOINTS:
                    path = _url(realm, endpoint)
                    answer = rig.get(path)
                    assert answer.status_code == 200, (
                        f"the publisher accepted realm {_where(realm)!r} but GET {path} (its "
                        f"name percent-encoded) answered {answer.status_code}: "
                        f"{answer.text[:120]!r}; either refuse the name or decode the path"
                    )
    except ConfigRefused:
        pass  # refusing a realm name it cannot serve is fine


# -- PUB-02, PUB-03, PUB-04 -------------------------------------------------------------------


@st.composite
def _rp_signing_case(draw: st.DrawFn, *, in_realm: bool) -> tuple[Config, dict[str, Any]]:
    """A root-only configuration whose RP signing mapping has 2-4 aliases, mapped globally
    or (when the publisher has realms) in the root realm, the other IDs random."""
    asymmetric = suitable_aliases(RP_SIGNING, ASYMMETRIC_ALIASES, symmetric=False)
    chosen = draw(st.lists(st.sampled_from(asymmetric), min_size=2, max_size=3, unique=True))
    extra = draw(st.lists(st.sampled_from(SYMMETRIC_ALIASES), max_size=1))
    aliases = draw(keystore_aliases(min_size=4, must_include=[*chosen, *extra]))
    signing_aliases = draw(st.permutations([*chosen, *extra]))
    signing = {"aliases": signing_aliases, "active": draw(st.sampled_from(signing_aliases))}
    others = (RP_ENCRYPTION, MTLS, *PROVIDER_SECRET_IDS)
    global_mappings = draw(mappings(aliases, secret_ids=others))
    realm: dict[str, Any] = {}
    if in_realm and draw(st.booleans()):
        realm["mappings"] = {RP_SIGNING: signing}
    else:
        global_mappings[RP_SIGNING] = signing
    config = {"keystore": keystore_config(aliases), "globalMappings": global_mappings}
    return {**config, "realm": realm}, signing


@pytest.mark.jwk_requirement("PUB-02")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_every_alias_mapped_to_rp_signing_is_published_active_or_not(
    jwk_target: Target, data: st.DataObject
) -> None:
    config, signing = data.draw(_rp_signing_case(in_realm=_has_realms(jwk_target)))
    index = _Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        published = index.group(_published(rig, (), "rp"))
    for alias in index.asymmetric(signing["aliases"]):
        state = "active" if alias == signing["active"] else "inactive"
        assert alias in published, (
            f"alias {alias!r} ({state}; active is {signing['active']!r}) is mapped to "
            f"{RP_SIGNING} but rp/jwk_uri does not publish its key: tokens it signed "
            f"could no longer be verified"
        )


@st.composite
def _rp_encryption_case(draw: st.DrawFn) -> tuple[Config, dict[str, Any]]:
    """Root only: an RP encryption mapping with at least one asymmetric inactive alias,
    a random RP signing mapping, no mTLS mapping."""
    candidates = suitable_aliases(RP_ENCRYPTION, ASYMMETRIC_ALIASES, symmetric=False)
    inactive = draw(st.sampled_from(candidates), label="an inactive alias")
    rest = draw(
        st.lists(
            st.sampled_from([a for a in suitable_aliases(RP_ENCRYPTION) if a != inactive]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    active = draw(st.sampled_from(rest), label="active")
    enc_aliases = draw(st.permutations([inactive, *rest]))
    aliases = draw(keystore_aliases(min_size=4, must_include=enc_aliases))
    others = (RP_SIGNING, *PROVIDER_SECRET_IDS)
    global_mappings = draw(mappings(aliases, secret_ids=others))
    encryption = {"aliases": enc_aliases, "active": active}
    global_mappings[RP_ENCRYPTION] = encryption
    config = {"keystore": keystore_config(aliases), "globalMappings": global_mappings, "realm": {}}
    return config, encryption


@pytest.mark.jwk_requirement("PUB-03")
@pytest.mark.jwk_capability("publisher")
@given(case=_rp_encryption_case())
def test_only_the_active_rp_encryption_alias_is_published(
    jwk_target: Target, case: tuple[Config, dict[str, Any]]
) -> None:
    config, encryption = case
    index = _Aliases(config["keystore"])
    signing = set(config["globalMappings"].get(RP_SIGNING, {"aliases": []})["aliases"])
    active = encryption["active"]
    with jwk_target.open_publisher(config) as rig:
        published = index.group(_published(rig, (), "rp"))
    if index.asymmetric([active]):
        assert active in published, (
            f"the active alias {active!r} of {RP_ENCRYPTION} is not published at rp/jwk_uri"
        )
        if active not in signing:
            uses = {jwk.get("use") for jwk in published[active]}
            assert uses == {"enc"}, (
                f"the active encryption alias {active!r} is published with use "
                f"{sorted(map(str, uses))}, not enc"
            )
    for alias in encryption["aliases"]:
        if alias != active and alias not in signing:
            assert alias not in published, (
                f"alias {alias!r} is mapped to {RP_ENCRYPTION} but is not the active one "
                f"({active!r}); rp/jwk_uri must ignore it, yet publishes "
                f"{[_brief(j) for j in published[alias]]}"
            )


@st.composite
def _mtls_case(draw: st.DrawFn) -> tuple[Config, dict[str, Any]]:
    candidates = suitable_aliases(MTLS, ASYMMETRIC_ALIASES, symmetric=False)
    mtls = draw(secret_mapping(suitable_aliases(MTLS), max_aliases=3))
    if draw(st.booleans(), label="the chained alias is active"):
        mtls = {
            "aliases": [*dict.fromkeys([CHAINED_ALIAS, *mtls["aliases"]])],
            "active": CHAINED_ALIAS,
        }
    elif mtls["active"] not in candidates:
        mtls["active"] = draw(st.sampled_from(candidates))
        mtls["aliases"] = [*dict.fromkeys([*mtls["aliases"], mtls["active"]])]
    aliases = draw(keystore_aliases(min_size=3, must_include=mtls["aliases"]))
    global_mappings = draw(mappings(aliases, secret_ids=(RP_SIGNING, RP_ENCRYPTION)))
    global_mappings[MTLS] = mtls
    config = {"keystore": keystore_config(aliases), "globalMappings": global_mappings, "realm": {}}
    return config, mtls


@pytest.mark.jwk_requirement("PUB-04")
@pytest.mark.jwk_capability("publisher", "mtls")
@given(case=_mtls_case())
def test_the_active_mtls_alias_is_published_with_its_chain(
    jwk_target: Target, case: tuple[Config, dict[str, Any]]
) -> None:
    config, mtls = case
    index = _Aliases(config["keystore"])
    active = mtls["active"]
    chain = [base64.b64decode(c) for c in config["keystore"][active]["x5c"]]
    with jwk_target.open_publisher(config) as rig:
        published = index.group(_published(rig, (), "rp"))
    assert active in published, f"the active alias {active!r} of {MTLS} is not published"
    for jwk in published[active]:
        got = [_der(c) for c in jwk.get("x5c", [])] if isinstance(jwk.get("x5c"), list) else []
        assert got == chain, (
            f"the mTLS alias {active!r} is published with {len(got)} certificate(s) in x5c; "
            f"its chain has {len(chain)} (leaf first) and all of them must be published"
        )


# -- PUB-05 -----------------------------------------------------------------------------------


@st.composite
def _split_case(draw: st.DrawFn) -> Config:
    """Global and realm mappings over disjoint secret IDs (RP signing and encryption), so
    that which mapping applies where never depends on the override rule."""
    aliases = draw(keystore_aliases(min_size=5))
    ids = (RP_SIGNING, RP_ENCRYPTION)
    global_ids = draw(st.lists(st.sampled_from(ids), unique=True), label="global IDs")
    realm_ids = tuple(sid for sid in ids if sid not in global_ids)
    return {
        "keystore": keystore_config(aliases),
        "globalMappings": draw(mappings(aliases, secret_ids=global_ids)),
        "realm": draw(
            realm_trees(aliases, min_depth=1, max_depth=3, max_children=3, secret_ids=realm_ids)
        ),
    }


@pytest.mark.jwk_requirement("PUB-05")
@pytest.mark.jwk_capability("publisher", "realms")
@given(config=_split_case())
def test_global_mappings_show_everywhere_and_realm_mappings_only_in_their_realm(
    jwk_target: Target, config: Config
) -> None:
    index = _Aliases(config["keystore"])
    realms = realm_paths(config["realm"])
    global_aliases = index.asymmetric(_rp_aliases(config["globalMappings"]))
    with jwk_target.open_publisher(config) as rig:
        for names, realm in realms:
            own = index.asymmetric(_rp_aliases(realm.get("mappings", {})))
            published = index.group(_published(rig, names, "rp"))
            missing = sorted(global_aliases - set(published))
            assert not missing, (
                f"{_where(names)} does not publish {missing}, mapped globally: global "
                f"mappings must show at every realm"
            )
            missing = sorted(own - set(published))
            assert not missing, f"{_where(names)} does not publish {missing}, which it maps itself"
            leaked = {
                str(alias): [
                    _where(other)
                    for other, node in realms
                    if other != names and alias in _rp_aliases(node.get("mappings", {}))
                ]
                for alias in published
                if alias not in global_aliases and alias not in own
            }
            assert not leaked, (
                f"{_where(names)} publishes keys that neither the global mappings nor its own "
                f"map, by alias with the realms that map them: {leaked} (a realm's mappings "
                f"must show only at that realm)"
            )


@st.composite
def _override_case(draw: st.DrawFn) -> Config:
    """Global RP signing/encryption mappings that some realms map again themselves."""
    aliases = draw(keystore_aliases(min_size=6))
    ids = (RP_SIGNING, RP_ENCRYPTION)
    global_mappings = draw(mappings(aliases, secret_ids=ids, symmetric=False))
    if RP_SIGNING not in global_mappings:
        global_mappings[RP_SIGNING] = draw(
            secret_mapping(suitable_aliases(RP_SIGNING, aliases, symmetric=False))
        )
    tree = draw(
        realm_trees(
            aliases, min_depth=1, max_depth=2, max_children=3, secret_ids=ids, symmetric=False
        )
    )
    return {"keystore": keystore_config(aliases), "globalMappings": global_mappings, "realm": tree}


@pytest.mark.jwk_requirement("PUB-05", level="SHOULD")
@pytest.mark.jwk_capability("publisher", "realms")
@given(config=_override_case())
def test_a_realm_mapping_replaces_the_global_mapping_of_that_id(
    jwk_target: Target, config: Config
) -> None:
    # The SHOULD clause of PUB-05: a failure here is non-strict.
    index = _Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        for names, realm in realm_paths(config["realm"]):
            effective = _effective(config, realm)
            expected = index.asymmetric(_rp_aliases(effective))
            published = index.group(_published(rig, names, "rp"))
            replaced = sorted(
                sid for sid in realm.get("mappings", {}) if sid in config["globalMappings"]
            )
            assert set(published) == expected, (
                f"{_where(names)} maps {replaced or 'none'} of the globally mapped IDs itself; "
                f"it should publish {sorted(expected)} (its own mapping replacing the global "
                f"one) but publishes {sorted(map(str, published))}"
            )


# -- PUB-06, PUB-07 ---------------------------------------------------------------------------


@pytest.mark.jwk_requirement("PUB-06")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data(), omit=st.booleans())
def test_no_mappings_means_an_empty_key_set(
    jwk_target: Target, data: st.DataObject, omit: bool
) -> None:
    depth = 3 if _has_realms(jwk_target) else 0
    tree = data.draw(realm_trees(min_depth=0, max_depth=depth, secret_ids=()), label="realm")
    config: Config = {"keystore": keystore_config(), "realm": tree}
    if not omit:
        config["globalMappings"] = {}
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(tree):
            for endpoint in ENDPOINTS:
                keys = _published(rig, names, endpoint)
                assert keys == [], (
                    f"nothing is mapped (an upgraded install), yet {_where(names)} "
                    f"{ENDPOINTS[endpoint]} publishes {[_brief(k) for k in keys]}"
                )


@pytest.mark.jwk_requirement("PUB-07")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_a_new_install_publishes_the_default_signing_and_encryption_keys(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 3 if _has_realms(jwk_target) else 0
    tree = data.draw(realm_trees(min_depth=0, max_depth=depth, secret_ids=()), label="realm")
    config = {
        "keystore": keystore_config(),
        "globalMappings": new_install_mappings(),
        "realm": tree,
    }
    index = _Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(tree):
            published = index.group(_published(rig, names, "rp"))
            for alias, role in (("rsajwtsigningkey", "signing"), ("test", "id-token encryption")):
                assert alias in published, (
                    f"a new install maps {alias!r} as the RP {role} key, but {_where(names)} "
                    f"rp/jwk_uri does not publish its certificate's key"
                )


# -- PUB-08, PUB-09 ---------------------------------------------------------------------------


@functools.cache
def _secret_values() -> frozenset[str]:
    """Every private value of the keystore: private JWK members and symmetric secrets."""
    values: set[str] = set()
    for entry in keystore().values():
        if "secret" in entry:
            values.add(str(entry["secret"]).rstrip("="))
        else:
            values |= {str(entry["jwk"][m]) for m in PRIVATE_MEMBERS if m in entry["jwk"]}
    return frozenset(values)


@st.composite
def _symmetric_case(draw: st.DrawFn, *, depth: int, combinations: bool) -> Config:
    """Random configurations with symmetric aliases mapped to some IDs, active or not."""
    config = draw(publisher_configs(max_depth=depth, combinations=combinations))
    _force(config, RP_SIGNING, draw(st.sampled_from(SYMMETRIC_ALIASES)), active=False)
    _force(config, RP_SIGNING, draw(st.sampled_from(ASYMMETRIC_ALIASES)), active=False)
    others = st.sampled_from([RP_ENCRYPTION, MTLS, *PROVIDER_SECRET_IDS])
    for sid in draw(st.lists(others, max_size=3, unique=True)):
        alias = draw(st.sampled_from(SYMMETRIC_ALIASES))
        _force(config, sid, alias, active=draw(st.booleans()))
    return config


@pytest.mark.jwk_requirement("PUB-08")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_no_private_member_and_no_symmetric_key_is_ever_published(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if _has_realms(jwk_target) else 0
    options = "all-combinations" in jwk_target.adapter.capabilities
    config = data.draw(_symmetric_case(depth=depth, combinations=options), label="config")
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in _endpoints(jwk_target):
                path = _url(names, endpoint)
                keys, text = _answer(rig, names, endpoint)
                for jwk in keys:
                    leaked = [m for m in PRIVATE_MEMBERS if m in jwk]
                    assert not leaked, (
                        f"GET {path} publishes {_brief(jwk)} with private member(s) {leaked}"
                    )
                    assert jwk.get("kty") != "oct", (
                        f"GET {path} publishes a symmetric key {_brief(jwk)}: anyone could "
                        f"forge or decrypt with it"
                    )
                found = [v[:8] + "..." for v in _secret_values() if v in text]
                assert not found, f"GET {path} contains secret key material ({found})"


@st.composite
def _overlap_case(draw: st.DrawFn, *, depth: int) -> Config:
    """Random configurations where one key is mapped under several IDs of one endpoint."""
    config = draw(publisher_configs(max_depth=depth))
    shared = draw(
        st.sampled_from(suitable_aliases(RP_ENCRYPTION, ASYMMETRIC_ALIASES, symmetric=False))
    )
    _force(config, RP_SIGNING, shared, active=draw(st.booleans()))
    for sid in draw(st.lists(st.sampled_from([RP_ENCRYPTION, MTLS]), min_size=1, unique=True)):
        _force(config, sid, shared, active=True)
    rsa = draw(st.sampled_from([a for a in ASYMMETRIC_ALIASES if ALIAS_KINDS[a] == "RSA"]))
    provider = st.sampled_from([PROVIDER_SIGNING[0], *PROVIDER_DECRYPTION])
    for sid in draw(st.lists(provider, min_size=2, unique=True)):
        _force(config, sid, rsa, active=draw(st.booleans()))
    return config


@pytest.mark.jwk_requirement("PUB-09")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_kids_are_unique_in_every_published_set_by_default(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if _has_realms(jwk_target) else 0
    config = data.draw(_overlap_case(depth=depth), label="config")
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in _endpoints(jwk_target):
                keys = _published(rig, names, endpoint)
                counts = Counter(k["kid"] for k in keys if "kid" in k)
                repeated = {kid: n for kid, n in counts.items() if n > 1}
                assert not repeated, (
                    f"{_where(names)} {ENDPOINTS[endpoint]} repeats kid(s) {repeated} "
                    f"(the same key mapped under several IDs must be published once)"
                )


# -- PUB-10 -----------------------------------------------------------------------------------


@st.composite
def _combinations_case(draw: st.DrawFn) -> Config:
    config = draw(publisher_configs(max_depth=0, realm_mappings=False))
    rsa = draw(st.sampled_from([a for a in ASYMMETRIC_ALIASES if ALIAS_KINDS[a] == "RSA"]))
    _force(config, RP_SIGNING, rsa, active=draw(st.booleans()))
    config["realm"]["includeAllKtyAlgCombinations"] = True
    return config


@pytest.mark.jwk_requirement("PUB-10")
@pytest.mark.jwk_capability("publisher", "all-combinations")
@given(config=_combinations_case())
def test_all_kty_alg_combinations_publish_one_entry_per_algorithm(
    jwk_target: Target, config: Config
) -> None:
    index = _Aliases(config["keystore"])
    found = config["globalMappings"]
    with jwk_target.open_publisher(config) as rig:
        for endpoint in _endpoints(jwk_target):
            keys = _published(rig, (), endpoint)
            for jwk in keys:
                assert isinstance(jwk.get("alg"), str), (
                    f"with all kty/alg combinations on, {ENDPOINTS[endpoint]} publishes "
                    f"{_brief(jwk)} without alg"
                )
            pairs = Counter((k.get("kid"), k.get("alg")) for k in keys)
            repeated = [pair for pair, n in pairs.items() if n > 1]
            assert not repeated, f"{ENDPOINTS[endpoint]} repeats (kid, alg) pairs {repeated}"
            if endpoint == "rp":
                signers = index.asymmetric(found[RP_SIGNING]["aliases"])
            else:
                signers = index.asymmetric(
                    a
                    for sid in PROVIDER_SIGNING
                    for a in found.get(sid, {"aliases": []})["aliases"]
                )
            published = index.group(keys)
            for alias in sorted(signers):
                kind = ALIAS_KINDS[alias]
                wanted = _RSA_SIGNING_ALGS if kind == "RSA" else (_SIGNING_ALG_OF_KIND[kind],)
                algs = Counter(j.get("alg") for j in published.get(alias, []))
                wrong = {alg: algs[alg] for alg in wanted if algs[alg] != 1}
                assert not wrong, (
                    f"{ENDPOINTS[endpoint]}: the {kind} signing key of {alias!r} should appear "
                    f"once per algorithm {list(wanted)}; counts of the wrong ones: {wrong}"
                )


# -- PUB-11, PUB-12 ---------------------------------------------------------------------------


def _b64url_sha1(der: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha1(der).digest()).decode().rstrip("=")


def _check_structure(jwk: Mapping[str, Any], where: str, index: _Aliases) -> None:
    shown = _brief(jwk)
    for member in ("kty", "kid", "use", "x5c", "x5t"):
        assert member in jwk, f"{where} publishes {shown} without {member}"
    assert isinstance(jwk["kid"], str), f"{where}: {shown} has a kid that is not a string"
    assert jwk["kid"], f"{where}: {shown} has an empty kid"
    assert jwk["use"] in {"sig", "enc"}, f"{where}: {shown} has use {jwk['use']!r}"
    chain = jwk["x5c"]
    assert isinstance(chain, list), f"{where}: {shown} has x5c {chain!r}, not a list"
    assert chain, f"{where}: {shown} has an empty x5c"
    ders = [_der(c) for c in chain]
    assert all(d is not None for d in ders), (
        f"{where}: x5c of {shown} holds values that are not standard base64 (DER)"
    )
    leaf = ders[0]
    assert leaf is not None
    try:
        certificate = x509.load_der_x509_certificate(leaf)
    except ValueError:
        raise AssertionError(f"{where}: x5c[0] of {shown} is not a DER certificate") from None
    assert jwk["x5t"] == _b64url_sha1(leaf), (
        f"{where}: x5t of {shown} is {jwk['x5t']!r}; the unpadded base64url SHA-1 of the "
        f"x5c[0] DER is {_b64url_sha1(leaf)!r}"
    )
    expected = JWK.from_pyca(certificate.public_key()).export_public(as_dict=True)
    for member in _MATERIAL:
        if member in expected or member in jwk:
            assert jwk.get(member) == expected.get(member), (
                f"{where}: {member} of {shown} is {jwk.get(member)!r}; the x5c[0] "
                f"certificate's key has {expected.get(member)!r}"
            )
    alias = index.material.get(_material(jwk))
    if alias is not None:
        assert leaf == base64.b64decode(index.store[alias]["x5c"][0]), (
            f"{where}: x5c[0] of {shown} is not the leaf certificate of alias {alias!r} "
            f"(x5c must start with the leaf)"
        )


@pytest.mark.jwk_requirement("PUB-11")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_every_published_key_has_its_members_and_the_certificate_key(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if _has_realms(jwk_target) else 0
    options = "all-combinations" in jwk_target.adapter.capabilities
    config = data.draw(publisher_configs(max_depth=depth, combinations=options), label="config")
    index = _Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in _endpoints(jwk_target):
                for jwk in _published(rig, names, endpoint):
                    _check_structure(jwk, f"{_where(names)} {ENDPOINTS[endpoint]}", index)


def _copy_entry(alias: str) -> dict[str, Any]:
    """``alias``'s key under another certificate (another issuer and serial)."""
    serial = 7000 + ASYMMETRIC_ALIASES.index(alias)
    return {"jwk": dict(keystore()[alias]["jwk"]), "x5c": list(issued_chain(alias, serial))}


def _kids_by_key(keys: Sequence[Mapping[str, Any]]) -> dict[tuple[tuple[str, Any], ...], set[str]]:
    found: dict[tuple[tuple[str, Any], ...], set[str]] = {}
    for jwk in keys:
        found.setdefault(_material(jwk), set()).add(str(jwk.get("kid")))
    return found


@pytest.mark.jwk_requirement("PUB-12")
@pytest.mark.jwk_capability("publisher")
@given(
    chosen=st.lists(st.sampled_from(ASYMMETRIC_ALIASES), min_size=2, max_size=5, unique=True),
    data=st.data(),
)
def test_kids_are_derived_from_the_key(
    jwk_target: Target, chosen: list[str], data: st.DataObject
) -> None:
    first_active = data.draw(st.sampled_from(chosen), label="first active")
    first = {
        "keystore": keystore_config(chosen),
        "globalMappings": {RP_SIGNING: {"aliases": chosen, "active": first_active}},
    }
    # The same keys under other alias names, other certificates and another mapping order,
    # published by a second instance.
    renamed = {f"renamed-{i}": alias for i, alias in enumerate(data.draw(st.permutations(chosen)))}
    second = {
        "keystore": {name: _copy_entry(alias) for name, alias in renamed.items()},
        "globalMappings": {
            RP_SIGNING: {
                "aliases": list(renamed),
                "active": data.draw(st.sampled_from(list(renamed))),
            }
        },
    }
    with jwk_target.open_publisher(first) as rig:
        once = _published(rig, (), "rp")
        again = _published(rig, (), "rp")
    with jwk_target.open_publisher(second) as rig:
        other = _published(rig, (), "rp")
    kids, kids_again, kids_other = _kids_by_key(once), _kids_by_key(again), _kids_by_key(other)
    for key, found in kids.items():
        assert len(found) == 1, f"one key is published under several kids {sorted(found)}"
        assert kids_again.get(key) == found, (
            f"the key published as kid {sorted(found)} has kid {sorted(kids_again.get(key, []))} "
            f"on the next request: a kid must not change between requests"
        )
        assert kids_other.get(key) == found, (
            f"the key published as kid {sorted(found)} has kid {sorted(kids_other.get(key, []))} "
            f"in another publisher instance where its alias name and certificate differ: a kid "
            f"is derived from the key alone"
        )
    owners = Counter(kid for found in kids.values() for kid in found)
    shared = [kid for kid, n in owners.items() if n > 1]
    assert not shared, f"different keys are published with the same kid(s) {shared}"
    assert len(kids) == len(chosen), (
        f"{len(chosen)} aliases with distinct keys are mapped but {len(kids)} keys are published"
    )


# -- PUB-13 -----------------------------------------------------------------------------------


def _discovery(rig: PublisherRig, names: Names) -> dict[str, Any]:
    path = f"{realm_path(names)}/.well-known/openid-configuration"
    response = rig.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}, not 200"
    body = response.json()
    assert isinstance(body, dict), f"GET {path} answered {body!r}, not a JSON object"
    return body


@pytest.mark.jwk_requirement("PUB-13")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_discovery_points_jwks_uri_at_the_realms_jwk_uri(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 3 if _has_realms(jwk_target) else 0
    config = data.draw(publisher_configs(max_depth=depth), label="config")
    with jwk_target.open_publisher(config) as rig:
        base = rig.publisher.base_url.rstrip("/")
        for names, _ in realm_paths(config["realm"]):
            expected = f"{base}{_url(names, 'provider')}"
            got = _discovery(rig, names).get("jwks_uri")
            assert got == expected, (
                f"the discovery document of {_where(names)} has jwks_uri {got!r}; its "
                f"jwk_uri is {expected!r}"
            )


@pytest.mark.jwk_requirement("PUB-13")
@pytest.mark.jwk_capability("publisher", "remote-jwk-url")
@given(data=st.data())
def test_a_remote_jwk_url_replaces_jwks_uri_in_discovery(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if _has_realms(jwk_target) else 0
    config = data.draw(publisher_configs(max_depth=depth, remote_urls=True), label="config")
    if data.draw(st.booleans(), label="root has a remote URL"):
        config["realm"]["remoteJwkUrl"] = data.draw(st.sampled_from(REMOTE_JWK_URLS))
    with jwk_target.open_publisher(config) as rig:
        base = rig.publisher.base_url.rstrip("/")
        for names, realm in realm_paths(config["realm"]):
            remote = realm.get("remoteJwkUrl")
            expected = remote or f"{base}{_url(names, 'provider')}"
            got = _discovery(rig, names).get("jwks_uri")
            why = (
                f"its Remote JSON Web Key URL is {remote!r}"
                if remote
                else "it sets no Remote JSON Web Key URL (a parent's does not apply)"
            )
            assert got == expected, (
                f"the discovery document of {_where(names)} has jwks_uri {got!r}; {why}, "
                f"so it must be {expected!r}"
            )


# -- PUB-14, PUB-15 ---------------------------------------------------------------------------


@pytest.mark.jwk_requirement("PUB-14")
@pytest.mark.jwk_capability("publisher", "provider-endpoint")
@given(data=st.data())
def test_provider_endpoint_publishes_provider_signing_and_decryption_keys(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if _has_realms(jwk_target) else 0
    config = data.draw(
        publisher_configs(
            max_depth=depth, secret_ids=PROVIDER_SECRET_IDS, realm_mappings=False, min_aliases=5
        ),
        label="config",
    )
    index = _Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        for names, realm in realm_paths(config["realm"]):
            effective = _effective(config, realm)
            uses: dict[str, set[str]] = {}
            for sid in PROVIDER_SECRET_IDS:
                for alias in index.asymmetric(effective.get(sid, {"aliases": []})["aliases"]):
                    uses.setdefault(alias, set()).add("sig" if sid in PROVIDER_SIGNING else "enc")
            published = index.group(_published(rig, names, "provider"))
            for alias, wanted in sorted(uses.items()):
                assert alias in published, (
                    f"{_where(names)} connect/jwk_uri does not publish {alias!r}, mapped to "
                    f"provider {'signing' if 'sig' in wanted else 'decryption'} IDs"
                )
                got = {j.get("use") for j in published[alias]}
                assert got <= wanted, (
                    f"{_where(names)} connect/jwk_uri publishes {alias!r} with use "
                    f"{sorted(map(str, got))}; its provider IDs make it {sorted(wanted)}"
                )


@pytest.mark.jwk_requirement("PUB-15")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_jwk_uri_responses_are_application_json(jwk_target: Target, data: st.DataObject) -> None:
    depth = 2 if _has_realms(jwk_target) else 0
    config = data.draw(publisher_configs(max_depth=depth), label="config")
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in _endpoints(jwk_target):
                path = _url(names, endpoint)
                response = rig.get(path)
                media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                assert media == "application/json", (
                    f"GET {path} answered Content-Type "
                    f"{response.headers.get('content-type')!r}, not application/json"
                )
