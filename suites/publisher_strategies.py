"""Hypothesis strategies for the JWK URI publisher suites: keystores, mappings, realm trees.

A publisher configuration is the JSON the harness hands to `open_publisher`: a ``keystore``
of aliases (`keystore_config`), ``globalMappings`` (secret ID -> aliases and the active one,
`mappings`) and a ``realm`` tree with its own ``mappings``, options and sub-``realms``
(`realm_trees`); `publisher_configs` draws all three. The store suites' strategies are in
`jwkconform.suites.store_strategies`.

>>> from hypothesis import given
>>> @given(publisher_configs(min_depth=1))
... def test_something(config): ...
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from jwkconform.fixtures import issued_chain, keystore

__all__ = [
    "ALIASES",
    "ALIAS_KINDS",
    "ASYMMETRIC_ALIASES",
    "CHAINED_ALIAS",
    "MTLS",
    "PROVIDER_DECRYPTION",
    "PROVIDER_SECRET_IDS",
    "PROVIDER_SIGNING",
    "REALM_NAME_ALPHABET",
    "REMOTE_JWK_URLS",
    "RP_ENCRYPTION",
    "RP_SECRET_IDS",
    "RP_SIGNING",
    "SECRET_IDS",
    "SYMMETRIC_ALIASES",
    "keystore_aliases",
    "keystore_config",
    "mappings",
    "new_install_mappings",
    "publisher_configs",
    "realm_names",
    "realm_path",
    "realm_paths",
    "realm_trees",
    "secret_mapping",
    "suitable_aliases",
]

# The secret IDs below are spec data (the catalogue's PUB rows and the vendor's labels), not
# taken from any implementation.

RP_SIGNING = "am.services.oauth2.oidc.rp.jwt.authenticity.signing"
RP_ENCRYPTION = "am.services.oauth2.oidc.rp.idtoken.encryption"
MTLS = "am.services.oauth2.mtls.client.authentication"
PROVIDER_SIGNING: tuple[str, ...] = tuple(
    f"am.services.oauth2.oidc.signing.{alg}" for alg in ("RSA", "ES256", "ES384", "ES512")
)
PROVIDER_DECRYPTION: tuple[str, ...] = tuple(
    f"am.services.oauth2.oidc.decryption.{alg}" for alg in ("RSA1.5", "RSA.OAEP", "RSA.OAEP.256")
)
RP_SECRET_IDS: tuple[str, ...] = (RP_SIGNING, RP_ENCRYPTION, MTLS)
PROVIDER_SECRET_IDS: tuple[str, ...] = PROVIDER_SIGNING + PROVIDER_DECRYPTION
SECRET_IDS: tuple[str, ...] = RP_SECRET_IDS + PROVIDER_SECRET_IDS


def _alias_kind(entry: Mapping[str, Any]) -> str:
    if "secret" in entry:
        return "oct"
    jwk = entry["jwk"]
    return str(jwk["kty"]) if jwk["kty"] == "RSA" else f"{jwk['kty']}-{jwk['crv']}"


# Every alias of the fixture keystore by kind: RSA, EC-P-256/384/521, OKP-Ed25519, oct.
ALIAS_KINDS: Mapping[str, str] = {alias: _alias_kind(e) for alias, e in keystore().items()}
ALIASES: tuple[str, ...] = tuple(ALIAS_KINDS)
SYMMETRIC_ALIASES: tuple[str, ...] = tuple(a for a, k in ALIAS_KINDS.items() if k == "oct")
ASYMMETRIC_ALIASES: tuple[str, ...] = tuple(a for a, k in ALIAS_KINDS.items() if k != "oct")

# The alias whose certificate chain has two certificates (leaf, then its issuer), so that
# "published with its chain" (PUB-04) means more than the leaf.
CHAINED_ALIAS = "mtls-a"

_EC_KINDS = frozenset({"EC-P-256", "EC-P-384", "EC-P-521"})
# The key kinds that make sense for each secret ID (an ES384 signing label takes P-384 keys).
_KINDS_FOR: Mapping[str, frozenset[str]] = {
    RP_SIGNING: frozenset({"RSA", "OKP-Ed25519"}) | _EC_KINDS,
    RP_ENCRYPTION: frozenset({"RSA"}) | _EC_KINDS,
    MTLS: frozenset({"RSA"}) | _EC_KINDS,
    PROVIDER_SIGNING[0]: frozenset({"RSA"}),
    PROVIDER_SIGNING[1]: frozenset({"EC-P-256"}),
    PROVIDER_SIGNING[2]: frozenset({"EC-P-384"}),
    PROVIDER_SIGNING[3]: frozenset({"EC-P-521"}),
    **{label: frozenset({"RSA"}) for label in PROVIDER_DECRYPTION},
}


def suitable_aliases(
    secret_id: str, aliases: Sequence[str] = ALIASES, *, symmetric: bool = True
) -> list[str]:
    """The aliases of ``aliases`` whose key kind fits ``secret_id``; with ``symmetric``,
    the symmetric ones too (a publisher must never show them, PUB-08)."""
    wanted = _KINDS_FOR[secret_id] | ({"oct"} if symmetric else frozenset())
    return [a for a in aliases if ALIAS_KINDS[a] in wanted]


def new_install_mappings() -> dict[str, Any]:
    """The global mappings of a new install (PUB-07 and the vendor's provider defaults), as
    the JSON ``globalMappings`` member."""
    defaults = {
        RP_SIGNING: "rsajwtsigningkey",
        RP_ENCRYPTION: "test",
        PROVIDER_SIGNING[0]: "rsajwtsigningkey",
        PROVIDER_SIGNING[1]: "es256test",
        PROVIDER_SIGNING[2]: "es384test",
        PROVIDER_SIGNING[3]: "es512test",
        **dict.fromkeys(PROVIDER_DECRYPTION, "test"),
    }
    return {sid: {"aliases": [alias], "active": alias} for sid, alias in defaults.items()}


def keystore_config(aliases: Iterable[str] | None = None) -> dict[str, Any]:
    """The ``keystore`` member for ``aliases`` (default: every fixture alias): an asymmetric
    alias is ``{"jwk": private JWK, "x5c": [base64 DER, leaf first]}``, a symmetric one
    ``{"secret": base64url bytes}``. `CHAINED_ALIAS` carries a two-certificate chain."""
    entries: dict[str, Any] = {}
    for alias in ALIASES if aliases is None else aliases:
        entry = keystore()[alias]
        if "secret" in entry:
            entries[alias] = {"secret": entry["secret"]}
        else:
            chain = issued_chain(alias) if alias == CHAINED_ALIAS else entry["x5c"]
            entries[alias] = {"jwk": dict(entry["jwk"]), "x5c": list(chain)}
    return entries


def keystore_aliases(
    *, min_size: int = 1, must_include: Iterable[str] = ()
) -> st.SearchStrategy[list[str]]:
    """A random subset of the fixture aliases (keystore order) holding ``must_include``."""
    needed = set(must_include)
    optional = [a for a in ALIASES if a not in needed]
    return st.lists(
        st.sampled_from(optional),
        min_size=max(0, min_size - len(needed)),
        max_size=len(optional),
        unique=True,
    ).map(lambda extra: [a for a in ALIASES if a in needed or a in extra])


@st.composite
def secret_mapping(
    draw: st.DrawFn, candidates: Sequence[str], *, min_aliases: int = 1, max_aliases: int = 3
) -> dict[str, Any]:
    """One secret ID's mapping: ``{"aliases": [...], "active": one of them}``."""
    # Tuples, not lists: Hypothesis then builds each of these strategies once per run.
    aliases = draw(
        st.lists(
            st.sampled_from(tuple(candidates)),
            min_size=min_aliases,
            max_size=max(min_aliases, min(max_aliases, len(candidates))),
            unique=True,
        )
    )
    return {"aliases": aliases, "active": draw(st.sampled_from(tuple(aliases)))}


@st.composite
def mappings(
    draw: st.DrawFn,
    aliases: Sequence[str] = ALIASES,
    *,
    secret_ids: Sequence[str] = SECRET_IDS,
    symmetric: bool = True,
    max_aliases: int = 3,
    max_ids: int | None = None,
    min_ids: int = 0,
) -> dict[str, Any]:
    """Secret ID -> ``{"aliases": [...], "active": ...}`` for a random subset of
    ``secret_ids`` (``min_ids`` to ``max_ids`` of them), each with 1 to ``max_aliases``
    suitable aliases of ``aliases`` (a secret ID no alias suits is left out)."""
    ids = st.lists(
        st.sampled_from(tuple(secret_ids)), min_size=min_ids, max_size=max_ids, unique=True
    )
    chosen = draw(ids) if secret_ids else []
    found: dict[str, Any] = {}
    for sid in sorted(chosen, key=list(secret_ids).index):
        candidates = suitable_aliases(sid, aliases, symmetric=symmetric)
        if candidates:
            found[sid] = draw(secret_mapping(candidates, max_aliases=max_aliases))
    return found


# Realm names that need no escaping in a URL path (test_publisher_endpoints has the others).
REALM_NAME_ALPHABET = string.ascii_lowercase + string.digits + "-_"
REMOTE_JWK_URLS: tuple[str, ...] = (
    "https://keys.example.com/jwks.json",
    "https://idp.example.org/oauth2/connect/jwk_uri",
    "http://127.0.0.1:9/remote/jwks",
)


def realm_names() -> st.SearchStrategy[str]:
    """Realm names: short, lower case, URL-safe."""
    return st.text(REALM_NAME_ALPHABET, min_size=1, max_size=8)


@st.composite
def realm_trees(
    draw: st.DrawFn,
    aliases: Sequence[str] = ALIASES,
    *,
    min_depth: int = 1,
    max_depth: int = 3,
    max_children: int = 2,
    secret_ids: Sequence[str] = SECRET_IDS,
    max_ids: int = 3,
    symmetric: bool = True,
    combinations: bool = False,
    remote_urls: bool = False,
    names: st.SearchStrategy[str] | None = None,
) -> dict[str, Any]:
    """The ``realm`` member: the root realm with random own ``mappings`` (of at most
    ``max_ids`` of ``secret_ids``) and sub-realms nested ``min_depth`` to ``max_depth``
    levels below it, at most ``max_children`` per realm. With ``combinations`` each realm
    may turn on ``includeAllKtyAlgCombinations``; with ``remote_urls`` it may set a
    ``remoteJwkUrl``."""
    naming = realm_names() if names is None else names

    def realm(depth_left: int, nest_at_least: int) -> dict[str, Any]:
        node: dict[str, Any] = {}
        own = draw(mappings(aliases, secret_ids=secret_ids, symmetric=symmetric, max_ids=max_ids))
        shown: bool = True if own else draw(st.booleans())  # an empty member, or none
        if shown:
            node["mappings"] = own
        if combinations:
            combos = draw(st.sampled_from([None, False, True]))
            if combos is not None:
                node["includeAllKtyAlgCombinations"] = combos
        if remote_urls:
            remote = draw(st.none() | st.sampled_from(REMOTE_JWK_URLS))
            if remote is not None:
                node["remoteJwkUrl"] = remote
        if depth_left > 0:
            count = draw(st.integers(1 if nest_at_least > 0 else 0, max_children))
            children = draw(st.lists(naming, min_size=count, max_size=count, unique=True))
            if children:
                node["realms"] = {
                    name: realm(depth_left - 1, nest_at_least - 1 if i == 0 else 0)
                    for i, name in enumerate(children)
                }
        return node

    depth = draw(st.integers(min_depth, max(min_depth, max_depth)))
    return realm(depth, depth)


def realm_paths(root: Mapping[str, Any]) -> list[tuple[tuple[str, ...], Mapping[str, Any]]]:
    """Every realm of a ``realm`` tree as (names below root, realm), root first."""
    found: list[tuple[tuple[str, ...], Mapping[str, Any]]] = []

    def walk(names: tuple[str, ...], node: Mapping[str, Any]) -> None:
        found.append((names, node))
        for name, child in node.get("realms", {}).items():
            walk((*names, name), child)

    walk((), root)
    return found


def realm_path(names: Sequence[str]) -> str:
    """The URL path of a realm: ``/oauth2/realms/root[/realms/NAME...]`` (names escaped)."""
    return "/oauth2/realms/root" + "".join(f"/realms/{quote(n, safe='')}" for n in names)


@st.composite
def publisher_configs(
    draw: st.DrawFn,
    *,
    min_aliases: int = 3,
    min_depth: int = 0,
    max_depth: int = 3,
    secret_ids: Sequence[str] = SECRET_IDS,
    realm_mappings: bool = True,
    symmetric: bool = True,
    combinations: bool = False,
    remote_urls: bool = False,
) -> dict[str, Any]:
    """A whole publisher configuration: a random keystore, global mappings over
    ``secret_ids`` and a realm tree (`realm_trees`, with its options); with
    ``realm_mappings=False`` the realms have no mappings of their own."""
    aliases = draw(keystore_aliases(min_size=min_aliases))
    return {
        "keystore": keystore_config(aliases),
        "globalMappings": draw(
            mappings(aliases, secret_ids=secret_ids, symmetric=symmetric), label="global"
        ),
        "realm": draw(
            realm_trees(
                aliases,
                min_depth=min_depth,
                max_depth=max_depth,
                secret_ids=secret_ids if realm_mappings else (),
                symmetric=symmetric,
                combinations=combinations,
                remote_urls=remote_urls,
            ),
            label="realm",
        ),
    }
