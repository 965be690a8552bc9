"""Broken stores: the reference with one behaviour of named secrets, purposes, order or
leases changed (KID, PUR, ORD, LEASE). See mutant_support.py for how a mutant works.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from mutant_support import registry

from jwkconform.reference import (
    _constraints,
    _jwks,
    _key_material,
    _provider,
    _purposes,
    _store,
)
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- named secrets and fallback ---------------------------------------------------------------


def _named_lookup(transform: Callable[[str], str]) -> None:
    original_index = _store._KeySet.index.__func__  # type: ignore[attr-defined]

    def index(cls: Any, entries: Any, loaded_at: float) -> Any:
        built = original_index(cls, entries, loaded_at)
        named = {(p, transform(k)): e for (p, k), e in reversed(list(built.named.items()))}
        return replace(built, named=_Folding(named, transform))

    _store._KeySet.index = classmethod(index)  # type: ignore[assignment,method-assign]


class _Folding(dict[Any, Any]):
    def __init__(self, data: dict[Any, Any], transform: Callable[[str], str]) -> None:
        super().__init__(data)
        self._transform = transform

    def get(self, key: Any, default: Any = None) -> Any:
        purpose, kid = key
        return super().get((purpose, self._transform(kid)), default)


@mutant("KID-01")
def case_insensitive_kid() -> None:
    """kids are compared without regard to case."""
    _named_lookup(str.lower)


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


@mutant("KID-03")
def no_fallback() -> None:
    """A kid with no matching JWK makes the token invalid."""
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

    def index(cls: Any, entries: Any, loaded_at: float) -> Any:
        built = original_index(cls, list(reversed(entries)), loaded_at)
        forward = original_index(cls, entries, loaded_at)
        return replace(forward, named=built.named)

    _store._KeySet.index = classmethod(index)  # type: ignore[assignment,method-assign]


@mutant("KID-05")
def named_lookup_ignores_purpose() -> None:
    """A kid matches whatever the JWK's purpose."""
    original_index = _store._KeySet.index.__func__  # type: ignore[attr-defined]

    def index(cls: Any, entries: Any, loaded_at: float) -> Any:
        built = original_index(cls, entries, loaded_at)
        named = dict(built.named)
        for entry in entries:
            if entry.kid is not None:
                for purpose in _purposes.Purpose:
                    named.setdefault((purpose, entry.kid), entry)
        return replace(built, named=named)

    _store._KeySet.index = classmethod(index)  # type: ignore[assignment,method-assign]


@mutant("KID-06")
def empty_verification_secret_id_accepted() -> None:
    """An empty verificationSecretId is accepted."""
    original = _provider.SecretsProvider.__init__

    def init(self: Any, store: Any, *, verification_secret_id: str, **kwargs: Any) -> None:
        original(self, store, verification_secret_id=verification_secret_id or "x", **kwargs)

    _provider.SecretsProvider.__init__ = init  # type: ignore[method-assign]


# -- purposes and constraints -----------------------------------------------------------------


def _purposes_by(rule: Callable[[Mapping[str, Any], Any], bool]) -> None:
    _jwks.purposes_of = lambda jwk: frozenset(p for p in _purposes.Purpose if rule(jwk, p))


@mutant("PUR-01", "PUR-02")
def use_and_key_ops_ignored() -> None:
    """Every key fits every purpose its type allows."""
    _purposes_by(lambda jwk, p: _purposes.fits({"kty": jwk.get("kty"), "crv": jwk.get("crv")}, p))


@mutant("PUR-02")
def use_ignored() -> None:
    """`use` is ignored; only `key_ops` is checked."""
    _purposes_by(lambda jwk, p: _purposes.fits({k: v for k, v in jwk.items() if k != "use"}, p))


@mutant("PUR-03")
def purpose_must_be_explicit() -> None:
    """A JWK with neither `use` nor `key_ops` fits nothing."""
    _purposes_by(lambda jwk, p: ("use" in jwk or "key_ops" in jwk) and _purposes.fits(jwk, p))


@mutant("PUR-04")
def key_ops_win_over_use() -> None:
    """When `use` and `key_ops` disagree, `key_ops` decides."""

    def rule(jwk: Mapping[str, Any], purpose: Any) -> bool:
        if "key_ops" in jwk:
            jwk = {k: v for k, v in jwk.items() if k != "use"}
        return _purposes.fits(jwk, purpose)

    _purposes_by(rule)


def _constraints_without(check: str) -> None:
    original = _constraints.constraint_failure

    def failure(jwk: Mapping[str, Any], bits: int, alg: str) -> str | None:
        if check == "alg" and alg in _constraints.ALGORITHMS:
            jwk = {k: v for k, v in jwk.items() if k != "alg"}
        if check == "curve":
            jwk = {k: v for k, v in jwk.items() if k != "crv"}
            rule = _constraints._RULES.get(alg)
            if rule is not None and rule.curves and jwk.get("kty") == rule.kty:
                return None
        if check == "size":
            bits = 1 << 20
        return original(jwk, bits, alg)

    _provider.constraint_failure = failure


@mutant("PUR-05")
def jwk_alg_ignored() -> None:
    """A JWK's `alg` member is not compared with the token's."""
    _constraints_without("alg")


@mutant("PUR-05")
def wrong_curve_accepted() -> None:
    """An EC or OKP key of any curve is tried for an algorithm."""
    _constraints_without("curve")


@mutant("PUR-06")
def weak_rsa_accepted() -> None:
    """RSA keys under 2048 bits are loaded and used."""
    _key_material.MIN_RSA_BITS = 0  # type: ignore[misc]
    _constraints_without("size")


@mutant("PUR-06")
def alg_none_accepted() -> None:
    """`alg: none` tokens verify."""
    original = _provider.SecretsProvider.verify

    def verify(self: Any, token: str) -> Any:
        header = _provider._header(token.split(".", 1)[0]) if token.count(".") == 2 else {}
        if header.get("alg") == "none":
            return _provider.Verification(True, "none", ())
        return original(self, token)

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]


@mutant("PUR-07")
def remote_hmac_key_accepted() -> None:
    """Symmetric keys from a remote set are used."""
    original = _jwks._entry
    _jwks._entry = lambda member, *, remote: original(member, remote=False)


# -- order ------------------------------------------------------------------------------------


def _order_by(sort: Callable[[list[Any]], list[Any]]) -> None:
    original_index = _store._KeySet.index.__func__  # type: ignore[attr-defined]

    def index(cls: Any, entries: Any, loaded_at: float) -> Any:
        built = original_index(cls, entries, loaded_at)
        valid = {p: tuple(sort(list(v))) for p, v in built.valid.items()}
        return replace(built, valid=valid)

    _store._KeySet.index = classmethod(index)  # type: ignore[assignment,method-assign]


@mutant("ORD-01")
def reversed_order() -> None:
    """Valid secrets come back in reverse set order."""
    _order_by(lambda entries: entries[::-1])


@mutant("ORD-01")
def sorted_by_kid() -> None:
    """Valid secrets come back sorted by kid."""
    _order_by(lambda entries: sorted(entries, key=lambda e: e.stable_id))


@mutant("ORD-02")
def tries_from_the_last() -> None:
    """The provider tries valid secrets from the last to the first."""
    original = _provider._try_in_order
    _provider._try_in_order = lambda jws, alg, secrets, *, reason: original(
        jws, alg, list(secrets)[::-1], reason=reason
    )


@mutant("ORD-03")
def first_order_kept_after_reload() -> None:
    """After a reload, keys keep the order in which they were first seen."""
    first_seen: dict[str, int] = {}

    def sort(entries: list[Any]) -> list[Any]:
        for entry in entries:
            first_seen.setdefault(entry.stable_id, len(first_seen))
        return sorted(entries, key=lambda e: first_seen[e.stable_id])

    _order_by(sort)


# -- leases --------------------------------------------------------------------------------


@mutant("LEASE-01")
def lease_from_load_time() -> None:
    """A secret's lease counts from when the set was loaded, not when it was produced."""

    def produce(self: Any, entry: Any, now: float) -> Any:
        return _store.JwkSetSecretStore._original_produce(self, entry, self._keys.loaded_at)  # type: ignore[attr-defined]

    _store.JwkSetSecretStore._original_produce = _store.JwkSetSecretStore._produce  # type: ignore[attr-defined]
    _store.JwkSetSecretStore._produce = produce  # type: ignore[method-assign]


@mutant("LEASE-02", "LEASE-03")
def lease_ignored() -> None:
    """The provider keeps its secrets for ever."""
    _provider.Secret.is_expired = lambda self, now: False  # type: ignore[method-assign]
