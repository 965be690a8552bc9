"""The secrets provider: kid resolution, fallback, constraints, leases.

Requirements: KID-01..06, ORD-02, PUR-05..07, LEASE-02, LEASE-03.
"""

from __future__ import annotations

import base64
import json
import tracemalloc
from collections import deque
from pathlib import Path
from typing import Any

import httpx
import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from support import JWKS_URL, Endpoint

from jwkconform.fixtures import private_jwk, public_jwk, sign_token, tamper, unsigned_token
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import ConfigError, JwkSetSecretStore, Secret, SecretsProvider
from jwkconform.reference._lease_cache import MAX_SECRETS


def provider_for(clock: FakeClock, url: str = JWKS_URL, **config: str) -> SecretsProvider:
    store = JwkSetSecretStore.from_json({"jwkUrl": url, **config}, clock=clock)
    return SecretsProvider(store, verification_secret_id="access.token", clock=clock)


def serve(endpoint: Endpoint, *private_keys: dict[str, Any]) -> None:
    endpoint.document = {"keys": [public_jwk(k) for k in private_keys]}


A = private_jwk("EC-P-256", 0, kid="a")
B = private_jwk("EC-P-256", 1, kid="b")
C = private_jwk("EC-P-256", 2, kid="c")


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [{}, {"verificationSecretId": ""}, {"verificationSecretId": 5}])
def test_kid06_resolver_needs_a_verification_secret_id(raw: dict[str, Any]) -> None:
    store = JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL})
    with pytest.raises(ConfigError) as caught:
        SecretsProvider.from_json(raw, store)
    assert caught.value.field == "verificationSecretId"


def test_kid06_unknown_resolver_member_is_refused() -> None:
    store = JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL})
    with pytest.raises(ConfigError, match="verificationSecretID"):
        SecretsProvider.from_json({"verificationSecretID": "x"}, store)


def test_kid06_value_is_not_used_for_named_resolution(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, A)
    store = JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL}, clock=clock)
    provider = SecretsProvider.from_json({"verificationSecretId": "unrelated"}, store, clock=clock)
    assert provider.verify(sign_token(A, "ES256")).secret_id == "a"


# -- named resolution and fallback -------------------------------------------------------------


def test_kid01_named_secret_verifies(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, A, B, C)
    result = provider_for(clock).verify(sign_token(B, "ES256"))
    assert (result.verified, result.secret_id, result.tried) == (True, "b", ("b",))


def test_kid02_failed_named_secret_means_invalid(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, A, B)
    # Signed by B's key, but the header names a: a must decide alone, B is never tried.
    result = provider_for(clock).verify(sign_token(B, "ES256", kid="a"))
    assert (result.verified, result.tried) == (False, ("a",))
    assert "named secret" in result.reason


def test_kid02_named_secret_with_unmet_constraints_means_invalid(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, {**A, "alg": "ES384"}, B)
    result = provider_for(clock).verify(sign_token(A, "ES256"))
    assert (result.verified, result.tried) == (False, ())


def test_kid03_unknown_kid_falls_back_to_valid_secrets(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, A, B, C)
    result = provider_for(clock).verify(sign_token(C, "ES256", kid="nobody"))
    assert (result.verified, result.secret_id, result.tried) == (True, "c", ("a", "b", "c"))


def test_kid05_kid_of_encryption_key_falls_back(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, {**A, "use": "enc"}, B)
    result = provider_for(clock).verify(sign_token(B, "ES256", kid="a"))
    assert (result.verified, result.secret_id, result.tried) == (True, "b", ("b",))


def test_ord02_no_kid_tries_in_order_and_stops_at_first(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, A, B, C)
    result = provider_for(clock).verify(sign_token(B, "ES256", kid=None))
    assert (result.verified, result.secret_id, result.tried) == (True, "b", ("a", "b"))


def test_ord02_none_verifies_means_invalid(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, A, B)
    result = provider_for(clock).verify(sign_token(C, "ES256", kid=None))
    assert (result.verified, result.secret_id, result.tried) == (False, None, ("a", "b"))


def test_ord02_no_valid_secret_means_invalid(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, {**A, "use": "enc"})
    result = provider_for(clock).verify(sign_token(A, "ES256", kid=None))
    assert (result.verified, result.tried) == (False, ())


def test_tampered_token_does_not_verify(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, A)
    assert not provider_for(clock).verify(tamper(sign_token(A, "ES256"))).verified


# -- constraints ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "alg"),
    [
        ("RSA-2048", "RS256"),
        ("RSA-3072", "PS512"),
        ("EC-P-256", "ES256"),
        ("EC-P-384", "ES384"),
        ("EC-P-521", "ES512"),
        ("OKP-Ed25519", "EdDSA"),
        ("OKP-Ed448", "EdDSA"),
    ],
)
def test_pur05_every_supported_algorithm_verifies(
    endpoint: Endpoint, clock: FakeClock, kind: str, alg: str
) -> None:
    signer = private_jwk(kind, kid="k")
    serve(endpoint, signer)
    assert provider_for(clock).verify(sign_token(signer, alg)).verified


@pytest.mark.parametrize(
    ("signer_kind", "signer_alg", "decoy_kind", "decoy_members"),
    [
        ("EC-P-256", "ES256", "EC-P-256", {"alg": "ES512"}),  # JWK alg differs
        ("EC-P-256", "ES256", "EC-P-384", {}),  # wrong curve for ES256
        ("EC-P-384", "ES384", "EC-P-256", {}),
        ("RSA-2048", "RS256", "EC-P-256", {}),  # wrong key type
        ("EC-P-256", "ES256", "EC-secp256k1", {}),  # unsupported curve
    ],
)
def test_pur05_keys_whose_constraints_fail_are_not_tried(
    endpoint: Endpoint,
    clock: FakeClock,
    signer_kind: str,
    signer_alg: str,
    decoy_kind: str,
    decoy_members: dict[str, Any],
) -> None:
    decoy = private_jwk(decoy_kind, 1, kid="decoy", **decoy_members)
    signer = private_jwk(signer_kind, 0, kid="signer")
    serve(endpoint, decoy, signer)
    result = provider_for(clock).verify(sign_token(signer, signer_alg, kid=None))
    assert (result.verified, result.tried) == (True, ("signer",))


def test_pur05_matching_jwk_alg_is_accepted(endpoint: Endpoint, clock: FakeClock) -> None:
    signer = {**A, "alg": "ES256"}
    serve(endpoint, signer)
    assert provider_for(clock).verify(sign_token(signer, "ES256")).verified


def test_pur06_alg_none_never_verifies(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, A)
    for token in (unsigned_token(kid="a"), unsigned_token()):
        result = provider_for(clock).verify(token)
        assert (result.verified, result.tried) == (False, ())


def test_pur06_weak_rsa_key_is_not_used(endpoint: Endpoint, clock: FakeClock) -> None:
    weak = private_jwk("RSA-1024", kid="weak")
    serve(endpoint, weak)
    result = provider_for(clock).verify(sign_token(weak, "RS256"))
    assert (result.verified, result.tried) == (False, ())


def test_pur07_hmac_key_from_https_never_verifies(endpoint: Endpoint, clock: FakeClock) -> None:
    secret = private_jwk("oct-256", kid="h", use="sig")
    endpoint.document = {"keys": [secret]}
    assert not provider_for(clock).verify(sign_token(secret, "HS256")).verified


def test_pur07_hmac_key_from_a_local_file_verifies(tmp_path: Path, clock: FakeClock) -> None:
    secret = private_jwk("oct-256", kid="h", use="sig")
    path = tmp_path / "secret.json"
    path.write_text(json.dumps({"keys": [secret]}))
    provider = provider_for(clock, url=path.as_uri())
    assert provider.verify(sign_token(secret, "HS256")).verified
    # A 256-bit key is too short for HS384 (RFC 7518 3.2), so it is not even tried.
    longer = private_jwk("oct-384", kid="h")
    result = provider.verify(sign_token(longer, "HS384"))
    assert (result.verified, result.tried) == (False, ())


# -- leases -----------------------------------------------------------------------------------


def test_lease02_secrets_are_reused_until_their_lease_ends(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, A)
    provider = provider_for(clock, cacheTimeout="10 s", leaseExpiry="60 s")
    token = sign_token(A, "ES256")
    assert provider.verify(token).verified
    serve(endpoint)  # the key is withdrawn
    clock.advance(59.999)
    assert provider.verify(token).verified  # the lease still holds: no store query
    assert endpoint.fetches == 1
    clock.advance(0.001)
    assert not provider.verify(token).verified  # lease over: the store reloads, key gone
    assert endpoint.fetches == 2


def test_lease02_fallback_secrets_are_reused_too(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, A, B)
    provider = provider_for(clock, cacheTimeout="10 s", leaseExpiry="60 s")
    token = sign_token(B, "ES256", kid=None)
    assert provider.verify(token).verified
    serve(endpoint, A)
    clock.advance(30)
    assert provider.verify(token).tried == ("a", "b")
    clock.advance(30)
    assert provider.verify(token).tried == ("a",)


def test_lease03_removed_key_stops_within_cache_timeout_plus_lease(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, A)
    provider = provider_for(clock, cacheTimeout="20 s", leaseExpiry="30 s")
    token = sign_token(A, "ES256")
    provider.verify(token)
    clock.advance(19.999)
    provider.verify(token)  # store still fresh: the lease restarts from here
    serve(endpoint)
    clock.advance(20 + 30)
    assert not provider.verify(token).verified


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.sig",
        "W10.e30.c2ln",  # header is a JSON array
        "eyJhbGciOjV9.e30.c2ln",  # alg is a number
        "eyJhbGciOiJFUzI1NiIsImtpZCI6N30.e30.c2ln",  # kid is a number
        "eyJhbGciOiJFUzI1NiIsImNyaXQiOlsieCJdfQ.e30.c2ln",  # crit
        "eyJhbGciOiJYWTUxMiJ9.e30.c2ln",  # unknown alg
        "eyJhbGciOiJFUzI1NiJ9.e30.***",  # signature is not base64url
    ],
)
def test_malformed_tokens_are_invalid_not_errors(
    endpoint: Endpoint, clock: FakeClock, token: str
) -> None:
    serve(endpoint, A)
    result = provider_for(clock).verify(token)
    assert (result.verified, result.tried) == (False, ())
    assert result.reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# Tokens that made `verify` raise before: its header beyond the JSON parser's limits.
@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"[" * 1_000, id="1.3-KB-of-nested-arrays"),
        pytest.param(b'{"alg": "ES256", "x": ' + b"[" * 100_000 + b"]", id="deep-member"),
        pytest.param(b'{"alg": "ES256", "n": ' + b"9" * 5_000 + b"}", id="5000-digit-number"),
    ],
)
def test_a_header_beyond_the_parser_limits_is_invalid_not_an_error(
    endpoint: Endpoint, clock: FakeClock, header: bytes
) -> None:
    serve(endpoint, A)
    token = f"{_b64(header)}.e30.c2ln"
    result = provider_for(clock).verify(token)
    assert (result.verified, result.tried) == (False, ())
    assert result.reason.startswith("malformed token: header")


def test_a_signature_check_that_cannot_run_is_a_failed_check(
    endpoint: Endpoint, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever jwcrypto raises while checking a signature, `verify` answers."""

    def broken(self: JWS, key: Any, alg: str | None = None) -> None:
        raise KeyError("a jwcrypto bug")

    serve(endpoint, A)
    monkeypatch.setattr(JWS, "verify", broken)
    result = provider_for(clock).verify(sign_token(A, "ES256"))
    assert (result.verified, result.tried) == (False, ("a",))


def test_load_error_makes_the_token_invalid_with_the_reason(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    endpoint.error = httpx.ConnectError("refused")
    result = provider_for(clock).verify(sign_token(A, "ES256"))
    assert not result.verified
    assert JWKS_URL in result.reason


# -- the named-secret cache is bounded ---------------------------------------------------------


class _EveryKid:
    """A store that has a secret for every kid asked (a set that keeps rotating)."""

    def __init__(self, clock: FakeClock, lease: float = 300) -> None:
        self.clock, self.lease = clock, lease
        self.asked: deque[str] = deque(maxlen=4)  # the last few: it must not grow either
        self.key = JWK(**public_jwk(A))

    def named(self, purpose: Any, kid: str) -> Secret | None:
        self.asked.append(kid)
        return Secret(kid, {"kty": "EC", "kid": kid}, self.clock() + self.lease, self.key)

    def valid(self, purpose: Any) -> list[Secret]:
        return []


def _naming(kid: str) -> str:
    return f"{_b64(json.dumps({'alg': 'ES256', 'kid': kid}).encode())}.e30.c2ln"


def test_lease02_rotations_do_not_grow_the_provider_without_bound(clock: FakeClock) -> None:
    """A new kid every second: once leases expire, memory stays flat (20,000 rotations held
    76 MB before; 5,000 are enough to tell)."""
    provider = SecretsProvider(_EveryKid(clock), verification_secret_id="x", clock=clock)
    for rotation in range(6_000):
        if rotation == 1_000:
            tracemalloc.start()
            before, _ = tracemalloc.get_traced_memory()
        provider.verify(_naming(f"kid-{rotation}"))
        clock.advance(1)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after - before < 256 * 1024, f"grew by {(after - before) / 1024:.0f} KiB"


def test_lease02_live_secrets_past_the_bound_are_asked_again(clock: FakeClock) -> None:
    store = _EveryKid(clock)
    provider = SecretsProvider(store, verification_secret_id="x", clock=clock)
    kids = [f"kid-{i}" for i in range(MAX_SECRETS + 1)]
    for kid in kids:
        provider.verify(_naming(kid))
    store.asked.clear()
    provider.verify(_naming(kids[-1]))  # the newest is still cached
    assert list(store.asked) == []
    provider.verify(_naming(kids[0]))  # the oldest made room, though its lease runs
    assert list(store.asked) == [kids[0]]
