"""Order of valid secrets and of tries (ORD)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import sign_token
from jwkconform.harness import Target
from jwkconform.suites.strategies import alg_fits, public_set, signing_keys

Keys = list[tuple[str, dict[str, Any]]]


@pytest.mark.requirement("ORD-01")
@pytest.mark.capability("valid")
@given(keys=signing_keys(min_size=1))
def test_valid_secrets_follow_set_order(jwk_target: Target, keys: Keys) -> None:
    with jwk_target.open_store(document=public_set([k for _, k in keys])) as rig:
        got = [s.stable_id for s in rig.store.valid("verify")]
        assert got == [k["kid"] for _, k in keys]


@pytest.mark.requirement("ORD-02")
@pytest.mark.capability("verify", "reports-attempts")
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


def _in_order(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(x == y for y in rest) for x in part)
