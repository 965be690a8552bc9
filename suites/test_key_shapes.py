"""Key shapes the other PUR tests draw only on some examples, drawn on every one here.

Each test checks every shape of its rule in every example, through every path the adapter
declares, so that a store which gets one shape wrong fails on every seed: a JWK `alg` that
differs from the token's only by letter case (PUR-05); RSA keys under 2048 bits, with and
without `alg`, one bit short of the bound among them (PUR-06); `oct` keys that carry
`alg`, `use` or `key_ops` in a remote set (PUR-07); and a bare X25519 key, which only
encrypts, asked for by name and named by a token (PUR-03's other half).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import ALG_KINDS, key_pool, private_jwk, public_jwk, sign_token
from jwkconform.harness import Target, check, premise
from jwkconform.suites._keysets import Keys, found_by, keys_of, sets_of
from jwkconform.suites._probes import SECRET_ID, require_a_probe
from jwkconform.suites.store_strategies import public_set, shaped, signing_keys

# Spellings of an algorithm name that differ from it by letter case only.
_CASINGS: Final = (str.lower, str.upper, str.swapcase, str.capitalize)


@pytest.mark.jwk_requirement("PUR-05")
@pytest.mark.jwk_capability("verify")
@given(keys=signing_keys(min_size=1, max_size=1), data=st.data())
def test_a_jwk_alg_that_differs_only_in_case_is_never_used(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    """Algorithm names are case-sensitive (RFC 7515 section 4.1.1): a JWK whose `alg` is
    `rs256` does not fit an `RS256` token, whether the token names it or not."""
    ((alg, private),) = keys
    spellings = sorted({spell(alg) for spell in _CASINGS} - {alg})
    spelled = data.draw(st.sampled_from(spellings), "JWK alg")
    jwk = {**public_jwk(private), "alg": spelled}
    with jwk_target.open_store(document={"keys": [jwk]}) as rig:
        for kid in (str(private["kid"]), None):
            outcome = rig.store.verify(sign_token(private, alg, kid=kid), SECRET_ID)
            assert not outcome.verified, (
                f"a {alg} token (kid {kid!r}) was verified by {found_by(outcome)}, a JWK whose"
                f" alg is {spelled!r}: algorithm names differ by case"
            )


# RS/PS algorithms a 1024-bit key can sign (PSS with SHA-512 needs a bigger modulus).
_WEAK_RSA_ALGS: Final = {
    "RSA-1024": ("RS256", "RS384", "RS512", "PS256", "PS384"),
    "RSA-2047": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
}


@pytest.mark.jwk_requirement("PUR-06")
@pytest.mark.jwk_capability("verify")
@pytest.mark.parametrize("kind", sorted(_WEAK_RSA_ALGS))
@given(others=sets_of(min_size=1, max_size=2, quick=True), data=st.data())
def test_rsa_keys_under_2048_bits_are_not_used_with_or_without_alg(
    jwk_target: Target, kind: str, others: Keys, data: st.DataObject
) -> None:
    """A 1024-bit key and one of 2047 bits (a size counted in whole bytes makes it 2048),
    each listed bare and bound to the token's `alg`, the token naming it or carrying no kid.
    A store may skip such a key at load (D-26) or keep it and refuse it here (D-20)."""
    alg = data.draw(st.sampled_from(_WEAK_RSA_ALGS[kind]), "alg")
    index = data.draw(st.integers(0, len(key_pool()[kind]) - 1), "index")
    for bound in (False, True):
        extra = {"alg": alg} if bound else {}
        small = private_jwk(kind, index, kid="weak-rsa", use="sig", **extra)
        document = keys_of(others)
        document.insert(data.draw(st.integers(0, len(document)), "at"), public_jwk(small))
        shape = f"a {kind[4:]}-bit RSA key{f' with alg {alg}' if bound else ' without alg'}"
        with jwk_target.open_store(document={"keys": document}) as rig:
            # The short key is unusable (D-26): that its neighbours still work is LOAD-03's.
            with premise("LOAD-03"):
                control_alg, control = others[0]
                served = rig.store.verify(sign_token(control, control_alg), SECRET_ID)
                assert served.verified, f"a token of a served key did not verify: {served.reason}"
            for kid in ("weak-rsa", None):
                outcome = rig.store.verify(sign_token(small, alg, kid=kid), SECRET_ID)
                assert not outcome.verified, (
                    f"a {alg} token ({'naming' if kid else 'without kid, signed by'} {shape})"
                    f" was verified by {found_by(outcome)}"
                )


# The members an `oct` key may carry besides its material, each drawn in every example.
_OCT_MEMBERS: Final[tuple[Mapping[str, Any], ...]] = (
    {},
    {"use": "sig"},
    {"key_ops": ["verify"]},
    {"alg": None},  # None: the key's own HMAC algorithm
    {"alg": None, "use": "sig"},
    {"alg": None, "key_ops": ["sign", "verify"]},
)


@pytest.mark.jwk_requirement("PUR-07")
@pytest.mark.jwk_capability("verify")
@given(alg=st.sampled_from(("HS256", "HS384", "HS512")), data=st.data())
def test_a_remote_symmetric_key_never_verifies_whatever_its_members(
    jwk_target: Target, alg: str, data: st.DataObject
) -> None:
    """An `oct` key of an http(s) set, bare or bound to its HMAC `alg`, with `use` or
    `key_ops`: none verifies, by its kid or without one."""
    kind = data.draw(st.sampled_from(ALG_KINDS[alg]), "kind")
    index = data.draw(st.integers(0, len(key_pool()[kind]) - 1), "index")
    control = shaped(private_jwk("EC-P-256", kid="ec", use="sig"), "ES256")
    secrets = []
    for number, members in enumerate(_OCT_MEMBERS):
        filled = {k: (alg if k == "alg" and v is None else v) for k, v in members.items()}
        secrets.append(private_jwk(kind, index, kid=f"hmac-{number}", **filled))
    with jwk_target.open_store(document=public_set([control, *secrets])) as rig:
        assert rig.env.jwks_url.startswith(("http://", "https://"))
        with premise("LOAD-03"):
            served = rig.store.verify(sign_token(control, "ES256"), SECRET_ID)
            assert served.verified, f"a token of the set's EC key did not verify: {served.reason}"
        for secret in secrets:
            shape = {k: v for k, v in secret.items() if k in ("alg", "use", "key_ops")}
            for kid in (str(secret["kid"]), None):
                outcome = rig.store.verify(sign_token(secret, alg, kid=kid), SECRET_ID)
                assert not outcome.verified, (
                    f"a {alg} token (kid {kid!r}) was verified by {found_by(outcome)}: a "
                    f"symmetric key with {shape or 'no other members'} that anyone could "
                    f"download from {rig.env.jwks_url}"
                )


@pytest.mark.jwk_requirement("PUR-03")
@given(signer=signing_keys(min_size=1, max_size=1, algs=("ES256", "EdDSA")), data=st.data())
def test_a_bare_x25519_key_is_never_served_for_verification(
    jwk_target: Target, signer: Keys, data: st.DataObject
) -> None:
    """An X25519 JWK with neither `use` nor `key_ops` only encrypts (D-3): `named` never
    returns it for `verify`, and a token naming its kid is resolved as if the kid matched
    nothing (the valid secrets are tried: KID-03), not refused by it as a named secret."""
    require_a_probe(jwk_target)
    if not jwk_target.key_support.has("OKP-X25519"):
        pytest.skip(f"{jwk_target.name} does not support X25519 keys (LOAD-03)")
    ((alg, private),) = signer
    index = data.draw(st.integers(0, len(key_pool()["OKP-X25519"]) - 1), "X25519 key")
    bare = public_jwk(private_jwk("OKP-X25519", index, kid="x25519"))
    document = [public_jwk(private)]
    document.insert(data.draw(st.integers(0, 1), "X25519 at"), bare)
    with jwk_target.open_store(document={"keys": document}) as rig:
        if "named" in jwk_target.capabilities:
            got = rig.store.named("verify", "x25519")
            assert got is None, f"named('verify', 'x25519') returned an X25519 key: {got!r:.300}"
        if "valid" in jwk_target.capabilities:
            listed = [s.stable_id for s in rig.store.valid("verify")]
            assert "x25519" not in listed, f"valid('verify') listed the X25519 key: {listed}"
        if "verify" in jwk_target.capabilities:
            with premise("KID-03"):
                unknown = rig.store.verify(sign_token(private, alg, kid="no such kid"), SECRET_ID)
                assert unknown.verified, (
                    f"a token whose kid matches no JWK did not verify by the valid secrets: "
                    f"{unknown.reason}"
                )
            with check("PUR-03"):
                outcome = rig.store.verify(sign_token(private, alg, kid="x25519"), SECRET_ID)
                assert outcome.verified, (
                    f"a token naming kid 'x25519', held only by a bare X25519 key (which only "
                    f"encrypts), did not verify by the valid secrets, as a kid that matches no "
                    f"verification key does: the X25519 key was taken as its named secret "
                    f"({outcome.reason})"
                )
