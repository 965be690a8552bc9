"""Named secrets and kid fallback (KID)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import sign_token
from jwkconform.harness import Target
from jwkconform.suites.strategies import public_set, signing_keys

Keys = list[tuple[str, dict[str, Any]]]


@pytest.mark.requirement("KID-01")
@pytest.mark.capability("named")
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


@pytest.mark.requirement("KID-02")
@pytest.mark.capability("verify")
@given(keys=signing_keys(min_size=2))
def test_failed_named_secret_is_not_followed_by_others(jwk_target: Target, keys: Keys) -> None:
    (alg, signer), (_, named) = keys[0], keys[1]
    token = sign_token(signer, alg, kid=named["kid"])
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"token names kid {named['kid']!r} but was verified by {outcome.secret_id!r}"
        )


@pytest.mark.requirement("KID-03")
@pytest.mark.capability("verify")
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
