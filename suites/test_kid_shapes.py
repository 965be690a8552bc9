"""Named secrets of every shape that fits `verify` (KID-01): bare, `use: sig`, `key_ops`
with `verify`, both, each with and without `alg`, every shape in every example.

The other KID tests draw `use: sig` JWKs; a store that names only JWKs carrying `use` (or
only those without `alg`) passes them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import public_jwk, sign_token
from jwkconform.harness import StoreRig, Target, premise, premised_on
from jwkconform.suites._keysets import Keys, sets_of
from jwkconform.suites._probes import SECRET_ID, material, require_a_probe
from jwkconform.suites._shapes import resolves_without_kid
from jwkconform.suites._store_checks import signers

# use/key_ops members that fit verify (PUR-01), each also drawn with the key's `alg`. (Whether
# a `key_ops` with other operations besides `verify` is usable at all is PUR-01's question.)
_VERIFY_MEMBERS: Final[tuple[Mapping[str, Any], ...]] = (
    {},
    {"use": "sig"},
    {"key_ops": ["verify"]},
    {"use": "sig", "key_ops": ["verify"]},
)
_SHAPES: Final = tuple((members, bound) for members in _VERIFY_MEMBERS for bound in (False, True))


def _fits_verify(
    target: Target, rig: StoreRig, alg: str, private: dict[str, Any], jwk: dict[str, Any]
) -> None:
    """Premise: ``jwk`` fits verify, a bare one by its key type (PUR-03), the others by
    their members (PUR-01); seen through valid(), else through a token without kid."""
    owner = "PUR-01" if "use" in jwk or "key_ops" in jwk else "PUR-03"
    with premise(owner):
        if "valid" in target.capabilities:
            listed = [(s.jwk.get("kid"), material(s.jwk)) for s in rig.store.valid("verify")]
            assert (jwk["kid"], material(jwk)) in listed, f"valid('verify') left out {jwk['kid']!r}"
        elif resolves_without_kid(target, signers(target, 2)):
            outcome = rig.store.verify(sign_token(private, alg, kid=None), SECRET_ID)
            assert outcome.verified, (
                f"a token without kid, signed by the key of {jwk['kid']!r}, did not verify: "
                f"{outcome.reason}"
            )


def _found_by_its_kid(
    target: Target, rig: StoreRig, alg: str, private: dict[str, Any], jwk: dict[str, Any]
) -> None:
    """KID-01 for one JWK: its named secret, or a token naming its kid, finds it."""
    kid = str(jwk["kid"])
    shape = {k: v for k, v in jwk.items() if k in ("use", "key_ops", "alg")}
    if "named" in target.capabilities:
        secret = rig.store.named("verify", kid)
        assert secret is not None, f"no named secret for kid {kid!r}, a JWK with {shape}"
        assert material(secret.jwk) == material(jwk), (
            f"the named secret for kid {kid!r} ({shape}) holds another key"
        )
    if "verify" in target.capabilities:
        outcome = rig.store.verify(sign_token(private, alg, kid=kid), SECRET_ID)
        assert outcome.verified, (
            f"a token naming {kid!r}, a JWK with {shape} of the signing key, did not "
            f"verify: {outcome.reason}"
        )
        if outcome.tried is not None:
            assert list(outcome.tried) == [kid], (
                f"a token naming {kid!r} ({shape}) was checked against {outcome.tried}:"
                " its named secret alone should be tried"
            )


@pytest.mark.jwk_requirement("KID-01")
@given(
    keys=sets_of(min_size=len(_SHAPES), max_size=len(_SHAPES), quick=True),
    offset=st.integers(0, len(_SHAPES) - 1),
)
def test_every_shape_of_verification_jwk_is_found_by_its_kid(
    jwk_target: Target, keys: Keys, offset: int
) -> None:
    """Distinct keys, one per shape (every shape unless the adapter supports fewer keys
    than there are shapes)."""
    require_a_probe(jwk_target, by_kid=True)
    jwks = []
    for number, (alg, private) in enumerate(keys):
        members, bound = _SHAPES[(offset + number) % len(_SHAPES)]
        jwk = {k: v for k, v in public_jwk(private).items() if k != "use"}
        jwks.append({**jwk, **members, **({"alg": alg} if bound else {})})
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        if "valid" in jwk_target.capabilities:
            # Listings are cheap, and PUR-01's evidence for every shape: checked up front.
            for (alg, private), jwk in zip(keys, jwks, strict=True):
                _fits_verify(jwk_target, rig, alg, private, jwk)
        for (alg, private), jwk in zip(keys, jwks, strict=True):
            # Else, whether a JWK fits verify (through a token without kid, which also tries
            # the other keys: ORD-02's business) matters only where its kid did not find it.
            with premised_on(_fits_verify, jwk_target, rig, alg, private, jwk):
                _found_by_its_kid(jwk_target, rig, alg, private, jwk)
