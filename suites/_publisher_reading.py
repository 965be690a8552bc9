"""Reading a JWK URI publisher for the PUB suites: its endpoints, which keystore alias each
published key belongs to, and what the catalogue expects of a configuration.

A published key is traced back to its keystore alias by its leaf certificate (``x5c[0]``)
or, when that is missing or unknown, by its public key, so that one defect (a bad ``x5c``,
say) does not hide the others.

Only PUB-01 is about whether an endpoint answers at all: every other test reads endpoints
through `published`, which holds the answer to PUB-01 as a premise, so a realm that does
not answer blocks those tests instead of failing them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from jwkconform.harness import PublisherRig, Target, premise
from jwkconform.suites.publisher_strategies import (
    MTLS,
    PROVIDER_SECRET_IDS,
    RP_ENCRYPTION,
    RP_SIGNING,
    keystore_config,
    realm_path,
    realm_paths,
)

__all__ = [
    "ENDPOINTS",
    "ENDPOINT_OF",
    "Aliases",
    "Config",
    "Names",
    "answer",
    "baseline",
    "brief",
    "der",
    "effective",
    "endpoints",
    "force",
    "has_realms",
    "mapped",
    "material",
    "published",
    "url",
    "where",
]

Config = dict[str, Any]
Names = tuple[str, ...]

ENDPOINTS: Mapping[str, str] = {"provider": "connect/jwk_uri", "rp": "connect/rp/jwk_uri"}
# The endpoint whose rules read each secret ID (PUB-02/03/04 and PUB-14).
ENDPOINT_OF: Mapping[str, str] = {
    RP_SIGNING: "rp",
    RP_ENCRYPTION: "rp",
    MTLS: "rp",
    **dict.fromkeys(PROVIDER_SECRET_IDS, "provider"),
}
MATERIAL = ("kty", "crv", "n", "e", "x", "y")


def url(names: Names, endpoint: str) -> str:
    return f"{realm_path(names)}/{ENDPOINTS[endpoint]}"


def where(names: Names) -> str:
    return "realm root" + "".join(f"/{n}" for n in names)


def answer(rig: PublisherRig, names: Names, endpoint: str) -> tuple[list[dict[str, Any]], str]:
    """The ``keys`` of one endpoint and the body they came in; a realm that does not answer
    200 with ``{"keys": [...]}`` fails PUB-01."""
    path = url(names, endpoint)
    with premise("PUB-01"):
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


def published(rig: PublisherRig, names: Names, endpoint: str) -> list[dict[str, Any]]:
    """The ``keys`` of one endpoint (a premise of PUB-01)."""
    return answer(rig, names, endpoint)[0]


def has_realms(target: Target) -> bool:
    return "realms" in target.capabilities


def endpoints(target: Target) -> tuple[str, ...]:
    """The endpoints whose rules the implementation declares: the provider endpoint only
    with ``provider-endpoint``."""
    return ("rp", "provider") if "provider-endpoint" in target.capabilities else ("rp",)


def material(jwk: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((m, jwk.get(m)) for m in MATERIAL)


def der(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


class Aliases:
    """Which alias of a configuration's keystore a published JWK belongs to."""

    def __init__(self, keystore_member: Mapping[str, Any]) -> None:
        self.store = keystore_member
        self.leaf: dict[bytes, str] = {}
        self.material: dict[tuple[tuple[str, Any], ...], str] = {}
        for alias, entry in keystore_member.items():
            if "jwk" in entry:
                self.leaf[base64.b64decode(entry["x5c"][0])] = alias
                self.material[material(entry["jwk"])] = alias

    def of(self, jwk: Mapping[str, Any]) -> str | None:
        chain = jwk.get("x5c")
        leaf = der(chain[0]) if isinstance(chain, list) and chain else None
        found = self.leaf.get(leaf) if leaf is not None else None
        return found if found is not None else self.material.get(material(jwk))

    def group(self, keys: Iterable[Mapping[str, Any]]) -> dict[str | None, list[Mapping[str, Any]]]:
        """Published entries by alias; entries no alias of the keystore holds under None."""
        grouped: dict[str | None, list[Mapping[str, Any]]] = {}
        for jwk in keys:
            grouped.setdefault(self.of(jwk), []).append(jwk)
        return grouped

    def asymmetric(self, aliases: Iterable[str]) -> set[str]:
        return {a for a in aliases if "jwk" in self.store.get(a, {})}


def brief(jwk: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in jwk.items() if k in {"kty", "crv", "kid", "use", "alg"}}
    return json.dumps(shown)


# -- what the catalogue expects ---------------------------------------------------------------


def effective(config: Config, realm: Mapping[str, Any]) -> dict[str, Any]:
    """Global mappings, each replaced by the realm's own mapping of that ID (PUB-05)."""
    return {**config.get("globalMappings", {}), **realm.get("mappings", {})}


def mapped(mappings: Mapping[str, Any]) -> set[str]:
    """Every alias of ``mappings``, active or not."""
    return {alias for mapping in mappings.values() for alias in mapping["aliases"]}


def _add_alias(found: dict[str, Any], sid: str, alias: str, *, active: bool) -> None:
    mapping = found.setdefault(sid, {"aliases": [], "active": alias})
    if alias not in mapping["aliases"]:
        mapping["aliases"].append(alias)
    if active:
        mapping["active"] = alias


def force(config: Config, sid: str, alias: str, *, active: bool) -> None:
    """Map ``alias`` to ``sid`` globally and in every realm that maps ``sid`` itself, so
    that it applies at every realm whatever the override rule; add it to the keystore."""
    _add_alias(config["globalMappings"], sid, alias, active=active)
    for _, realm in realm_paths(config["realm"]):
        if sid in realm.get("mappings", {}):
            _add_alias(realm["mappings"], sid, alias, active=active)
    config["keystore"][alias] = keystore_config([alias])[alias]


def baseline(
    target: Target, config: Config, mappings: Mapping[str, Any], cache: dict[str, Any]
) -> dict[str, set[str | None]]:
    """The aliases each endpoint publishes when ``mappings`` are the global mappings of a
    publisher without sub-realms, over ``config``'s keystore: what the implementation's
    own rules make of those mappings. Comparing a realm with it tells where mappings apply
    (PUB-05) apart from which aliases of a mapping a rule picks (PUB-02/03/04/14)."""
    key = json.dumps(mappings, sort_keys=True)
    if key not in cache:
        flat = {"keystore": config["keystore"], "globalMappings": dict(mappings), "realm": {}}
        index = Aliases(config["keystore"])
        with target.open_publisher(flat) as rig:
            cache[key] = {ep: set(index.group(published(rig, (), ep))) for ep in endpoints(target)}
    found: dict[str, set[str | None]] = cache[key]
    return found
