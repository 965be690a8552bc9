"""Broken stores: the reference with the order of its secrets or their leases changed (ORD,
LEASE). See mutant_support.py for how a mutant works.

A mutant's targets are every requirement it violates by the letter of the specification.
Where a suite test reaches its requirement only once another requirement holds (tries
follow the valid secrets, ORD-01), that other requirement is a premise and the mutant's
target; the docstrings say which and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from mutant_support import patch_index, registry

from jwkconform.reference import _provider, _secrets, _store

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- order ------------------------------------------------------------------------------------


def _order_by(sort: Callable[[list[Any]], list[Any]]) -> None:
    patch_index(
        lambda built, entries: replace(
            built, valid={p: tuple(sort(list(v))) for p, v in built.valid.items()}
        )
    )


@mutant("ORD-01")
def reversed_order() -> None:
    """Valid secrets come back in reverse set order. Tries follow the valid secrets, so
    ORD-02 and ORD-03 tests are blocked by their ORD-01 premise."""
    _order_by(lambda entries: entries[::-1])


@mutant("ORD-01")
def sorted_by_kid() -> None:
    """Valid secrets come back sorted by kid."""
    _order_by(lambda entries: sorted(entries, key=lambda e: e.stable_id))


@mutant("ORD-01")
def large_sets_reversed() -> None:
    """Valid secrets come back in reverse set order when there are more than 8."""
    _order_by(lambda entries: entries[::-1] if len(entries) > 8 else entries)


@mutant("PUR-01")
def duplicate_kid_left_out_of_valid() -> None:
    """A JWK whose kid an earlier valid JWK already has is left out of the valid secrets
    (a dict keyed by kid): the valid secrets are no longer all the fitting JWKs. The
    named secret is still the first (KID-04 holds)."""

    def first_per_kid(entries: list[Any]) -> list[Any]:
        seen: set[str] = set()
        kept = []
        for entry in entries:
            if entry.kid is None or entry.kid not in seen:
                kept.append(entry)
            if entry.kid is not None:
                seen.add(entry.kid)
        return kept

    _order_by(first_per_kid)


@mutant("ORD-02")
def tries_from_the_last() -> None:
    """The provider tries valid secrets from the last to the first."""
    original = _provider._try_in_order
    _provider._try_in_order = lambda jws, alg, secrets, *, reason: original(
        jws, alg, list(secrets)[::-1], reason=reason
    )


@mutant("ORD-02")
def large_sets_tried_from_the_last() -> None:
    """The provider tries valid secrets from the last when there are more than 8."""
    original = _provider._try_in_order

    def tries(jws: Any, alg: str, secrets: Sequence[Any], *, reason: str) -> Any:
        ordered = list(secrets)[::-1] if len(secrets) > 8 else list(secrets)
        return original(jws, alg, ordered, reason=reason)

    _provider._try_in_order = tries


@mutant("ORD-03")
def first_order_kept_after_reload() -> None:
    """After a reload, a store keeps its keys in the order in which it first saw them."""
    original = _store.JwkSetSecretStore._load

    def load(self: Any, now: float) -> Any:
        keys = original(self, now)
        seen: dict[str, int] = self.__dict__.setdefault("_first_seen", {})
        valid = {}
        for purpose, entries in keys.valid.items():
            for entry in entries:
                seen.setdefault(_identity(entry), len(seen))
            valid[purpose] = tuple(sorted(entries, key=lambda e: seen[_identity(e)]))
        keys = replace(keys, valid=valid)
        with self._lock:
            self._keys = keys
        return keys

    _store.JwkSetSecretStore._load = load  # type: ignore[method-assign]


@mutant("ORD-03")
def named_secrets_kept_across_reloads() -> None:
    """After a reload, a kid keeps the JWK it named before while the new document still
    holds that JWK, though another JWK with the kid now comes first."""
    original = _store.JwkSetSecretStore._load

    def load(self: Any, now: float) -> Any:
        keys = original(self, now)
        before: dict[Any, Any] = self.__dict__.setdefault("_named_before", {})
        present = {_identity(e) for entries in keys.valid.values() for e in entries}
        named = {
            slot: before[slot] if slot in before and _identity(before[slot]) in present else entry
            for slot, entry in keys.named.items()
        }
        before.clear()
        before.update(named)
        keys = replace(keys, named=named)
        with self._lock:
            self._keys = keys
        return keys

    _store.JwkSetSecretStore._load = load


def _identity(entry: Any) -> str:
    return json.dumps(dict(entry.public_jwk), sort_keys=True)


# -- leases -----------------------------------------------------------------------------------


def _lease_anchor(anchor: Callable[[Any, float], float]) -> None:
    original = _store.JwkSetSecretStore._produce

    def produce(self: Any, entry: Any, now: float) -> Any:
        return original(self, entry, anchor(self, now))

    _store.JwkSetSecretStore._produce = produce  # type: ignore[method-assign]


@mutant("LEASE-01")
def lease_from_load_time() -> None:
    """A secret's lease counts from when the set was loaded, not when it was produced."""
    _lease_anchor(lambda store, now: store._keys.loaded_at)


@mutant("LEASE-01")
def lease_from_reload_time() -> None:
    """After a reload (not after the first load), a secret's lease counts from the reload."""
    original = _store.JwkSetSecretStore._load

    def load(self: Any, now: float) -> Any:
        self.__dict__["_loads"] = self.__dict__.get("_loads", 0) + 1
        return original(self, now)

    _store.JwkSetSecretStore._load = load  # type: ignore[method-assign]
    _lease_anchor(
        lambda store, now: store._keys.loaded_at if store.__dict__.get("_loads", 0) > 1 else now
    )


@mutant("LEASE-02", "LEASE-03")
def lease_ignored() -> None:
    """The provider keeps its secrets for ever."""
    _secrets.Secret.is_expired = lambda self, now: False  # type: ignore[method-assign]


@mutant("LEASE-02")
def lease_end_exclusive() -> None:
    """A lease still holds at the very instant it expires (expiry is exclusive). LEASE-03's
    bound still holds: the last lease of a removed key ends before it."""
    _secrets.Secret.is_expired = lambda self, now: now > self.expires_at  # type: ignore[method-assign]
