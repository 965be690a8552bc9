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
from jwkconform.harness import Target
from jwkconform.suites._keysets import Keys, sets_of
from jwkconform.suites._probes import SECRET_ID, material, require_a_probe

# use/key_ops members that fit verify (PUR-01), each also drawn with the key's `alg`. (Whether
# a `key_ops` with other operations besides `verify` is usable at all is PUR-01's question.)
_VERIFY_MEMBERS: Final[tuple[Mapping[str, Any], ...]] = (
    {},
    {"use": "sig"},
    {"key_ops": ["verify"]},
    {"use": "sig", "key_ops": ["verify"]},
)
_SHAPES: Final = tuple((members, bound) for members in _VERIFY_MEMBERS for bound in (False, True))


@pytest.mark.jwk_requirement("KID-01")
@given(
    keys=sets_of(min_size=len(_SHAPES), max_size=len(_SHAPES), distinct_material=False,
                 quick=True),
    order=st.permutations(range(len(_SHAPES))),
)  # fmt: skip
def test_every_shape_of_verification_jwk_is_found_by_its_kid(
    jwk_target: Target, keys: Keys, order: list[int]
) -> None:
    require_a_probe(jwk_target)
    jwks = []
    for (alg, private), shape in zip(keys, order, strict=True):
        members, bound = _SHAPES[shape]
        jwk = {k: v for k, v in public_jwk(private).items() if k != "use"}
        jwks.append({**jwk, **members, **({"alg": alg} if bound else {})})
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        for (alg, private), jwk in zip(keys, jwks, strict=True):
            kid = str(jwk["kid"])
            shape = {k: v for k, v in jwk.items() if k in ("use", "key_ops", "alg")}
            if "named" in jwk_target.capabilities:
                secret = rig.store.named("verify", kid)
                assert secret is not None, f"no named secret for kid {kid!r}, a JWK with {shape}"
                assert material(secret.jwk) == material(jwk), (
                    f"the named secret for kid {kid!r} ({shape}) holds another key"
                )
            if "verify" in jwk_target.capabilities:
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
