"""Named secrets and kid fallback (KID-01..04, KID-06); KID-05 is in test_kid_purpose.py.

Every requirement here is checked through ``verify`` alone as well, so that libraries that
only verify tokens get verdicts; ``named`` tests stay where they see more (the stable ID,
large sets). Tokens carry a kid: these requirements are about named resolution, except
KID-03, whose fallback is resolution without one.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jwkconform.fixtures import key_pool, private_jwk, public_jwk, sign_token
from jwkconform.harness import ConfigRefused, Target, premise
from jwkconform.harness.model import alg_fits
from jwkconform.harness.spec._keys import active_key_support
from jwkconform.suites._keysets import (
    Keys,
    distinct_keys,
    found_by,
    keys_of,
    quick_algs,
    same_key,
    sets_of,
)
from jwkconform.suites._probes import SECRET_ID, material
from jwkconform.suites.store_strategies import SIGNING_ALGS, kids, public_set, shaped, signing_keys


@st.composite
def _case_twins(
    draw: st.DrawFn,
    *,
    min_size: int,
    max_size: int,
    distinct_material: bool = True,
) -> tuple[Keys, int, int]:
    """(keys, i, j): JWKs #i and #j hold different keys under kids that differ only in
    letter case ("aB" and "Ab"); every other kid differs from both whatever the case."""
    keys = draw(sets_of(min_size=min_size, max_size=max_size, distinct_material=distinct_material))
    taken = {k["kid"].casefold() for _, k in keys}
    kid = draw(kids().filter(lambda k: k.swapcase() != k and k.casefold() not in taken))
    i = draw(st.integers(0, len(keys) - 1), label="kid")
    others = [j for j, (_, k) in enumerate(keys) if not same_key(k, keys[i][1])]
    assume(others)
    j = draw(st.sampled_from(others), label="its case twin")
    keys = list(keys)
    keys[i] = (keys[i][0], {**keys[i][1], "kid": kid})
    keys[j] = (keys[j][0], {**keys[j][1], "kid": kid.swapcase()})
    return keys, i, j


@pytest.mark.jwk_requirement("KID-01")
@pytest.mark.jwk_capability("named")
@given(twins=_case_twins(min_size=2, max_size=40, distinct_material=False))
def test_named_secret_is_the_jwk_with_that_exact_kid(
    jwk_target: Target, twins: tuple[Keys, int, int]
) -> None:
    keys, i, j = twins
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        for chosen in (keys[i][1], keys[j][1]):
            kid = chosen["kid"]
            secret = rig.store.named("verify", kid)
            assert secret is not None, f"no named secret for kid {kid!r}"
            assert secret.stable_id == kid, (
                f"the named secret for kid {kid!r} has the stable ID {secret.stable_id!r}"
            )
            assert material(secret.jwk) == material(chosen), (
                f"the named secret for kid {kid!r} holds another key (the set also has the "
                f"kid {kid.swapcase()!r}: the comparison must be exact)"
            )
        kid = keys[i][1]["kid"]
        for variant in sorted({kid + " ", kid.upper(), kid.lower()} - {k["kid"] for _, k in keys}):
            assert rig.store.named("verify", variant) is None, (
                f"kid {variant!r} matched though no JWK has it (comparison must be exact)"
            )


@st.composite
def _same_alg_twins(draw: st.DrawFn) -> tuple[Keys, int, int]:
    """(keys, i, j) as `_case_twins`, the twins signing with one algorithm: a token naming
    one and signed by the other then fits the named JWK's `alg`, type and curve, so that
    only the kid comparison (or a fallback, KID-02) can let it verify."""
    fast = quick_algs()
    alg = draw(st.sampled_from([a for a in fast if distinct_keys((a,)) >= 2]), label="alg")
    pair = draw(signing_keys(min_size=2, max_size=2, algs=(alg,)), label="twins")
    others = draw(sets_of(min_size=1, max_size=6, quick=True), label="others")
    others = [o for o in others if not any(same_key(o[1], p) for _, p in pair)]
    assume(others)
    taken = {k["kid"].casefold() for _, k in others}
    kid = draw(kids().filter(lambda k: k.swapcase() != k and k.casefold() not in taken))
    keys = list(others)
    i = draw(st.integers(0, len(keys)), label="kid at")
    keys.insert(i, (alg, {**pair[0][1], "kid": kid}))
    j = draw(st.integers(0, len(keys)), label="its case twin at")
    keys.insert(j, (alg, {**pair[1][1], "kid": kid.swapcase()}))
    return keys, i + (j <= i), j


@pytest.mark.jwk_requirement("KID-01")
@pytest.mark.jwk_capability("verify")
@given(twins=_same_alg_twins(), data=st.data())
def test_a_token_verifies_only_with_the_jwk_of_its_exact_kid(
    jwk_target: Target, twins: tuple[Keys, int, int], data: st.DataObject
) -> None:
    keys, i, j = twins
    third = data.draw(st.sampled_from([n for n in range(len(keys)) if n not in (i, j)]))
    (alg, a), (_, b), (_, c) = keys[i], keys[j], keys[third]
    with jwk_target.open_store(document={"keys": keys_of(keys)}) as rig:
        with premise("KID-02"):
            # A named secret that fails is the end of it; without this, a verified token
            # below could be another key tried after the named one, not a loose match.
            outcome = rig.store.verify(sign_token(a, alg, kid=c["kid"]), SECRET_ID)
            assert not outcome.verified, (
                f"a token naming kid {c['kid']!r}, signed by another key of the set, was "
                f"verified by {found_by(outcome)}"
            )
        for signer, twin in ((a, b), (b, a)):
            own = rig.store.verify(sign_token(signer, alg), SECRET_ID)
            assert own.verified, (
                f"a token naming kid {signer['kid']!r}, signed by that JWK's key, did not "
                f"verify: {own.reason}"
            )
            assert own.secret_id in (None, signer["kid"]), (
                f"a token naming kid {signer['kid']!r} was verified by {own.secret_id!r}"
            )
            forged = rig.store.verify(sign_token(twin, alg, kid=signer["kid"]), SECRET_ID)
            assert not forged.verified, (
                f"a token naming kid {signer['kid']!r} but signed by the key of kid "
                f"{twin['kid']!r} was verified by {found_by(forged)}: kids must match "
                "exactly, letter case included"
            )


def _other_alg(data: st.DataObject, alg: str, jwk: dict[str, Any]) -> str:
    """An `alg` member other than ``alg`` that ``jwk``'s own key could carry."""
    support = active_key_support().algorithms
    candidates = [a for a in SIGNING_ALGS if a != alg and a in support and alg_fits(a, jwk)]
    assume(candidates)
    return data.draw(st.sampled_from(candidates), label="the named JWK's alg")


def _unfit_kind(data: st.DataObject, alg: str) -> str:
    """A signing key kind the adapter supports whose type or curve cannot take ``alg``."""
    support = active_key_support()
    candidates = [
        kind
        for kind in ("RSA-2048", "EC-P-256", "EC-P-384", "EC-P-521", "OKP-Ed25519", "OKP-Ed448")
        if support.has(kind) and not alg_fits(alg, private_jwk(kind))
    ]
    assume(candidates)
    return data.draw(st.sampled_from(candidates), label="the named JWK's kind")


@pytest.mark.jwk_requirement("KID-02")
@pytest.mark.jwk_capability("verify")
@pytest.mark.parametrize("cause", ["another key", "another alg", "a type or curve unfit"])
@given(keys=sets_of(min_size=2), data=st.data())
def test_failed_named_secret_is_not_followed_by_others(
    jwk_target: Target, cause: str, keys: Keys, data: st.DataObject
) -> None:
    """Whatever makes the named secret fail (another key; under D-20 an `alg`, type or
    curve that does not fit the token), no other key is tried after it."""
    (alg, signer), (_, other) = keys[0], keys[1]
    named = public_jwk(other)
    if cause == "another alg":
        named["alg"] = _other_alg(data, alg, named)
    elif cause == "a type or curve unfit":
        kind = _unfit_kind(data, alg)
        index = data.draw(st.integers(0, len(key_pool()[kind]) - 1), label="index")
        named = public_jwk(private_jwk(kind, index, kid=named["kid"], use="sig"))
        assume(not any(same_key(named, k) for _, k in keys))
    document = {"keys": [named if k is other else public_jwk(k) for _, k in keys]}
    with jwk_target.open_store(document=document) as rig:
        with premise("KID-01"):
            own = rig.store.verify(sign_token(signer, alg), SECRET_ID)
            assert own.verified, f"a token naming its own key's kid did not verify: {own.reason}"
        outcome = rig.store.verify(sign_token(signer, alg, kid=named["kid"]), SECRET_ID)
        assert not outcome.verified, (
            f"a {alg} token naming kid {named['kid']!r} ({cause}) was verified by "
            f"{found_by(outcome)} after the named secret failed"
        )
        if outcome.tried is not None:
            assert set(outcome.tried) <= {named["kid"]}, (
                f"after the named secret {named['kid']!r} failed, {list(outcome.tried)} were tried"
            )


@pytest.mark.jwk_requirement("KID-03")
@pytest.mark.jwk_capability("verify")
@given(keys=sets_of(min_size=1), data=st.data())
def test_unknown_kid_falls_back_to_valid_secrets(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    alg, signer = data.draw(st.sampled_from(keys))
    token = sign_token(signer, alg, kid="no-such-kid-\u2603")
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        outcome = rig.store.verify(token, SECRET_ID)
        assert outcome.verified, (
            f"a token whose kid no JWK has did not fall back to the valid secrets: {outcome.reason}"
        )
        assert outcome.secret_id in (None, signer["kid"]), (
            f"the fallback verified with {outcome.secret_id!r}, not the signer {signer['kid']!r}"
        )


@st.composite
def _shared_kid(
    draw: st.DrawFn, *, min_size: int, max_size: int, distinct: bool
) -> tuple[Keys, int, int]:
    """(keys, first, second): JWK #first and a later JWK #second, holding another key,
    share a kid."""
    keys = draw(sets_of(min_size=min_size, max_size=max_size, distinct_material=distinct))
    first = draw(st.integers(0, len(keys) - 2), label="first")
    later = [n for n in range(first + 1, len(keys)) if not same_key(keys[n][1], keys[first][1])]
    assume(later)
    second = draw(st.sampled_from(later), label="second")
    keys = list(keys)
    keys[second] = (keys[second][0], {**keys[second][1], "kid": keys[first][1]["kid"]})
    return keys, first, second


@pytest.mark.jwk_requirement("KID-04")
@pytest.mark.jwk_capability("named")
@given(drawn=_shared_kid(min_size=2, max_size=40, distinct=False))
def test_first_of_several_jwks_sharing_a_kid_is_the_named_secret(
    jwk_target: Target, drawn: tuple[Keys, int, int]
) -> None:
    keys, first, second = drawn
    kid = keys[first][1]["kid"]
    with jwk_target.open_store(document={"keys": keys_of(keys)}) as rig:
        secret = rig.store.named("verify", kid)
        assert secret is not None, f"no named secret for the shared kid {kid!r}"
        assert secret.stable_id == kid
        assert material(secret.jwk) == material(keys[first][1]), (
            f"kid {kid!r} is shared by JWKs #{first} and #{second} of {len(keys)}; the named "
            "secret is not the first of them in set order"
        )


@pytest.mark.jwk_requirement("KID-04")
@pytest.mark.jwk_capability("verify")
@given(drawn=_shared_kid(min_size=3, max_size=6, distinct=True), data=st.data())
def test_a_shared_kid_verifies_only_tokens_of_the_first_jwk_holding_it(
    jwk_target: Target, drawn: tuple[Keys, int, int], data: st.DataObject
) -> None:
    keys, first, second = drawn
    (alg_first, signer), (alg_second, shadowed) = keys[first], keys[second]
    kid = signer["kid"]
    # The premise's named secret fits the second's alg exactly when the first does: where
    # the first cannot verify that alg at all, only a store that does not fall back from
    # an unfit named secret (KID-02) shows which JWK it named.
    fits = alg_fits(alg_second, signer)
    thirds = [k for _, k in keys if k["kid"] != kid and alg_fits(alg_second, k) == fits]
    assume(thirds)
    third = data.draw(st.sampled_from(thirds), label="third")
    with jwk_target.open_store(document={"keys": keys_of(keys)}) as rig:
        with premise("KID-02"):
            # Without this, the second's token verifying below could be a fallback after
            # the named secret failed (KID-02), not a wrong named secret.
            outcome = rig.store.verify(
                sign_token(shadowed, alg_second, kid=third["kid"]), SECRET_ID
            )
            assert not outcome.verified, (
                f"a token naming kid {third['kid']!r}, signed by another key of the set, was "
                f"verified by {found_by(outcome)}"
            )
        outcome = rig.store.verify(sign_token(signer, alg_first), SECRET_ID)
        assert outcome.verified, (
            f"kid {kid!r} is shared by JWKs #{first} and #{second}; a token signed by the "
            f"first did not verify: {outcome.reason}"
        )
        outcome = rig.store.verify(sign_token(shadowed, alg_second), SECRET_ID)
        assert not outcome.verified, (
            f"kid {kid!r} is shared by JWKs #{first} and #{second}; a token signed by the "
            f"second was verified by {found_by(outcome)}, though the first is the named secret"
        )


@pytest.mark.jwk_requirement("KID-06")
@pytest.mark.jwk_capability("verify")
def test_an_empty_verification_secret_id_is_refused(jwk_target: Target) -> None:
    signer = shaped(private_jwk("EC-P-256", kid="a", use="sig"), "ES256")
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
    signer = shaped(private_jwk("EC-P-256", kid="a", use="sig"), "ES256")
    other = shaped(private_jwk("EC-P-256", 1, kid="b", use="sig"), "ES256")
    token = sign_token(signer, "ES256")
    with jwk_target.open_store(document=public_set([other, signer])) as rig:
        outcome = rig.store.verify(token, secret_id)
        assert outcome.verified, (
            f"with verificationSecretId {secret_id!r} a token naming kid 'a' did not verify: "
            f"{outcome.reason}"
        )
        assert outcome.secret_id in (None, "a")
