"""Order with every JWK shape in one set (ORD-01, ORD-02): JWKs with and without `kid`, with
and without `alg`, mixed in every example.

A store that lists JWKs without kid after the others, or a resolver that tries the JWKs
bound to the token's `alg` first, keeps the order of a set in which every JWK has a kid
and none an `alg`; here every set has a JWK without kid between two with one, and the
signing key twice: bare first, then bound to the token's `alg` under another kid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import public_jwk, sign_token
from jwkconform.harness import Target, premise
from jwkconform.suites._keysets import Keys, sets_of
from jwkconform.suites._probes import SECRET_ID, material

# The largest set of the tries test.
_MOST: Final = 8


def _key(jwk: Mapping[str, Any]) -> str:
    return repr(sorted(material(jwk).items()))


@pytest.mark.jwk_requirement("ORD-01")
@pytest.mark.jwk_capability("valid")
@given(keys=sets_of(min_size=3, max_size=20), data=st.data())
def test_valid_secrets_follow_set_order_with_and_without_kid_or_alg(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    jwks = []
    for alg, private in keys:
        jwk = public_jwk(private)
        if data.draw(st.booleans(), f"{jwk['kid']} without kid"):
            del jwk["kid"]
        if data.draw(st.booleans(), f"{private['kid']} with alg"):
            jwk["alg"] = alg
        jwks.append(jwk)
    # At least one JWK without kid with a JWK that has one on either side.
    middle = data.draw(st.integers(1, len(jwks) - 2), "kid-less JWK at")
    jwks[middle].pop("kid", None)
    for side in (middle - 1, middle + 1):
        jwks[side]["kid"] = str(keys[side][1]["kid"])
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        got = [_key(s.jwk) for s in rig.store.valid("verify")]
    expected = [_key(j) for j in jwks]
    # Which JWKs are listed is PUR-01's (a store may drop those without kid, say): only the
    # order of those listed is judged here.
    listed = [g for g in got if g in expected]
    wanted = [e for e in expected if e in listed]
    shapes = [("kid" if "kid" in j else "no kid") + (" + alg" if "alg" in j else "") for j in jwks]
    assert listed == wanted, (
        f"valid('verify') listed the set's JWKs in the order "
        f"{[expected.index(g) for g in listed]}, not in set order; their shapes in set order: "
        f"{shapes}"
    )


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.jwk_capability("verify")
@given(keys=sets_of(min_size=1, max_size=_MOST, quick=True), data=st.data())
def test_tries_follow_set_order_when_some_keys_carry_alg(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    """The signing key is listed bare, then (later) under another kid bound to the token's
    `alg`; other JWKs carry their `alg` or not. A token without kid verifies with the bare
    JWK, the first that verifies, and the bound one is never tried."""
    # Drawn for the largest set, as positions taken modulo this one's size: a smaller set
    # then leaves every draw where it was, and a failure shrinks in few steps.
    bare_at = data.draw(st.integers(0, _MOST - 1), "signer at") % len(keys)
    with_alg = data.draw(st.lists(st.booleans(), min_size=_MOST, max_size=_MOST), "with alg")
    alg, signer = keys[bare_at]
    bound_kid = "bound~" + str(signer["kid"])  # "~" is outside the drawn kids' alphabet
    jwks = []
    for number, (key_alg, private) in enumerate(keys):
        jwk = public_jwk(private)
        if number != bare_at and with_alg[number]:
            jwk["alg"] = key_alg
        jwks.append(jwk)
    bound = {**public_jwk(signer), "kid": bound_kid, "alg": alg}
    later = data.draw(st.integers(0, _MOST), "bound twin, places after the bare one")
    jwks.insert(bare_at + 1 + later % (len(jwks) - bare_at), bound)
    ids = [j["kid"] for j in jwks]
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        if "valid" in jwk_target.capabilities:
            with premise("ORD-01"):
                listed = [s.stable_id for s in rig.store.valid("verify")]
                assert listed == ids, f"valid('verify') listed {listed}, not the set's order"
        outcome = rig.store.verify(sign_token(signer, alg, kid=None), SECRET_ID)
        assert outcome.verified, f"a token without kid did not verify: {outcome.reason}"
        if outcome.secret_id is None and outcome.tried is None:
            pytest.skip(f"{jwk_target.name} reports neither the secret that verified nor tries")
        shapes = {j["kid"]: "alg" in j for j in jwks}
        assert outcome.secret_id in (None, signer["kid"]), (
            f"a {alg} token without kid was verified by {outcome.secret_id!r}, not by "
            f"{signer['kid']!r}: the same key listed earlier without alg (set order {ids}, "
            f"alg members {shapes})"
        )
        tried = list(outcome.tried or ())
        assert bound_kid not in tried, (
            f"tries {tried} reached {bound_kid!r}, listed after {signer['kid']!r} (the same key "
            f"without alg), which verifies first (set order {ids})"
        )
        if outcome.tried is not None:
            order = [kid for kid in ids if kid in tried]
            assert tried == order, f"tries {tried} are not in set order {ids} ({shapes})"
            assert tried[-1:] == [signer["kid"]], (
                f"tries {tried} do not stop at {signer['kid']!r}, which verifies"
            )
