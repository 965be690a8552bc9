"""JWK URI publisher (PUB-01, PUB-06, PUB-07, PUB-15): every realm answers both endpoints
with a JWK Set as JSON; an upgraded install publishes nothing, a new install its defaults.

Every example opens a fresh publisher with a random configuration (see the publisher
strategies in `jwkconform.suites.publisher_strategies`) and reads its endpoints over HTTP.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.harness import ConfigRefused, Target
from jwkconform.suites._publisher_reading import (
    ENDPOINTS,
    Aliases,
    Config,
    brief,
    endpoints,
    has_realms,
    published,
    url,
    where,
)
from jwkconform.suites.publisher_strategies import (
    RP_SIGNING,
    keystore_aliases,
    keystore_config,
    publisher_configs,
    realm_paths,
    realm_trees,
)

# -- PUB-01 -----------------------------------------------------------------------------------


@pytest.mark.jwk_requirement("PUB-01")
@pytest.mark.jwk_capability("publisher")
@given(config=publisher_configs(max_depth=0))
def test_root_realm_answers_both_endpoints_with_a_jwk_set(
    jwk_target: Target, config: Config
) -> None:
    with jwk_target.open_publisher(config) as rig:
        for endpoint in ENDPOINTS:
            published(rig, (), endpoint)


@pytest.mark.jwk_requirement("PUB-01")
@pytest.mark.jwk_capability("publisher", "realms")
@given(config=publisher_configs(min_depth=1, max_depth=3))
def test_nested_realms_answer_both_endpoints_at_nested_paths(
    jwk_target: Target, config: Config
) -> None:
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in ENDPOINTS:
                published(rig, names, endpoint)
        # The nesting is part of the path: a sub-realm is not also a realm of root.
        known = {names for names, _ in realm_paths(config["realm"])}
        for names in known:
            if len(names) > 1 and (names[-1],) not in known:
                flat = url((names[-1],), "rp")
                status = rig.get(flat).status_code
                assert status != 200, (
                    f"GET {flat} answered 200: realm {names[-1]!r} lives at {where(names)}, "
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
                    path = url(realm, endpoint)
                    got = rig.get(path)
                    assert got.status_code == 200, (
                        f"the publisher accepted realm {where(realm)!r} but GET {path} (its "
                        f"name percent-encoded) answered {got.status_code}: "
                        f"{got.text[:120]!r}; either refuse the name or decode the path"
                    )
    except ConfigRefused:
        pass  # refusing a realm name it cannot serve is fine


# -- PUB-06, PUB-07 ---------------------------------------------------------------------------


@pytest.mark.jwk_requirement("PUB-06")
@pytest.mark.jwk_capability("publisher")
@given(
    data=st.data(),
    omit=st.booleans(),
    new_install=st.sampled_from([None, False]),
)
def test_no_mappings_means_an_empty_key_set(
    jwk_target: Target, data: st.DataObject, omit: bool, new_install: bool | None
) -> None:
    depth = 3 if has_realms(jwk_target) else 0
    tree = data.draw(realm_trees(min_depth=0, max_depth=depth, secret_ids=()), label="realm")
    config: Config = {"keystore": keystore_config(), "realm": tree}
    if not omit:
        config["globalMappings"] = {}
    if new_install is not None:
        config["newInstall"] = new_install  # false says "upgraded" as plainly as leaving it out
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(tree):
            for endpoint in ENDPOINTS:
                keys = published(rig, names, endpoint)
                assert keys == [], (
                    f"nothing is mapped (an upgraded install), yet {where(names)} "
                    f"{ENDPOINTS[endpoint]} publishes {[brief(k) for k in keys]}"
                )


# What a new install maps for the relying party by itself (PUB-07), and the use each gets.
_DEFAULTS = (("rsajwtsigningkey", "signing", "sig"), ("test", "ID-token encryption", "enc"))


@pytest.mark.jwk_requirement("PUB-07")
@pytest.mark.jwk_capability("publisher")
@given(
    aliases=keystore_aliases(must_include=[alias for alias, _, _ in _DEFAULTS]),
    realm=st.sampled_from([None, {}]),
)
def test_a_new_install_publishes_the_default_signing_and_encryption_keys(
    jwk_target: Target, aliases: list[str], realm: dict[str, Any] | None
) -> None:
    # Nothing is mapped explicitly: the publisher is told it is a new install (the
    # `newInstall` member of docs/publisher.md) and must map the defaults by itself. Only
    # the root realm is read: a new install has no other, and where global mappings apply
    # is PUB-05's business.
    config: Config = {"keystore": keystore_config(aliases), "newInstall": True}
    if realm is not None:
        config["realm"] = realm
    index = Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        grouped = index.group(published(rig, (), "rp"))
    for alias, role, use in _DEFAULTS:
        assert alias in grouped, (
            f"a new install maps {alias!r} as the RP {role} key by default, but rp/jwk_uri of "
            f"a publisher configured with newInstall and no mappings does not publish it "
            f"(it publishes {sorted(map(str, grouped))})"
        )
        uses = {jwk.get("use") for jwk in grouped[alias]}
        assert uses == {use}, (
            f"a new install maps {alias!r} as the RP {role} key, so rp/jwk_uri should publish "
            f"it with use {use}; it does with use {sorted(map(str, uses))}"
        )


# -- PUB-15 -----------------------------------------------------------------------------------


@pytest.mark.jwk_requirement("PUB-15")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_jwk_uri_responses_are_application_json(jwk_target: Target, data: st.DataObject) -> None:
    depth = 2 if has_realms(jwk_target) else 0
    config = data.draw(publisher_configs(max_depth=depth), label="config")
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in endpoints(jwk_target):
                path = url(names, endpoint)
                response = rig.get(path)
                media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                assert media == "application/json", (
                    f"GET {path} answered Content-Type "
                    f"{response.headers.get('content-type')!r}, not application/json"
                )
