"""Shared by the publisher tests (test_publisher_*.py): keystore, paths, expected kids.

Every expected kid and public member is computed here, from the fixture certificates, with
`cryptography` and a hand-written RFC 7638 thumbprint, never with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from jwkconform.fixtures import keystore
from jwkconform.reference import PublisherApp, PublisherConfig
from jwkconform.reference._publisher_config import (
    MTLS,
    PROVIDER_DECRYPTION,
    PROVIDER_SIGNING,
    RP_ENCRYPTION,
    RP_SIGNING,
)

KEYSTORE: dict[str, Any] = dict(keystore())
ASYMMETRIC = tuple(alias for alias, entry in KEYSTORE.items() if "jwk" in entry)
SYMMETRIC = tuple(alias for alias, entry in KEYSTORE.items() if "secret" in entry)

BASE = "https://am.test"
ROOT = "/oauth2/realms/root"
RP = "/connect/rp/jwk_uri"
PROVIDER = "/connect/jwk_uri"
DISCOVERY = "/.well-known/openid-configuration"

CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


# -- helpers -------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _leaf(alias: str) -> bytes:
    return base64.b64decode(KEYSTORE[alias]["x5c"][0])


def _certificate_members(der: bytes) -> dict[str, str]:
    """The certificate's public key as JWK members, straight from `cryptography`."""
    key = x509.load_der_x509_certificate(der).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        n, e = numbers.n, numbers.e
        return {
            "kty": "RSA",
            "n": _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big")),
            "e": _b64url(e.to_bytes((e.bit_length() + 7) // 8, "big")),
        }
    if isinstance(key, ec.EllipticCurvePublicKey):
        size = (key.curve.key_size + 7) // 8  # RFC 7518 6.2.1.2: full coordinate length
        point = key.public_numbers()
        return {
            "kty": "EC",
            "crv": CURVES[key.curve.name],
            "x": _b64url(point.x.to_bytes(size, "big")),
            "y": _b64url(point.y.to_bytes(size, "big")),
        }
    assert isinstance(key, ed25519.Ed25519PublicKey)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def _thumbprint(members: Mapping[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, no white space."""
    required = {
        "RSA": ("e", "kty", "n"),
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
    }
    canonical = json.dumps(
        {name: members[name] for name in required[members["kty"]]},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def _kid(alias: str) -> str:
    return _thumbprint(_certificate_members(_leaf(alias)))


def _mapping(*aliases: str, active: str | None = None) -> dict[str, Any]:
    return {"aliases": list(aliases), "active": active or aliases[0]}


def _config(
    mappings: Mapping[str, Any] | None = None,
    realm: Mapping[str, Any] | None = None,
    store: Mapping[str, Any] | None = None,
) -> PublisherConfig:
    raw: dict[str, Any] = {
        "keystore": KEYSTORE if store is None else store,
        "globalMappings": dict(mappings or {}),
    }
    if realm is not None:
        raw["realm"] = realm
    return PublisherConfig.from_json(raw)


def _get(
    config: PublisherConfig, path: str, method: str = "GET", base: str = BASE
) -> httpx.Response:
    with httpx.Client(transport=PublisherApp(config).transport(), base_url=base) as client:
        return client.request(method, path)


def _keys(config: PublisherConfig, path: str = ROOT + RP) -> list[dict[str, Any]]:
    response = _get(config, path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["keys"]
    keys: list[dict[str, Any]] = body["keys"]
    return keys


def _kids(keys: list[dict[str, Any]]) -> list[str]:
    return [key["kid"] for key in keys]


# Sub-realms used by the realm tests: root > alpha > beta, and root > gamma.
NESTED: dict[str, Any] = {"realms": {"alpha": {"realms": {"beta": {}}}, "gamma": {}}}
REALM_PATHS = {
    "root": ROOT,
    "alpha": ROOT + "/realms/alpha",
    "beta": ROOT + "/realms/alpha/realms/beta",
    "gamma": ROOT + "/realms/gamma",
}


# Every key, symmetric ones too, mapped to every secret ID (PUB-08, PUB-09, the pure function).
EVERYTHING = {
    RP_SIGNING: _mapping(*ASYMMETRIC, *SYMMETRIC),
    RP_ENCRYPTION: _mapping(*SYMMETRIC, "test", active="directenctest"),
    MTLS: _mapping("hmac-a", "mtls-a", active="hmac-a"),
    **{label: _mapping(*SYMMETRIC, *ASYMMETRIC) for label in PROVIDER_SIGNING},
    **{label: _mapping(*SYMMETRIC, "test") for label in PROVIDER_DECRYPTION},
}
