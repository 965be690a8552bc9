"""The store's lookups, purposes, order, cache windows and leases.

Requirements: KID-01, KID-04, KID-05, PUR-01..04, ORD-01, ORD-03, CACHE-01..04, LEASE-01.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import JWKS_URL, Endpoint

from jwkconform.fixtures import private_jwk, public_jwk
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import JwkSetSecretStore


def key(kind: str = "EC-P-256", index: int = 0, **members: Any) -> dict[str, Any]:
    return public_jwk(private_jwk(kind, index, **members))


def store_for(clock: FakeClock, **config: str) -> JwkSetSecretStore:
    return JwkSetSecretStore.from_json({"jwkUrl": JWKS_URL, **config}, clock=clock)


def ids(secrets: list[Any]) -> list[str]:
    return [s.stable_id for s in secrets]


def serve(endpoint: Endpoint, *keys: dict[str, Any]) -> None:
    endpoint.document = {"keys": list(keys)}


# -- named secrets ----------------------------------------------------------------------------


def test_kid01_named_secret_matches_kid_exactly(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="a", index=0), key(kid="A", index=1), key(kid="ab", index=2))
    store = store_for(clock)
    secret = store.named("verify", "A")
    assert secret is not None
    assert secret.stable_id == "A"
    assert secret.jwk["x"] == key(index=1)["x"]
    assert store.named("verify", "a ") is None
    assert store.named("verify", "AB") is None


def test_kid04_first_duplicate_kid_wins(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="dup", index=0), key(kid="dup", index=1))
    secret = store_for(clock).named("verify", "dup")
    assert secret is not None
    assert secret.jwk["x"] == key(index=0)["x"]


def test_kid05_kid_of_wrong_purpose_is_no_match(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="e", use="enc"), key(kid="s", index=1, use="sig"))
    store = store_for(clock)
    assert store.named("verify", "e") is None
    assert store.named("encrypt", "e") is not None


def test_kid05_duplicate_kid_picks_first_that_fits_purpose(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, key(kid="k", use="enc", index=0), key(kid="k", use="sig", index=1))
    store = store_for(clock)
    verify, encrypt = store.named("verify", "k"), store.named("encrypt", "k")
    assert verify is not None
    assert encrypt is not None
    assert verify.jwk["x"] == key(index=1)["x"]
    assert encrypt.jwk["x"] == key(index=0)["x"]


# -- purposes ---------------------------------------------------------------------------------

# (JWK members, purposes it must fit among verify/encrypt), for an EC key that can do both.
PURPOSE_TABLE: list[tuple[dict[str, Any], set[str]]] = [
    ({}, {"verify", "encrypt"}),  # PUR-03
    ({"use": "sig"}, {"verify"}),  # PUR-01
    ({"use": "enc"}, {"encrypt"}),  # PUR-02
    ({"key_ops": ["verify"]}, {"verify"}),
    ({"key_ops": ["encrypt"]}, {"encrypt"}),
    ({"key_ops": ["wrapKey"]}, {"encrypt"}),
    ({"key_ops": ["sign"]}, set()),
    ({"key_ops": []}, set()),
    ({"use": "sig", "key_ops": ["verify"]}, {"verify"}),
    ({"use": "sig", "key_ops": ["encrypt"]}, set()),  # PUR-04
    ({"use": "enc", "key_ops": ["verify"]}, set()),  # PUR-04
    ({"use": "enc", "key_ops": ["verify", "encrypt"]}, {"encrypt"}),
    ({"use": "other"}, set()),
]


@pytest.mark.parametrize(("members", "expected"), PURPOSE_TABLE)
def test_pur01_to_04_purpose_table(
    endpoint: Endpoint, clock: FakeClock, members: dict[str, Any], expected: set[str]
) -> None:
    serve(endpoint, key(kid="k", **members))
    store = store_for(clock)
    got = {p for p in ("verify", "encrypt") if ids(store.valid(p)) == ["k"]}
    assert got == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("RSA-2048", {"verify", "encrypt"}),
        ("OKP-Ed25519", {"verify"}),
        ("OKP-X25519", {"encrypt"}),
    ],
)
def test_pur03_key_type_limits_the_purposes(
    endpoint: Endpoint, clock: FakeClock, kind: str, expected: set[str]
) -> None:
    serve(endpoint, key(kind, kid="k"))
    store = store_for(clock)
    assert {p for p in ("verify", "encrypt") if store.valid(p)} == expected


def test_sign_and_decrypt_need_a_private_key(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "local.json"
    local = [private_jwk("EC-P-256", 0, kid="private"), key(index=1, kid="public")]
    path.write_text(json.dumps({"keys": local}))
    store = JwkSetSecretStore.from_json({"jwkUrl": path.as_uri()}, clock=clock)
    assert ids(store.valid("sign")) == ["private"]
    assert ids(store.valid("decrypt")) == ["private"]
    assert ids(store.valid("verify")) == ["private", "public"]
    signing = store.valid("sign")[0]
    assert "d" not in signing.jwk
    assert signing.key.has_private


# -- order ------------------------------------------------------------------------------------


def test_ord01_valid_secrets_keep_set_order(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(
        endpoint,
        key(kid="z", index=0),
        key(kid="enc", index=1, use="enc"),
        key(kid="a", index=2),
        key(kid="m", index=3),
    )
    assert ids(store_for(clock).valid("verify")) == ["z", "a", "m"]


def test_ord03_reload_applies_the_new_order(endpoint: Endpoint, clock: FakeClock) -> None:
    first, second = key(kid="1", index=0), key(kid="2", index=1)
    serve(endpoint, first, second)
    store = store_for(clock)
    assert ids(store.valid("verify")) == ["1", "2"]
    serve(endpoint, second, first)
    clock.advance(120)
    assert ids(store.valid("verify")) == ["2", "1"]


# -- cache ------------------------------------------------------------------------------------


def test_cache01_no_fetch_while_fresh(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="a"))
    store = store_for(clock, cacheTimeout="60 s", cacheMissCacheTime="60 s")
    store.valid("verify")
    clock.advance(59.999)
    store.valid("verify")
    store.named("verify", "a")
    store.named("verify", "forged-1")
    store.named("verify", "forged-2")
    assert endpoint.fetches == 1


def test_cache02_first_query_at_timeout_reloads(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="old"))
    store = store_for(clock, cacheTimeout="60 s")
    assert ids(store.valid("verify")) == ["old"]
    serve(endpoint, key(kid="new", index=1))
    clock.advance(60)
    assert ids(store.valid("verify")) == ["new"]
    assert store.named("verify", "old") is None
    assert endpoint.fetches == 2


def test_cache02_stale_reload_happens_once(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="a"))
    store = store_for(clock, cacheTimeout="60 s")
    store.valid("verify")
    clock.advance(60)
    store.valid("verify")
    store.valid("verify")
    store.named("verify", "a")
    assert endpoint.fetches == 2


def test_cache03_miss_reloads_only_after_miss_window(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="a"))
    store = store_for(clock, cacheTimeout="10 min", cacheMissCacheTime="30 s")
    store.valid("verify")
    clock.advance(29.999)
    assert store.named("verify", "b") is None
    assert endpoint.fetches == 1
    clock.advance(0.001)
    assert store.named("verify", "b") is None
    assert endpoint.fetches == 2
    # The window is measured from the last successful load, which the miss just made.
    clock.advance(29.999)
    store.named("verify", "c")
    assert endpoint.fetches == 2


def test_cache03_window_counts_from_load_not_from_last_miss(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, key(kid="a"))
    store = store_for(clock, cacheTimeout="10 min", cacheMissCacheTime="30 s")
    store.valid("verify")
    for _ in range(3):
        clock.advance(10)
        store.named("verify", "forged")
    assert endpoint.fetches == 2  # the miss at +30 s reloads; the ones before do not


def test_cache04_miss_reload_returns_rotated_in_key(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="old"))
    store = store_for(clock, cacheTimeout="10 min", cacheMissCacheTime="30 s")
    store.valid("verify")
    serve(endpoint, key(kid="old"), key(kid="new", index=1))
    clock.advance(30)
    secret = store.named("verify", "new")
    assert secret is not None
    assert secret.stable_id == "new"


def test_cache_zero_miss_window_still_one_fetch_per_query(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, key(kid="a"))
    store = store_for(clock, cacheTimeout="10 s", cacheMissCacheTime="zero")
    store.named("verify", "b")  # first load; the set is as new as a reload would make it
    assert endpoint.fetches == 1
    clock.advance(1)
    store.named("verify", "b")
    assert endpoint.fetches == 2


# -- leases -----------------------------------------------------------------------------------


def test_lease01_secret_expires_lease_after_it_was_produced(
    endpoint: Endpoint, clock: FakeClock
) -> None:
    serve(endpoint, key(kid="a"))
    store = store_for(clock, leaseExpiry="90 s")
    first = store.named("verify", "a")
    clock.advance(50)
    later = store.valid("verify")[0]
    assert first is not None
    assert first.expires_at == 1_000 + 90
    assert later.expires_at == 1_050 + 90
    assert not first.is_expired(1_089.999)
    assert first.is_expired(1_090)


def test_lease01_default_lease_is_five_minutes(endpoint: Endpoint, clock: FakeClock) -> None:
    serve(endpoint, key(kid="a"))
    secret = store_for(clock).named("verify", "a")
    assert secret is not None
    assert secret.expires_at - clock.now() == 300
