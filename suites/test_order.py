"""Order of valid secrets and of tries (ORD)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import public_jwk, sign_token, tamper
from jwkconform.harness import Target
from jwkconform.harness.model import alg_fits
from jwkconform.suites.strategies import public_set, signing_keys

Keys = list[tuple[str, dict[str, Any]]]


@pytest.mark.jwk_requirement("ORD-01")
@pytest.mark.jwk_capability("valid")
@given(keys=signing_keys(min_size=1))
def test_valid_secrets_follow_set_order(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert got == [k["kid"] for _, k in keys]


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.jwk_capability("verify", "reports-attempts")
@given(keys=signing_keys(min_size=1), data=st.data())
def test_tries_run_in_order_and_stop_at_the_first_that_verifies(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(keys) - 1))
    alg, signer = keys[position]
    token = sign_token(signer, alg, kid=None)
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert outcome.verified, outcome.reason
        assert outcome.secret_id == signer["kid"]
        assert outcome.tried is not None
        tried = list(outcome.tried)
        before = [k["kid"] for _, k in keys[:position]]
        must = [k["kid"] for _, k in keys[:position] if alg_fits(alg, k)]
        assert tried[-1:] == [signer["kid"]], f"tries {tried} do not stop at the signer"
        assert _in_order(tried[:-1], before), f"tries {tried} are not in set order {before}"
        assert set(must) <= set(tried), f"tries {tried} skipped fitting keys {must}"


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.jwk_capability("verify")
@given(keys=signing_keys(min_size=2), data=st.data())
def test_token_is_invalid_when_no_secret_verifies(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(keys) - 1))
    alg, signer = keys[position]
    others = [k for i, (_, k) in enumerate(keys) if i != position]
    token = sign_token(signer, alg, kid=None)
    with jwk_target.open_store(document=public_set(others)) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"a token signed by a key not in the set was verified by {outcome.secret_id!r}"
        )
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        outcome = rig.store.verify(tamper(token), "access.token")
        assert not outcome.verified, (
            f"a token with a tampered signature was verified by {outcome.secret_id!r}"
        )


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.jwk_capability("verify")
@given(keys=signing_keys(min_size=1), data=st.data())
def test_token_is_invalid_when_no_secret_is_valid(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    alg, signer = data.draw(st.sampled_from(keys), "signer")
    with_kid = data.draw(st.booleans(), "token names the kid")
    token = sign_token(signer, alg, kid=signer["kid"] if with_kid else None)
    # The same keys, all published for encryption only: none is valid for verify.
    document = {"keys": [{**public_jwk(k), "use": "enc"} for _, k in keys]}
    with jwk_target.open_store(document=document) as rig:
        outcome = rig.store.verify(token, "access.token")
        assert not outcome.verified, (
            f"a token was verified by {outcome.secret_id!r} though every JWK in the set is "
            "use: enc, so none is valid for verify"
        )


@pytest.mark.jwk_requirement("ORD-03")
@pytest.mark.jwk_capability("valid")
@given(keys=signing_keys(min_size=2), data=st.data())
def test_after_a_reload_the_new_documents_order_applies(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    jwks = [public_jwk(k) for _, k in keys]
    permuted = data.draw(st.permutations(jwks), "new order")
    timeout = data.draw(st.integers(10, 600), "cacheTimeout (s)")
    with jwk_target.open_store({"cacheTimeout": f"{timeout} s"}, document={"keys": jwks}) as rig:
        first = [s.stable_id for s in rig.store.valid("verify")]
        assert first == [k["kid"] for k in jwks], f"before the reload, valid order was {first}"
        rig.jwks.serve({"keys": permuted}, at=rig.clock.now() + timeout)
        rig.clock.advance(timeout)
        got = [s.stable_id for s in rig.store.valid("verify")]
        expected = [k["kid"] for k in permuted]
        assert got == expected, (
            f"after the reload valid secrets came back as {got}, not in the new "
            f"document's order {expected}"
        )


def _in_order(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(x == y for y in rest) for x in part)
