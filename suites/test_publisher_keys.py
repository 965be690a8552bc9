"""JWK URI publisher (PUB-08 to PUB-12): what a published key holds, and how kids are made.

No private member or symmetric key is ever published; kids are unique by default; with
"include all kty and alg combinations" a key appears once per algorithm; each key carries
its certificate and the certificate's key; a kid is derived from the key alone.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st
from jwcrypto.jwk import JWK

from jwkconform.fixtures import issued_chain, keystore
from jwkconform.harness import Target, premise
from jwkconform.suites._publisher_reading import (
    ENDPOINTS,
    MATERIAL,
    Aliases,
    Config,
    answer,
    brief,
    der,
    endpoints,
    force,
    has_realms,
    material,
    published,
    url,
    where,
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
    keystore_config,
    publisher_configs,
    realm_paths,
    suitable_aliases,
)

PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_RSA_SIGNING_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_SIGNING_ALG_OF_KIND: Mapping[str, str] = {
    "EC-P-256": "ES256",
    "EC-P-384": "ES384",
    "EC-P-521": "ES512",
    "OKP-Ed25519": "EdDSA",
}
_RSA = [a for a in ASYMMETRIC_ALIASES if ALIAS_KINDS[a] == "RSA"]

# -- PUB-08 -----------------------------------------------------------------------------------


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
    force(config, RP_SIGNING, draw(st.sampled_from(SYMMETRIC_ALIASES)), active=False)
    force(config, RP_SIGNING, draw(st.sampled_from(ASYMMETRIC_ALIASES)), active=False)
    others = st.sampled_from([RP_ENCRYPTION, MTLS, *PROVIDER_SECRET_IDS])
    for sid in draw(st.lists(others, max_size=3, unique=True)):
        alias = draw(st.sampled_from(SYMMETRIC_ALIASES))
        force(config, sid, alias, active=draw(st.booleans()))
    return config


@pytest.mark.jwk_requirement("PUB-08")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_no_private_member_and_no_symmetric_key_is_ever_published(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if has_realms(jwk_target) else 0
    options = "all-combinations" in jwk_target.capabilities
    config = data.draw(_symmetric_case(depth=depth, combinations=options), label="config")
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in endpoints(jwk_target):
                path = url(names, endpoint)
                keys, text = answer(rig, names, endpoint)
                for jwk in keys:
                    leaked = [m for m in PRIVATE_MEMBERS if m in jwk]
                    assert not leaked, (
                        f"GET {path} publishes {brief(jwk)} with private member(s) {leaked}"
                    )
                    assert jwk.get("kty") != "oct", (
                        f"GET {path} publishes a symmetric key {brief(jwk)}: anyone could "
                        f"forge or decrypt with it"
                    )
                found = [v[:8] + "..." for v in _secret_values() if v in text]
                assert not found, f"GET {path} contains secret key material ({found})"


# -- PUB-09 -----------------------------------------------------------------------------------


@st.composite
def _overlap_case(draw: st.DrawFn, *, depth: int) -> Config:
    """Random configurations where one key is mapped under several IDs of one endpoint."""
    config = draw(publisher_configs(max_depth=depth))
    shared = draw(
        st.sampled_from(suitable_aliases(RP_ENCRYPTION, ASYMMETRIC_ALIASES, symmetric=False))
    )
    force(config, RP_SIGNING, shared, active=draw(st.booleans()))
    for sid in draw(st.lists(st.sampled_from([RP_ENCRYPTION, MTLS]), min_size=1, unique=True)):
        force(config, sid, shared, active=True)
    provider = st.sampled_from([PROVIDER_SIGNING[0], *PROVIDER_DECRYPTION])
    rsa = draw(st.sampled_from(_RSA))
    for sid in draw(st.lists(provider, min_size=2, unique=True)):
        force(config, sid, rsa, active=draw(st.booleans()))
    return config


@pytest.mark.jwk_requirement("PUB-09")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_kids_are_unique_in_every_published_set_by_default(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if has_realms(jwk_target) else 0
    config = data.draw(_overlap_case(depth=depth), label="config")
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in endpoints(jwk_target):
                keys = published(rig, names, endpoint)
                counts = Counter(k["kid"] for k in keys if "kid" in k)
                repeated = {kid: n for kid, n in counts.items() if n > 1}
                assert not repeated, (
                    f"{where(names)} {ENDPOINTS[endpoint]} repeats kid(s) {repeated} "
                    f"(the same key mapped under several IDs must be published once)"
                )


# -- PUB-10 -----------------------------------------------------------------------------------


@st.composite
def _combinations_case(draw: st.DrawFn) -> Config:
    """One RSA signing alias; sometimes also the active mTLS alias, so that two rules of
    the same use reach one key (its (kid, alg) pairs must still appear once)."""
    config = draw(publisher_configs(max_depth=0, realm_mappings=False))
    rsa = draw(st.sampled_from(_RSA))
    force(config, RP_SIGNING, rsa, active=draw(st.booleans()))
    if draw(st.booleans(), label="the signing key is the mTLS key too"):
        force(config, MTLS, rsa, active=True)
    config["realm"]["includeAllKtyAlgCombinations"] = True
    return config


@pytest.mark.jwk_requirement("PUB-10")
@pytest.mark.jwk_capability("publisher", "all-combinations")
@given(config=_combinations_case())
def test_all_kty_alg_combinations_publish_one_entry_per_algorithm(
    jwk_target: Target, config: Config
) -> None:
    index = Aliases(config["keystore"])
    found = config["globalMappings"]
    with jwk_target.open_publisher(config) as rig:
        for endpoint in endpoints(jwk_target):
            keys = published(rig, (), endpoint)
            for jwk in keys:
                assert isinstance(jwk.get("alg"), str), (
                    f"with all kty/alg combinations on, {ENDPOINTS[endpoint]} publishes "
                    f"{brief(jwk)} without alg"
                )
            pairs = Counter((k.get("kid"), k.get("alg")) for k in keys)
            repeated = [pair for pair, n in pairs.items() if n > 1]
            assert not repeated, f"{ENDPOINTS[endpoint]} repeats (kid, alg) pairs {repeated}"
            ids: tuple[str, ...] = (RP_SIGNING,) if endpoint == "rp" else PROVIDER_SIGNING
            owner = "PUB-02" if endpoint == "rp" else "PUB-14"
            signers = index.asymmetric(
                a for sid in ids if sid in found for a in found[sid]["aliases"]
            )
            grouped = index.group(keys)
            for alias in sorted(signers):
                with premise(owner):  # that a mapped signing key shows at all is not PUB-10's
                    assert alias in grouped, (
                        f"{ENDPOINTS[endpoint]} does not publish the signing alias {alias!r}"
                    )
                kind = ALIAS_KINDS[alias]
                wanted = _RSA_SIGNING_ALGS if kind == "RSA" else (_SIGNING_ALG_OF_KIND[kind],)
                algs = Counter(j.get("alg") for j in grouped[alias])
                wrong = {alg: algs[alg] for alg in wanted if algs[alg] != 1}
                assert not wrong, (
                    f"{ENDPOINTS[endpoint]}: the {kind} signing key of {alias!r} should appear "
                    f"once per algorithm {list(wanted)}; counts of the wrong ones: {wrong}"
                )


# -- PUB-11 -----------------------------------------------------------------------------------


def _b64url_sha1(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha1(data).digest()).decode().rstrip("=")


def _check_structure(jwk: Mapping[str, Any], where: str, index: Aliases) -> None:
    shown = brief(jwk)
    for member in ("kty", "kid", "use", "x5c", "x5t"):
        assert member in jwk, f"{where} publishes {shown} without {member}"
    assert isinstance(jwk["kid"], str), f"{where}: {shown} has a kid that is not a string"
    assert jwk["kid"], f"{where}: {shown} has an empty kid"
    assert jwk["use"] in {"sig", "enc"}, f"{where}: {shown} has use {jwk['use']!r}"
    chain = jwk["x5c"]
    assert isinstance(chain, list), f"{where}: {shown} has x5c {chain!r}, not a list"
    assert chain, f"{where}: {shown} has an empty x5c"
    ders = [der(c) for c in chain]
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
    for member in MATERIAL:
        if member in expected or member in jwk:
            assert jwk.get(member) == expected.get(member), (
                f"{where}: {member} of {shown} is {jwk.get(member)!r}; the x5c[0] "
                f"certificate's key has {expected.get(member)!r}"
            )
    alias = index.material.get(material(jwk))
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
    depth = 2 if has_realms(jwk_target) else 0
    options = "all-combinations" in jwk_target.capabilities
    config = data.draw(publisher_configs(max_depth=depth, combinations=options), label="config")
    index = Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            for endpoint in endpoints(jwk_target):
                for jwk in published(rig, names, endpoint):
                    # A symmetric key has no certificate to describe: publishing one at all
                    # is PUB-08's failure, and PUB-11 is about the keys a publisher may show.
                    if jwk.get("kty") != "oct":
                        _check_structure(jwk, f"{where(names)} {ENDPOINTS[endpoint]}", index)


# -- PUB-12 -----------------------------------------------------------------------------------


def _copy_entry(alias: str) -> dict[str, Any]:
    """``alias``'s key under another certificate (another issuer and serial)."""
    serial = 7000 + ASYMMETRIC_ALIASES.index(alias)
    return {"jwk": dict(keystore()[alias]["jwk"]), "x5c": list(issued_chain(alias, serial))}


def _kids_by_key(keys: Sequence[Mapping[str, Any]]) -> dict[tuple[tuple[str, Any], ...], set[str]]:
    found: dict[tuple[tuple[str, Any], ...], set[str]] = {}
    for jwk in keys:
        found.setdefault(material(jwk), set()).add(str(jwk.get("kid")))
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
        once = published(rig, (), "rp")
        again = published(rig, (), "rp")
    with jwk_target.open_publisher(second) as rig:
        other = published(rig, (), "rp")
    kids, kids_again, kids_other = _kids_by_key(once), _kids_by_key(again), _kids_by_key(other)
    with premise("PUB-02"):  # every mapped signing key must show for its kid to be compared
        assert len(kids) == len(chosen), (
            f"{len(chosen)} aliases with distinct keys are mapped to {RP_SIGNING} but "
            f"{len(kids)} keys are published"
        )
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


# -- PUB-11: a chain of more than one certificate ---------------------------------------------


@pytest.mark.jwk_requirement("PUB-11")
@pytest.mark.jwk_capability("publisher")
@given(config=publisher_configs(max_depth=0, realm_mappings=False), active=st.booleans())
def test_a_key_with_a_certificate_chain_is_published_leaf_first(
    jwk_target: Target, config: Config, active: bool
) -> None:
    """Every example publishes `CHAINED_ALIAS`, whose chain holds its leaf and the leaf's
    issuer, through the RP signing mapping (active or not: every alias of it shows, PUB-02):
    `x5c[0]` is the leaf, never the issuer."""
    config["keystore"].update(keystore_config([CHAINED_ALIAS]))
    signing = config["globalMappings"].setdefault(
        RP_SIGNING, {"aliases": [CHAINED_ALIAS], "active": CHAINED_ALIAS}
    )
    if CHAINED_ALIAS not in signing["aliases"]:
        signing["aliases"].append(CHAINED_ALIAS)
    if active:
        signing["active"] = CHAINED_ALIAS
    leaf, issuer = (base64.b64decode(c) for c in issued_chain(CHAINED_ALIAS))
    index = Aliases(config["keystore"])
    with jwk_target.open_publisher(config) as rig:
        grouped = index.group(published(rig, (), "rp"))
        with premise("PUB-02"):
            assert CHAINED_ALIAS in grouped, f"the RP signing alias {CHAINED_ALIAS!r} is not shown"
        for jwk in grouped[CHAINED_ALIAS]:
            chain = jwk.get("x5c")
            first = der(chain[0]) if isinstance(chain, list) and chain else None
            assert first == leaf, (
                f"{brief(jwk)}, the key of {CHAINED_ALIAS!r} (a chain of its leaf and the "
                f"leaf's issuer), has x5c[0] "
                f"{'= the issuer' if first == issuer else repr(chain)[:120]}: x5c starts "
                "with the leaf"
            )
