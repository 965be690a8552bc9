"""Broken stores: the reference with one behaviour of named secrets or purposes changed (KID,
PUR-01 to PUR-04). See mutant_support.py for how a mutant works; mutants_constraints.py has
the other PUR mutants, mutants_order.py the ORD and LEASE ones.

A mutant's targets are every requirement it violates by the letter of the specification.
Where a suite test reaches its requirement only once another requirement holds (the decoy
of KID-05 must first not be a verification key, PUR-01), that other requirement is a
premise and the mutant's target; the docstrings say which and why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mutant_support import patch_index, patch_resolution, registry

from jwkconform.reference import _jwks, _provider, _purposes, _store
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- named secrets and fallback ---------------------------------------------------------------


class _Folding(dict[Any, Any]):
    def __init__(self, data: dict[Any, Any], transform: Callable[[str], str]) -> None:
        super().__init__(data)
        self._transform = transform

    def get(self, key: Any, default: Any = None) -> Any:
        purpose, kid = key
        return super().get((purpose, self._transform(kid)), default)


@mutant("KID-01")
def case_insensitive_kid() -> None:
    """kids are compared without regard to case (the first JWK in set order wins)."""

    def fold(built: Any, entries: Sequence[Any]) -> Any:
        named = {(p, k.lower()): e for (p, k), e in reversed(list(built.named.items()))}
        return replace(built, named=_Folding(named, str.lower))

    patch_index(fold)


@mutant("KID-02")
def fallback_after_failed_named_secret() -> None:
    """When the named secret fails, the valid secrets are tried too."""
    original = _provider.SecretsProvider.verify

    def verify(self: Any, token: str) -> Any:
        result = original(self, token)
        if result.verified:
            return result
        try:
            jws, alg, _ = _provider._parse(token)
        except _provider._BadToken:
            return result
        secrets = self._valid_secrets(self._clock())
        return _provider._try_in_order(jws, alg, secrets, reason="fallback")

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]


@mutant("KID-02")
def unfit_named_secret_is_a_miss() -> None:
    """A named secret whose `alg`, type or curve does not fit the token counts as no match,
    and the valid secrets are tried (decision D-20 turned round). Not PUR-05: the unfit
    JWK is never used; KID-05's no-match is about purpose only."""
    patch_resolution(
        fall_back_when=lambda secret, alg: (
            _provider.constraint_failure(secret.jwk, secret.bits, alg) is not None
        )
    )


@mutant("KID-03")
def no_fallback() -> None:
    """A kid with no matching JWK makes the token invalid. KID-05's fallback tests are
    blocked by their KID-03 premise (a kid nobody holds falls back)."""
    original = _provider.SecretsProvider._named_secret

    def named(self: Any, kid: str, now: float) -> Any:
        found = original(self, kid, now)
        if found is None:
            raise LoadError("(named)", f"no secret named {kid!r}")
        return found

    _provider.SecretsProvider._named_secret = named  # type: ignore[method-assign]


@mutant("KID-04")
def last_duplicate_wins() -> None:
    """The last JWK with a shared kid is the named secret."""
    original_index = _store._KeySet.index.__func__  # type: ignore[attr-defined]

    def last_wins(built: Any, entries: Sequence[Any]) -> Any:
        backwards = original_index(type(built), list(reversed(entries)), built.loaded_at)
        return replace(built, named=backwards.named)

    patch_index(last_wins)


@mutant("KID-05", "PUR-01", "PUR-02", "PUR-03", "PUR-04")
def named_lookup_ignores_purpose() -> None:
    """A kid matches whatever the JWK's purpose. By the letter that is KID-05, and also
    every purpose rule on the named path: a `use: enc` JWK is served for verify (PUR-02),
    an X25519 one too (PUR-03, D-3), one whose members disagree (PUR-04), and a JWK that
    does not fit verify verifies the tokens naming it (PUR-01)."""

    def any_purpose(built: Any, entries: Sequence[Any]) -> Any:
        named = dict(built.named)
        for entry in entries:
            if entry.kid is not None:
                for purpose in _purposes.Purpose:
                    named.setdefault((purpose, entry.kid), entry)
        return replace(built, named=named)

    patch_index(any_purpose)


@dataclass(frozen=True)
class _WithKids(_store._KeySet):
    every_kid: frozenset[str] = frozenset()


@mutant("KID-05")
def decoy_kid_never_reloads() -> None:
    """A kid that only JWKs of another purpose hold is no named secret and falls back, but
    it never counts as a miss for the miss rules: it reloads nothing (a rotated-in signing
    key under that kid waits for cacheTimeout)."""
    patch_index(
        lambda built, entries: _WithKids(
            built.valid, built.named, built.loaded_at, frozenset(e.kid for e in entries)
        )
    )
    original = _store.JwkSetSecretStore._miss_may_reload
    original_named = _store.JwkSetSecretStore.named

    def named(self: Any, purpose: Any, kid: str) -> Any:
        self._asked = kid  # on the store: a later store may reuse a collected one's id()
        return original_named(self, purpose, kid)

    def may_reload(self: Any, keys: Any, now: float) -> bool:
        held = getattr(self, "_asked", None) in getattr(keys, "every_kid", frozenset())
        return not held and original(self, keys, now)

    _store.JwkSetSecretStore.named = named  # type: ignore[method-assign]
    _store.JwkSetSecretStore._miss_may_reload = may_reload  # type: ignore[method-assign]


@mutant("KID-06")
def empty_verification_secret_id_accepted() -> None:
    """An empty verificationSecretId is accepted."""
    original = _provider.SecretsProvider.__init__

    def init(self: Any, store: Any, *, verification_secret_id: str, **kwargs: Any) -> None:
        original(self, store, verification_secret_id=verification_secret_id or "x", **kwargs)

    _provider.SecretsProvider.__init__ = init  # type: ignore[method-assign]


# -- purposes ---------------------------------------------------------------------------------


def _purposes_by(rule: Callable[[Mapping[str, Any], Any], bool]) -> None:
    _jwks.purposes_of = lambda jwk: frozenset(p for p in _purposes.Purpose if rule(jwk, p))


@mutant("PUR-01", "PUR-02", "PUR-04")
def use_and_key_ops_ignored() -> None:
    """Every key fits every purpose its type allows: JWKs that do not fit verify are valid
    secrets (PUR-01), encryption-only ones included (PUR-02), and disagreeing ones fit
    both (PUR-04). A bare JWK still fits what its type can do, so PUR-03 holds; KID-05 is
    blocked by its PUR-01 premise (the decoy is no verification key)."""
    _purposes_by(lambda jwk, p: _purposes.fits({"kty": jwk.get("kty"), "crv": jwk.get("crv")}, p))


@mutant("PUR-01", "PUR-02", "PUR-04")
def use_ignored() -> None:
    """`use` is ignored; only `key_ops` is checked: a `use: enc` JWK is a verification key
    (PUR-01, PUR-02) and `use: enc` with `key_ops: [verify]` fits verify (PUR-04). KID-05
    is blocked by its PUR-01 premise, as for use_and_key_ops_ignored."""
    _purposes_by(lambda jwk, p: _purposes.fits({k: v for k, v in jwk.items() if k != "use"}, p))


@mutant("PUR-01", "PUR-03")
def purpose_must_be_explicit() -> None:
    """A JWK with neither `use` nor `key_ops` fits nothing: PUR-03, and PUR-01, whose rule
    lets an absent `use` and absent `key_ops` verify."""
    _purposes_by(lambda jwk, p: ("use" in jwk or "key_ops" in jwk) and _purposes.fits(jwk, p))


@mutant("PUR-01", "PUR-04")
def key_ops_win_over_use() -> None:
    """When `use` and `key_ops` disagree, `key_ops` decides: PUR-04, and PUR-01, which
    needs both members to allow verification."""

    def rule(jwk: Mapping[str, Any], purpose: Any) -> bool:
        if "key_ops" in jwk:
            jwk = {k: v for k, v in jwk.items() if k != "use"}
        return _purposes.fits(jwk, purpose)

    _purposes_by(rule)


@mutant("PUR-01")
def sign_op_fits_verify() -> None:
    """`key_ops: [sign]` is read as allowing verification too (the two halves of one
    signature key). Only PUR-01 names `key_ops` containing `verify`; such a JWK neither
    suits only encryption (PUR-02) nor disagrees with a `use` (PUR-04)."""

    def rule(jwk: Mapping[str, Any], purpose: Any) -> bool:
        ops = jwk.get("key_ops")
        if purpose is _purposes.Purpose.VERIFY and isinstance(ops, list) and "sign" in ops:
            jwk = {**jwk, "key_ops": [*ops, "verify"]}
        return _purposes.fits(jwk, purpose)

    _purposes_by(rule)


@mutant("KID-05", "PUR-01", "PUR-02", "PUR-03", "PUR-04")
def the_first_jwk_of_a_kid_is_named_whatever_its_purpose() -> None:
    """The first JWK with a kid is the named secret for every purpose, fitting or not (as
    a library that selects by kid before it looks at use and key_ops): a later JWK with
    the kid that fits is never reached, and an unfit one is served on the named path."""

    def change(built: Any, entries: Sequence[Any]) -> Any:
        first: dict[str, Any] = {}
        for entry in entries:
            if entry.kid is not None:
                first.setdefault(entry.kid, entry)
        named = {(p, kid): entry for kid, entry in first.items() for p in _purposes.Purpose}
        return replace(built, named=named)

    patch_index(change)
