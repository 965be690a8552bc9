"""Which JWKs fit ``verify``, seen through verification alone (PUR-01..04).

A JWK that does not fit verify must never verify a token, whether the token names its kid
or carries none; one that fits verifies a token naming its kid. Libraries that only verify
tokens get their verdicts here; test_purpose.py asks named and valid secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import public_jwk, sign_token
from jwkconform.harness import StoreRig, Target, premise
from jwkconform.harness.model import fits
from jwkconform.suites._keysets import Keys, distinct_keys, found_by, sets_of
from jwkconform.suites._probes import SECRET_ID
from jwkconform.suites.store_strategies import PURPOSE_MEMBERS, QUICK_ALGS, SIGNING_ALGS

Members = Mapping[str, Any]
# Algorithms whose keys (RSA, EC) can both sign and encrypt (D-3).
_BOTH_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_ENCRYPT_ONLY = [m for m, purposes in PURPOSE_MEMBERS if purposes == {"encrypt"}]
# use and key_ops both present and disagreeing: the JWK fits no purpose (PUR-04).
_DISAGREEING = [m for m, fit in PURPOSE_MEMBERS if "use" in m and "key_ops" in m and not fit]


@st.composite
def _keys_with(
    draw: st.DrawFn,
    members: st.SearchStrategy[Members],
    *,
    algs: tuple[str, ...] | None = None,
    control: bool = False,
    max_size: int = 5,
) -> Keys:
    """Signing keys whose use/key_ops are replaced by drawn ``members``; with ``control``,
    a last key with ``use: sig`` follows, to show that verification works at all."""
    # Fast signers where the adapter has them: every test here signs a token or two per key.
    fast = [a for a in algs or SIGNING_ALGS if a in QUICK_ALGS and distinct_keys((a,))]
    chosen = fast or algs or SIGNING_ALGS
    # Members for as many keys as the set may hold, drawn first: a smaller set then leaves
    # every draw where it was, and a failure shrinks in few steps.
    each = draw(st.lists(members, min_size=max_size, max_size=max_size), label="members")
    keys = draw(sets_of(min_size=2 if control else 1, max_size=max_size, algs=chosen))
    drawn: Keys = []
    for (alg, key), extra in zip(keys[:-1] if control else keys, each, strict=False):
        bare = {k: v for k, v in key.items() if k not in ("use", "key_ops")}
        drawn.append((alg, {**bare, **extra}))
    return [*drawn, keys[-1]] if control else drawn


def _members_id(members: Mapping[str, Any]) -> str:
    return (
        "-".join(f"{k}={'+'.join(v) if isinstance(v, list) else v}" for k, v in members.items())
        or "none"
    )


def _summary(key: Mapping[str, Any]) -> str:
    return f"kid {key['kid']!r} (use {key.get('use')!r}, key_ops {key.get('key_ops')!r})"


def _never_verifies(rig: StoreRig, alg: str, key: Mapping[str, Any], why: str) -> None:
    for kid in (key["kid"], None):
        outcome = rig.store.verify(sign_token(key, alg, kid=kid), SECRET_ID)
        assert not outcome.verified, (
            f"a token signed by the JWK of {_summary(key)}, "
            f"{'naming its kid' if kid else 'without kid'}, was verified by "
            f"{found_by(outcome)}: {why}"
        )


def _control_verifies(rig: StoreRig, keys: Keys) -> None:
    alg, control = keys[-1]
    # The other JWKs are usable keys of other purposes: a set they take down fails LOAD-03.
    with premise("LOAD-03"):
        outcome = rig.store.verify(sign_token(control, alg), SECRET_ID)
        assert outcome.verified, (
            f"a token of a served use: sig JWK naming its kid did not verify: {outcome.reason}"
        )


@pytest.mark.jwk_requirement("PUR-01")
@pytest.mark.jwk_capability("verify")
# Each combination of members on its own, so that every run meets all of them.
@pytest.mark.parametrize(
    "members", [m for m, _ in PURPOSE_MEMBERS], ids=[_members_id(m) for m, _ in PURPOSE_MEMBERS]
)
@given(data=st.data())
def test_a_jwk_verifies_tokens_exactly_when_its_use_and_key_ops_allow_verify(
    jwk_target: Target, members: Mapping[str, Any], data: st.DataObject
) -> None:
    keys = data.draw(_keys_with(st.just(members), max_size=2), label="keys")
    with jwk_target.open_store(document={"keys": [public_jwk(k) for _, k in keys]}) as rig:
        for alg, key in keys:
            if fits(public_jwk(key), "verify"):
                outcome = rig.store.verify(sign_token(key, alg), SECRET_ID)
                assert outcome.verified, (
                    f"a token naming the JWK of {_summary(key)}, which fits verify, did not "
                    f"verify: {outcome.reason}"
                )
            else:
                _never_verifies(rig, alg, key, "that JWK does not fit verify")


@pytest.mark.jwk_requirement("PUR-02")
@pytest.mark.jwk_capability("verify")
@given(keys=_keys_with(st.sampled_from(_ENCRYPT_ONLY), algs=_BOTH_ALGS, control=True))
def test_a_jwk_that_suits_only_encrypt_never_verifies(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(document={"keys": [public_jwk(k) for _, k in keys]}) as rig:
        _control_verifies(rig, keys)
        for alg, key in keys[:-1]:
            _never_verifies(rig, alg, key, "that JWK suits only encryption")


@pytest.mark.jwk_requirement("PUR-03")
@pytest.mark.jwk_capability("verify")
@given(keys=_keys_with(st.just({})))
def test_a_jwk_without_use_or_key_ops_verifies_tokens(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(document={"keys": [public_jwk(k) for _, k in keys]}) as rig:
        for alg, key in keys:
            outcome = rig.store.verify(sign_token(key, alg), SECRET_ID)
            assert outcome.verified, (
                f"a {alg} token naming kid {key['kid']!r}, a {key['kty']} JWK without use or "
                f"key_ops, did not verify: {outcome.reason}"
            )


@pytest.mark.jwk_requirement("PUR-04")
@pytest.mark.jwk_capability("verify")
@given(keys=_keys_with(st.sampled_from(_DISAGREEING), algs=_BOTH_ALGS, max_size=1))
def test_a_jwk_whose_use_and_key_ops_disagree_never_verifies_alone(
    jwk_target: Target, keys: Keys
) -> None:
    """The disputed JWK alone: whatever the store makes of a set holding it (a set taken
    down is LOAD-03's finding, in the test below), its key never verifies a token."""
    with jwk_target.open_store(document={"keys": [public_jwk(k) for _, k in keys]}) as rig:
        for alg, key in keys:
            _never_verifies(rig, alg, key, "its use and key_ops disagree, so it fits neither")


@pytest.mark.jwk_requirement("PUR-04")
@pytest.mark.jwk_capability("verify")
@given(keys=_keys_with(st.sampled_from(_DISAGREEING), algs=_BOTH_ALGS, control=True))
def test_a_jwk_whose_use_and_key_ops_disagree_never_verifies(
    jwk_target: Target, keys: Keys
) -> None:
    with jwk_target.open_store(document={"keys": [public_jwk(k) for _, k in keys]}) as rig:
        _control_verifies(rig, keys)
        for alg, key in keys[:-1]:
            _never_verifies(rig, alg, key, "its use and key_ops disagree, so it fits neither")
