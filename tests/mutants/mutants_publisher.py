"""Deliberately broken publishers: the reference with one behaviour of its realms, secret
mappings or discovery changed (PUB-01, PUB-05 to PUB-07, PUB-13 to PUB-15).

Each function is an adapter factory (``--jwk-adapter mutants_publisher:NAME``) that patches
the reference publisher (``_publisher_config``, ``_jwk_uri``, ``_publisher_http``) in the
process it runs in, then returns the reference adapter under the mutant's name. `MUTANTS`
maps each name to the requirements it breaks by the letter of the specification: the suites
must fail exactly those. Where a mutant breaks more than one, its docstring says why.
mutants_publisher_keys.py has the mutants of which keys are published and what their JWKs
hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, cast

from mutant_support import registry

from jwkconform.reference import _jwk_uri, _publisher_http
from jwkconform.reference._publisher_config import (
    DEFAULT_MAPPINGS,
    PROVIDER_DECRYPTION,
    RP_ENCRYPTION,
    RP_SIGNING,
    PublisherConfig,
    Realm,
    SecretMapping,
)

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- helpers ----------------------------------------------------------------------------------

Published = Callable[[PublisherConfig, tuple[str, ...], Any], dict[str, Any]]


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
