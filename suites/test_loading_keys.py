"""A JWK that cannot be used is skipped and the others stay (LOAD-03): malformed members,
unknown types and curves, key types the implementation lawfully does not support, and key
material that is no key (decision D-26): a point off its curve or at the origin,
coordinates of another curve's length, an RSA modulus that is even or under 2048 bits, an
exponent below 3, above the modulus, or from 2^256 up.

Every check goes by the most direct path (a `Probe`); named() adds that the bad JWK itself
is not served, valid() that it is not listed. The exponent of 1 gets a test of its own:
with it, s^e = s, so a "signature" that is the message's own PKCS#1 encoding verifies under
a store that kept the key, whoever made it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import key_pool, private_jwk, public_jwk, sign_token
from jwkconform.harness import Target, check
from jwkconform.harness.spec._keys import KINDS, kind_family
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE, Probe, require_a_probe
from jwkconform.suites._store_checks import signers
from jwkconform.suites.store_strategies import Keys

BAD_KID: Final = "bad key"  # no strategy draws a kid with a space


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _octets(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _number(value: int, size: int | None = None) -> str:
    return _b64(value.to_bytes(size or max(1, (value.bit_length() + 7) // 8), "big"))


def _public(kind: str, index: int = 1) -> dict[str, Any]:
    return public_jwk(private_jwk(kind, index, kid=BAD_KID, use="sig"))


_EC: Final = _public("EC-P-256")
_P256: Final = 2**256 - 2**224 + 2**192 + 2**96 - 1
_RSA: Final = _public("RSA-2048")
_N: Final = int.from_bytes(_octets(_RSA["n"]), "big")
_UNUSED: Final = {k: v for k, v in _EC.items() if k != "use"}

MALFORMED: Final[Mapping[str, object]] = {
    "string": "not a JWK",
    "null": None,
    "array": [_EC],
    "unknown-kty": {"kty": "XYZ", "kid": BAD_KID, "use": "sig", "x": _EC["x"]},
    "no-kty": {k: v for k, v in _EC.items() if k != "kty"},
    "curve-P-999": {**_EC, "crv": "P-999"},
    "rsa-without-n": {k: v for k, v in _RSA.items() if k != "n"},
    "bad-base64": {**_EC, "x": "%%% not base64url %%%"},
    "kid-not-a-string": {**_EC, "kid": 5},
    "crv-not-a-string": {**_EC, "crv": ["P-256"]},
    # RFC 7517 4.3: no repeated value; and each value is a string (D-16).
    "key-ops-repeated": {**_UNUSED, "key_ops": ["verify", "verify"]},
    "key-ops-not-strings": {**_UNUSED, "key_ops": ["verify", 5]},
}
NO_KEY: Final[Mapping[str, object]] = {
    "ec-off-curve": {
        **_EC,
        "y": _number((int.from_bytes(_octets(_EC["y"]), "big") + 1) % _P256, 32),
    },
    "ec-origin": {**_EC, "x": _b64(bytes(32)), "y": _b64(bytes(32))},
    "ec-p384-coordinates": {**_public("EC-P-384"), "crv": "P-256"},
    "okp-short": {**_public("OKP-Ed25519"), "x": _b64(_octets(_public("OKP-Ed25519")["x"])[:31])},
    "rsa-e-0": {**_RSA, "e": _number(0)},
    "rsa-e-1": {**_RSA, "e": _number(1)},
    "rsa-e-2": {**_RSA, "e": _number(2)},
    "rsa-e-over-n": {**_RSA, "e": _number(_N + 2)},
    # Below the modulus, but outside 3 <= e < 2^256 (D-26): seconds of CPU per verification.
    "rsa-e-2^256+1": {**_RSA, "e": _number(2**256 + 1)},
    "rsa-e-n-2": {**_RSA, "e": _number(_N - 2)},
    "rsa-even-n": {**_RSA, "n": _number(_N - 1)},
    # One bit short: a modulus measured in whole bytes would pass for 2048 bits.
    "rsa-2047": _public("RSA-2047"),
    "rsa-1024": _public("RSA-1024"),
}
UNUSABLE: Final = {**MALFORMED, **NO_KEY}


def _check_neighbours(target: Target, keys: Keys, document: dict[str, Any], what: str) -> None:
    kids = [str(k["kid"]) for _, k in keys]
    with target.open_store(SHORT_LEASE, document=document) as rig:
        probe = Probe(target, rig)
        served = probe.served_ids(keys)
        assert served == kids, f"with {what} in the set, only {served} of {kids} were served"
        if probe.by_name:
            got = rig.store.named("verify", BAD_KID)
            assert got is None, f"{what} was served as the named secret {BAD_KID!r}: {got!r:.300}"
        if probe.lists:
            listed = sorted(s.stable_id for s in rig.store.valid("verify"))  # order is ORD's
            assert listed == sorted(kids), (
                f"with {what} in the set, valid() listed {listed}, not {sorted(kids)}"
            )


@pytest.mark.jwk_requirement("LOAD-03")
@pytest.mark.parametrize("bad", list(UNUSABLE.values()), ids=list(UNUSABLE))
@given(position=st.integers(0, 2))
def test_an_unusable_jwk_is_skipped_and_the_others_stay(
    jwk_target: Target, bad: object, position: int
) -> None:
    keys = signers(jwk_target, 2)
    entries: list[object] = [public_jwk(k) for _, k in keys]
    entries.insert(position, bad)
    _check_neighbours(
        jwk_target,
        keys,
        {"keys": entries},
        f"an unusable JWK ({json.dumps(bad)[:80]}) at position {position}",
    )


def _unsupported(target: Target) -> list[tuple[str, dict[str, Any]]]:
    """Public JWKs of the key types the adapter does not support (secp256k1 at least
    unless it says it does), or of a type no implementation supports."""
    pool: dict[str, str] = {}
    for kind in key_pool():  # the first pool kind of each type: RSA-2048, oct-256
        pool.setdefault(kind_family(kind), kind)
    lacking: list[str] = [k for k in KINDS if not target.key_support.has(k) and k in pool]
    found = [(kind, _public(pool[kind], 0)) for kind in lacking]
    return found or [("an unknown kty", {"kty": "XYZ", "kid": BAD_KID, "x": _EC["x"]})]


@pytest.mark.jwk_requirement("LOAD-03")
def test_a_key_type_the_implementation_does_not_support_is_skipped(jwk_target: Target) -> None:
    require_a_probe(jwk_target)
    keys = signers(jwk_target, 2)
    for kind, jwk in _unsupported(jwk_target):
        document = {"keys": [public_jwk(keys[0][1]), jwk, public_jwk(keys[1][1])]}
        kids = [str(k["kid"]) for _, k in keys]
        with jwk_target.open_store(SHORT_LEASE, document=document) as rig:
            served = Probe(jwk_target, rig).served_ids(keys)
            assert served == kids, (
                f"with a {kind} key (not supported) in the set, only {served} of {kids} were served"
            )


_SHA256_DIGEST_INFO: Final = bytes.fromhex("3031300d060960864801650304020105000420")


def _forged_rs256(kid: str, modulus_bytes: int) -> str:
    """A token "signed" with RS256 by nobody: its signature is the PKCS#1 v1.5 encoding of
    its own digest, which is what s^1 mod n gives back."""
    header = _b64(json.dumps({"alg": "RS256", "kid": kid}, separators=(",", ":")).encode())
    payload = _b64(b'{"sub":"forged"}')
    digest = hashlib.sha256(f"{header}.{payload}".encode()).digest()
    info = _SHA256_DIGEST_INFO + digest
    encoded = b"\x00\x01" + b"\xff" * (modulus_bytes - len(info) - 3) + b"\x00" + info
    return f"{header}.{payload}.{_b64(encoded)}"


@pytest.mark.jwk_requirement("LOAD-03")
@pytest.mark.jwk_capability("verify")
def test_a_key_with_exponent_one_verifies_no_forgery(jwk_target: Target) -> None:
    keys = signers(jwk_target, 2)
    forged_kid = "forged"
    exponent_one = {**_RSA, "kid": forged_kid, "e": _number(1)}
    document = {"keys": [public_jwk(keys[0][1]), exponent_one, public_jwk(keys[1][1])]}
    with jwk_target.open_store(SHORT_LEASE, document=document) as rig:
        with check("LOAD-03"):
            served = Probe(jwk_target, rig).served_ids(keys)
            assert len(served) == len(keys), f"with an exponent-1 RSA key, only {served} served"
        outcome = rig.store.verify(_forged_rs256(forged_kid, len(_octets(_RSA["n"]))), SECRET_ID)
        assert not outcome.verified, (
            "a token whose signature is its own PKCS#1 encoding (no private key made it) "
            f"verified with the RSA key of exponent 1 (kid {forged_kid!r}): the key was kept"
        )


@pytest.mark.jwk_requirement("LOAD-03")
@pytest.mark.jwk_capability("warnings")
@pytest.mark.parametrize("bad", list(UNUSABLE.values()), ids=list(UNUSABLE))
def test_an_unusable_jwk_is_logged(jwk_target: Target, bad: object) -> None:
    alg, key = signers(jwk_target)[0]
    with jwk_target.open_store(document={"keys": [public_jwk(key), bad]}) as rig:
        Probe(jwk_target, rig).hit(alg, key)
        assert rig.env.warnings, "an unusable JWK was skipped without a log line"


@pytest.mark.jwk_requirement("LOAD-03", "PUR-07")
@pytest.mark.jwk_capability("verify")
def test_a_private_jwk_in_a_remote_set_loads_as_its_public_key(jwk_target: Target) -> None:
    """A remote set that carries a private key by mistake (`d`): the JWK loads as its public
    key (LOAD-03: its public part is usable), and its private part is never served for
    signing, which a set anyone can download must not provide (PUR-07, D-27)."""
    (alg, key), (other_alg, other) = signers(jwk_target, 2)
    document = {"keys": [dict(key), public_jwk(other)]}  # the first with its private members
    with jwk_target.open_store(SHORT_LEASE, document=document) as rig:
        with check("LOAD-03"):
            for a, k in ((alg, key), (other_alg, other)):
                outcome = rig.store.verify(sign_token(k, a), SECRET_ID)
                assert outcome.verified, (
                    f"a token of kid {k['kid']!r} did not verify with a remote set where "
                    f"{key['kid']!r} carries private members: {outcome.reason}"
                )
        if "sign-decrypt" in jwk_target.capabilities:
            with check("PUR-07"):
                signing = [s.stable_id for s in rig.store.valid("sign")]
                assert not signing, f"valid('sign') served {signing} from a remote set"
