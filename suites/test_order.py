"""Order of valid secrets and of tries (ORD).

Sets here are large (up to 48 JWKs where only order or lookup is checked, as many keys as
the pool has where tokens are verified), since an order can be right for a few keys and
wrong for many. Tokens carry no kid where ORD-02 (resolution without a named secret) is
the subject.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import public_jwk, sign_token, tamper
from jwkconform.harness import StoreRig, Target, check, premise
from jwkconform.harness.model import alg_fits
from jwkconform.suites._caching import Windows
from jwkconform.suites._keysets import (
    Keys,
    found_by,
    keys_of,
    same_key,
    sets_of,
)
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE, material
from jwkconform.suites.store_strategies import kids, other_kid

_MOST = 48  # JWKs in an ordered set, at most


def _identity(jwk: Mapping[str, Any]) -> str:
    """A JWK as (kid, key): JWKs that share a kid stay apart."""
    return json.dumps([jwk.get("kid"), material(jwk)], sort_keys=True)


@st.composite
def _ordered_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to 48 public JWKs (key material may repeat under other kids), some sharing a kid
    with an earlier JWK of other material, with JWKs that fit only encryption among them."""
    # The set is drawn last, and what goes into it first, as positions taken modulo its
    # size: a failure then shrinks to a small set by cutting the set's tail, which leaves
    # every other draw as it was (drawn after the set, they were misaligned at every
    # smaller size, and a 48-key failure took up to a minute to shrink).
    shared = draw(
        st.lists(st.tuples(st.integers(0, _MOST - 1), st.integers(0, _MOST - 1)), max_size=3),
        label="shared (JWK, earlier JWK whose kid it takes)",
    )
    decoys = draw(
        st.lists(st.tuples(st.integers(0, _MOST - 1), st.integers(0, _MOST), kids()), max_size=3),
        label="encryption-only JWKs (source, at, kid)",
    )
    jwks = keys_of(draw(sets_of(min_size=1, max_size=_MOST, distinct_material=False)))
    for at, pick in shared:
        later = at % len(jwks)
        earlier = [j for j in jwks[:later] if not same_key(j, jwks[later])]
        if earlier:
            jwks[later] = {**jwks[later], "kid": earlier[pick % len(earlier)]["kid"]}
    taken = {j["kid"].casefold() for j in jwks}
    for source, at, name in decoys:
        if name.casefold() not in taken:
            taken.add(name.casefold())
            decoy = {**jwks[source % len(jwks)], "kid": name, "use": "enc"}
            jwks.insert(at % (len(jwks) + 1), decoy)
    return jwks


def _verify_keys(jwks: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [j for j in jwks if j.get("use") != "enc"]


def _listed_in_order(rig: StoreRig, jwks: Sequence[Mapping[str, Any]], when: str) -> None:
    """The valid secrets for verify are the verify JWKs, each once, in ``jwks`` order."""
    expected = _verify_keys(jwks)
    got = [s.jwk for s in rig.store.valid("verify")]
    with premise("PUR-01"):
        missing = Counter(map(_identity, expected)) - Counter(map(_identity, got))
        extra = Counter(map(_identity, got)) - Counter(map(_identity, expected))
        assert not missing, (
            f"{when}, valid('verify') left out {sorted(missing)} (every JWK sharing a kid counts)"
        )
        assert not extra, f"{when}, valid('verify') listed JWKs not in the set: {sorted(extra)}"
    order = [j["kid"] for j in expected]
    assert [_identity(s) for s in got] == [_identity(j) for j in expected], (
        f"{when}, valid('verify') listed {len(got)} secrets as {[s['kid'] for s in got]}, "
        f"not in the set's order {order}"
    )


@pytest.mark.jwk_requirement("ORD-01")
@pytest.mark.jwk_capability("valid")
@given(jwks=_ordered_sets())
def test_valid_secrets_follow_set_order(jwk_target: Target, jwks: list[dict[str, Any]]) -> None:
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        _listed_in_order(rig, jwks, f"from a set of {len(jwks)} JWKs")


def _in_order(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(any(x == y for y in rest) for x in part)


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.jwk_capability("verify", "reports-attempts")
@given(keys=sets_of(min_size=1, max_size=28), data=st.data())
def test_tries_run_in_order_and_stop_at_the_first_that_verifies(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(keys) - 1), label="signer at")
    alg, signer = keys[position]
    token = sign_token(signer, alg, kid=None)
    ids = [k["kid"] for _, k in keys]
    with jwk_target.open_store(document={"keys": keys_of(keys)}) as rig:
        if "valid" in jwk_target.capabilities:
            with premise("ORD-01"):
                # Tries follow the valid secrets; whether those follow the set is ORD-01's.
                listed = [s.stable_id for s in rig.store.valid("verify")]
                assert listed == ids, f"valid('verify') listed {listed}, not the set's order"
        outcome = rig.store.verify(token, SECRET_ID)
        assert outcome.verified, (
            f"a token without kid, signed by JWK #{position} of {len(keys)}, did not verify: "
            f"{outcome.reason}"
        )
        assert outcome.secret_id in (None, signer["kid"]), (
            f"the token was verified by {outcome.secret_id!r}, not its signer {signer['kid']!r}"
        )
        assert outcome.tried is not None, "the adapter declares reports-attempts"
        tried = list(outcome.tried)
        before = ids[:position]
        must = [k["kid"] for _, k in keys[:position] if alg_fits(alg, k)]
        assert tried[-1:] == [signer["kid"]], f"tries {tried} do not stop at the signer"
        assert _in_order(tried[:-1], before), f"tries {tried} are not in set order {before}"
        assert set(must) <= set(tried), f"tries {tried} skipped fitting keys {must}"


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.jwk_capability("verify")
@given(keys=sets_of(min_size=2, max_size=10, quick=True), data=st.data())
def test_token_is_invalid_when_no_secret_verifies(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(keys) - 1), label="the key left out")
    alg, absent = keys[position]
    served = [k for i, k in enumerate(keys) if i != position]
    served_alg, member = data.draw(st.sampled_from(served), label="a served key")
    with jwk_target.open_store(document={"keys": keys_of(served)}) as rig:
        outcome = rig.store.verify(sign_token(absent, alg, kid=None), SECRET_ID)
        assert not outcome.verified, (
            f"a token signed by a key not in the set was verified by {found_by(outcome)}"
        )
        outcome = rig.store.verify(tamper(sign_token(member, served_alg, kid=None)), SECRET_ID)
        assert not outcome.verified, (
            f"a token with a tampered signature was verified by {found_by(outcome)}"
        )


@pytest.mark.jwk_requirement("ORD-02")
@pytest.mark.jwk_capability("verify")
@given(keys=sets_of(min_size=1, max_size=6, quick=True), data=st.data())
def test_token_is_invalid_when_no_secret_is_valid(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    alg, signer = data.draw(st.sampled_from(keys), "signer")
    # The same keys, all published for encryption only: none is valid for verify.
    document = {"keys": [{**public_jwk(k), "use": "enc"} for _, k in keys]}
    with jwk_target.open_store(document=document) as rig:
        with premise("PUR-02"):
            # Whether use: enc keeps a JWK from verifying is PUR-02's; here it only makes
            # the valid secrets empty.
            named = rig.store.verify(sign_token(signer, alg), SECRET_ID)
            assert not named.verified, (
                f"a token naming a use: enc JWK was verified by {found_by(named)}"
            )
        outcome = rig.store.verify(sign_token(signer, alg, kid=None), SECRET_ID)
        assert not outcome.verified, (
            f"a token without kid was verified by {found_by(outcome)} though every JWK in the "
            "set is use: enc, so none is valid for verify"
        )


@pytest.mark.jwk_requirement("ORD-03")
@pytest.mark.jwk_capability("valid")
@given(keys=sets_of(min_size=2, max_size=40, distinct_material=False), data=st.data())
def test_after_a_reload_the_new_documents_order_applies(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    jwks = keys_of(keys)
    permuted = data.draw(st.permutations(jwks), "new order")
    # Drawn where the implementation takes cacheTimeout, its default (2 minutes) elsewhere.
    windows = Windows(jwk_target, data, cacheTimeout=st.integers(11, 600))
    timeout = windows.timeout
    with jwk_target.open_store(windows.config(), document={"keys": jwks}) as rig:
        with premise("ORD-01"):
            _listed_in_order(rig, jwks, "before the reload")
        rig.jwks.serve({"keys": permuted})
        # A second past the timeout: whether the exact instant reloads is CACHE-02's.
        since = rig.clock.advance(timeout + 1)
        got = [s.stable_id for s in rig.store.valid("verify")]
        with windows.reload_owner("CACHE-02", is_premise=True):
            assert rig.jwks.fetch_count(since=since) >= 1, (
                f"{timeout + 1:g} s after the load ({windows.describe()}) the set was not reloaded"
            )
        expected = [k["kid"] for k in permuted]
        with check("ORD-03"):
            assert got == expected, (
                f"after the reload valid secrets came back as {got}, not in the new "
                f"document's order {expected}"
            )


def _first_of_twins(
    target: Target, rig: StoreRig, token: str, jwks: list[dict[str, Any]], first: str, second: str
) -> None:
    """Premises of a store freshly loaded with ``jwks``: its valid secrets follow the set
    (ORD-01), and of two JWKs of the signing key, ``first`` verifies a token without kid
    (ORD-02)."""
    if "valid" in target.capabilities:
        with premise("ORD-01"):
            listed = [s.stable_id for s in rig.store.valid("verify")]
            assert listed == [k["kid"] for k in jwks], f"valid('verify') listed {listed}"
    with premise("ORD-02"):
        outcome = rig.store.verify(token, SECRET_ID)
        assert outcome.verified, f"a token without kid did not verify: {outcome.reason}"
        if outcome.secret_id is None:
            pytest.skip(f"{target.name} does not report which secret verified a token")
        assert outcome.secret_id == first, (
            f"two JWKs hold the signing key, {first!r} before {second!r}; the token was "
            f"verified by {outcome.secret_id!r}"
        )


@pytest.mark.jwk_requirement("ORD-03")
@pytest.mark.jwk_capability("verify")
@given(keys=sets_of(min_size=2, max_size=6, quick=True), data=st.data())
def test_after_a_reload_the_first_jwk_of_a_shared_kid_follows_the_new_order(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    """Through tokens that name their kid (no resolution without kid needed): two JWKs of
    different keys share a kid, and the named secret is the first of them (KID-04). The
    reload, an hour on and asked for by a miss too, swaps them: a token of the key the new
    document lists first now verifies."""
    (alg_a, a), (alg_b, b), *rest = keys
    shared = str(a["kid"])
    first, second = public_jwk(a), {**public_jwk(b), "kid": shared}
    others = keys_of(rest)
    old = [*others]
    old.insert(data.draw(st.integers(0, len(old)), "first at"), first)
    old.insert(data.draw(st.integers(old.index(first) + 1, len(old)), "second at"), second)
    new = [second if k is first else first if k is second else k for k in old]
    # The premise on a store of its own: a resolver that keeps the named secret it got
    # (LEASE-02's business) must not decide the check below.
    with jwk_target.open_store(SHORT_LEASE, document={"keys": old}) as rig, premise("KID-04"):
        before = rig.store.verify(sign_token(a, alg_a, kid=shared), SECRET_ID)
        assert before.verified, (
            f"a token naming kid {shared!r}, signed by the first JWK with it, did not"
            f" verify: {before.reason}"
        )
    with jwk_target.open_store(SHORT_LEASE, document={"keys": old}) as rig:
        rig.store.verify(sign_token(a, alg_a, kid=shared + "-first"), SECRET_ID)  # loads
        rig.jwks.serve({"keys": new})
        since = rig.clock.advance(3600)
        rig.store.verify(sign_token(a, alg_a, kid=shared + "-unknown"), SECRET_ID)
        with premise("CACHE-02"):
            assert rig.jwks.fetch_count(since=since) >= 1, (
                "an hour after the load, past the default cacheTimeout and miss window, "
                "queries did not reload the set"
            )
        after = rig.store.verify(sign_token(b, alg_b, kid=shared), SECRET_ID)
        with check("ORD-03"):
            assert after.verified, (
                f"after the reload the new document lists the JWK of the other key first under"
                f" kid {shared!r}, yet a token of that key naming it did not verify:"
                f" {after.reason}"
            )


@pytest.mark.jwk_requirement("ORD-03")
@pytest.mark.jwk_capability("verify")
@given(keys=sets_of(min_size=2, max_size=8, quick=True), data=st.data())
def test_after_a_reload_a_token_without_kid_goes_to_the_new_first_fitting_key(
    jwk_target: Target, keys: Keys, data: st.DataObject
) -> None:
    """Two JWKs hold the signing key under different kids; the reload swaps them, and the
    one the new document lists first is the one that verifies, as it does in a store that
    loads the new document afresh. The reload comes an hour after the load, past every
    default window (CFG-03, CFG-05), and a token naming an unknown kid asks for it, for
    implementations that reload only on a miss; a key only the new document holds shows
    that the resolver has the new valid secrets."""
    (alg, signer), (new_alg, newcomer), *rest = keys
    twin_kid = data.draw(other_kid(str(k["kid"]) for _, k in keys), "twin's kid")
    first, twin = public_jwk(signer), {**public_jwk(signer), "kid": twin_kid}
    old = keys_of(rest)
    old.insert(data.draw(st.integers(0, len(old)), "first at"), first)
    old.insert(data.draw(st.integers(old.index(first) + 1, len(old)), "twin at"), twin)
    new = data.draw(st.permutations(old), "new order")
    i, j = new.index(first), new.index(twin)
    if i < j:
        new[i], new[j] = twin, first
    new.insert(data.draw(st.integers(0, len(new)), "newcomer at"), public_jwk(newcomer))
    token = sign_token(signer, alg, kid=None)
    newcomers = sign_token(newcomer, new_alg, kid=None)
    with jwk_target.open_store(SHORT_LEASE, document={"keys": new}) as rig:
        _first_of_twins(jwk_target, rig, token, new, twin["kid"], first["kid"])
        # Loaded afresh, the new document verifies the newcomer's token: if it does not (the
        # keys before it stop the tries), that is ORD-02's, not the reload's nor the lease's.
        with premise("ORD-02"):
            fresh = rig.store.verify(newcomers, SECRET_ID)
            assert fresh.verified, (
                f"a store loading the new document afresh did not verify a token without kid "
                f"signed by a key it holds: {fresh.reason}"
            )
    with jwk_target.open_store(SHORT_LEASE, document={"keys": old}) as rig:
        _first_of_twins(jwk_target, rig, token, old, first["kid"], twin["kid"])
        rig.jwks.serve({"keys": new})
        since = rig.clock.advance(3600)
        rig.store.verify(sign_token(signer, alg, kid=twin["kid"] + "-unknown"), SECRET_ID)
        with premise("CACHE-02"):
            assert rig.jwks.fetch_count(since=since) >= 1, (
                "an hour after the load, past the default cacheTimeout and miss window, "
                "queries did not reload the set"
            )
        with premise("LEASE-02"):
            # The resolver went back to the store for its valid secrets (1 ms leases).
            fresh = rig.store.verify(newcomers, SECRET_ID)
            assert fresh.verified, (
                f"after the reload a token without kid, signed by a key only the new document "
                f"holds, did not verify: {fresh.reason}"
            )
        after = rig.store.verify(token, SECRET_ID)
        with check("ORD-03"):
            assert after.verified, f"after the reload the token did not verify: {after.reason}"
            assert after.secret_id == twin["kid"], (
                f"after the reload the new document lists {twin['kid']!r} before "
                f"{first['kid']!r} (same key), and a store loading it afresh verifies with "
                f"{twin['kid']!r}; this one verified with {after.secret_id!r}"
            )
