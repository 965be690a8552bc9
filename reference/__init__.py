"""The reference JWK-Set secret store and secrets provider.

It shows every store and provider requirement of the catalogue; each behaviour lives in one
module: durations in ``_durations``, configuration in ``_config``, reading bytes in
``_fetch`` (undoing content codings in ``_decoding``, in threads that ``_workers`` reuses),
parsing a set in ``_jwks``, checking key material in ``_key_material``, purposes in
``_purposes``, algorithm constraints in ``_constraints``, caching and leases in ``_store``,
token verification in ``_provider`` (reusing named secrets through ``_lease_cache``); the
publisher's configuration in ``_publisher_config``, its rules in ``_jwk_uri``, its HTTP
front in ``_publisher_http`` and its port on 127.0.0.1 in ``_publisher_server`` (on the
threaded server it shares with the harness, ``jwkconform._http_server``: the only module
outside this package it imports).

>>> from jwkconform.reference import JwkSetSecretStore, SecretsProvider
>>> store = JwkSetSecretStore.from_json({"jwkUrl": "https://idp.example/jwks"})
>>> provider = SecretsProvider.from_json({"verificationSecretId": "access.token"}, store)
>>> provider.verify(token).verified  # doctest: +SKIP
True
>>> store.close()
"""

from jwkconform.reference._config import StoreConfig
from jwkconform.reference._durations import Duration, DurationError, parse_duration
from jwkconform.reference._errors import ConfigError, LoadError, UnsupportedPurposeError
from jwkconform.reference._jwk_uri import effective_mappings, published_keys
from jwkconform.reference._log import LOGGER_NAME
from jwkconform.reference._provider import SecretsProvider, SecretStore, Verification
from jwkconform.reference._publisher_config import (
    DEFAULT_MAPPINGS,
    MAX_REALM_DEPTH,
    AsymmetricAlias,
    PublisherConfig,
    Realm,
    SecretMapping,
    SymmetricAlias,
)
from jwkconform.reference._publisher_http import PublisherApp
from jwkconform.reference._publisher_server import PublisherServer
from jwkconform.reference._purposes import Purpose
from jwkconform.reference._secrets import Secret
from jwkconform.reference._store import Clock, JwkSetSecretStore

__all__ = [
    "DEFAULT_MAPPINGS",
    "LOGGER_NAME",
    "MAX_REALM_DEPTH",
    "AsymmetricAlias",
    "Clock",
    "ConfigError",
    "Duration",
    "DurationError",
    "JwkSetSecretStore",
    "LoadError",
    "PublisherApp",
    "PublisherConfig",
    "PublisherServer",
    "Purpose",
    "Realm",
    "Secret",
    "SecretMapping",
    "SecretStore",
    "SecretsProvider",
    "StoreConfig",
    "SymmetricAlias",
    "UnsupportedPurposeError",
    "Verification",
    "effective_mappings",
    "parse_duration",
    "published_keys",
]
