"""Deliberately broken publishers: the reference with one publisher behaviour changed each.

Each function is an adapter factory (``--jwk-adapter publisher_mutants:NAME``) that patches
the reference publisher (``_publisher_config``, ``_jwk_uri``, ``_publisher_http``) in the
process it runs in, then returns the reference adapter under the mutant's name. `MUTANTS`
maps each name to the requirements it breaks by the letter of the specification: the suites
must fail exactly those. Where a mutant breaks more than one, its docstring says why.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, cast

from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.reference import _jwk_uri, _publisher_http
from jwkconform.reference._publisher_config import (
    DEFAULT_MAPPINGS,
    MTLS,
    PROVIDER_DECRYPTION,
    RP_ENCRYPTION,
    RP_SIGNING,
    AsymmetricAlias,
    PublisherConfig,
    Realm,
    SecretMapping,
    SymmetricAlias,
)

MUTANTS: dict[str, tuple[str, ...]] = {}
Factory = Callable[[], ReferenceAdapter]


def mutant(*targets: str) -> Callable[[Callable[[], None]], Factory]:
    """Register a patch as a mutant that the tests of ``targets`` must kill."""

    def register(patch: Callable[[], None]) -> Factory:
        def factory() -> ReferenceAdapter:
            patch()
            adapter = ReferenceAdapter()
            adapter.name = f"mutant {patch.__name__}"
            return adapter

        MUTANTS[patch.__name__] = targets
        factory.__name__ = patch.__name__
        factory.__doc__ = patch.__doc__
        return factory

    return register


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


def _effective(
    rule: Callable[[PublisherConfig, tuple[str, ...]], Mapping[str, SecretMapping]],
) -> None:
    _jwk_uri.effective_mappings = rule  # type: ignore[assignment]


def _own(config: PublisherConfig, path: tuple[str, ...]) -> Mapping[str, SecretMapping]:
    realm = config.realm(path)
    return realm.mappings if realm is not None else {}


def _wrap_from_json(change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Let ``change`` rewrite every publisher configuration before the reference reads it."""
    original = PublisherConfig.from_json.__func__  # type: ignore[attr-defined]

    def from_json(cls: Any, /, raw: Mapping[str, Any], **options: Any) -> Any:
        return original(cls, change(dict(raw)), **options)

    PublisherConfig.from_json = classmethod(from_json)  # type: ignore[assignment,method-assign]


def _jwks_uri(rule: Callable[[str, str], str]) -> None:
    """Discovery advertises ``rule(base, prefix)`` as jwks_uri where no remote URL is set
    (``base`` is the request's scheme and host, ``prefix`` the realm's path)."""

    def discovery(self: Any, path: tuple[str, ...], base: str, prefix: str) -> Any:
        realm = self.config.realm(path)
        remote = realm.remote_jwk_url if realm is not None else None
        jwks_uri = remote or rule(base, prefix)
        return _publisher_http._json(200, {"issuer": f"{base}{prefix}", "jwks_uri": jwks_uri})

    _publisher_http.PublisherApp._discovery = discovery  # type: ignore[method-assign]


Mappings = Mapping[str, SecretMapping]


def _everywhere(config: PublisherConfig, change: Callable[[Mappings], Mappings]) -> Any:
    """``config`` with ``change`` applied to its global mappings and every realm's own."""

    def realm(node: Realm) -> Realm:
        subs = {name: realm(sub) for name, sub in node.realms.items()}
        return replace(node, mappings=change(node.mappings), realms=subs)

    return replace(config, global_mappings=change(config.global_mappings), root=realm(config.root))


# -- PUB-01 -----------------------------------------------------------------------------------


@mutant("PUB-01", "PUB-13")
def nested_realm_paths_404() -> None:
    """Only the root realm's paths are recognised; nested realm paths answer 404.

    PUB-13 too: a sub-realm's discovery document is one of those paths, so the realm has
    no discovery document, let alone a jwks_uri."""
    _publisher_http._PATH = re.compile(  # type: ignore[misc]
        r"/oauth2/realms/root(?P<realms>)"
        r"/(?P<what>connect/jwk_uri|connect/rp/jwk_uri|\.well-known/openid-configuration)"
    )


@mutant("PUB-01")
def realm_names_not_decoded() -> None:
    """Realm names are looked up as they appear in the path, percent escapes and all."""

    def verbatim(text: str) -> str:
        return text

    _publisher_http.unquote = verbatim  # type: ignore[attr-defined,assignment]


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


# -- PUB-05 -----------------------------------------------------------------------------------


@mutant("PUB-05")
def global_mappings_only_at_root() -> None:
    """Global mappings apply at the root realm only; sub-realms see their own mappings."""
    _effective(
        lambda config, path: (
            {**config.global_mappings, **_own(config, path)}
            if path == ("root",)
            else _own(config, path)
        )
    )


@mutant("PUB-05")
def realm_mappings_leak_to_other_realms() -> None:
    """Every realm's mappings apply in every realm (a realm's own win in it)."""

    def everywhere(config: PublisherConfig, path: tuple[str, ...]) -> Mapping[str, SecretMapping]:
        merged: dict[str, SecretMapping] = {}
        pending = [config.root]
        while pending:
            realm = pending.pop()
            merged.update(realm.mappings)
            pending.extend(realm.realms.values())
        return {**config.global_mappings, **merged, **_own(config, path)}

    _effective(everywhere)


@mutant("PUB-05")
def realm_mapping_added_to_global() -> None:
    """A realm's mapping of a secret ID adds its aliases to the global ones (SHOULD part)."""

    def merged(config: PublisherConfig, path: tuple[str, ...]) -> Mapping[str, SecretMapping]:
        found = dict(config.global_mappings)
        for sid, own in _own(config, path).items():
            before = found.get(sid)
            aliases = own.aliases if before is None else (*before.aliases, *own.aliases)
            found[sid] = SecretMapping(tuple(dict.fromkeys(aliases)), own.active)
        return found

    _effective(merged)


# -- PUB-06, PUB-07 ---------------------------------------------------------------------------


@mutant("PUB-06")
def default_mappings_when_none() -> None:
    """With nothing mapped, the new-install defaults apply (an upgrade starts publishing)."""
    original = _jwk_uri.effective_mappings
    _effective(lambda config, path: original(config, path) or DEFAULT_MAPPINGS)


@mutant("PUB-06")
def new_install_false_taken_as_true() -> None:
    """A configuration that says ``newInstall`` at all, even false, gets the defaults."""

    def change(raw: dict[str, Any]) -> dict[str, Any]:
        return {**raw, "newInstall": True} if "newInstall" in raw else raw

    _wrap_from_json(change)


@mutant("PUB-07")
def new_install_defaults_only_with_global_mappings() -> None:
    """The new-install defaults are merged into ``globalMappings`` only when that member is
    there: a new install configured with no mappings at all publishes nothing."""

    def change(raw: dict[str, Any]) -> dict[str, Any]:
        return raw if "globalMappings" in raw else {**raw, "newInstall": False}

    _wrap_from_json(change)


@mutant("PUB-07")
def new_install_swaps_the_default_roles() -> None:
    """A new install maps `test` for RP signing and `rsajwtsigningkey` for encryption."""
    swapped = {RP_SIGNING: {"aliases": ["test"]}, RP_ENCRYPTION: {"aliases": ["rsajwtsigningkey"]}}

    def change(raw: dict[str, Any]) -> dict[str, Any]:
        if raw.get("newInstall") is not True:
            return raw
        return {**raw, "globalMappings": {**swapped, **raw.get("globalMappings", {})}}

    _wrap_from_json(change)


@mutant("PUB-07", "PUB-03")
def encryption_key_never_published() -> None:
    """The RP endpoint skips the ID-token encryption mapping, so a new install lacks `test`."""
    _rules("rp", lambda rules: tuple(r for r in rules if r.secret_id != RP_ENCRYPTION))


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


# -- PUB-13, PUB-14, PUB-15 -------------------------------------------------------------------


@mutant("PUB-13")
def remote_jwk_url_ignored() -> None:
    """Discovery always points jwks_uri at the realm's own jwk_uri."""

    def discovery(self: Any, path: tuple[str, ...], base: str, prefix: str) -> Any:
        return _publisher_http._json(
            200, {"issuer": f"{base}{prefix}", "jwks_uri": f"{base}{prefix}/connect/jwk_uri"}
        )

    _publisher_http.PublisherApp._discovery = discovery  # type: ignore[method-assign]


@mutant("PUB-13")
def sub_realm_jwks_uri_names_root() -> None:
    """Every realm's discovery points jwks_uri at the root realm's jwk_uri."""
    _jwks_uri(lambda base, prefix: f"{base}/oauth2/realms/root/connect/jwk_uri")


@mutant("PUB-13")
def jwks_uri_names_the_rp_endpoint() -> None:
    """Discovery points jwks_uri at the realm's relying-party endpoint, rp/jwk_uri."""
    _jwks_uri(lambda base, prefix: f"{base}{prefix}/connect/rp/jwk_uri")


@mutant("PUB-13")
def jwks_uri_relative() -> None:
    """Discovery gives jwks_uri as a path, without scheme and host."""
    _jwks_uri(lambda base, prefix: f"{prefix}/connect/jwk_uri")


@mutant("PUB-13")
def jwks_uri_on_a_fixed_public_host() -> None:
    """Discovery names a configured public host in jwks_uri, not the one it was reached at."""
    _jwks_uri(lambda base, prefix: f"https://am.example.com{prefix}/connect/jwk_uri")


@mutant("PUB-14")
def provider_signing_active_only() -> None:
    """The provider signing IDs publish their active alias only: old provider tokens fail."""
    _rules(
        "provider",
        lambda rules: tuple(replace(r, aliases="active") if r.use == "sig" else r for r in rules),
    )


@mutant("PUB-14")
def provider_drops_the_active_decryption_alias() -> None:
    """The provider endpoint publishes the inactive decryption aliases, not the active one."""

    def others(mappings: Mappings) -> Mappings:
        kept: dict[str, SecretMapping] = {}
        for sid, mapping in mappings.items():
            rest = tuple(a for a in mapping.aliases if a != mapping.active)
            if sid not in PROVIDER_DECRYPTION:
                kept[sid] = mapping
            elif rest:
                kept[sid] = SecretMapping(rest, rest[0])
        return kept

    def wrapper(original: Published) -> Published:
        def published(config: PublisherConfig, path: tuple[str, ...], endpoint: Any) -> Any:
            if endpoint == "provider":
                config = cast(PublisherConfig, _everywhere(config, others))
            return original(config, path, endpoint)

        return published

    _wrap_published(wrapper)


@mutant("PUB-14")
def provider_endpoint_empty() -> None:
    """connect/jwk_uri answers an empty set whatever the provider mappings."""
    _rules("provider", lambda rules: ())


@mutant("PUB-15")
def served_as_text_plain() -> None:
    """jwk_uri answers are sent as text/plain."""
    _publisher_http._JSON = {"content-type": "text/plain; charset=utf-8"}  # type: ignore[misc]


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
