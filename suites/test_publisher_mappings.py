"""JWK URI publisher (PUB-02, PUB-03, PUB-04, PUB-14): which aliases of each secret mapping
an endpoint publishes, and with which ``use``.

These tests read the root realm, with the mappings made globally or in the root realm
itself; a realm's own encryption mapping in sub-realms is in test_publisher_realms.py.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.harness import Target
from jwkconform.suites._publisher_reading import (
    Aliases,
    Config,
    brief,
    der,
    has_realms,
    published,
)
from jwkconform.suites.publisher_strategies import (
    ALIAS_KINDS,
    ASYMMETRIC_ALIASES,
    CHAINED_ALIAS,
    MTLS,
    PROVIDER_DECRYPTION,
    PROVIDER_SECRET_IDS,
    PROVIDER_SIGNING,
    RP_ENCRYPTION,
    RP_SIGNING,
    SYMMETRIC_ALIASES,
    keystore_aliases,
    keystore_config,
    mappings,
    secret_mapping,
    suitable_aliases,
)

# -- PUB-02 -----------------------------------------------------------------------------------


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
    config, signing = data.draw(_rp_signing_case(in_realm=has_realms(jwk_target)))
    index = Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        grouped = index.group(published(rig, (), "rp"))
    for alias in index.asymmetric(signing["aliases"]):
        state = "active" if alias == signing["active"] else "inactive"
        assert alias in grouped, (
            f"alias {alias!r} ({state}; active is {signing['active']!r}) is mapped to "
            f"{RP_SIGNING} but rp/jwk_uri does not publish its key: tokens it signed "
            f"could no longer be verified"
        )


# -- PUB-03 -----------------------------------------------------------------------------------


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
    index = Aliases(config["keystore"])
    signing = set(config["globalMappings"].get(RP_SIGNING, {"aliases": []})["aliases"])
    active = encryption["active"]
    with jwk_target.open_publisher(config) as rig:
        grouped = index.group(published(rig, (), "rp"))
    if index.asymmetric([active]):
        assert active in grouped, (
            f"the active alias {active!r} of {RP_ENCRYPTION} is not published at rp/jwk_uri"
        )
        if active not in signing:
            uses = {jwk.get("use") for jwk in grouped[active]}
            assert uses == {"enc"}, (
                f"the active encryption alias {active!r} is published with use "
                f"{sorted(map(str, uses))}, not enc"
            )
    for alias in encryption["aliases"]:
        if alias != active and alias not in signing:
            assert alias not in grouped, (
                f"alias {alias!r} is mapped to {RP_ENCRYPTION} but is not the active one "
                f"({active!r}); rp/jwk_uri must ignore it, yet publishes "
                f"{[brief(j) for j in grouped[alias]]}"
            )


# -- PUB-04 -----------------------------------------------------------------------------------


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
    index = Aliases(config["keystore"])
    active = mtls["active"]
    chain = [base64.b64decode(c) for c in config["keystore"][active]["x5c"]]
    with jwk_target.open_publisher(config) as rig:
        grouped = index.group(published(rig, (), "rp"))
    assert active in grouped, f"the active alias {active!r} of {MTLS} is not published"
    for jwk in grouped[active]:
        got = [der(c) for c in jwk.get("x5c", [])] if isinstance(jwk.get("x5c"), list) else []
        assert got == chain, (
            f"the mTLS alias {active!r} is published with {len(got)} certificate(s) in x5c; "
            f"its chain has {len(chain)} (leaf first) and all of them must be published"
        )


# -- PUB-14 -----------------------------------------------------------------------------------

_RSA = [a for a in ASYMMETRIC_ALIASES if ALIAS_KINDS[a] == "RSA"]


@st.composite
def _provider_case(draw: st.DrawFn) -> Config:
    """Root only: random provider signing mappings, and decryption mappings of which at
    least one has an inactive RSA alias beside its active RSA alias."""
    aliases = draw(keystore_aliases(min_size=5))
    found = draw(mappings(aliases, secret_ids=PROVIDER_SECRET_IDS), label="provider mappings")
    label = draw(st.sampled_from(PROVIDER_DECRYPTION), label="a decryption ID with 2+ aliases")
    pair = draw(st.lists(st.sampled_from(_RSA), min_size=2, max_size=3, unique=True))
    extra = draw(st.lists(st.sampled_from(suitable_aliases(label)), max_size=1))
    listed = draw(st.permutations([*dict.fromkeys([*pair, *extra])]))
    found[label] = {"aliases": listed, "active": draw(st.sampled_from(pair), label="active")}
    held = [a for a in aliases if a not in listed] + listed
    return {"keystore": keystore_config(held), "globalMappings": found, "realm": {}}


@pytest.mark.jwk_requirement("PUB-14")
@pytest.mark.jwk_capability("publisher", "provider-endpoint")
@given(config=_provider_case())
def test_provider_endpoint_publishes_every_signing_alias_and_the_active_decryption_alias(
    jwk_target: Target, config: Config
) -> None:
    # Signing IDs: every alias (old provider tokens must keep verifying). Decryption IDs:
    # at least the active alias; publishing the inactive ones too is a lawful choice, but
    # whatever is published gets the use its IDs give it.
    index = Aliases(config["keystore"])
    found = config["globalMappings"]
    required: dict[str, str] = {}
    uses: dict[str, set[str]] = {}
    for sid, mapping in found.items():
        use = "sig" if sid in PROVIDER_SIGNING else "enc"
        for alias in index.asymmetric(mapping["aliases"]):
            uses.setdefault(alias, set()).add(use)
        if use == "sig":
            required.update(dict.fromkeys(mapping["aliases"], f"mapped to signing ID {sid}"))
        else:
            required.setdefault(mapping["active"], f"the active alias of {sid}")
    with jwk_target.open_publisher(config) as rig:
        grouped = index.group(published(rig, (), "provider"))
    for alias in sorted(index.asymmetric(required)):
        assert alias in grouped, (
            f"connect/jwk_uri does not publish {alias!r}, {required[alias]} (it publishes "
            f"{sorted(map(str, grouped))})"
        )
    for alias, wanted in sorted(uses.items()):
        got = {j.get("use") for j in grouped.get(alias, [])}
        assert got <= wanted, (
            f"connect/jwk_uri publishes {alias!r} with use {sorted(map(str, got))}; its "
            f"provider IDs make it {sorted(wanted)}"
        )
