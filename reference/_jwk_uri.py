"""Which keys a realm's ``jwk_uri`` endpoints publish (PUB-02..12, PUB-14).

A pure function of the configuration: `published_keys` reads the realm's effective mappings
(global ones, each replaced by the realm's own mapping of the same secret ID), walks the
endpoint's rules, and turns each asymmetric alias into a public JWK built from its
certificate. Symmetric aliases and unknown aliases are never published.

Kids are RFC 7638 thumbprints (SHA-256, base64url) of the public key, so the same key has
the same kid across requests and restarts (PUB-12). By default a kid appears once: the
first rule that publishes a key wins (PUB-09). With "include all kty and alg combinations"
each key appears once per algorithm it can serve, with ``alg`` set (PUB-10).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jwkconform.reference._publisher_config import (
    MTLS,
    PROVIDER_DECRYPTION,
    PROVIDER_SIGNING,
    RP_ENCRYPTION,
    RP_SIGNING,
    AsymmetricAlias,
    PublisherConfig,
    Realm,
    SecretMapping,
)

__all__ = ["ENDPOINTS", "Endpoint", "effective_mappings", "published_keys"]

Endpoint = Literal["provider", "rp"]
Use = Literal["sig", "enc"]


@dataclass(frozen=True)
class _Rule:
    secret_id: str
    aliases: Literal["all", "active"]
    use: Use


# PUB-02/03/04 for the relying-party endpoint, PUB-14 for the provider endpoint. Signing
# IDs publish every alias so tokens signed before a rotation still verify.
ENDPOINTS: Mapping[Endpoint, tuple[_Rule, ...]] = {
    "rp": (
        _Rule(RP_SIGNING, "all", "sig"),
        _Rule(RP_ENCRYPTION, "active", "enc"),
        _Rule(MTLS, "active", "sig"),
    ),
    "provider": (
        *(_Rule(label, "all", "sig") for label in PROVIDER_SIGNING),
        *(_Rule(label, "all", "enc") for label in PROVIDER_DECRYPTION),
    ),
}

# PUB-10: the algorithms a key serves, by key type (and curve) and use.
_RSA_SIG = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_ECDH = ("ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW")
_ALGORITHMS: Mapping[tuple[str, str | None, Use], tuple[str, ...]] = {
    ("RSA", None, "sig"): _RSA_SIG,
    ("RSA", None, "enc"): ("RSA1_5", "RSA-OAEP", "RSA-OAEP-256"),
    ("EC", "P-256", "sig"): ("ES256",),
    ("EC", "P-384", "sig"): ("ES384",),
    ("EC", "P-521", "sig"): ("ES512",),
    **{("EC", crv, "enc"): _ECDH for crv in ("P-256", "P-384", "P-521")},
    ("OKP", "Ed25519", "sig"): ("EdDSA",),
    ("OKP", "Ed448", "sig"): ("EdDSA",),
}


def effective_mappings(
    config: PublisherConfig, path: tuple[str, ...]
) -> Mapping[str, SecretMapping]:
    """Global mappings, each replaced by the realm's own mapping of that ID (PUB-05)."""
    realm = config.realm(path)
    own = realm.mappings if realm is not None else {}
    return {**config.global_mappings, **own}


def published_keys(
    config: PublisherConfig, path: tuple[str, ...], endpoint: Endpoint
) -> dict[str, Any]:
    """The JWK Set that realm ``path`` publishes at ``endpoint``."""
    realm = config.realm(path) or Realm()
    mappings = effective_mappings(config, path)
    keys: list[dict[str, Any]] = []
    seen: set[tuple[str, str | None]] = set()
    for rule in ENDPOINTS[endpoint]:
        mapping = mappings.get(rule.secret_id)
        if mapping is None:
            continue
        for alias in mapping.aliases if rule.aliases == "all" else (mapping.active,):
            stored = config.keystore.get(alias)
            if not isinstance(stored, AsymmetricAlias):
                continue  # PUB-08: symmetric or unknown aliases never show
            for jwk in _entries(stored, rule.use, realm.include_all_combinations):
                identity = (jwk["kid"], jwk.get("alg"))
                if identity not in seen:
                    seen.add(identity)
                    keys.append(jwk)
    return {"keys": keys}


def _entries(stored: AsymmetricAlias, use: Use, all_combinations: bool) -> list[dict[str, Any]]:
    # The certificate is the source of truth for the published key (PUB-11); its public JWK
    # was read once, when the configuration was checked.
    public = stored.public
    leaf = stored.chain[0]
    base = {
        "kty": public["kty"],
        "kid": public["kid"],
        "use": use,
        "x5t": base64.urlsafe_b64encode(hashlib.sha1(leaf).digest()).decode().rstrip("="),
        "x5c": [base64.b64encode(cert).decode() for cert in stored.chain],
        **{k: v for k, v in public.items() if k not in {"kty", "kid"}},
    }
    algorithms = _ALGORITHMS.get((public["kty"], public.get("crv"), use), ())
    if not algorithms:
        return []  # the key type cannot serve this use (an Ed25519 key for encryption, say)
    if not all_combinations:
        return [base]
    return [{**base, "alg": alg} for alg in algorithms]
