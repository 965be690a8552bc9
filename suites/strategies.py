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

__all__ = [
    "BAD_DURATIONS",
    "PURPOSE_MEMBERS",
    "SIGNING_ALGS",
    "durations",
    "kids",
    "public_set",
    "purpose_members",
    "signing_keys",
]

# Algorithms whose keys are asymmetric, so that a remote set may publish them.
SIGNING_ALGS: tuple[str, ...] = tuple(alg for alg in ALG_KINDS if not alg.startswith("HS"))

_KID_ALPHABET = string.ascii_letters + string.digits + "-_.:/+="


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


# (members, the purposes among verify/encrypt they fit) for a key type that can do both.
PURPOSE_MEMBERS: tuple[tuple[Mapping[str, Any], frozenset[str]], ...] = (
    ({}, frozenset({"verify", "encrypt"})),
    ({"use": "sig"}, frozenset({"verify"})),
    ({"use": "enc"}, frozenset({"encrypt"})),
    ({"key_ops": ["verify"]}, frozenset({"verify"})),
    ({"key_ops": ["encrypt"]}, frozenset({"encrypt"})),
    ({"key_ops": ["wrapKey"]}, frozenset({"encrypt"})),
    ({"key_ops": ["verify", "encrypt"]}, frozenset({"verify", "encrypt"})),
    ({"key_ops": ["sign"]}, frozenset()),
    ({"use": "sig", "key_ops": ["verify"]}, frozenset({"verify"})),
    ({"use": "enc", "key_ops": ["wrapKey"]}, frozenset({"encrypt"})),
    ({"use": "sig", "key_ops": ["encrypt"]}, frozenset()),
    ({"use": "enc", "key_ops": ["verify"]}, frozenset()),
)


def purpose_members() -> st.SearchStrategy[tuple[Mapping[str, Any], frozenset[str]]]:
    """``use``/``key_ops`` members with the purposes they fit (PUR-01..04)."""
    return st.sampled_from(PURPOSE_MEMBERS)


_UNIT_SPELLINGS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (86_400_000, ("days", "day", "d")),
    (3_600_000, ("hours", "hour", "h")),
    (60_000, ("minutes", "minute", "min", "m")),
    (1_000, ("seconds", "second", "sec", "s")),
    (1, ("milliseconds", "millisecond", "millisec", "millis", "milli", "ms")),
)
_SEPARATORS = (" ", ", ", " and ", ",")


@st.composite
def durations(
    draw: st.DrawFn, *, min_ms: int = 10_000, max_ms: int = 3 * 3_600_000
) -> tuple[str, int]:
    """(text in the gateway's duration syntax, its value in milliseconds), the value in
    ``[min_ms, max_ms]``: random units, spellings, letter case and separators (CFG-07)."""
    total = draw(st.integers(min_ms, max_ms))
    pieces, rest = [], total
    for size, words in _UNIT_SPELLINGS:
        count, rest = divmod(rest, size)
        if count:
            word = draw(st.sampled_from(words))
            word = word.upper() if draw(st.booleans()) else word
            space = draw(st.sampled_from(("", " ")))
            pieces.append(f"{count}{space}{word}")
    text = pieces[0]
    for piece in pieces[1:]:
        text += draw(st.sampled_from(_SEPARATORS)) + piece
    return text, total


# Durations that CFG-08 refuses: negative, no unit, unknown unit, left-over text, decimals.
BAD_DURATIONS: tuple[str, ...] = (
    "-5 s",
    "30",
    "5 fortnights",
    "1 hour banana",
    "1.5 hours",
    "10 s and",
    "",
)
