"""Which key shapes the implementation verifies with: keys without `alg` too, or only keys
that carry one.

A library may bind each key to its `alg` and use no key that lacks one. That is PUR-05's
finding alone (docs/decisions.md D-39: a JWK without `alg` fits every algorithm its type and
curve suit), and PUR-05's own test judges it. Every other test must still reach its own
requirement, so where a probe shows that keys without `alg` are not used and keys with it
are, the strategies give every signing key its `alg` (`jwkconform.harness.spec._keys`): the other
requirements are judged on keys the implementation uses, instead of ending blocked on a
premise that belongs to PUR-05.

The probe runs once per run (per xdist worker), before the first test of the suites, by the
most direct path the adapter declares: ``verify``, else ``named``, else ``valid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jwkconform.fixtures import sign_token
from jwkconform.harness import Target
from jwkconform.harness.seam._attribution import CallHung
from jwkconform.harness.spec._keys import set_alg_required
from jwkconform.suites._probes import SECRET_ID
from jwkconform.suites.store_strategies import public_set

__all__ = ["learn_key_shapes", "resolves_without_kid"]

_PROBED = "_jwkconform_alg_required"
_KIDLESS = "_jwkconform_resolves_without_kid"


def _used(target: Target, alg: str, key: Mapping[str, Any]) -> bool:
    """Whether a store serving ``key`` alone uses it, by the most direct path declared."""
    kid = str(key["kid"])
    with target.open_store(document=public_set([key])) as rig:
        if "verify" in target.capabilities:
            return rig.store.verify(sign_token(key, alg, kid=kid), SECRET_ID).verified
        if "named" in target.capabilities:
            return rig.store.named("verify", kid) is not None
        return any(s.stable_id == kid for s in rig.store.valid("verify"))


def learn_key_shapes(target: Target, alg: str, key: Mapping[str, Any]) -> bool:
    """Probe once whether ``target`` uses only signing keys that carry `alg` (``key`` has
    none), record it for the strategies, and return it. A probe that cannot tell (the
    store fails either way, or raises) leaves keys as drawn: the tests then judge."""
    known = getattr(target, _PROBED, None)
    if isinstance(known, bool):
        return known
    required = False
    if {"verify", "named", "valid"} & target.capabilities:
        try:
            required = not _used(target, alg, key) and _used(target, alg, {**key, "alg": alg})
        except (Exception, CallHung):  # the tests will meet whatever this was, and judge it
            required = False
            target.hung = None  # a probe's hang is not the first test's
    setattr(target, _PROBED, required)
    set_alg_required(required)
    return required


def resolves_without_kid(target: Target, signers: list[tuple[str, dict[str, Any]]]) -> bool:
    """Whether ``target`` verifies a token without kid against a set of two keys (ORD-02's
    subject), learnt once per run: a premise checked through such tokens is only evidence
    where they resolve at all. ``signers`` are two (alg, private JWK) pairs to probe with."""
    known = getattr(target, _KIDLESS, None)
    if isinstance(known, bool):
        return known
    (_, first), (alg, second) = signers[:2]
    try:
        with target.open_store(document=public_set([first, second])) as rig:
            resolves = rig.store.verify(sign_token(second, alg, kid=None), SECRET_ID).verified
    except (Exception, CallHung):  # the tests will meet whatever this was, and judge it
        resolves = False
        target.hung = None
    setattr(target, _KIDLESS, resolves)
    return resolves
