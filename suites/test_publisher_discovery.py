"""JWK URI publisher discovery (PUB-13): a realm's ``jwks_uri`` is an absolute URL that,
fetched, serves that realm's keys, or the realm's Remote JSON Web Key URL when it sets one.

Any absolute form is lawful (a query string, an explicit default port, an IP literal for
the host name...): the test fetches the URL and compares what it serves with the realm's
``connect/jwk_uri``. A URL on the publisher's own origin is fetched through the
publisher's client (so an in-process publisher can be read too); another origin only over
a real connection to 127.0.0.1, the one address the harness may reach.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.harness import ConfigRefused, PublisherRig, Target
from jwkconform.harness.endpoints._client import loopback_client
from jwkconform.harness.seam._deadline import deadline
from jwkconform.suites._publisher_reading import (
    Config,
    Names,
    has_realms,
    published,
    url,
    where,
)
from jwkconform.suites.publisher_strategies import (
    ALIAS_KINDS,
    ASYMMETRIC_ALIASES,
    PROVIDER_SIGNING,
    REMOTE_JWK_URLS,
    keystore_config,
    publisher_configs,
    realm_path,
    realm_paths,
)

_DEFAULT_PORTS: Mapping[str, int] = {"http": 80, "https": 443}
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})


def _discovery(rig: PublisherRig, names: Names) -> dict[str, Any]:
    path = f"{realm_path(names)}/.well-known/openid-configuration"
    response = rig.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}, not 200"
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"GET {path} answered a body that is not JSON") from None
    assert isinstance(body, dict), f"GET {path} answered {body!r}, not a JSON object"
    return body


def _origin(address: str) -> tuple[str, str, int | None]:
    parts = urlsplit(address)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _fetch(rig: PublisherRig, address: str) -> httpx.Response:
    """GET an absolute URL the publisher advertised."""
    with deadline(rig.call_timeout, f"GET {address} (a jwks_uri)"):
        if _origin(address) == _origin(rig.publisher.base_url):
            return rig.publisher.http_client.get(address)
        parts = urlsplit(address)
        reachable = parts.scheme == "http" and parts.hostname in _LOOPBACK_NAMES
        assert reachable, (
            f"jwks_uri {address!r} is neither on the publisher's own origin "
            f"({rig.publisher.base_url}) nor a plain-http loopback address, so no client "
            f"can fetch it"
        )
        # A loopback name is reached at 127.0.0.1 and keeps its own Host header.
        direct = parts._replace(netloc=f"127.0.0.1:{parts.port or 80}")
        with loopback_client() as client:
            return client.get(urlunsplit(direct), headers={"host": parts.netloc})


def _canonical(keys: Sequence[Any]) -> list[str]:
    return sorted(json.dumps(k, sort_keys=True) for k in keys)


def _serves_the_realms_keys(rig: PublisherRig, names: Names, jwks_uri: object) -> None:
    """``jwks_uri`` is absolute and serves what the realm's connect/jwk_uri serves."""
    parts = urlsplit(jwks_uri) if isinstance(jwks_uri, str) else None
    absolute = parts is not None and parts.scheme in {"http", "https"} and bool(parts.netloc)
    assert absolute, (
        f"the discovery document of {where(names)} has jwks_uri {jwks_uri!r}, not an absolute "
        f"http(s) URL"
    )
    assert isinstance(jwks_uri, str)
    expected = published(rig, names, "provider")  # that the realm answers is PUB-01's
    try:
        response = _fetch(rig, jwks_uri)
    except httpx.TransportError as exc:
        raise AssertionError(
            f"the jwks_uri of {where(names)}, {jwks_uri!r}, cannot be fetched: {exc!r}"
        ) from None
    assert response.status_code == 200, (
        f"the jwks_uri of {where(names)}, {jwks_uri!r}, answered {response.status_code}"
    )
    try:
        served = response.json()["keys"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError(
            f"the jwks_uri of {where(names)}, {jwks_uri!r}, does not serve a JWK Set: "
            f"{response.text[:120]!r}"
        ) from None
    assert _canonical(served) == _canonical(expected), (
        f"the jwks_uri of {where(names)}, {jwks_uri!r}, serves kids "
        f"{sorted(str(k.get('kid')) for k in served if isinstance(k, dict))}; that realm's "
        f"{url(names, 'provider')} serves {sorted(str(k.get('kid')) for k in expected)}"
    )


_RSA = [a for a in ASYMMETRIC_ALIASES if ALIAS_KINDS[a] == "RSA"]


@st.composite
def _distinct_realms_case(draw: st.DrawFn, *, depth: int) -> Config:
    """A random configuration where, with realms, each realm maps the provider RSA signing
    ID itself to a key no other realm maps, so that realms publish different sets and a
    jwks_uri that names another realm (or another endpoint) serves the wrong keys."""
    config = draw(publisher_configs(max_depth=depth, realm_mappings=False))
    if depth:
        config["globalMappings"].pop(PROVIDER_SIGNING[0], None)
        realms = realm_paths(config["realm"])
        signing = draw(st.permutations(_RSA), label="one RSA key per realm")
        for (_, node), alias in zip(realms, signing, strict=False):  # at most 7 realms, 8 keys
            own = {PROVIDER_SIGNING[0]: {"aliases": [alias], "active": alias}}
            cast(dict[str, Any], node)["mappings"] = own  # the tree was drawn for this test
        config["keystore"].update(keystore_config(signing[: len(realms)]))
    return config


@pytest.mark.jwk_requirement("PUB-13")
@pytest.mark.jwk_capability("publisher")
@given(data=st.data())
def test_discovery_jwks_uri_is_an_absolute_url_serving_the_realms_keys(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if has_realms(jwk_target) else 0
    config = data.draw(_distinct_realms_case(depth=depth), label="config")
    with jwk_target.open_publisher(config) as rig:
        for names, _ in realm_paths(config["realm"]):
            _serves_the_realms_keys(rig, names, _discovery(rig, names).get("jwks_uri"))


@pytest.mark.jwk_requirement("PUB-13")
@pytest.mark.jwk_capability("publisher", "remote-jwk-url")
@given(data=st.data())
def test_a_remote_jwk_url_replaces_jwks_uri_in_discovery(
    jwk_target: Target, data: st.DataObject
) -> None:
    depth = 2 if has_realms(jwk_target) else 0
    config = data.draw(publisher_configs(max_depth=depth, remote_urls=True), label="config")
    if data.draw(st.booleans(), label="root has a remote URL"):
        config["realm"]["remoteJwkUrl"] = data.draw(st.sampled_from(REMOTE_JWK_URLS))
    with jwk_target.open_publisher(config) as rig:
        for names, realm in realm_paths(config["realm"]):
            remote = realm.get("remoteJwkUrl")
            got = _discovery(rig, names).get("jwks_uri")
            if remote is None:
                # A parent's Remote JSON Web Key URL does not apply to its sub-realms.
                _serves_the_realms_keys(rig, names, got)
            else:
                assert got == remote, (
                    f"the discovery document of {where(names)} has jwks_uri {got!r}; its "
                    f"Remote JSON Web Key URL is {remote!r}, so jwks_uri must be that URL"
                )


# Realm names whose escaped form a jwks_uri must keep: a literal percent escape (unescaped,
# it names another realm), and characters that end a URL path or start a new segment.
_LITERAL_ESCAPES = ("100%25", "a%2Fb", "50%20off")
_OTHER_NAMES = ("a b", "why?", "#1", "x+y", "caf\u00e9", "\u00fcber")


@pytest.mark.jwk_requirement("PUB-13")
@pytest.mark.jwk_capability("publisher", "realms")
@given(
    escape=st.sampled_from(_LITERAL_ESCAPES),
    others=st.lists(st.sampled_from(_OTHER_NAMES), max_size=2, unique=True),
    nested=st.booleans(),
    data=st.data(),
)
def test_discovery_jwks_uri_of_a_realm_whose_name_needs_escaping_serves_its_keys(
    jwk_target: Target, escape: str, others: list[str], nested: bool, data: st.DataObject
) -> None:
    """Each realm maps the provider RSA signing ID to a key of its own, so a jwks_uri that
    names another realm (its name unescaped) serves the wrong keys. A publisher may refuse
    such names; one that accepts them serves discovery for them too."""
    names = data.draw(st.permutations([escape, *others]), "realm names")
    signing = data.draw(st.permutations(_RSA), "one RSA key per realm")
    tree: dict[str, Any] = {}
    node = tree
    for name in names:
        child: dict[str, Any] = {}
        node.setdefault("realms", {})[name] = child
        node = child if nested else node
    realms = realm_paths(tree)
    for (_, realm), alias in zip(realms, signing, strict=False):
        cast(dict[str, Any], realm)["mappings"] = {
            PROVIDER_SIGNING[0]: {"aliases": [alias], "active": alias}
        }
    config = {"keystore": keystore_config(signing[: len(realms)]), "realm": tree}
    try:
        with jwk_target.open_publisher(config) as rig:
            for realm_names, _ in realms:
                # That the realm answers at its escaped path at all is PUB-01's premise.
                published(rig, realm_names, "provider")
                _serves_the_realms_keys(
                    rig, realm_names, _discovery(rig, realm_names).get("jwks_uri")
                )
    except ConfigRefused:
        pass  # refusing a realm name it cannot serve is fine (PUB-01's test says the same)
