"""Bounded fuzzing of the reference's three ways in: documents, tokens and publisher
configurations. Each property is what the reference promises whatever it is fed:

- a document loads or is a `LoadError`, nothing else; a reload that fails keeps the last
  good set (LOAD-04, LOAD-05);
- `SecretsProvider.verify` answers a `Verification` for any string;
- a publisher configuration is a `ConfigError` or an app whose every answer is 2xx or 4xx
  JSON without a private member (PUB-08, PUB-15).

Each test runs a few hundred examples (a second or two); ``benchmarks/fuzz_reference.py``
repeats the document and token measurement at scale (docs/robustness.md).
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import zlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support import StreamingEndpoint

from jwkconform.fixtures import jwk_set, keystore, private_jwk, public_jwk, sign_token
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import (
    LOGGER_NAME,
    ConfigError,
    JwkSetSecretStore,
    LoadError,
    PublisherApp,
    PublisherConfig,
    SecretsProvider,
    Verification,
)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
KINDS = ("EC-P-256", "EC-P-384", "EC-P-521", "RSA-2048", "OKP-Ed25519", "OKP-X25519")
GOOD_KEYS = [public_jwk(private_jwk(kind, 0, kid=kind)) for kind in KINDS]
GOOD_DOCUMENT = json.dumps(jwk_set(*GOOD_KEYS)).encode()


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    """Skipped JWKs log a line each; thousands of them would only slow the run."""
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# -- documents -----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=10,
)
MEMBER_VALUES = st.one_of(
    st.binary(max_size=80).map(_b64),
    st.sampled_from(["", "AA", "AQAB", "AQ", "!!", "P-256", "sig", "A" * 43]),
    JSON,
)
MEMBER_NAMES = ["kty", "crv", "x", "y", "n", "e", "d", "p", "q", "dp", "k", "kid", "use"]
MEMBER_NAMES += ["key_ops", "alg", "oth", "x5c"]


def _with_member(key: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    return {**key, name: value}


def _without_member(key: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in key.items() if k != name}


JWKS = st.one_of(
    st.sampled_from(GOOD_KEYS),
    st.builds(
        _with_member, st.sampled_from(GOOD_KEYS), st.sampled_from(MEMBER_NAMES), MEMBER_VALUES
    ),
    st.builds(_without_member, st.sampled_from(GOOD_KEYS), st.sampled_from(MEMBER_NAMES)),
    st.dictionaries(st.sampled_from(MEMBER_NAMES), MEMBER_VALUES, max_size=6),
    JSON,
)


def _spliced(body: bytes, at: int, insert: bytes, cut: int) -> bytes:
    at %= len(body) + 1
    return body[:at] + insert + body[at + cut :]


DOCUMENTS = st.one_of(
    st.lists(JWKS, max_size=5).map(lambda keys: json.dumps({"keys": keys}).encode()),
    JSON.map(lambda value: json.dumps(value).encode()),
    st.builds(
        _spliced, st.just(GOOD_DOCUMENT), st.integers(0), st.binary(max_size=4), st.integers(0, 8)
    ),
    st.binary(max_size=120),
    st.integers(1, 200_000).map(lambda depth: b'{"keys": ' + b"[" * depth),
    st.integers(4_000, 6_000).map(lambda digits: b'{"keys": [1' + b"0" * digits + b"]}"),
)

_ENCODERS: dict[str | None, Callable[[bytes], bytes]] = {
    None: lambda body: body,
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "gzip, gzip": lambda body: gzip.compress(gzip.compress(body)),
    "br": lambda body: body,  # refused: not a coding the store offers
}
ENCODINGS = st.sampled_from(sorted(_ENCODERS, key=str))


def _ids(store: JwkSetSecretStore) -> list[str]:
    return [s.stable_id for s in store.valid("verify")]


@FUZZ
@given(document=DOCUMENTS, encoding=ENCODINGS)
def test_any_document_loads_or_is_a_load_error_and_a_failed_reload_keeps_the_set(
    document: bytes, encoding: str | None
) -> None:
    clock = FakeClock()
    endpoint = StreamingEndpoint(clock)
    wire = _ENCODERS[encoding](document)
    try:
        loaded: dict[int, list[str] | None] = {}
        for cap in (1 << 20, 200):  # the default cap, and one that most documents pass
            try:
                loaded[cap] = _ids(endpoint.store(wire, encoding, maxBodyBytes=cap))
            except LoadError:
                loaded[cap] = None

        good = endpoint.store(GOOD_DOCUMENT)
        before = _ids(good)
        endpoint.answer(wire, encoding)
        clock.advance(120)
        assert _ids(good) == (before if loaded[1 << 20] is None else loaded[1 << 20])
        assert endpoint.fetches == 4
    finally:
        endpoint.client.close()


# -- tokens --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider() -> Iterator[SecretsProvider]:
    clock = FakeClock()
    keys = [*GOOD_KEYS, private_jwk("oct-256", 0, kid="hmac")]
    endpoint = StreamingEndpoint(clock)
    store = endpoint.store(json.dumps(jwk_set(*keys)).encode())
    yield SecretsProvider(store, verification_secret_id="x", clock=clock)
    endpoint.client.close()


SIGNED = [sign_token(private_jwk("EC-P-256", 0, kid="EC-P-256"), "ES256")]
SIGNED += [sign_token(private_jwk("RSA-2048", 0), "PS256", kid=None)]
HEADERS = st.one_of(
    st.fixed_dictionaries(
        {"alg": st.sampled_from(["ES256", "RS256", "PS256", "HS256", "EdDSA", "none"]) | JSON},
        optional={
            "kid": st.sampled_from(["EC-P-256", "RSA-2048", "hmac", "x"]) | JSON,
            "crit": JSON,
        },
    ),
    JSON,
).map(lambda header: _b64(json.dumps(header).encode()))
SEGMENTS = st.one_of(
    st.binary(max_size=300).map(_b64), st.text(alphabet="AZaz09-_.=+/ ", max_size=20)
)
TOKENS = st.one_of(
    st.text(max_size=60),
    st.tuples(HEADERS | SEGMENTS, SEGMENTS, SEGMENTS).map(".".join),
    st.integers(1, 3_000).map(lambda depth: f"{_b64(b'[' * depth)}.e30.c2ln"),
    st.builds(
        _spliced,
        st.sampled_from([t.encode() for t in SIGNED]),
        st.integers(0),
        st.binary(max_size=2),
        st.integers(0, 3),
    ).map(lambda token: token.decode("latin-1")),
)


@FUZZ
@given(token=TOKENS)
def test_verify_answers_any_string(provider: SecretsProvider, token: str) -> None:
    result = provider.verify(token)
    assert isinstance(result, Verification)
    if token in SIGNED:
        assert result.verified
    elif result.verified:  # a signature may be spelled another way; what it signs may not
        assert token.rsplit(".", 1)[0] in {t.rsplit(".", 1)[0] for t in SIGNED}


# -- publisher configurations --------------------------------------------------------------

ALIASES = sorted(keystore())
SECRET_IDS = [
    "am.services.oauth2.oidc.rp.jwt.authenticity.signing",
    "am.services.oauth2.oidc.rp.idtoken.encryption",
    "am.services.oauth2.mtls.client.authentication",
    "am.services.oauth2.oidc.signing.RSA",
    "am.services.oauth2.oidc.decryption.RSA.OAEP",
]
ALIAS_LISTS = st.lists(st.sampled_from([*ALIASES, "missing"]), min_size=1, max_size=3, unique=True)
MAPPING = st.one_of(
    ALIAS_LISTS.flatmap(
        lambda aliases: st.fixed_dictionaries(
            {"aliases": st.just(aliases), "active": st.sampled_from(aliases)}
        )
    ),
    st.fixed_dictionaries({"aliases": ALIAS_LISTS}, optional={"active": st.sampled_from(ALIASES)}),
)
MAPPINGS = (
    st.dictionaries(st.sampled_from(SECRET_IDS) | st.text(max_size=4), MAPPING, max_size=3) | JSON
)
REALM_NAMES = st.sampled_from(["a", "b", "c d", "%2F", "é", "", "x/y", "\x00"])
REALMS = (
    st.recursive(
        st.fixed_dictionaries(
            {},
            optional={
                "mappings": MAPPINGS,
                "includeAllKtyAlgCombinations": st.sampled_from([True, False, "true", None]),
                "remoteJwkUrl": st.sampled_from(["https://keys.example/jwks", "ftp://x", 5]),
            },
        ),
        lambda inner: st.builds(
            lambda node, subs: {**node, "realms": subs},
            inner,
            st.dictionaries(REALM_NAMES, inner, max_size=3),
        ),
        max_leaves=8,
    )
    | JSON
)
ENTRIES = [dict(entry) for entry in keystore().values()]
KEYSTORES = st.dictionaries(st.sampled_from(ALIASES), st.sampled_from(ENTRIES), max_size=4)
JUNK_KEYSTORES = st.dictionaries(st.text(max_size=4), JSON, max_size=2) | JSON


def _nested(depth: int) -> dict[str, Any]:
    realm: dict[str, Any] = {}
    for _ in range(depth):
        realm = {"realms": {"r": realm}}
    return realm


# Mostly well-formed (a keystore, then anything), so that most configurations get served.
CONFIGS = st.one_of(
    st.fixed_dictionaries(
        {"keystore": KEYSTORES},
        optional={
            "globalMappings": MAPPINGS,
            "realm": REALMS | st.sampled_from([1, 32, 33, 2_000]).map(_nested),
        },
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "keystore": KEYSTORES | JUNK_KEYSTORES,
            "globalMappings": MAPPINGS,
            "realm": REALMS,
            "other": JSON,
        },
    ),
    JSON,
)


def _paths(realm: Any, prefix: str = "/oauth2/realms/root") -> Iterator[str]:
    yield prefix
    realms = realm.get("realms", {}) if isinstance(realm, dict) else {}
    if isinstance(realms, dict):
        for name, sub in list(realms.items())[:3]:
            # Escaped, as a client would: a realm's name may hold any character.
            yield from _paths(sub, f"{prefix}/realms/{quote(str(name), safe='')}")


ENDPOINT_PATHS = ["/connect/jwk_uri", "/connect/rp/jwk_uri", "/.well-known/openid-configuration"]


@FUZZ
@given(raw=CONFIGS, method=st.sampled_from(["GET", "HEAD", "POST"]), junk=st.text(max_size=12))
def test_any_publisher_config_is_refused_or_served_safely(raw: Any, method: str, junk: str) -> None:
    try:
        config = PublisherConfig.from_json(raw, default_keystore=None)
    except ConfigError:
        event("refused")
        return
    event("served")
    app = PublisherApp(config)
    realm = raw.get("realm", {}) if isinstance(raw, dict) else {}
    urls = [prefix + endpoint for prefix in _paths(realm) for endpoint in ENDPOINT_PATHS]
    urls.append("/oauth2/realms/root/" + quote(junk))
    with httpx.Client(transport=app.transport(), base_url="https://am.test") as client:
        for url in urls:
            response = client.request(method, url)
            assert 200 <= response.status_code < 300 or 400 <= response.status_code < 500
            assert response.headers["content-type"] == "application/json"
            if method == "HEAD":
                continue
            body = response.json()
            for key in body.get("keys", []) if isinstance(body, dict) else []:
                assert PRIVATE_MEMBERS.isdisjoint(key), sorted(key)
