"""The JWK URI publisher's configuration: a keystore of aliases, secret mappings (global
and per realm, exactly one active alias each), nested realms and per-realm options.

``PublisherConfig.from_json`` reads the JSON shape documented in docs/publisher.md and
refuses anything else with a `ConfigError` whose ``field`` is the path of the bad member;
realms nest at most `MAX_REALM_DEPTH` levels below root. ``"newInstall": true`` makes the
global mappings those of a fresh install (`DEFAULT_MAPPINGS`); without it, only the
mappings spelled out apply (an upgraded install).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from jwcrypto.jwk import JWK

from jwkconform.reference._errors import ConfigError, member_name

__all__ = [
    "DEFAULT_MAPPINGS",
    "MAX_REALM_DEPTH",
    "MTLS",
    "PROVIDER_DECRYPTION",
    "PROVIDER_SIGNING",
    "RP_ENCRYPTION",
    "RP_SIGNING",
    "AsymmetricAlias",
    "PublisherConfig",
    "Realm",
    "SecretMapping",
    "SymmetricAlias",
]

# Realm trees are read recursively; a tree 2,000 deep reached Python's recursion limit. Real
# realm trees are a handful of levels deep, and 32 keeps the deepest path (32 times
# "/realms/NAME") far below both the recursion limit and a request line's length limit.
MAX_REALM_DEPTH = 32

RP_SIGNING = "am.services.oauth2.oidc.rp.jwt.authenticity.signing"
RP_ENCRYPTION = "am.services.oauth2.oidc.rp.idtoken.encryption"
MTLS = "am.services.oauth2.mtls.client.authentication"
PROVIDER_SIGNING = tuple(
    f"am.services.oauth2.oidc.signing.{alg}" for alg in ("RSA", "ES256", "ES384", "ES512")
)
PROVIDER_DECRYPTION = tuple(
    f"am.services.oauth2.oidc.decryption.{alg}" for alg in ("RSA1.5", "RSA.OAEP", "RSA.OAEP.256")
)


@dataclass(frozen=True)
class AsymmetricAlias:
    """A key pair with its certificate chain (DER, leaf first) and the public JWK of the
    leaf certificate, ``kid`` included (what gets published)."""

    jwk: Mapping[str, Any]
    chain: tuple[bytes, ...]
    public: Mapping[str, Any]


@dataclass(frozen=True)
class SymmetricAlias:
    """A shared secret: usable for HMAC or direct encryption, never published (PUB-08)."""

    secret: bytes = field(repr=False)


Alias = AsymmetricAlias | SymmetricAlias


@dataclass(frozen=True)
class SecretMapping:
    """The aliases mapped to one secret ID; exactly one of them is active."""

    aliases: tuple[str, ...]
    active: str


@dataclass(frozen=True)
class Realm:
    """A realm's own mappings and options, and its sub-realms."""

    mappings: Mapping[str, SecretMapping] = field(default_factory=dict)
    include_all_combinations: bool = False
    remote_jwk_url: str | None = None
    realms: Mapping[str, Realm] = field(default_factory=dict)


def _mapping(*aliases: str) -> SecretMapping:
    return SecretMapping(aliases, aliases[0])


# A new install maps the demo aliases (PUB-07; provider labels from the vendor's defaults).
DEFAULT_MAPPINGS: Mapping[str, SecretMapping] = MappingProxyType(
    {
        RP_SIGNING: _mapping("rsajwtsigningkey"),
        RP_ENCRYPTION: _mapping("test"),
        PROVIDER_SIGNING[0]: _mapping("rsajwtsigningkey"),
        PROVIDER_SIGNING[1]: _mapping("es256test"),
        PROVIDER_SIGNING[2]: _mapping("es384test"),
        PROVIDER_SIGNING[3]: _mapping("es512test"),
        **{label: _mapping("test") for label in PROVIDER_DECRYPTION},
    }
)


@dataclass(frozen=True)
class PublisherConfig:
    """Everything the publisher's rules read.

    >>> config = PublisherConfig.from_json({"keystore": {}, "globalMappings": {}})
    >>> config.realm(("root",)) is config.root, config.realm(("root", "alpha"))
    (True, None)

    A new install maps the demo aliases by itself; mappings given with it replace its
    defaults one secret ID at a time:

    >>> fresh = PublisherConfig.from_json({"keystore": {}, "newInstall": True})
    >>> fresh.global_mappings[RP_SIGNING].aliases, fresh.global_mappings[RP_ENCRYPTION].active
    (('rsajwtsigningkey',), 'test')
    >>> PublisherConfig.from_json({"keystore": {}}).global_mappings
    mappingproxy({})
    """

    keystore: Mapping[str, Alias]
    global_mappings: Mapping[str, SecretMapping]
    root: Realm = field(default_factory=Realm)

    @classmethod
    def new_install(cls, keystore: Mapping[str, Alias]) -> PublisherConfig:
        """A fresh install: the demo aliases mapped by default (PUB-07)."""
        return cls(keystore, DEFAULT_MAPPINGS)

    @classmethod
    def from_json(
        cls, raw: Mapping[str, Any], *, default_keystore: Mapping[str, Alias] | None = None
    ) -> PublisherConfig:
        """Read the documented JSON shape; ``keystore`` falls back to ``default_keystore``,
        and ``"newInstall": true`` starts the global mappings from `DEFAULT_MAPPINGS`."""
        _object(raw, "", {"keystore", "newInstall", "globalMappings", "realm"})
        if "keystore" in raw:
            keystore = _keystore(raw["keystore"])
        elif default_keystore is not None:
            keystore = default_keystore
        else:
            raise ConfigError("keystore", "is required")
        new_install = raw.get("newInstall", False)
        if not isinstance(new_install, bool):
            raise ConfigError("newInstall", f"expected true or false, got {new_install!r}")
        mappings = _mappings(raw.get("globalMappings", {}), "globalMappings")
        if new_install:
            # PUB-07: a fresh install starts from its own defaults; an explicit mapping of a
            # secret ID replaces the default of that ID (an administrator's later change).
            mappings = MappingProxyType({**DEFAULT_MAPPINGS, **mappings})
        root = _realm(raw.get("realm", {}), "realm")
        return cls(keystore, mappings, root)

    def realm(self, path: tuple[str, ...]) -> Realm | None:
        """The realm at ``path`` (``("root", "alpha", ...)``), or None."""
        if not path or path[0] != "root":
            return None
        realm: Realm | None = self.root
        for name in path[1:]:
            realm = realm.realms.get(name) if realm is not None else None
        return realm


def _object(value: object, where: str, known: set[str]) -> Mapping[str, Any]:
    """``value`` as a JSON object with only ``known`` members; ``where`` is its dotted path
    ("" for the top level)."""
    if not isinstance(value, Mapping):
        raise ConfigError(where or "config", f"expected a JSON object, got {type(value).__name__}")
    unknown = sorted(set(value) - known)
    if unknown:
        field = f"{where}.{member_name(unknown[0])}" if where else unknown[0]
        raise ConfigError(field, f"unknown member (known: {', '.join(sorted(known))})")
    return value


def _keystore(value: object) -> Mapping[str, Alias]:
    if not isinstance(value, Mapping):
        raise ConfigError("keystore", f"expected a JSON object, got {type(value).__name__}")
    return MappingProxyType(
        {name: _alias(entry, f"keystore.{member_name(name)}") for name, entry in value.items()}
    )


def _alias(value: object, where: str) -> Alias:
    entry = _object(value, where, {"jwk", "x5c", "secret"})
    if "secret" in entry:
        return SymmetricAlias(_b64(entry["secret"], f"{where}.secret", urlsafe=True))
    jwk = entry.get("jwk")
    if not isinstance(jwk, Mapping) or not isinstance(jwk.get("kty"), str):
        raise ConfigError(f"{where}.jwk", "expected a JWK object with a 'kty'")
    chain = entry.get("x5c")
    if not isinstance(chain, (list, tuple)) or not chain:
        raise ConfigError(f"{where}.x5c", "expected a non-empty list of base64 DER certificates")
    ders = tuple(_b64(c, f"{where}.x5c[{i}]", urlsafe=False) for i, c in enumerate(chain))
    public = _leaf_key(jwk, ders[0], f"{where}.x5c")
    return AsymmetricAlias(MappingProxyType(dict(jwk)), ders, MappingProxyType(public))


def _leaf_key(jwk: Mapping[str, Any], leaf: bytes, where: str) -> dict[str, Any]:
    """The leaf certificate's public JWK with its RFC 7638 kid, checked against ``jwk``."""
    # The certificate is what gets published (PUB-11); it must hold the alias's own key, or
    # tokens signed with the alias would never verify against the published set.
    try:
        published = JWK.from_pyca(x509.load_der_x509_certificate(leaf).public_key())
    except ValueError as exc:
        raise ConfigError(f"{where}[0]", f"not a DER certificate: {exc}") from None
    except UnsupportedAlgorithm as exc:
        raise ConfigError(f"{where}[0]", f"unsupported certificate key: {exc}") from None
    public: dict[str, Any] = published.export_public(as_dict=True)
    if any(jwk.get(name) != value for name, value in public.items() if name != "kid"):
        raise ConfigError(f"{where}[0]", "the certificate's key is not the alias's jwk")
    public["kid"] = published.thumbprint()
    return public


def _b64(value: object, where: str, *, urlsafe: bool) -> bytes:
    if not isinstance(value, str):
        raise ConfigError(where, f"expected a base64 string, got {type(value).__name__}")
    try:
        padded = value + "=" * (-len(value) % 4)
        decoded = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(padded)
    except (binascii.Error, ValueError):
        raise ConfigError(where, f"not valid base64: {value[:20]!r}") from None
    if not decoded:
        raise ConfigError(where, "is empty")
    return decoded


def _mappings(value: object, where: str) -> Mapping[str, SecretMapping]:
    if not isinstance(value, Mapping):
        raise ConfigError(where, f"expected a JSON object, got {type(value).__name__}")
    return MappingProxyType(
        {sid: _secret_mapping(m, f"{where}.{member_name(sid)}") for sid, m in value.items()}
    )


def _secret_mapping(value: object, where: str) -> SecretMapping:
    entry = _object(value, where, {"aliases", "active"})
    aliases = entry.get("aliases")
    if (
        not isinstance(aliases, list)
        or not aliases
        or not all(isinstance(a, str) and a for a in aliases)
        or len(set(aliases)) != len(aliases)
    ):
        raise ConfigError(f"{where}.aliases", "expected a non-empty list of distinct alias names")
    active = entry.get("active", aliases[0] if len(aliases) == 1 else None)
    if active not in aliases:
        raise ConfigError(
            f"{where}.active", f"must name exactly one of the aliases, got {active!r}"
        )
    return SecretMapping(tuple(aliases), str(active))


def _realm(value: object, where: str, depth: int = 0) -> Realm:
    if depth > MAX_REALM_DEPTH:
        raise ConfigError(where, f"realms nest more than {MAX_REALM_DEPTH} levels below root")
    entry = _object(
        value, where, {"mappings", "includeAllKtyAlgCombinations", "remoteJwkUrl", "realms"}
    )
    combos = entry.get("includeAllKtyAlgCombinations", False)
    if not isinstance(combos, bool):
        raise ConfigError(
            f"{where}.includeAllKtyAlgCombinations", f"expected true or false, got {combos!r}"
        )
    remote = entry.get("remoteJwkUrl")
    if remote is not None and (
        not isinstance(remote, str) or not remote.startswith(("http://", "https://"))
    ):
        raise ConfigError(f"{where}.remoteJwkUrl", f"expected an http(s) URL, got {remote!r}")
    realms = entry.get("realms", {})
    if not isinstance(realms, Mapping):
        raise ConfigError(f"{where}.realms", "expected a JSON object of sub-realms")
    for name in realms:
        if not name or "/" in name:
            raise ConfigError(f"{where}.realms", f"invalid realm name {name!r}")
    return Realm(
        mappings=_mappings(entry.get("mappings", {}), f"{where}.mappings"),
        include_all_combinations=combos,
        remote_jwk_url=remote,
        realms=MappingProxyType(
            {name: _realm(sub, f"{where}.realms.{name}", depth + 1) for name, sub in realms.items()}
        ),
    )
