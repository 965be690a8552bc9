"""JWK URI publisher in nested realms (PUB-05, and PUB-03 for a realm's own mapping): global
mappings show at every realm, a realm's own mappings at that realm only, and a realm's own
RP encryption mapping publishes only its active alias.

Where a mapping applies is told apart from which of its aliases a rule picks by comparing
each realm with a baseline: a publisher without sub-realms whose global mappings are that
realm's effective mappings (`baseline`). A realm publishes what its baseline publishes, and
nothing that only other realms map; a rule that picks the wrong aliases (PUB-02/03/04/14)
shows in both and is not PUB-05's failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.harness import Target, check
from jwkconform.suites._publisher_reading import (
    ENDPOINT_OF,
    Aliases,
    Config,
    Names,
    baseline,
    brief,
    effective,
    endpoints,
    mapped,
    published,
    where,
)
from jwkconform.suites.publisher_strategies import (
    ASYMMETRIC_ALIASES,
    RP_ENCRYPTION,
    RP_SIGNING,
    SECRET_IDS,
    keystore_aliases,
    keystore_config,
    mappings,
    realm_paths,
    realm_trees,
    secret_mapping,
    suitable_aliases,
)

Realms = list[tuple[Names, Mapping[str, Any]]]


def _elsewhere(realms: Realms, names: Names, alias: str) -> list[str]:
    """The other realms whose own mappings hold ``alias``."""
    return [
        where(other)
        for other, node in realms
        if other != names and alias in mapped(node.get("mappings", {}))
    ]


Grouped = dict[str | None, list[Mapping[str, Any]]]


def _readings(target: Target, config: Config, realms: Realms) -> dict[Names, dict[str, Grouped]]:
    """What each realm publishes at each declared endpoint, by alias."""
    index = Aliases(config["keystore"])
    with target.open_publisher(config) as rig:
        return {
            names: {ep: index.group(published(rig, names, ep)) for ep in endpoints(target)}
            for names, _ in realms
        }


# -- PUB-05 -----------------------------------------------------------------------------------


@st.composite
def _split_case(draw: st.DrawFn) -> Config:
    """Global and realm mappings over disjoint secret IDs, so that which mapping applies
    where never depends on the override rule (the SHOULD clause). There is always a global
    mapping and a sub-realm: a global mapping that stops at the root shows in every example."""
    aliases = draw(keystore_aliases(min_size=5))
    global_ids = draw(st.lists(st.sampled_from(SECRET_IDS), min_size=1, max_size=4, unique=True))
    realm_ids = tuple(sid for sid in SECRET_IDS if sid not in global_ids)
    return {
        "keystore": keystore_config(aliases),
        "globalMappings": draw(
            mappings(aliases, secret_ids=global_ids, min_ids=len(global_ids)), label="global"
        ),
        "realm": draw(
            realm_trees(aliases, min_depth=1, max_depth=2, secret_ids=realm_ids), label="realm"
        ),
    }


@pytest.mark.jwk_requirement("PUB-05")
@pytest.mark.jwk_capability("publisher", "realms")
@given(config=_split_case())
def test_global_mappings_show_everywhere_and_realm_mappings_only_in_their_realm(
    jwk_target: Target, config: Config
) -> None:
    realms = realm_paths(config["realm"])
    got = _readings(jwk_target, config, realms)
    cache: dict[str, Any] = {}
    for names, realm in realms:
        found = effective(config, realm)
        expected = baseline(jwk_target, config, found, cache)
        own = realm.get("mappings", {})
        for sid, mapping in sorted(found.items()):
            ep, active = ENDPOINT_OF[sid], mapping["active"]
            # Only what the implementation's rules publish for the mapping at all counts.
            if ep in got[names] and active in expected[ep]:
                whose = "its own mapping" if sid in own else "the global mapping"
                assert active in got[names][ep], (
                    f"{where(names)} does not publish {active!r}, the active alias of "
                    f"{whose} of {sid}; mapped globally at a realm without sub-realms, the "
                    f"same mappings publish it (global mappings show at every realm, a "
                    f"realm's own at that realm)"
                )
        for ep, grouped in got[names].items():
            leaked = {
                alias: _elsewhere(realms, names, alias)
                for alias in set(grouped) - expected[ep] - mapped(found)
                if alias is not None and _elsewhere(realms, names, alias)
            }
            assert not leaked, (
                f"{where(names)} publishes keys that neither the global mappings nor its own "
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
    # The SHOULD clause of PUB-05: a failure here is non-strict. What tells a replaced
    # global mapping apart is an alias only it maps: such an alias must not show.
    realms = realm_paths(config["realm"])
    got = _readings(jwk_target, config, realms)
    global_mappings = config["globalMappings"]
    for names, realm in realms:
        own = realm.get("mappings", {})
        replaced = {sid: global_mappings[sid] for sid in own if sid in global_mappings}
        kept = mapped(effective(config, realm))
        only_replaced = {
            alias for alias in mapped(replaced) - kept if not _elsewhere(realms, names, alias)
        }
        shown = sorted(str(a) for a in set(got[names]["rp"]) & only_replaced)
        assert not shown, (
            f"{where(names)} maps {sorted(replaced)} itself, replacing the global mapping of "
            f"that ID there, yet publishes {shown}, which only the replaced global mapping maps"
        )


# -- PUB-03 in a realm's own mapping ----------------------------------------------------------


@st.composite
def _realm_encryption_case(draw: st.DrawFn) -> tuple[Config, dict[Names, dict[str, Any]]]:
    """Realms (root among them, maybe) that map RP encryption themselves, each with 2-3
    asymmetric aliases that no other mapping anywhere holds; nothing maps it globally, so
    the override rule plays no part. Other IDs are mapped at random."""
    candidates = suitable_aliases(RP_ENCRYPTION, ASYMMETRIC_ALIASES, symmetric=False)
    others = tuple(sid for sid in SECRET_IDS if sid != RP_ENCRYPTION)
    pool = draw(st.permutations(candidates))
    tree = draw(realm_trees(min_depth=0, max_depth=2, secret_ids=()), label="realm")
    realms = realm_paths(tree)
    chosen = draw(
        st.lists(st.sampled_from([n for n, _ in realms]), min_size=1, max_size=3, unique=True),
        label="realms mapping RP encryption",
    )
    own: dict[Names, dict[str, Any]] = {}
    for names in chosen:
        count = draw(st.integers(2, 3))
        if len(pool) < count:
            break
        listed, pool = pool[:count], pool[count:]
        own[names] = {"aliases": listed, "active": draw(st.sampled_from(listed))}
    exclusive = [a for m in own.values() for a in m["aliases"]]
    rest = [a for a in draw(keystore_aliases(min_size=4)) if a not in exclusive]
    global_mappings = draw(mappings(rest, secret_ids=others), label="global")
    for names, node in realms:
        drawn = draw(mappings(rest, secret_ids=others, max_ids=2), label=str(names))
        if names in own:
            drawn[RP_ENCRYPTION] = own[names]
        cast(dict[str, Any], node)["mappings"] = drawn  # the tree was drawn for this test
    config = {
        "keystore": keystore_config([*rest, *exclusive]),
        "globalMappings": global_mappings,
        "realm": tree,
    }
    return config, own


@pytest.mark.jwk_requirement("PUB-03", "PUB-05")
@pytest.mark.jwk_capability("publisher", "realms")
@given(case=_realm_encryption_case())
def test_a_realms_own_rp_encryption_mapping_publishes_only_its_active_alias_there(
    jwk_target: Target, case: tuple[Config, dict[Names, dict[str, Any]]]
) -> None:
    config, own = case
    realms = realm_paths(config["realm"])
    got = _readings(jwk_target, config, realms)
    cache: dict[str, Any] = {}
    for names, encryption in own.items():
        active, grouped = encryption["active"], got[names]["rp"]
        with check("PUB-03"):
            assert active in grouped, (
                f"{where(names)} maps {RP_ENCRYPTION} itself with active alias {active!r}, "
                f"but its rp/jwk_uri does not publish it"
            )
            uses = {jwk.get("use") for jwk in grouped[active]}
            assert uses == {"enc"}, (
                f"{where(names)} publishes the active alias {active!r} of its own "
                f"{RP_ENCRYPTION} mapping with use {sorted(map(str, uses))}, not enc"
            )
            for alias in encryption["aliases"]:
                assert alias == active or alias not in grouped, (
                    f"{where(names)} maps {RP_ENCRYPTION} itself with active alias {active!r}, "
                    f"yet its rp/jwk_uri also publishes the inactive alias {alias!r}: "
                    f"{[brief(j) for j in grouped[alias]]} (in a realm's own mapping as in a "
                    f"global one, only the active alias is published)"
                )
    # PUB-05, once every realm's PUB-03 checks ran: no other realm shows a realm's
    # encryption keys (no other mapping holds them, so only a realm mapping applied
    # elsewhere could put them there).
    for names, encryption in own.items():
        for other, node in realms:
            if other == names:
                continue
            expected = baseline(jwk_target, config, effective(config, node), cache)["rp"]
            shown = sorted(set(encryption["aliases"]) & (set(got[other]["rp"]) - expected))
            with check("PUB-05"):
                assert not shown, (
                    f"{where(other)} publishes {shown}, which only {where(names)}'s own "
                    f"{RP_ENCRYPTION} mapping maps (a realm's mappings must show only there)"
                )


# -- PUB-03 in a realm mapping that replaces a global one -------------------------------------


@st.composite
def _shared_override_case(draw: st.DrawFn) -> tuple[Config, Names, dict[str, Any]]:
    """A global RP encryption mapping, and one realm (root, maybe) that maps RP encryption
    again with another active alias, listing the global active alias among its inactive
    ones. No other ID is mapped, so every encryption key shown comes from these two."""
    candidates = suitable_aliases(RP_ENCRYPTION, ASYMMETRIC_ALIASES, symmetric=False)
    pool = draw(st.permutations(candidates))
    global_active, own_active, *rest = pool
    global_others = draw(st.lists(st.sampled_from(rest), max_size=2, unique=True), "global")
    own_others = draw(st.lists(st.sampled_from(rest), max_size=2, unique=True), "own")
    own_aliases = draw(st.permutations([own_active, global_active, *own_others]), "own order")
    own = {"aliases": own_aliases, "active": own_active}
    global_aliases = [global_active, *global_others]
    tree = draw(realm_trees(min_depth=0, max_depth=2, secret_ids=()), label="realm")
    names, node = draw(st.sampled_from(realm_paths(tree)), "overriding realm")
    cast(dict[str, Any], node)["mappings"] = {RP_ENCRYPTION: own}
    config = {
        "keystore": keystore_config(sorted({*global_aliases, *own_aliases})),
        "globalMappings": {RP_ENCRYPTION: {"aliases": global_aliases, "active": global_active}},
        "realm": tree,
    }
    return config, names, own


@pytest.mark.jwk_requirement("PUB-03")
@pytest.mark.jwk_capability("publisher", "realms")
@given(case=_shared_override_case())
def test_a_realm_mapping_sharing_aliases_with_the_global_one_publishes_its_own_active(
    jwk_target: Target, case: tuple[Config, Names, dict[str, Any]]
) -> None:
    """At the realm, its own mapping's active alias is published, and none of its inactive
    aliases that the global mapping does not make active. Whether the global active alias
    shows there too (the realm's mapping replacing the global one or not) is PUB-05's
    SHOULD clause, not looked at here."""
    config, names, own = case
    global_active = config["globalMappings"][RP_ENCRYPTION]["active"]
    index = Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        grouped = index.group(published(rig, names, "rp"))
    active = own["active"]
    assert active in grouped, (
        f"{where(names)} maps {RP_ENCRYPTION} itself with active alias {active!r} (the global "
        f"mapping's active alias is among its inactive ones), but does not publish it"
    )
    shown = sorted(a for a in own["aliases"] if a not in (active, global_active) and a in grouped)
    assert not shown, (
        f"{where(names)} maps {RP_ENCRYPTION} itself with aliases {own['aliases']} and active "
        f"{active!r}, yet publishes the inactive {shown}: "
        f"{[brief(j) for a in shown for j in grouped[a]]}"
    )
