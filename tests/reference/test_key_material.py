"""LOAD-03, invalid key material: a JWK whose numbers are no key is skipped with a log line
and the other keys stay usable; a private part must match its public part.

Every bad key is a good fixture key with one member changed, so each case fails for exactly
the reason it names. Sets holding private parts are read from a file (sign and decrypt serve
local sets only); a remote set's private members are ignored.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import JWKS_URL, Endpoint

from jwkconform.fixtures import jwk_set, private_jwk, public_jwk
from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.reference import LOGGER_NAME, JwkSetSecretStore

# The field prime of P-256: a coordinate of this value is 32 bytes long but not on the curve.
P256_PRIME = 2**256 - 2**224 + 2**192 + 2**96 - 1


def _b64(number: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (number.bit_length() + 7) // 8)
    return base64.urlsafe_b64encode(number.to_bytes(length, "big")).decode().rstrip("=")


def _int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def _ec(index: int = 0, kind: str = "EC-P-256", **members: Any) -> dict[str, Any]:
    return public_jwk(private_jwk(kind, index, **{"kid": "bad", "use": "sig", **members}))


def _rsa(**members: Any) -> dict[str, Any]:
    return public_jwk(private_jwk("RSA-2048", 0, **{"kid": "bad", "use": "sig", **members}))


_N = _int(_rsa()["n"])
_P384_X = _ec(kind="EC-P-384")["x"]

# (id, a public JWK that is no key): the brief's crafted keys, one member changed each.
BAD_PUBLIC: list[Any] = [
    pytest.param(_ec(x=_b64(0, 32), y=_b64(0, 32)), id="ec-origin"),
    pytest.param(_ec(y=_ec(1)["y"]), id="ec-point-off-the-curve"),
    pytest.param(_ec(x=_b64(P256_PRIME, 32)), id="ec-x-equal-to-the-field-prime"),
    pytest.param(_ec(x=_P384_X, y=_ec(kind="EC-P-384")["y"]), id="ec-p384-coordinates-on-p256"),
    pytest.param(_ec(x=_b64(_int(_ec()["x"]))[:-2]), id="ec-x-too-short"),
    pytest.param(_ec(x="AA" + _ec()["x"]), id="ec-x-too-long"),
    pytest.param(_rsa(e=_b64(1)), id="rsa-e-1"),
    pytest.param(_rsa(e=_b64(0)), id="rsa-e-0"),
    pytest.param(_rsa(e=_b64(65538)), id="rsa-e-even"),
    pytest.param(_rsa(e=_b64(_N + 2)), id="rsa-e-above-n"),
    # Below the modulus, so the library takes them; outside 3 <= e < 2^256 (D-26).
    pytest.param(_rsa(e=_b64(2**256 + 1)), id="rsa-e-2^256+1"),
    pytest.param(_rsa(e=_b64(_N - 2)), id="rsa-e-as-long-as-n"),
    pytest.param(_rsa(n=_b64(_N + 1)), id="rsa-n-even"),
    pytest.param(_rsa(n=_b64(3)), id="rsa-n-3"),
    pytest.param(_rsa(n=_b64(_N >> 1100 | 1)), id="rsa-n-948-bits"),
    pytest.param(public_jwk(private_jwk("RSA-1024", 0, kid="bad", use="sig")), id="rsa-1024-bits"),
    pytest.param(_rsa(n=_b64((1 << 16385) | 1)), id="rsa-n-over-16384-bits"),
    pytest.param(
        public_jwk(private_jwk("OKP-Ed25519", 0, kid="bad", x=_b64(5, 31))), id="ed25519-short-x"
    ),
]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER_NAME]


@pytest.fixture
def make_store(clock: FakeClock) -> Iterator[Any]:
    stores: list[JwkSetSecretStore] = []

    def make(url: str = JWKS_URL) -> JwkSetSecretStore:
        store = JwkSetSecretStore.from_json({"jwkUrl": url}, clock=clock)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.mark.parametrize("bad", BAD_PUBLIC)
def test_load03_invalid_public_key_material_is_skipped(
    endpoint: Endpoint, make_store: Any, caplog: pytest.LogCaptureFixture, bad: dict[str, Any]
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    first, last = _ec(0, kid="first"), _ec(1, kind="EC-P-384", kid="last")
    endpoint.document = jwk_set(first, bad, last)
    store = make_store()
    assert [s.stable_id for s in store.valid("verify")] == ["first", "last"]
    assert store.named("verify", "bad") is None
    assert any("skipping JWK #1" in m and "key material" in m for m in _warnings(caplog))


def test_load03_valid_keys_of_every_type_still_load(endpoint: Endpoint, make_store: Any) -> None:
    kinds = ["EC-P-256", "EC-P-384", "EC-P-521", "RSA-2048", "RSA-3072", "OKP-Ed25519"]
    kinds += ["OKP-Ed448", "OKP-X25519"]
    endpoint.document = jwk_set(*(public_jwk(private_jwk(k, kid=k)) for k in kinds))
    store = make_store()
    loaded = {s.stable_id for p in ("verify", "encrypt") for s in store.valid(p)}
    assert loaded == set(kinds)


# -- private parts (a local set) -----------------------------------------------------------


def _mismatched(kind: str, **changes: Any) -> dict[str, Any]:
    """Key ``kind``/0 with the ``d`` of key ``kind``/1, or with ``changes`` instead."""
    own = private_jwk(kind, 0, kid="bad")
    return {**own, **(changes or {"d": private_jwk(kind, 1)["d"]})}


_RSA0 = private_jwk("RSA-2048", 0)
_RSA1 = private_jwk("RSA-2048", 1)

BAD_PRIVATE: list[Any] = [
    pytest.param(_mismatched("EC-P-256"), id="ec-d-of-another-key"),
    pytest.param(_mismatched("EC-P-384", d=_b64(0, 48)), id="ec-d-zero"),
    pytest.param(_mismatched("OKP-Ed25519"), id="ed25519-d-of-another-key"),
    pytest.param(_mismatched("OKP-X25519"), id="x25519-d-of-another-key"),
    pytest.param(_mismatched("RSA-2048", d=_RSA1["d"]), id="rsa-d-of-another-key"),
    pytest.param(
        _mismatched("RSA-2048", **{k: _RSA1[k] for k in ("p", "q", "dp", "dq", "qi")}),
        id="rsa-primes-of-another-key",
    ),
    pytest.param(
        {
            k: v
            for k, v in _mismatched("RSA-2048", d=_RSA1["d"]).items()
            if len(k) != 1 or k in "ned"
        }
        | {"kty": "RSA", "kid": "bad"},
        id="rsa-d-alone-of-another-key",
    ),
    pytest.param({**private_jwk("RSA-2048", 0, kid="bad"), "qi": _RSA0["dp"]}, id="rsa-bad-qi"),
    pytest.param(
        {k: v for k, v in private_jwk("RSA-2048", 0, kid="bad").items() if k != "qi"},
        id="rsa-crt-incomplete",
    ),
]


@pytest.mark.parametrize("bad", BAD_PRIVATE)
def test_load03_private_part_that_does_not_match_is_skipped(
    tmp_path: Path, make_store: Any, caplog: pytest.LogCaptureFixture, bad: dict[str, Any]
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    good = private_jwk("EC-P-256", 2, kid="good")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwk_set(bad, good)))
    store = make_store(path.as_uri())
    for purpose in ("sign", "decrypt", "verify"):
        assert [s.stable_id for s in store.valid(purpose)] == ["good"], purpose
        assert store.named(purpose, "bad") is None
    assert any("skipping JWK #0" in m and "key material" in m for m in _warnings(caplog))


@pytest.mark.parametrize("kind", ["EC-P-256", "EC-P-521", "RSA-2048", "OKP-Ed25519", "OKP-Ed448"])
def test_load03_matching_private_parts_load_for_sign_or_decrypt(
    tmp_path: Path, make_store: Any, kind: str
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwk_set(private_jwk(kind, kid="k"))))
    store = make_store(path.as_uri())
    assert [s.stable_id for p in ("sign", "decrypt") for s in store.valid(p)] != []


def test_load03_rsa_private_key_with_d_alone_loads(tmp_path: Path, make_store: Any) -> None:
    alone = {k: v for k, v in _RSA0.items() if k not in {"p", "q", "dp", "dq", "qi"}}
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwk_set({**alone, "kid": "k", "use": "sig"})))
    (secret,) = make_store(path.as_uri()).valid("sign")
    assert secret.key.has_private


def test_a_remote_sets_private_members_are_ignored(
    endpoint: Endpoint, make_store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """sign and decrypt serve private keys of a local set: over http(s) a JWK with private
    members (matching or not) loads as its public part, with a log line."""
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    endpoint.document = jwk_set(private_jwk("EC-P-256", 0, kid="a"), _mismatched("EC-P-384"))
    store = make_store()
    assert store.valid("sign") == []
    assert store.valid("decrypt") == []
    secrets = store.valid("verify")
    assert [s.stable_id for s in secrets] == ["a", "bad"]
    assert not any(s.key.has_private for s in secrets)
    assert sum("private members" in m for m in _warnings(caplog)) == 2


def test_each_load_judges_its_jwks_even_those_seen_before(
    endpoint: Endpoint, make_store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A JWK's import is kept for the next load that holds it: a bad key is still skipped,
    with its log line, on every load, and a good one still loads."""
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    endpoint.document = jwk_set(_ec(0, kid="good"), _ec(1, x=_b64(P256_PRIME, 32)))
    for _ in range(2):
        assert [s.stable_id for s in make_store().valid("verify")] == ["good"]
    assert sum("skipping JWK #1" in m for m in _warnings(caplog)) == 2


def test_a_jwk_with_a_deeply_nested_extra_member_loads(endpoint: Endpoint, make_store: Any) -> None:
    nested: Any = []
    for _ in range(500):
        nested = [nested]
    endpoint.document = jwk_set({**_ec(0, kid="deep"), "zz": nested})
    assert [s.stable_id for s in make_store().valid("verify")] == ["deep"]
