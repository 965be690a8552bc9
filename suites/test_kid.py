"""Named secrets and kid fallback (KID)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import key_pool, private_jwk, public_jwk, sign_token
from jwkconform.harness import ConfigRefused, Target
from jwkconform.harness.model import fits
from jwkconform.suites.strategies import PURPOSE_MEMBERS, kids, public_set, signing_keys

Keys = list[tuple[str, dict[str, Any]]]


@pytest.mark.jwk_requirement("KID-01")
@pytest.mark.jwk_capability("named")
@given(keys=signing_keys(min_size=1), data=st.data())
def test_named_secret_is_the_jwk_with_that_exact_kid(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    chosen = data.draw(st.sampled_from([k for _, k in keys]))
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        secret = rig.store.named("verify", chosen["kid"])
        assert secret is not None, f"no named secret for kid {chosen['kid']!r}"
        assert secret.stable_id == chosen["kid"]
        assert secret.jwk.get("x", secret.jwk.get("n")) == chosen.get("x", chosen.get("n"))
        for case_variant in {chosen["kid"].swapcase(), chosen["kid"] + " "} - {
            k["kid"] for _, k in keys
        }:
            assert rig.store.named("verify", case_variant) is None, (
                f"kid {case_variant!r} matched though no JWK has it (comparison must be exact)"
            )


@pytest.mark.jwk_requirement("KID-02")
@pytest.mark.jwk_capability("verify")
@given(keys=signing_keys(min_size=2))
def test_failed_named_secret_is_not_followed_by_others(jwk_target: Target, keys: Keys) -> None:
    (alg, signer), (_, named) = keys[0], keys[1]
    token = sign_token(signer, alg, kid=named["kid"])
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"token names kid {named['kid']!r} but was verified by {outcome.secret_id!r}"
        )


@pytest.mark.jwk_requirement("KID-03")
@pytest.mark.jwk_capability("verify")
@given(keys=signing_keys(min_size=1), data=st.data())
def test_unknown_kid_falls_back_to_valid_secrets(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    alg, signer = data.draw(st.sampled_from(keys))
    token = sign_token(signer, alg, kid="no-such-kid-\u2603")
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert outcome.verified, f"fallback did not verify: {outcome.reason}"
        assert outcome.secret_id == signer["kid"]


_MATERIAL = ("kty", "crv", "n", "e", "x", "y")


def _material(jwk: Mapping[str, Any]) -> dict[str, Any]:
    return {name: jwk.get(name) for name in _MATERIAL}


@pytest.mark.jwk_requirement("KID-04")
@pytest.mark.jwk_capability("named")
@given(keys=signing_keys(min_size=2), data=st.data())
def test_first_of_several_jwks_sharing_a_kid_is_the_named_secret(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    first = data.draw(st.integers(0, len(keys) - 2), label="first")
    second = data.draw(st.integers(first + 1, len(keys) - 1), label="second")
    kid = keys[first][1]["kid"]
    jwks = [k for _, k in keys]
    jwks[second] = {**jwks[second], "kid": kid}
    with jwk_target.open_store(document=public_set(jwks)) as rig:
        secret = rig.store.named("verify", kid)
        assert secret is not None, f"no named secret for the shared kid {kid!r}"
        assert secret.stable_id == kid
        assert _material(secret.jwk) == _material(jwks[first]), (
            f"kid {kid!r} is shared by JWKs #{first} and #{second}; the named secret is not "
            f"the first of them in set order"
        )


# use/key_ops members that do not fit verify, on key types that can sign and encrypt.
_OTHER_PURPOSE = [members for members, purposes in PURPOSE_MEMBERS if "verify" not in purposes]


@st.composite
def _decoys(draw: st.DrawFn) -> dict[str, Any]:
    """A public JWK that does not fit ``verify`` (``use: enc``, other ``key_ops``...)."""
    kind = draw(st.sampled_from(["EC-P-256", "EC-P-384", "RSA-2048", "OKP-X25519"]))
    index = draw(st.integers(0, len(key_pool()[kind]) - 1))
    members = draw(st.sampled_from(_OTHER_PURPOSE))
    decoy = public_jwk(private_jwk(kind, index, **members))
    assert not fits(decoy, "verify"), f"test bug: decoy {decoy} fits verify"
    return decoy


@pytest.mark.jwk_requirement("KID-05")
@pytest.mark.jwk_capability("named", "verify")
@given(keys=signing_keys(min_size=1, max_size=4), decoy=_decoys(), data=st.data())
def test_a_kid_held_only_by_another_purpose_falls_back(
    jwk_target: Target, keys: Keys, decoy: dict[str, Any], data: st.DataObject
) -> None:
    taken = {k["kid"] for _, k in keys}
    kid = data.draw(kids().filter(lambda k: k not in taken), label="decoy kid")
    position = data.draw(st.integers(0, len(keys)), label="decoy position")
    alg, signer = data.draw(st.sampled_from(keys), label="signer")
    jwks = [k for _, k in keys]
    jwks.insert(position, {**decoy, "kid": kid})
    token = sign_token(signer, alg, kid=kid)
    with jwk_target.open_store(document=public_set(jwks)) as rig:
        named = rig.store.named("verify", kid)
        assert named is None, (
            f"kid {kid!r} belongs only to a JWK that does not fit verify, yet named() "
            f"returned {named.stable_id!r}"
        )
        outcome = rig.store.verify(token, "access.token")
        assert outcome.verified, (
            f"a token whose kid {kid!r} fits no verify key did not fall back to the valid "
            f"secrets: {outcome.reason}"
        )
        assert outcome.secret_id == signer["kid"], (
            f"the fallback verified with {outcome.secret_id!r}, not the signer {signer['kid']!r}"
        )


@pytest.mark.jwk_requirement("KID-06")
@pytest.mark.jwk_capability("verify")
def test_an_empty_verification_secret_id_is_refused(jwk_target: Target) -> None:
    signer = private_jwk("EC-P-256", kid="a", use="sig")
    token = sign_token(signer, "ES256")
    with jwk_target.open_store(document=public_set([signer])) as rig:
        with pytest.raises(ConfigRefused) as refused:
            rig.store.verify(token, "")
        assert "verificationSecretId" in f"{refused.value.field} {refused.value}", (
            f"the refusal of an empty verificationSecretId does not name it: {refused.value}"
        )


@pytest.mark.jwk_requirement("KID-06")
@pytest.mark.jwk_capability("verify")
@given(secret_id=kids())
def test_any_non_empty_verification_secret_id_serves_named_resolution(
    jwk_target: Target, secret_id: str
) -> None:
    signer = private_jwk("EC-P-256", kid="a", use="sig")
    other = private_jwk("EC-P-256", 1, kid="b", use="sig")
    token = sign_token(signer, "ES256")
    with jwk_target.open_store(document=public_set([other, signer])) as rig:
        outcome = rig.store.verify(token, secret_id)
        assert outcome.verified, (
            f"with verificationSecretId {secret_id!r} a token naming kid 'a' did not verify: "
            f"{outcome.reason}"
        )
        assert outcome.secret_id == "a"
