"""Deliberately broken publishers: the reference with one behaviour of which keys are
published, and what their JWKs hold, changed (PUB-02 to PUB-04, PUB-08 to PUB-12, RT-01).

Each function is an adapter factory (``--jwk-adapter mutants_publisher_keys:NAME``) that
patches the reference publisher (``_jwk_uri``, ``_publisher_http``) in the process it runs
in, then returns the reference adapter under the mutant's name (see mutant_support.py).
`MUTANTS` maps each name to the requirements it breaks by the letter of the specification:
the suites must fail exactly those. Where a mutant breaks more than one, its docstring says
why. mutants_publisher.py has the mutants of realms, mappings and discovery.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mutant_support import registry

from jwkconform.reference import _jwk_uri, _publisher_http
from jwkconform.reference._publisher_config import (
    MTLS,
    RP_ENCRYPTION,
    RP_SIGNING,
    AsymmetricAlias,
    PublisherConfig,
    Realm,
    SymmetricAlias,
)

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- helpers ----------------------------------------------------------------------------------

Entries = Callable[[AsymmetricAlias, Any, bool], list[dict[str, Any]]]
Published = Callable[[PublisherConfig, tuple[str, ...], Any], dict[str, Any]]


def _wrap_entries(change: Callable[[AsymmetricAlias, list[dict[str, Any]]], None]) -> None:
    """Let ``change`` edit the JWKs built for each published alias."""
    original: Entries = _jwk_uri._entries

    def entries(stored: AsymmetricAlias, use: Any, all_combinations: bool) -> Any:
        built = [dict(jwk) for jwk in original(stored, use, all_combinations)]
        change(stored, built)
        return built

    _jwk_uri._entries = entries


def _wrap_published(wrapper: Callable[[Published], Published]) -> None:
    """Replace the function the HTTP front calls for each jwk_uri answer."""
    original: Published = _publisher_http.published_keys  # type: ignore[attr-defined]
    _publisher_http.published_keys = wrapper(original)  # type: ignore[attr-defined,assignment]


def _rules(
    endpoint: _jwk_uri.Endpoint, change: Callable[[tuple[Any, ...]], tuple[Any, ...]]
) -> None:
    """Replace the publishing rules of ``endpoint`` by ``change(rules)``."""
    _jwk_uri.ENDPOINTS = {**_jwk_uri.ENDPOINTS, endpoint: change(_jwk_uri.ENDPOINTS[endpoint])}


# -- PUB-02, PUB-03, PUB-04 -------------------------------------------------------------------


@mutant("PUB-02", "RT-01")
def only_active_signing_alias() -> None:
    """The RP signing mapping publishes its active alias only: a rotation strands old tokens."""
    _rules(
        "rp",
        lambda rules: tuple(
            replace(r, aliases="active") if r.secret_id == RP_SIGNING else r for r in rules
        ),
    )


@mutant("PUB-03")
def inactive_encryption_alias_published() -> None:
    """Every alias of the RP encryption mapping is published, not only the active one."""
    _rules(
        "rp",
        lambda rules: tuple(
            replace(r, aliases="all") if r.secret_id == RP_ENCRYPTION else r for r in rules
        ),
    )


@mutant("PUB-03")
def realm_encryption_mapping_publishes_every_alias() -> None:
    """A realm's own RP encryption mapping publishes all its aliases; global ones are right."""
    every = tuple(
        replace(r, aliases="all") if r.secret_id == RP_ENCRYPTION else r
        for r in _jwk_uri.ENDPOINTS["rp"]
    )

    def wrapper(original: Published) -> Published:
        def published(config: PublisherConfig, path: tuple[str, ...], endpoint: Any) -> Any:
            realm = config.realm(path)
            if endpoint != "rp" or realm is None or RP_ENCRYPTION not in realm.mappings:
                return original(config, path, endpoint)
            rules = _jwk_uri.ENDPOINTS
            _jwk_uri.ENDPOINTS = {**rules, "rp": every}
            try:
                return original(config, path, endpoint)
            finally:
                _jwk_uri.ENDPOINTS = rules

        return published

    _wrap_published(wrapper)


@mutant("PUB-04")
def mtls_alias_not_published() -> None:
    """The mTLS client-authentication mapping is ignored."""
    _rules("rp", lambda rules: tuple(r for r in rules if r.secret_id != MTLS))


@mutant("PUB-04")
def chain_cut_to_the_leaf() -> None:
    """x5c holds the leaf certificate only, never the rest of the chain."""

    def cut(stored: AsymmetricAlias, built: list[dict[str, Any]]) -> None:
        for jwk in built:
            jwk["x5c"] = jwk["x5c"][:1]

    _wrap_entries(cut)


# -- PUB-08, PUB-09 ---------------------------------------------------------------------------


@mutant("PUB-08")
def ec_private_key_leaked() -> None:
    """EC keys are published with their private member `d`."""

    def leak(stored: AsymmetricAlias, built: list[dict[str, Any]]) -> None:
        if stored.jwk.get("kty") == "EC":
            for jwk in built:
                jwk["d"] = stored.jwk["d"]

    _wrap_entries(leak)


@mutant("PUB-08")
def symmetric_keys_published() -> None:
    """Symmetric aliases are published as `oct` JWKs: each once, with an `alg` when every
    kty/alg combination is on, so only PUB-08 is broken."""

    def wrapper(original: Published) -> Published:
        def published(config: PublisherConfig, path: tuple[str, ...], endpoint: Any) -> Any:
            document = original(config, path, endpoint)
            mappings = _jwk_uri.effective_mappings(config, path)
            realm = config.realm(path) or Realm()
            shown: set[str] = set()
            for rule in _jwk_uri.ENDPOINTS[endpoint]:
                mapping = mappings.get(rule.secret_id)
                if mapping is None:
                    continue
                for alias in mapping.aliases if rule.aliases == "all" else (mapping.active,):
                    stored = config.keystore.get(alias)
                    if isinstance(stored, SymmetricAlias) and alias not in shown:
                        shown.add(alias)
                        k = base64.urlsafe_b64encode(stored.secret).decode().rstrip("=")
                        jwk = {"kty": "oct", "kid": alias, "use": rule.use, "k": k}
                        if realm.include_all_combinations:
                            jwk["alg"] = "HS256" if rule.use == "sig" else "dir"
                        document["keys"].append(jwk)
            return document

        return published

    _wrap_published(wrapper)


@mutant("PUB-09", "PUB-10")
def duplicate_kids_by_default() -> None:
    """Each mapping rule publishes its keys on its own: a key under two IDs shows twice.

    PUB-10 too: with every kty/alg combination on, a key that two rules of one use reach
    (RP signing and mTLS, say) shows each of its (kid, alg) pairs twice, where PUB-10 wants
    it once per pair."""

    def wrapper(original: Published) -> Published:
        def published(config: PublisherConfig, path: tuple[str, ...], endpoint: Any) -> Any:
            rules = _jwk_uri.ENDPOINTS
            keys: list[dict[str, Any]] = []
            try:
                for rule in rules[endpoint]:
                    _jwk_uri.ENDPOINTS = {**rules, endpoint: (rule,)}
                    keys += original(config, path, endpoint)["keys"]
            finally:
                _jwk_uri.ENDPOINTS = rules
            return {"keys": keys}

        return published

    _wrap_published(wrapper)


# -- PUB-10, PUB-11, PUB-12 -------------------------------------------------------------------


@mutant("PUB-10")
def all_combinations_ignored() -> None:
    """ "Include all kty and alg combinations" has no effect."""
    original: Entries = _jwk_uri._entries
    _jwk_uri._entries = lambda stored, use, all_combinations: original(stored, use, False)


@mutant("PUB-11")
def x5t_with_sha256() -> None:
    """x5t is the SHA-256 of the leaf certificate (that is x5t#S256), not its SHA-1."""

    def sha256(stored: AsymmetricAlias, built: list[dict[str, Any]]) -> None:
        digest = hashlib.sha256(stored.chain[0]).digest()
        for jwk in built:
            jwk["x5t"] = base64.urlsafe_b64encode(digest).decode().rstrip("=")

    _wrap_entries(sha256)


@mutant("PUB-12")
def kid_from_the_alias_name() -> None:
    """The kid is a digest of the alias name, not of the key."""
    names: dict[int, str] = {}

    def wrapper(original: Published) -> Published:
        def published(config: PublisherConfig, path: tuple[str, ...], endpoint: Any) -> Any:
            names.clear()
            names.update({id(stored): alias for alias, stored in config.keystore.items()})
            return original(config, path, endpoint)

        return published

    def by_alias(stored: AsymmetricAlias, built: list[dict[str, Any]]) -> None:
        digest = hashlib.sha1(names[id(stored)].encode()).digest()
        for jwk in built:
            jwk["kid"] = base64.b64encode(digest).decode()

    _wrap_published(wrapper)
    _wrap_entries(by_alias)


# -- RT-01 ------------------------------------------------------------------------------------


@mutant("RT-01")
def removed_aliases_stay_published() -> None:
    """A key once published stays published after its alias is unmapped."""
    original_init = _publisher_http.PublisherApp.__init__

    def init(self: Any, config: PublisherConfig) -> None:
        original_init(self, config)
        memory: dict[tuple[tuple[str, ...], str], list[dict[str, Any]]] = {}

        def route(endpoint: Any) -> Callable[[tuple[str, ...], str, str], Any]:
            def answer(path: tuple[str, ...], base: str, prefix: str) -> Any:
                known = memory.setdefault((path, endpoint), [])
                for jwk in _jwk_uri.published_keys(self.config, path, endpoint)["keys"]:
                    if jwk not in known:
                        known.append(jwk)
                return _publisher_http._json(200, {"keys": list(known)})

            return answer

        self._routes = {
            **self._routes,
            "connect/jwk_uri": route("provider"),
            "connect/rp/jwk_uri": route("rp"),
        }

    _publisher_http.PublisherApp.__init__ = init  # type: ignore[method-assign]
