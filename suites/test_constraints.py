"""Whether a secret may verify a token at all: `alg`, key type, curve, size (PUR-05..07).

A JWK is used for a token only when its constraints fit the token's `alg`. Under decision
D-20 a kid that names a JWK whose constraints do not fit still names it: the token fails,
and nothing else is tried (KID-02's part, premised here). Tokens without kid are resolved
through the valid secrets (ORD-02), so their positive outcomes are premises of ORD-02.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jwkconform.fixtures import (
    ALG_KINDS,
    key_pool,
    private_jwk,
    public_jwk,
    sign_token,
    unsigned_token,
)
from jwkconform.harness import Target, premise
from jwkconform.harness.model import alg_fits
from jwkconform.harness.spec._keys import active_key_support, alg_required
from jwkconform.suites._keysets import Keys, cross_curve_token, found_by, keys_of, same_key, sets_of
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE
from jwkconform.suites._shapes import resolves_without_kid
from jwkconform.suites._store_checks import signers as store_signers
from jwkconform.suites.store_strategies import SIGNING_ALGS, public_set, shaped, signing_keys

# RSA algorithms that a 1024-bit key can still sign (PSS with SHA-512 needs a bigger modulus).
_RSA_1024_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384")
# ECDSA algorithms and the curve each takes (RFC 7518 section 3.4).
_ES_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
# Key kinds that sign something, by the algorithm family they take.
_SIGNING_KINDS = ("RSA-2048", "EC-P-256", "EC-P-384", "EC-P-521", "OKP-Ed25519", "OKP-Ed448")


@st.composite
def _signer(draw: st.DrawFn, algs: tuple[str, ...] = SIGNING_ALGS) -> tuple[str, str, int]:
    """(alg, pool kind, index) of a key that signs with alg, among those the adapter
    supports."""
    support = active_key_support()
    pairs = [(a, k) for a in algs for k in ALG_KINDS[a] if support.signs(a, k)]
    alg, kind = draw(st.sampled_from(pairs))
    return alg, kind, draw(st.integers(0, len(key_pool()[kind]) - 1))


def _other_alg(data: st.DataObject, alg: str) -> str:
    support = active_key_support().algorithms
    return data.draw(
        st.sampled_from([a for a in SIGNING_ALGS if a != alg and a in support]), "JWK alg"
    )


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify")
@given(signer=_signer(), with_kid=st.booleans())
def test_a_jwk_without_alg_verifies_what_its_type_suits(
    jwk_target: Target, signer: tuple[str, str, int], with_kid: bool
) -> None:
    """A JWK with no `alg` fits every algorithm its key type and curve take (D-39): a
    library that uses only keys bound to an `alg` fails here, and only here (the other
    tests then draw keys that carry one, suites/_shapes.py)."""
    alg, kind, index = signer
    private = private_jwk(kind, index, kid="no-alg", use="sig")
    # Without a kid only where such tokens resolve at all (ORD-02's subject).
    with_kid = with_kid or not resolves_without_kid(jwk_target, store_signers(jwk_target, 2))
    token = sign_token(private, alg, kid="no-alg" if with_kid else None)
    with jwk_target.open_store(document=public_set([private])) as rig:
        outcome = rig.store.verify(token, SECRET_ID)
        assert outcome.verified, (
            f"a {alg} token {'naming' if with_kid else 'without a kid, of'} the only JWK, a"
            f" {kind} key without alg, did not verify: a JWK without alg fits every algorithm"
            f" its type suits: {outcome.reason}"
        )


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify")
@given(signer=_signer(), data=st.data())
def test_a_jwk_alg_other_than_the_tokens_is_never_used(
    jwk_target: Target, signer: tuple[str, str, int], data: st.DataObject
) -> None:
    alg, kind, index = signer
    wrong_alg = _other_alg(data, alg)
    # Without alg too, unless the implementation uses no such key (PUR-05's own test, D-39).
    shapes = [{"alg": alg}] if alg_required() else [{}, {"alg": alg}]
    own_alg = data.draw(st.sampled_from(shapes), "signer alg member")
    private = private_jwk(kind, index, kid="signer", use="sig", **own_alg)
    decoy = public_jwk(private_jwk(kind, index, kid="decoy", use="sig", alg=wrong_alg))
    token = sign_token(private, alg, kid=None)
    with jwk_target.open_store(document={"keys": [decoy, public_jwk(private)]}) as rig:
        outcome = rig.store.verify(token, SECRET_ID)
        with premise("ORD-02"):
            assert outcome.verified, (
                f"a {alg} token without kid was not verified by its own key, listed after a "
                f"JWK of the same key with alg {wrong_alg!r}: {outcome.reason}"
            )
        assert outcome.secret_id in (None, "signer"), (
            f"a {alg} token was verified by {outcome.secret_id!r}, a JWK whose alg is {wrong_alg!r}"
        )
    with jwk_target.open_store(document={"keys": [decoy]}) as rig:
        outcome = rig.store.verify(token, SECRET_ID)
        assert not outcome.verified, (
            f"a {alg} token was verified by {found_by(outcome)}, the same key but with alg "
            f"{wrong_alg!r}"
        )


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify")
@given(signer=_signer(), others=sets_of(min_size=1, max_size=3, quick=True), data=st.data())
def test_a_kid_naming_a_jwk_of_another_alg_does_not_verify(
    jwk_target: Target, signer: tuple[str, str, int], others: Keys, data: st.DataObject
) -> None:
    """D-20: the named JWK holds the very key that signed, but its `alg` is another."""
    alg, kind, index = signer
    private = private_jwk(kind, index, kid="named", use="sig")
    assume(not any(same_key(private, k) for _, k in others))
    named = {**public_jwk(private), "alg": _other_alg(data, alg)}
    document = keys_of(others)
    document.insert(data.draw(st.integers(0, len(document)), label="at"), named)
    with jwk_target.open_store(document={"keys": document}) as rig:
        # A JWK whose alg the token lacks is still usable: a set it takes down fails LOAD-03.
        with premise("LOAD-03"):
            control_alg, control = others[0]
            served = rig.store.verify(sign_token(control, control_alg), SECRET_ID)
            assert served.verified, f"a token of a served key did not verify: {served.reason}"
        outcome = rig.store.verify(sign_token(private, alg, kid="named"), SECRET_ID)
        assert not outcome.verified, (
            f"a {alg} token naming kid 'named', a JWK of the signing key but with alg "
            f"{named['alg']!r}, was verified by {found_by(outcome)}"
        )


_CROSS_CURVES = [(alg, curve) for alg in _ES_CURVES for curve in _ES_CURVES.values()]


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify")
@pytest.mark.parametrize(
    ("alg", "curve"),
    [(a, c) for a, c in _CROSS_CURVES if _ES_CURVES[a] != c],
    ids=[f"{a}-{c}" for a, c in _CROSS_CURVES if _ES_CURVES[a] != c],
)
@given(index=st.integers(0, 3), with_kid=st.booleans())
def test_a_token_signed_on_another_curve_than_its_alg_takes_never_verifies(
    jwk_target: Target, alg: str, curve: str, index: int, with_kid: bool
) -> None:
    """The token's signature is right for the JWK's own key (the hash that `alg` names,
    the size of the key's curve): only the rule that `alg` fixes the curve rejects it."""
    if not jwk_target.key_support.has(f"EC-{curve}"):
        pytest.skip(f"{jwk_target.name} does not support EC keys on {curve} (LOAD-03)")
    private = private_jwk(f"EC-{curve}", index, kid="other-curve", use="sig")
    token = cross_curve_token(private, alg, kid="other-curve" if with_kid else None)
    with jwk_target.open_store(document=public_set([private])) as rig:
        outcome = rig.store.verify(token, SECRET_ID)
        assert not outcome.verified, (
            f"an {alg} token signed by a {curve} key ({'naming it' if with_kid else 'no kid'})"
            f" was verified by {found_by(outcome)}: {alg} takes only {_ES_CURVES[alg]} keys"
        )


def _supported_signer(target: Target, alg: str) -> list[str]:
    kinds = [kind for kind in ALG_KINDS[alg] if target.key_support.signs(alg, kind)]
    if not kinds:
        pytest.skip(f"{target.name} does not verify {alg} (a lawful choice)")
    return kinds


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify", "reports-attempts")
# Every curve rule, and one algorithm of each other family (RS and PS share their rule).
@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "EdDSA", "RS256", "PS384"])
@given(data=st.data(), with_kid=st.booleans())
def test_a_key_of_the_wrong_type_or_curve_is_never_tried(
    jwk_target: Target, alg: str, data: st.DataObject, with_kid: bool
) -> None:
    """Whether the token names a JWK whose type or curve cannot take its `alg` (D-20) or
    carries no kid, such a JWK is not tried (D-9)."""
    kind = data.draw(st.sampled_from(_supported_signer(jwk_target, alg)), "signer kind")
    index = data.draw(st.integers(0, len(key_pool()[kind]) - 1), "signer index")
    unfit = [
        k
        for k in _SIGNING_KINDS
        if jwk_target.key_support.has(k) and not alg_fits(alg, private_jwk(k))
    ]
    wrong_kinds = data.draw(st.lists(st.sampled_from(unfit), min_size=1, max_size=3), "wrong")
    wrong = [
        public_jwk(private_jwk(k, i % len(key_pool()[k]), kid=f"wrong-{i}", use="sig"))
        for i, k in enumerate(wrong_kinds)
    ]
    private = shaped(private_jwk(kind, index, kid="signer", use="sig"), alg)
    order = data.draw(st.permutations([*wrong, public_jwk(private)]), "set order")
    token = sign_token(private, alg, kid="wrong-0" if with_kid else None)
    with jwk_target.open_store(document={"keys": order}) as rig:
        outcome = rig.store.verify(token, SECRET_ID)
        if with_kid:
            with premise("KID-02"):
                assert not outcome.verified, (
                    f"a {alg} token naming 'wrong-0' ({wrong_kinds[0]}, which cannot take "
                    f"{alg}) was verified by {found_by(outcome)}: the named secret decides"
                )
        else:
            with premise("ORD-02"):
                assert outcome.verified, (
                    f"a {alg} token without kid did not verify: {outcome.reason}"
                )
                assert outcome.secret_id in (None, "signer")
        assert outcome.tried is not None, "the adapter declares reports-attempts"
        misused = [t for t in outcome.tried if t.startswith("wrong-")]
        assert not misused, (
            f"a {alg} signature was checked with {misused}, keys whose type or curve "
            f"({wrong_kinds}) cannot take {alg}"
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
            outcome = rig.store.verify(token, SECRET_ID)
            assert not outcome.verified, f"a token with {label} was verified by {found_by(outcome)}"


@pytest.mark.jwk_requirement("PUR-06")
@pytest.mark.jwk_capability("verify")
@given(
    alg=st.sampled_from(_RSA_1024_ALGS),
    index=st.integers(0, len(key_pool()["RSA-1024"]) - 1),
    with_kid=st.booleans(),
    alg_member=st.booleans(),
    others=sets_of(min_size=1, max_size=3, quick=True),
    data=st.data(),
)
def test_rsa_keys_under_2048_bits_are_not_used(
    jwk_target: Target,
    alg: str,
    index: int,
    with_kid: bool,
    alg_member: bool,
    others: Keys,
    data: st.DataObject,
) -> None:
    """Whether the token names the short key or carries no kid: a store may skip the key
    at load (D-26, then the kid is a miss) or keep it and refuse it here (D-20)."""
    extra = {"alg": alg} if alg_member else {}
    small = private_jwk("RSA-1024", index, kid="rsa-1024", use="sig", **extra)
    document = keys_of(others)
    document.insert(data.draw(st.integers(0, len(document)), label="at"), public_jwk(small))
    token = sign_token(small, alg, kid="rsa-1024" if with_kid else None)
    with jwk_target.open_store(document={"keys": document}) as rig:
        # The small key is unusable (D-26): that its neighbours still work is LOAD-03's.
        with premise("LOAD-03"):
            control_alg, control = others[0]
            served = rig.store.verify(sign_token(control, control_alg), SECRET_ID)
            assert served.verified, f"a token of a served key did not verify: {served.reason}"
        outcome = rig.store.verify(token, SECRET_ID)
        assert not outcome.verified, (
            f"a {alg} token ({'naming' if with_kid else 'signed by'} a 1024-bit RSA key) "
            f"was verified by {found_by(outcome)}"
        )


@st.composite
def _hmac_signer(draw: st.DrawFn) -> tuple[str, str, int]:
    alg = draw(st.sampled_from(("HS256", "HS384", "HS512")))
    kind = draw(st.sampled_from(ALG_KINDS[alg]))
    return alg, kind, draw(st.integers(0, len(key_pool()[kind]) - 1))


@pytest.mark.jwk_requirement("PUR-07")
@pytest.mark.jwk_capability("verify")
@given(signer=_hmac_signer())
def test_a_symmetric_key_from_an_http_url_never_verifies(
    jwk_target: Target, signer: tuple[str, str, int]
) -> None:
    alg, kind, index = signer
    secret = private_jwk(kind, index, kid="hmac", use="sig")
    other = private_jwk("EC-P-256", kid="ec", use="sig")
    with jwk_target.open_store(document=public_set([other, secret])) as rig:
        assert rig.env.jwks_url.startswith(("http://", "https://"))
        # Both paths every time: by its kid, and without one.
        for kid in ("hmac", None):
            outcome = rig.store.verify(sign_token(secret, alg, kid=kid), SECRET_ID)
            assert not outcome.verified, (
                f"a {alg} token (kid {kid!r}) was verified by {found_by(outcome)}, a symmetric"
                f" key that anyone could download from {rig.env.jwks_url}"
            )


_HMAC_BITS = {"HS256": 256, "HS384": 384, "HS512": 512}


def _hmac_token(secret: bytes, alg: str, kid: str | None) -> str:
    """An HMAC JWS by hand: the signing library refuses keys shorter than the hash."""
    header = {"alg": alg, **({"kid": kid} if kid is not None else {})}

    def encode(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{encode(json.dumps(header).encode())}.{encode(b'{}')}"
    digest = hmac.new(secret, signing_input.encode(), f"sha{alg[2:]}").digest()
    return f"{signing_input}.{encode(digest)}"


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify", "file-urls")
@pytest.mark.parametrize("alg", sorted(_HMAC_BITS))
def test_hmac_keys_of_a_local_set_need_the_length_of_their_hash(
    jwk_target: Target, alg: str
) -> None:
    """An `oct` key of a `file:` set (a local secret, so PUR-07 does not bar it) verifies
    the HMAC algorithms whose hash it is at least as long as; one byte shorter, never
    (decision D-11). Nor is a token ever tried against a key of another type."""
    bits = _HMAC_BITS[alg]
    if not jwk_target.key_support.signs(alg, f"oct-{bits}"):
        pytest.skip(f"{jwk_target.name} does not verify {alg} with oct keys")
    full = shaped(private_jwk(f"oct-{bits}", 0, kid="full", use="sig"), alg)
    secret = base64.urlsafe_b64decode(full["k"] + "=" * (-len(full["k"]) % 4))
    short_k = base64.urlsafe_b64encode(secret[1:]).rstrip(b"=").decode()
    short = {"kty": "oct", "k": short_k, "kid": "short", "use": "sig"}
    rsa = shaped(private_jwk("RSA-2048", 0, kid="rsa", use="sig"), "RS256")
    short = {**short, "alg": full["alg"]} if "alg" in full else short
    document = {"keys": [full, short, public_jwk(rsa)]}
    with jwk_target.open_store(SHORT_LEASE, file_document=document) as rig:
        with premise("LOAD-01"):
            rsa_alg = "RS256"
            read = rig.store.verify(sign_token(rsa, rsa_alg), SECRET_ID)
            assert read.verified, f"the file: set was not read: {read.reason}"
        outcome = rig.store.verify(sign_token(full, alg), SECRET_ID)
        assert outcome.verified, (
            f"an {alg} token of a {bits}-bit oct key of the file: set did not verify: "
            f"{outcome.reason}"
        )
        for kid in ("short", None):
            outcome = rig.store.verify(_hmac_token(secret[1:], alg, kid), SECRET_ID)
            assert not outcome.verified, (
                f"an {alg} token of a {bits - 8}-bit oct key (kid {kid!r}) was verified by "
                f"{found_by(outcome)}: the key is shorter than the hash"
            )
        # Whether a failed named secret may fall back is KID-02's; here only what was tried.
        outcome = rig.store.verify(sign_token(full, alg, kid="rsa"), SECRET_ID)
        assert "rsa" not in (outcome.tried or ()), (
            f"an {alg} token naming an RSA key was tried against it: {outcome}"
        )
