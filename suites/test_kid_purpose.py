"""A kid held only by JWKs of another purpose (KID-05, with decision D-2).

Such a kid is no match: named lookup finds nothing, a token naming it falls back to the
valid secrets (KID-03), and it is a miss for the miss rules (CACHE-03, CACHE-04), so once
the miss window has passed it reloads the set and a signing key that arrived under that
kid verifies at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jwkconform.fixtures import key_pool, private_jwk, public_jwk, sign_token
from jwkconform.harness import Target, premise
from jwkconform.harness.model import fits
from jwkconform.suites._keysets import Keys, found_by, keys_of, same_key, sets_of
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE
from jwkconform.suites._store_checks import signers
from jwkconform.suites.store_strategies import PURPOSE_MEMBERS, kids

# use/key_ops members that do not fit verify, on key types that can sign and encrypt.
_OTHER_PURPOSE = [members for members, purposes in PURPOSE_MEMBERS if "verify" not in purposes]
# Decoy kinds, with the algorithm their key signs with (None: it cannot sign).
_DECOY_KINDS = {"EC-P-256": "ES256", "EC-P-384": "ES384", "RSA-2048": "RS256", "OKP-X25519": None}

Decoy = tuple[str | None, dict[str, Any]]


@st.composite
def _decoys(draw: st.DrawFn, kid: str, signers: Keys) -> list[Decoy]:
    """1 to 3 private JWKs with ``kid`` that do not fit ``verify`` (``use: enc``, other
    ``key_ops``...), none holding a signer's key; with the alg each could sign with."""
    found: list[Decoy] = []
    for _ in range(draw(st.integers(1, 3), label="decoys")):
        kind = draw(st.sampled_from(sorted(_DECOY_KINDS)), label="decoy kind")
        index = draw(st.integers(0, len(key_pool()[kind]) - 1), label="decoy index")
        members = draw(st.sampled_from(_OTHER_PURPOSE), label="decoy members")
        decoy = private_jwk(kind, index, kid=kid, **members)
        if any(same_key(decoy, k) for _, k in signers) or any(same_key(decoy, k) for _, k in found):
            continue
        assert not fits(public_jwk(decoy), "verify"), f"test bug: {decoy} fits verify"
        found.append((_DECOY_KINDS[kind], decoy))
    assume(found)
    return found


@st.composite
def _decoyed_sets(
    draw: st.DrawFn, *, min_size: int = 1, max_size: int = 4, quick: bool = False
) -> tuple[Keys, str, list[Decoy], list[dict[str, Any]]]:
    """(signers, decoy kid, decoys, the public set with decoys at random places)."""
    signers = draw(sets_of(min_size=min_size, max_size=max_size, quick=quick), label="signers")
    taken = {k["kid"].casefold() for _, k in signers}
    kid = draw(kids().filter(lambda k: k.casefold() not in taken), label="decoy kid")
    decoys = draw(_decoys(kid, signers))
    document = keys_of(signers)
    for _, decoy in decoys:
        document.insert(draw(st.integers(0, len(document)), label="at"), public_jwk(decoy))
    return signers, kid, decoys, document


def _not_a_verify_key(target: Target, rig: Any, decoys: list[Decoy]) -> None:
    """Premise of PUR-01: no decoy is a valid secret for verify, seen through valid() where
    the adapter has it, and through tokens without kid (so that the decoys' own kid,
    KID-05's subject, plays no part)."""
    with premise("PUR-01"):
        if "valid" in target.capabilities:
            listed = rig.store.valid("verify")
            wrong = [dict(s.jwk) for s in listed if any(same_key(s.jwk, d) for _, d in decoys)]
            assert not wrong, f"valid('verify') listed JWKs that do not fit verify: {wrong}"
        for alg, decoy in decoys:
            if alg is not None:
                outcome = rig.store.verify(sign_token(decoy, alg, kid=None), SECRET_ID)
                assert not outcome.verified, (
                    f"a token signed by the key of a JWK that does not fit verify "
                    f"(use {decoy.get('use')!r}, key_ops {decoy.get('key_ops')!r}) was "
                    f"verified by {found_by(outcome)}"
                )


@pytest.mark.jwk_requirement("KID-05")
@pytest.mark.jwk_capability("named")
@given(drawn=_decoyed_sets(), data=st.data())
def test_a_kid_held_only_by_another_purpose_is_no_named_secret(
    jwk_target: Target,
    drawn: tuple[Keys, str, list[Decoy], list[dict[str, Any]]],
    data: st.DataObject,
) -> None:
    signers, kid, decoys, document = drawn
    # Half the time a signing JWK with the same kid comes after the decoys (D-2): the
    # decoys ahead of it must not hide it.
    later = data.draw(st.booleans(), label="a signing JWK with that kid after the decoys")
    if later:
        _, signer = signers[0]
        document = [k for k in document if k["kid"] != signer["kid"]]
        document.append({**public_jwk(signer), "kid": kid})
    with jwk_target.open_store(document={"keys": document}) as rig:
        if "valid" in jwk_target.capabilities:
            _not_a_verify_key(jwk_target, rig, [(None, d) for _, d in decoys])
        named = rig.store.named("verify", kid)
        if later:
            assert named is not None, (
                f"kid {kid!r} is held by JWKs that do not fit verify and, after them, by one "
                "that does; named() found nothing"
            )
            assert same_key(named.jwk, signers[0][1]), (
                f"kid {kid!r} is held by JWKs that do not fit verify and, after them, by one "
                f"that does; named() returned {dict(named.jwk)!r}, not the latter"
            )
        else:
            assert named is None, (
                f"kid {kid!r} belongs only to JWKs that do not fit verify, yet named() "
                f"returned {named.stable_id!r}"
            )


def _bare(jwk: dict[str, Any]) -> dict[str, Any]:
    """``jwk`` without the members that say what it is for (so that the drawn ones alone
    decide: a `use: sig` left beside `key_ops: [encrypt]` would be a JWK whose members
    disagree, PUR-04's subject)."""
    return {k: v for k, v in jwk.items() if k not in {"use", "key_ops", "alg"}}


# Members that make a JWK unfit for verify, whatever its key type.
_NOT_FOR_VERIFY = (
    {"use": "enc"},
    {"key_ops": ["encrypt"]},
    {"key_ops": ["wrapKey", "unwrapKey"]},
    {"use": "enc", "key_ops": ["encrypt"]},
)


@pytest.mark.jwk_requirement("KID-05")
@pytest.mark.jwk_capability("verify")
@given(members=st.sampled_from(_NOT_FOR_VERIFY), with_other=st.booleans())
def test_a_kid_held_only_by_another_purpose_never_verifies_by_that_jwk(
    jwk_target: Target, members: dict[str, Any], with_other: bool
) -> None:
    """The named JWK holds the very key that signed, but does not fit verify: its kid counts
    as no match, and no valid secret holds that key, so the token does not verify. Seen
    whether or not the implementation falls back on an unknown kid (KID-03's business)."""
    (alg, signer), (_, other) = signers(jwk_target, 2)
    decoy = {**_bare(public_jwk(signer)), "kid": "decoy", **members}
    document = [decoy, public_jwk(other)] if with_other else [decoy]
    with jwk_target.open_store(document={"keys": document}) as rig:
        # A store to which the decoy fits verify fails PUR-01 first (its members are PUR's).
        _not_a_verify_key(jwk_target, rig, [(alg, {**signer, "kid": "decoy", **members})])
        outcome = rig.store.verify(sign_token(signer, alg, kid="decoy"), SECRET_ID)
        assert not outcome.verified, (
            f"a token naming kid 'decoy', a JWK of the signing key with {members} (it does not"
            f" fit verify), was verified by {found_by(outcome)}: a kid that only JWKs of"
            " another purpose hold counts as no match"
        )


@pytest.mark.jwk_requirement("KID-05")
@pytest.mark.jwk_capability("verify")
@given(members=st.sampled_from(_NOT_FOR_VERIFY))
def test_a_jwk_of_another_purpose_does_not_hide_a_later_one_with_its_kid(
    jwk_target: Target, members: dict[str, Any]
) -> None:
    """Two JWKs share a kid: the first does not fit verify, the second holds the signing
    key. The first counts as no match, so the named secret is the second (the first JWK
    with that kid that fits), and the token verifies, with no fallback needed."""
    (alg, signer), (alg_other, other) = signers(jwk_target, 2)
    decoy = {**_bare(public_jwk(other)), "kid": "shared", **members}
    document = [decoy, {**public_jwk(signer), "kid": "shared"}]
    with jwk_target.open_store(document={"keys": document}) as rig:
        _not_a_verify_key(jwk_target, rig, [(alg_other, {**other, "kid": "shared", **members})])
        outcome = rig.store.verify(sign_token(signer, alg, kid="shared"), SECRET_ID)
        assert outcome.verified, (
            f"a token naming kid 'shared' did not verify, though the second JWK with that kid"
            f" holds the signing key and the first, with {members}, does not fit verify (it"
            f" counts as no match): {outcome.reason}"
        )


@pytest.mark.jwk_requirement("KID-05")
@pytest.mark.jwk_capability("verify")
@given(drawn=_decoyed_sets(quick=True), data=st.data())
def test_a_token_whose_kid_only_another_purpose_holds_falls_back(
    jwk_target: Target,
    drawn: tuple[Keys, str, list[Decoy], list[dict[str, Any]]],
    data: st.DataObject,
) -> None:
    signers, kid, decoys, document = drawn
    alg, signer = data.draw(st.sampled_from(signers), label="signer")
    with jwk_target.open_store(document={"keys": document}) as rig:
        with premise("KID-03"):
            absent = rig.store.verify(sign_token(signer, alg, kid=kid + "-absent"), SECRET_ID)
            assert absent.verified, (
                f"a token whose kid no JWK holds did not fall back to the valid secrets: "
                f"{absent.reason}"
            )
        _not_a_verify_key(jwk_target, rig, decoys)
        outcome = rig.store.verify(sign_token(signer, alg, kid=kid), SECRET_ID)
        assert outcome.verified, (
            f"a token naming kid {kid!r}, which only JWKs that do not fit verify hold, did not "
            f"fall back to the valid secrets: {outcome.reason}"
        )
        assert outcome.secret_id in (None, signer["kid"]), (
            f"the fallback verified with {outcome.secret_id!r}, not the signer {signer['kid']!r}"
        )


@pytest.mark.jwk_requirement("KID-05")
@pytest.mark.jwk_capability("verify", "cache-timeout", "miss-window")
@given(
    drawn=_decoyed_sets(min_size=3, max_size=5, quick=True),
    window=st.integers(1, 300),
    data=st.data(),
)
def test_a_kid_only_another_purpose_holds_reloads_once_the_miss_window_passed(
    jwk_target: Target,
    drawn: tuple[Keys, str, list[Decoy], list[dict[str, Any]]],
    window: int,
    data: st.DataObject,
) -> None:
    """The decoy kid is a miss: past the window it reloads, and a signing key that the new
    document holds under that kid verifies the very token that caused the reload."""
    signers, kid, decoys, document = drawn
    (alg, present), (alg_new, added), (alg_rotated, rotated) = signers[:3]
    document = [k for k in document if k["kid"] not in (added["kid"], rotated["kid"])]
    config = {"cacheTimeout": "7200 s", "cacheMissCacheTime": f"{window} s", **SHORT_LEASE}
    step = window + 1  # well past the window: its boundary is CACHE-03's to test
    with jwk_target.open_store(config, document={"keys": document}) as rig:
        # The decoys are usable keys of another purpose: a set they take down fails LOAD-03.
        with premise("LOAD-03"):
            first = rig.store.verify(sign_token(present, alg), SECRET_ID)
            assert first.verified, f"a token of a served key did not verify: {first.reason}"
        _not_a_verify_key(jwk_target, rig, decoys)
        document = [*document, public_jwk(added)]
        rig.jwks.serve({"keys": document})
        since = rig.clock.advance(step)
        outcome = rig.store.verify(sign_token(added, alg_new), SECRET_ID)
        with premise("CACHE-03"):
            assert rig.jwks.fetch_count(since=since) >= 1, (
                f"{step} s after the load (miss window {window} s) a token naming a newly "
                "published kid made no reload"
            )
        with premise("CACHE-04"):
            assert outcome.verified, (
                f"{step} s after the load (miss window {window} s) a token naming a newly "
                f"published kid did not verify: {outcome.reason}"
            )
        at = data.draw(st.integers(0, len(document)), label="new signing JWK at")
        document.insert(at, {**public_jwk(rotated), "kid": kid})
        rig.jwks.serve({"keys": document})
        since = rig.clock.advance(step)
        outcome = rig.store.verify(sign_token(rotated, alg_rotated, kid=kid), SECRET_ID)
        assert rig.jwks.fetch_count(since=since) >= 1, (
            f"kid {kid!r} was held only by JWKs that do not fit verify; {step} s after the "
            f"last load (miss window {window} s) a token naming it made no reload"
        )
        assert outcome.verified, (
            f"kid {kid!r} was held only by JWKs that do not fit verify; the reload it caused "
            f"brought a signing JWK with that kid, yet the token did not verify: "
            f"{outcome.reason}"
        )
