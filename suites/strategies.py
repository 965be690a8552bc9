"""Hypothesis strategies for JWK Sets, kids and tokens, for the suites and for users.

Keys come from the shipped pool (`jwkconform.fixtures`), never generated per example.

>>> from hypothesis import given
>>> @given(signing_keys(min_size=2))
... def test_something(keys): ...
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from jwkconform.fixtures import ALG_KINDS, key_pool, private_jwk, public_jwk

__all__ = ["SIGNING_ALGS", "alg_fits", "kids", "public_set", "signing_keys"]

# Algorithms whose keys are asymmetric, so that a remote set may publish them.
SIGNING_ALGS: tuple[str, ...] = tuple(alg for alg in ALG_KINDS if not alg.startswith("HS"))

_KID_ALPHABET = string.ascii_letters + string.digits + "-_.:/+="


# PUR-05 as the suites read it: which key types and curves an algorithm takes.
_ALG_KEYS: Mapping[str, tuple[str, frozenset[str | None]]] = {
    **{f"{f}{n}": ("RSA", frozenset({None})) for f in ("RS", "PS") for n in (256, 384, 512)},
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "ES512": ("EC", frozenset({"P-521"})),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
}


def alg_fits(alg: str, jwk: Mapping[str, Any]) -> bool:
    """Whether a token signed with ``alg`` may be checked with ``jwk`` (pool keys only: RSA
    pool keys used for signing are 2048 bits or more)."""
    kty, curves = _ALG_KEYS[alg]
    return jwk.get("kty") == kty and jwk.get("crv") in curves and jwk.get("alg", alg) == alg


def kids() -> st.SearchStrategy[str]:
    """Key IDs: short printable strings, case mattering."""
    return st.text(_KID_ALPHABET, min_size=1, max_size=10)


def _pool_entries() -> list[tuple[str, str, int]]:
    # (alg, kind, index) for every asymmetric signing key in the pool; RSA keys appear once
    # per RS/PS algorithm, which is fine: a set never holds the same material twice.
    return [
        (alg, kind, index)
        for alg in SIGNING_ALGS
        for kind in ALG_KINDS[alg]
        for index in range(len(key_pool()[kind]))
    ]


@st.composite
def signing_keys(
    draw: st.DrawFn, *, min_size: int = 1, max_size: int = 6
) -> list[tuple[str, dict[str, Any]]]:
    """(alg, private JWK with a unique kid and ``use: sig``) pairs of distinct key material."""
    entries = draw(
        st.lists(
            st.sampled_from(_pool_entries()),
            min_size=min_size,
            max_size=max_size,
            unique_by=lambda e: (e[1], e[2]),
        )
    )
    names = draw(st.lists(kids(), min_size=len(entries), max_size=len(entries), unique=True))
    return [
        (alg, private_jwk(kind, index, kid=kid, use="sig"))
        for (alg, kind, index), kid in zip(entries, names, strict=True)
    ]


def public_set(keys: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The JWK Set a publisher would serve for ``keys`` (private members dropped)."""
    return {"keys": [public_jwk(k) for k in keys]}
