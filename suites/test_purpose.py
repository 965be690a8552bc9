"""Purpose filtering and constraints (PUR)."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import (
    ALG_KINDS,
    key_pool,
    private_jwk,
    public_jwk,
    sign_token,
    unsigned_token,
)
from jwkconform.harness import Target
from jwkconform.harness.model import alg_fits, fitting
from jwkconform.suites.strategies import (
    PURPOSE_MEMBERS,
    SIGNING_ALGS,
    kids,
    public_set,
    purpose_members,
    signing_keys,
)

Keys = list[tuple[str, dict[str, Any]]]
Members = tuple[Mapping[str, Any], frozenset[str]]

# Kinds whose key type serves both verify and encrypt (docs/decisions.md D-3).
_BOTH_KINDS = ("RSA-2048", "RSA-3072", "EC-P-256", "EC-P-384", "EC-P-521")
# The members that fit exactly one of verify and encrypt.
_ONE_PURPOSE = tuple(m for m in PURPOSE_MEMBERS if len(m[1]) == 1)
# RSA algorithms that a 1024-bit key can still sign (PSS with SHA-512 needs a bigger modulus).
_RSA_1024_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384")


@functools.cache
def _both_entries() -> list[tuple[str, int]]:
    return [(kind, i) for kind in _BOTH_KINDS for i in range(len(key_pool()[kind]))]


@st.composite
def _purpose_keys(
    draw: st.DrawFn,
    members: st.SearchStrategy[Members],
    *,
    min_size: int = 1,
    max_size: int = 6,
) -> list[tuple[dict[str, Any], frozenset[str]]]:
    """(public RSA/EC JWK with a unique kid and random use/key_ops, purposes it fits)."""
    entries = draw(
        st.lists(
            st.sampled_from(_both_entries()), min_size=min_size, max_size=max_size, unique=True
        )
    )
    names = draw(st.lists(kids(), min_size=len(entries), max_size=len(entries), unique=True))
    keys = []
    for (kind, index), kid in zip(entries, names, strict=True):
        extra, purposes = draw(members)
        keys.append((public_jwk(private_jwk(kind, index, kid=kid, **extra)), purposes))
    return keys


def _ids(secrets: Any) -> list[str]:
    return [s.stable_id for s in secrets]


@pytest.mark.jwk_requirement("PUR-01")
@pytest.mark.jwk_capability("valid")
@given(keys=_purpose_keys(purpose_members()))
def test_valid_verify_secrets_are_exactly_the_fitting_jwks(
    jwk_target: Target, keys: list[tuple[dict[str, Any], frozenset[str]]]
) -> None:
    jwks = [k for k, _ in keys]
    expected = [k["kid"] for k in fitting(jwks, "verify")]
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        got = _ids(rig.store.valid("verify"))
        assert sorted(got) == sorted(expected), (
            f"valid('verify') returned {got}, but the JWKs that fit verify are {expected} "
            f"(set: {[(k['kid'], k.get('use'), k.get('key_ops')) for k in jwks]})"
        )


@pytest.mark.jwk_requirement("PUR-02")
@pytest.mark.jwk_capability("valid", "named", "encrypt")
@given(keys=_purpose_keys(st.sampled_from(_ONE_PURPOSE)))
def test_single_purpose_jwks_never_serve_the_other_purpose(
    jwk_target: Target, keys: list[tuple[dict[str, Any], frozenset[str]]]
) -> None:
    enc_only = [k["kid"] for k, p in keys if p == {"encrypt"}]
    sig_only = [k["kid"] for k, p in keys if p == {"verify"}]
    with jwk_target.open_store(document={"keys": [k for k, _ in keys]}) as rig:
        for_verify = _ids(rig.store.valid("verify"))
        for_encrypt = _ids(rig.store.valid("encrypt"))
        wrong = [kid for kid in enc_only if kid in for_verify]
        assert not wrong, f"encrypt-only JWKs {wrong} were returned as valid for verify"
        wrong = [kid for kid in sig_only if kid in for_encrypt]
        assert not wrong, f"verify-only JWKs {wrong} were returned as valid for encrypt"
        for kid in enc_only:
            assert rig.store.named("verify", kid) is None, (
                f"the encrypt-only JWK {kid!r} was returned as a named secret for verify"
            )
        for kid in sig_only:
            assert rig.store.named("encrypt", kid) is None, (
                f"the verify-only JWK {kid!r} was returned as a named secret for encrypt"
            )


@pytest.mark.jwk_requirement("PUR-03")
@pytest.mark.jwk_capability("valid", "named", "encrypt")
@given(order=st.permutations(_BOTH_KINDS))
def test_rsa_and_ec_jwks_without_use_or_key_ops_fit_verify_and_encrypt(
    jwk_target: Target, order: list[str]
) -> None:
    jwks = [public_jwk(private_jwk(kind, kid=f"k-{kind}")) for kind in order]
    expected = [k["kid"] for k in jwks]
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        for purpose in ("verify", "encrypt"):
            got = _ids(rig.store.valid(purpose))
            assert sorted(got) == sorted(expected), (
                f"valid({purpose!r}) returned {got}; RSA and EC JWKs without use or key_ops "
                f"fit every purpose, so {expected} were expected"
            )
            for kid in expected:
                secret = rig.store.named(purpose, kid)
                assert secret is not None, (
                    f"the JWK {kid!r} without use or key_ops was not a named secret for {purpose}"
                )


@pytest.mark.jwk_requirement("PUR-03")
@pytest.mark.jwk_capability("valid", "named", "encrypt")
@given(order=st.permutations(("OKP-Ed25519", "OKP-X25519", "EC-P-256")))
def test_okp_jwks_without_use_fit_only_what_their_curve_can_do(
    jwk_target: Target, order: list[str]
) -> None:
    jwks = [public_jwk(private_jwk(kind, kid=kind)) for kind in order]
    expected = {
        "verify": [kind for kind in order if kind != "OKP-X25519"],
        "encrypt": [kind for kind in order if kind != "OKP-Ed25519"],
    }
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        for purpose, wanted in expected.items():
            got = _ids(rig.store.valid(purpose))
            assert sorted(got) == sorted(wanted), (
                f"valid({purpose!r}) returned {got}; an Ed25519 key only verifies and an "
                f"X25519 key only encrypts, so {wanted} were expected"
            )
        assert rig.store.named("verify", "OKP-Ed25519") is not None, (
            "an Ed25519 JWK without use was not a named secret for verify"
        )
        assert rig.store.named("encrypt", "OKP-X25519") is not None, (
            "an X25519 JWK without use was not a named secret for encrypt"
        )
        assert rig.store.named("encrypt", "OKP-Ed25519") is None, (
            "an Ed25519 JWK was returned as a named secret for encrypt"
        )
        assert rig.store.named("verify", "OKP-X25519") is None, (
            "an X25519 JWK was returned as a named secret for verify"
        )


@pytest.mark.jwk_requirement("PUR-04")
@pytest.mark.jwk_capability("valid", "named", "encrypt")
@given(kinds=st.lists(st.sampled_from(_BOTH_KINDS), min_size=3, max_size=3, unique=True))
def test_jwks_whose_use_and_key_ops_disagree_fit_neither(
    jwk_target: Target, kinds: list[str]
) -> None:
    jwks = [
        public_jwk(private_jwk(kinds[0], kid="sig-but-encrypt", use="sig", key_ops=["encrypt"])),
        public_jwk(private_jwk(kinds[1], kid="enc-but-verify", use="enc", key_ops=["verify"])),
        public_jwk(private_jwk(kinds[2], kid="control")),
    ]
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        for purpose in ("verify", "encrypt"):
            got = _ids(rig.store.valid(purpose))
            assert got == ["control"], (
                f"valid({purpose!r}) returned {got}; JWKs whose use and key_ops disagree "
                "fit neither purpose"
            )
            for kid in ("sig-but-encrypt", "enc-but-verify"):
                assert rig.store.named(purpose, kid) is None, (
                    f"the JWK {kid!r}, whose use and key_ops disagree, was returned as a named "
                    f"secret for {purpose}"
                )


@st.composite
def _signer(draw: st.DrawFn, algs: tuple[str, ...] = SIGNING_ALGS) -> tuple[str, str, int]:
    """(alg, pool kind, index) of a key that signs with alg."""
    alg = draw(st.sampled_from(algs))
    kind = draw(st.sampled_from(ALG_KINDS[alg]))
    return alg, kind, draw(st.integers(0, len(key_pool()[kind]) - 1))


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify")
@given(signer=_signer(), data=st.data())
def test_a_jwk_alg_other_than_the_tokens_is_never_used(
    jwk_target: Target, signer: tuple[str, str, int], data: st.DataObject
) -> None:
    alg, kind, index = signer
    wrong_alg = data.draw(st.sampled_from([a for a in SIGNING_ALGS if a != alg]), "decoy alg")
    own_alg = data.draw(st.sampled_from([{}, {"alg": alg}]), "signer alg member")
    private = private_jwk(kind, index, kid="signer", use="sig", **own_alg)
    decoy = public_jwk(private_jwk(kind, index, kid="decoy", use="sig", alg=wrong_alg))
    token = sign_token(private, alg, kid=None)
    with jwk_target.open_store(document={"keys": [decoy, public_jwk(private)]}) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert outcome.verified, (
            f"a {alg} token was not verified by its own key listed after a decoy: {outcome.reason}"
        )
        assert outcome.secret_id == "signer", (
            f"a {alg} token was verified by {outcome.secret_id!r}, a JWK whose alg is {wrong_alg!r}"
        )
    with jwk_target.open_store(document={"keys": [decoy]}) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"a {alg} token was verified by {outcome.secret_id!r}, the same key material "
            f"but with alg {wrong_alg!r}"
        )


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify", "reports-attempts")
@given(signer=_signer(), data=st.data())
def test_a_key_of_the_wrong_type_or_curve_is_never_tried(
    jwk_target: Target, signer: tuple[str, str, int], data: st.DataObject
) -> None:
    alg, kind, index = signer
    # Asymmetric kinds whose kty or curve cannot take alg (RSA-1024 belongs to PUR-06).
    others = [
        k
        for k in key_pool()
        if not k.startswith("oct") and k != "RSA-1024" and not alg_fits(alg, private_jwk(k))
    ]
    wrong_kinds = data.draw(st.lists(st.sampled_from(others), min_size=1, max_size=4), "wrong")
    wrong = [
        public_jwk(private_jwk(k, kid=f"wrong-{i}", use="sig")) for i, k in enumerate(wrong_kinds)
    ]
    wrong_ids = {k["kid"] for k in wrong}
    private = private_jwk(kind, index, kid="signer", use="sig")
    token = sign_token(private, alg, kid=None)
    with jwk_target.open_store(document={"keys": [*wrong, public_jwk(private)]}) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert outcome.verified, f"a {alg} token was not verified by its signer: {outcome.reason}"
        assert outcome.secret_id == "signer", (
            f"a {alg} token was verified by {outcome.secret_id!r}, not by its signer"
        )
        assert outcome.tried is not None
        misused = [t for t in outcome.tried if t in wrong_ids]
        assert not misused, (
            f"a {alg} signature was checked with {misused}, keys whose kty or curve "
            f"({wrong_kinds}) cannot take {alg}"
        )
    with jwk_target.open_store(document={"keys": wrong}) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"a {alg} token was verified by {outcome.secret_id!r}, a key of the wrong type"
        )


def _b64url_json(value: Mapping[str, Any]) -> str:
    raw = json.dumps(dict(value), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@pytest.mark.jwk_requirement("PUR-06")
@pytest.mark.jwk_capability("verify")
@given(keys=signing_keys(min_size=1, max_size=3), data=st.data())
def test_alg_none_never_verifies(jwk_target: Target, keys: Keys, data: st.DataObject) -> None:
    alg, named = data.draw(st.sampled_from(keys), "named key")
    signed = sign_token(named, alg)
    # A real signature kept under an `alg: none` header must not help either.
    _, payload, signature = signed.split(".")
    relabelled = f"{_b64url_json({'alg': 'none', 'kid': named['kid']})}.{payload}.{signature}"
    tokens = {
        "alg none naming an existing kid": unsigned_token(kid=named["kid"]),
        "alg none without kid": unsigned_token(),
        "alg none over a real signature": relabelled,
    }
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        for label, token in tokens.items():
            outcome = rig.store.verify(token, "access.token")
            assert not outcome.verified, (
                f"a token with {label} was verified by {outcome.secret_id!r}"
            )


@pytest.mark.jwk_requirement("PUR-06")
@pytest.mark.jwk_capability("verify")
@given(
    alg=st.sampled_from(_RSA_1024_ALGS),
    index=st.integers(0, len(key_pool()["RSA-1024"]) - 1),
    with_kid=st.booleans(),
    alg_member=st.booleans(),
)
def test_rsa_keys_under_2048_bits_are_not_used(
    jwk_target: Target, alg: str, index: int, with_kid: bool, alg_member: bool
) -> None:
    extra = {"alg": alg} if alg_member else {}
    small = private_jwk("RSA-1024", index, kid="rsa-1024", use="sig", **extra)
    token = sign_token(small, alg, kid="rsa-1024" if with_kid else None)
    with jwk_target.open_store(document=public_set([small])) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"a {alg} token was verified by {outcome.secret_id!r}, a 1024-bit RSA key"
        )


@pytest.mark.jwk_requirement("PUR-07")
@pytest.mark.jwk_capability("verify")
@given(signer=_signer(("HS256", "HS384", "HS512")), with_kid=st.booleans())
def test_a_symmetric_key_from_an_http_url_never_verifies(
    jwk_target: Target, signer: tuple[str, str, int], with_kid: bool
) -> None:
    alg, kind, index = signer
    secret = private_jwk(kind, index, kid="hmac", use="sig")
    other = private_jwk("EC-P-256", kid="ec", use="sig")
    token = sign_token(secret, alg, kid="hmac" if with_kid else None)
    with jwk_target.open_store(document=public_set([other, secret])) as rig:
        assert rig.env.jwks_url.startswith(("http://", "https://"))
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"a {alg} token was verified by {outcome.secret_id!r}, a symmetric key that "
            f"anyone could download from {rig.env.jwks_url}"
        )
