"""Which JWKs fit which purpose, seen through named and valid secrets (PUR-01..04).

The same requirements through ``verify`` alone are in test_purpose_verify.py; algorithm
constraints (PUR-05..07) in test_constraints.py.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwkconform.fixtures import key_pool, private_jwk, public_jwk
from jwkconform.harness import Target, premise
from jwkconform.harness.model import fitting
from jwkconform.harness.spec._keys import active_key_support
from jwkconform.suites._probes import material, require_a_lister
from jwkconform.suites.store_strategies import PURPOSE_MEMBERS, kids, purpose_members

Members = tuple[Mapping[str, Any], frozenset[str]]

# Kinds whose key type serves both verify and encrypt (docs/decisions.md D-3).
_BOTH_KINDS = ("RSA-2048", "RSA-3072", "EC-P-256", "EC-P-384", "EC-P-521")
# The members that fit exactly one of verify and encrypt.
_ONE_PURPOSE = tuple(m for m in PURPOSE_MEMBERS if len(m[1]) == 1)


def _both_entries() -> list[tuple[str, int]]:
    """(kind, index) of every pool key that can verify and encrypt and that the adapter
    supports (read when drawing: the adapter is known by then)."""
    support = active_key_support()
    return [
        (kind, i) for kind in _BOTH_KINDS if support.has(kind) for i in range(len(key_pool()[kind]))
    ]


@st.composite
def _purpose_keys(
    draw: st.DrawFn,
    members: st.SearchStrategy[Members],
    *,
    min_size: int = 1,
    max_size: int = 6,
    shared_kids: bool = False,
) -> list[tuple[dict[str, Any], frozenset[str]]]:
    """(public RSA/EC JWK with random use/key_ops, purposes it fits). Kids are unique,
    unless ``shared_kids``: then some JWKs take the kid of an earlier one."""
    # Each key is drawn whole (entry, kid, members): a shorter list drops whole keys from
    # its tail and leaves every other draw as it was, so failures shrink in few steps.
    drawn = draw(
        st.lists(
            st.tuples(st.sampled_from(_both_entries()), kids(), members),
            min_size=min_size,
            max_size=max_size,
            unique_by=(lambda key: key[0], lambda key: key[1].casefold()),
        )
    )
    names = [kid for _, kid, _ in drawn]
    if shared_kids and len(names) > 1:
        for later in draw(st.lists(st.integers(1, len(names) - 1), max_size=3), label="shared"):
            names[later] = names[draw(st.integers(0, later - 1), label="with")]
    return [
        (public_jwk(private_jwk(kind, index, kid=kid, **extra)), purposes)
        for ((kind, index), _, (extra, purposes)), kid in zip(drawn, names, strict=True)
    ]


# Each purpose, and the one a single-purpose JWK of the other kind is barred from.
_OTHER: Final = {"verify": "encrypt", "encrypt": "verify"}


def _purposes(target: Target) -> list[str]:
    """The purposes to ask for: verify, and encrypt where the store serves it."""
    return ["verify", "encrypt"] if "encrypt" in target.capabilities else ["verify"]


def _ids(secrets: Any) -> list[str]:
    return [s.stable_id for s in secrets]


def _jwk_ids(jwks: Sequence[Mapping[str, Any]]) -> Counter[str]:
    """Each JWK as (kid, key): JWKs sharing a kid still count apart."""
    return Counter(json.dumps([j.get("kid"), material(j)], sort_keys=True) for j in jwks)


@pytest.mark.jwk_requirement("PUR-01")
@pytest.mark.jwk_capability("valid")
@given(keys=_purpose_keys(purpose_members(), shared_kids=True))
def test_valid_verify_secrets_are_exactly_the_fitting_jwks(
    jwk_target: Target, keys: list[tuple[dict[str, Any], frozenset[str]]]
) -> None:
    jwks = [k for k, _ in keys]
    expected = fitting(jwks, "verify")
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        got = [s.jwk for s in rig.store.valid("verify")]
        missing, extra = _jwk_ids(expected) - _jwk_ids(got), _jwk_ids(got) - _jwk_ids(expected)
        listed = _ids(rig.store.valid("verify"))
        assert not missing, (
            f"valid('verify') returned {listed}, leaving out {sorted(missing)} of the JWKs that "
            f"fit verify (every JWK sharing a kid counts; set: {_described(jwks)})"
        )
        assert not extra, (
            f"valid('verify') returned {listed}, among them {sorted(extra)}, which do not fit "
            f"verify (set: {_described(jwks)})"
        )


def _described(jwks: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    return [(k["kid"], k.get("use"), k.get("key_ops")) for k in jwks]


@pytest.mark.jwk_requirement("PUR-02")
@given(keys=_purpose_keys(st.sampled_from(_ONE_PURPOSE)))
def test_single_purpose_jwks_never_serve_the_other_purpose(
    jwk_target: Target, keys: list[tuple[dict[str, Any], frozenset[str]]]
) -> None:
    """Asked through named() or valid(), whichever the store answers, for verify, and for
    encrypt where it serves that purpose too."""
    require_a_lister(jwk_target)
    with jwk_target.open_store(document={"keys": [k for k, _ in keys]}) as rig:
        for purpose in _purposes(jwk_target):
            barred = [k["kid"] for k, p in keys if p == {_OTHER[purpose]}]
            if "valid" in jwk_target.capabilities:
                wrong = [kid for kid in barred if kid in _ids(rig.store.valid(purpose))]
                assert not wrong, (
                    f"{_OTHER[purpose]}-only JWKs {wrong} were returned as valid for {purpose}"
                )
            if "named" in jwk_target.capabilities:
                for kid in barred:
                    assert rig.store.named(purpose, kid) is None, (
                        f"the {_OTHER[purpose]}-only JWK {kid!r} was returned as a named secret"
                        f" for {purpose}"
                    )


@pytest.mark.jwk_requirement("PUR-03")
@pytest.mark.jwk_capability("valid", "named", "encrypt")
@given(order=st.permutations(_BOTH_KINDS))
def test_rsa_and_ec_jwks_without_use_or_key_ops_fit_verify_and_encrypt(
    jwk_target: Target, order: list[str]
) -> None:
    supported = [kind for kind in order if jwk_target.key_support.has(kind)]
    jwks = [public_jwk(private_jwk(kind, kid=f"k-{kind}")) for kind in supported]
    expected = [k["kid"] for k in jwks]
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        for purpose in ("verify", "encrypt"):
            got = _ids(rig.store.valid(purpose))
            assert sorted(got) == sorted(expected), (
                f"valid({purpose!r}) returned {got}; RSA and EC JWKs without use or key_ops "
                f"fit every purpose, so {expected} were expected"
            )
            for kid in expected:
                secret = rig.store.named(purpose, kid)
                assert secret is not None, (
                    f"the JWK {kid!r} without use or key_ops was not a named secret for {purpose}"
                )


@pytest.mark.jwk_requirement("PUR-03")
@pytest.mark.jwk_capability("valid", "named", "encrypt")
@given(order=st.permutations(("OKP-Ed25519", "OKP-X25519", "EC-P-256")))
def test_okp_jwks_without_use_fit_only_what_their_curve_can_do(
    jwk_target: Target, order: list[str]
) -> None:
    # A key type the adapter does not support is skipped at load (LOAD-03, lawful).
    order = [kind for kind in order if jwk_target.key_support.has(kind)]
    jwks = [public_jwk(private_jwk(kind, kid=kind)) for kind in order]
    expected = {
        "verify": [kind for kind in order if kind != "OKP-X25519"],
        "encrypt": [kind for kind in order if kind != "OKP-Ed25519"],
    }
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        for purpose, wanted in expected.items():
            got = _ids(rig.store.valid(purpose))
            assert sorted(got) == sorted(wanted), (
                f"valid({purpose!r}) returned {got}; an Ed25519 key only verifies and an "
                f"X25519 key only encrypts, so {wanted} were expected"
            )
        if "OKP-Ed25519" in order:
            assert rig.store.named("verify", "OKP-Ed25519") is not None, (
                "an Ed25519 JWK without use was not a named secret for verify"
            )
        if "OKP-X25519" in order:
            assert rig.store.named("encrypt", "OKP-X25519") is not None, (
                "an X25519 JWK without use was not a named secret for encrypt"
            )
        assert rig.store.named("encrypt", "OKP-Ed25519") is None, (
            "an Ed25519 JWK was returned as a named secret for encrypt"
        )
        assert rig.store.named("verify", "OKP-X25519") is None, (
            "an X25519 JWK was returned as a named secret for verify"
        )


@pytest.mark.jwk_requirement("PUR-04")
@given(kinds=st.lists(st.sampled_from(_BOTH_KINDS), min_size=4, max_size=4, unique=True))
def test_jwks_whose_use_and_key_ops_disagree_fit_neither(
    jwk_target: Target, kinds: list[str]
) -> None:
    """Asked through named() or valid(), whichever the store answers, for verify, and for
    encrypt where it serves that purpose too."""
    require_a_lister(jwk_target)
    # The controls are explicit: a JWK without use or key_ops is PUR-03's business.
    jwks = [
        public_jwk(private_jwk(kinds[0], kid="sig-but-encrypt", use="sig", key_ops=["encrypt"])),
        public_jwk(private_jwk(kinds[1], kid="enc-but-verify", use="enc", key_ops=["verify"])),
        public_jwk(private_jwk(kinds[2], kid="control-sig", use="sig")),
        public_jwk(private_jwk(kinds[3], kid="control-enc", use="enc")),
    ]
    disputed = ("sig-but-encrypt", "enc-but-verify")
    with jwk_target.open_store(document={"keys": jwks}) as rig:
        for purpose in _purposes(jwk_target):
            if "valid" in jwk_target.capabilities:
                got = _ids(rig.store.valid(purpose))
                if purpose == "verify":
                    with premise("PUR-01"):
                        assert "control-sig" in got, f"valid('verify') returned {got}, no control"
                wrong = [kid for kid in got if kid in disputed]
                assert not wrong, (
                    f"valid({purpose!r}) returned {wrong}, JWKs whose use and key_ops disagree;"
                    " they fit neither purpose"
                )
            if "named" in jwk_target.capabilities:
                if purpose == "verify":
                    with premise("PUR-01"):
                        assert rig.store.named("verify", "control-sig") is not None, (
                            "named('verify', 'control-sig') found no secret: the control"
                        )
                for kid in disputed:
                    assert rig.store.named(purpose, kid) is None, (
                        f"the JWK {kid!r}, whose use and key_ops disagree, was returned as a"
                        f" named secret for {purpose}"
                    )
