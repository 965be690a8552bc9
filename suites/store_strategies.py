"""Hypothesis strategies for the store suites: JWK Sets, kids, tokens' keys and durations.

Keys come from the shipped pool (`jwkconform.fixtures`), never generated per example; only
what the run's adapter declares it supports is drawn. The publisher suites' strategies are
in `jwkconform.suites.publisher_strategies`.

>>> from hypothesis import given
>>> @given(signing_keys(min_size=2))
... def test_something(keys): ...
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from hypothesis import strategies as st

from jwkconform.fixtures import ALG_KINDS, key_pool, private_jwk, public_jwk
from jwkconform.harness.spec._keys import active_key_support, alg_required

__all__ = [
    "BAD_DURATIONS",
    "PURPOSE_MEMBERS",
    "QUICK_ALGS",
    "SIGNING_ALGS",
    "Keys",
    "durations",
    "kids",
    "other_kid",
    "public_set",
    "purpose_members",
    "quick_signers",
    "shaped",
    "signing_keys",
]

# Algorithms whose keys are asymmetric, so that a remote set may publish them.
SIGNING_ALGS: tuple[str, ...] = tuple(alg for alg in ALG_KINDS if not alg.startswith("HS"))
Keys: TypeAlias = list[tuple[str, dict[str, Any]]]
"""(alg, private JWK) pairs: what a signer holds; public halves are what a set serves."""
Entry: TypeAlias = tuple[str, str, int]  # (alg, kind, index in the pool)

_KID_ALPHABET = string.ascii_letters + string.digits + "-_.:/+="


def kids() -> st.SearchStrategy[str]:
    """Key IDs: short printable strings, case mattering."""
    return st.text(_KID_ALPHABET, min_size=1, max_size=10)


def other_kid(taken: Iterable[str]) -> st.SearchStrategy[str]:
    """A kid equal to none of ``taken``, even when letter case is ignored."""
    folded = {kid.casefold() for kid in taken}
    return kids().filter(lambda kid: kid.casefold() not in folded)


def _pool_entries(algs: Iterable[str] = SIGNING_ALGS) -> list[Entry]:
    """(alg, kind, index) for every asymmetric signing key in the pool that the run's
    adapter supports (`KeySupport`: a key type it may lawfully skip is never drawn); RSA
    keys appear once per RS/PS algorithm, which is fine: a set never holds the same
    material twice."""
    support = active_key_support()
    return [
        (alg, kind, index)
        for alg in algs
        for kind in ALG_KINDS[alg]
        if support.signs(alg, kind)
        for index in range(len(key_pool()[kind]))
    ]


@functools.lru_cache(maxsize=512)
def _pairs(
    entries: tuple[Entry, ...],
    min_size: int,
    max_size: int,
    distinct_material: bool,
    kids_differ_by: Callable[[str], object],
) -> st.SearchStrategy[list[tuple[Entry, str]]]:
    """(pool entry, kid) lists, built once per set of arguments: Hypothesis validates a new
    strategy on its first draw, and `signing_keys` is drawn thousands of times a run."""

    def kid_of(pair: tuple[Entry, str]) -> object:
        return kids_differ_by(pair[1])

    def material_of(pair: tuple[Entry, str]) -> object:
        return pair[0][1:]

    # Each key is drawn with its kid: a shorter list then drops whole keys from its tail, so
    # a failure shrinks to a small set at once. (Keys first and kids after misaligned the
    # kids at every smaller size; shrinking a 48-key failure took up to a minute.)
    return st.lists(
        st.tuples(st.sampled_from(entries), kids()),
        min_size=min_size,
        max_size=max_size,
        unique_by=(kid_of, material_of) if distinct_material else kid_of,
    )


@st.composite
def signing_keys(
    draw: st.DrawFn,
    *,
    min_size: int = 1,
    max_size: int = 6,
    algs: Iterable[str] = SIGNING_ALGS,
    distinct_material: bool = True,
    kids_differ_by: Callable[[str], object] = str,
) -> list[tuple[str, dict[str, Any]]]:
    """(alg, private JWK with a unique kid and ``use: sig``) pairs, drawn from the keys the
    run's adapter supports (and from ``algs``). Key material is distinct unless
    ``distinct_material`` is false, which lets order and lookup tests draw larger sets
    (up to 40 keys and more) than the pool has keys. No two kids are equal under
    ``kids_differ_by`` (``str.casefold``: not even in letter case)."""
    entries = tuple(_pool_entries(tuple(algs)))
    if not entries:
        raise ValueError("the adapter supports none of these algorithms: nothing to draw")
    pairs = draw(_pairs(entries, min_size, max_size, distinct_material, kids_differ_by))
    # Keys carry their alg where the implementation uses no other (suites/_shapes.py).
    shaped = alg_required()
    return [
        (alg, private_jwk(kind, index, kid=kid, use="sig", **({"alg": alg} if shaped else {})))
        for (alg, kind, index), kid in pairs
    ]


# Signing with these costs a few milliseconds; importing a pool RSA key close to 100 ms the
# first time. Cache tests sign many tokens, so they draw from these.
QUICK_ALGS: tuple[str, ...] = ("ES256", "ES384", "ES512", "EdDSA")


def quick_signers(*, min_size: int = 1, max_size: int = 4) -> st.SearchStrategy[Keys]:
    """`signing_keys` of the fast algorithms the adapter supports (all of them if it
    supports none of these)."""

    @st.composite
    def draw_keys(draw: st.DrawFn) -> Keys:
        fast = [alg for alg in QUICK_ALGS if _pool_entries((alg,))]
        return draw(signing_keys(min_size=min_size, max_size=max_size,
                                 algs=fast or SIGNING_ALGS))  # fmt: skip

    return draw_keys()


def shaped(jwk: dict[str, Any], alg: str) -> dict[str, Any]:
    """``jwk`` as the implementation uses signing keys: with ``alg`` where it uses only keys
    that carry one (suites/_shapes.py), else as it is. For a key the test expects to be used,
    never for a key whose shape is the test's subject."""
    return {**jwk, "alg": alg} if alg_required() and "alg" not in jwk else jwk


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
