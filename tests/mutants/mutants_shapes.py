"""Broken stores that go wrong only on inputs the suites once drew on some seeds or never:
a content type, an `alg` spelling, a key size or shape, a mix of JWKs with and without
`kid` or `alg`, a reload for a miss. See mutant_support.py for how a mutant works.

A mutant's targets are every requirement it violates by the letter of the specification;
where there are several, the docstring says why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from mutant_support import patch_index, registry

from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.reference import _jwks, _key_material, _provider, _store
from jwkconform.reference._errors import LoadError
from jwkconform.reference._lease_cache import LeaseCache
from jwkconform.reference._purposes import Purpose

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- loading ----------------------------------------------------------------------------------


class _JsonOnlyClient:
    """An HTTP client that refuses a 200 answer whose content type does not name JSON."""

    def __init__(self, client: Any, url: str) -> None:
        self._client = client
        self._url = url

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    @contextlib.contextmanager
    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with self._client.stream(*args, **kwargs) as response:
            kind = response.headers.get("content-type", "")
            if response.status_code == 200 and "json" not in kind:
                raise LoadError(self._url, f"content type {kind!r} is not JSON")
            yield response


@mutant("LOAD-01")
def json_content_type_required() -> None:
    """A set served with a content type that does not name JSON (`text/plain`, say) is a
    load error (D-10 turned round)."""
    original: Any = _store.fetch  # type: ignore[attr-defined]

    def fetch(url: str, client: Any, max_bytes: int, timeout: float) -> bytes:
        return original(url, _JsonOnlyClient(client, url), max_bytes, timeout)  # type: ignore[no-any-return]

    _store.fetch = fetch  # type: ignore[attr-defined]


# -- constraints ------------------------------------------------------------------------------


def _constraint(change: Any) -> None:
    original = _provider.constraint_failure  # type: ignore[attr-defined]
    _provider.constraint_failure = lambda jwk, bits, alg: original(*change(jwk, bits, alg))  # type: ignore[attr-defined]


@mutant("PUR-05")
def alg_compared_ignoring_case() -> None:
    """A JWK's `alg` is compared with the token's without regard to letter case."""

    def change(jwk: Mapping[str, Any], bits: int, alg: str) -> tuple[Any, int, str]:
        own = jwk.get("alg")
        if isinstance(own, str) and own.casefold() == alg.casefold():
            jwk = {**jwk, "alg": alg}
        return jwk, bits, alg

    _constraint(change)


@mutant("PUR-06", "LOAD-03")
def rsa_size_in_whole_bytes() -> None:
    """An RSA modulus is measured in whole bytes, so one of 2041 to 2047 bits counts as
    2048: it loads (LOAD-03, D-26) and is used (PUR-06)."""
    _key_material.MIN_RSA_BITS = 2041  # type: ignore[misc]
    original = _jwks.key_bits  # type: ignore[attr-defined]

    def key_bits(jwk: Mapping[str, Any]) -> int:
        bits = original(jwk)
        return (bits + 7) // 8 * 8 if jwk.get("kty") == "RSA" else bits

    _jwks.key_bits = key_bits  # type: ignore[attr-defined]


@mutant("PUR-06", "LOAD-03")
def key_size_checked_only_without_alg() -> None:
    """Short RSA keys load (LOAD-03, D-26), and a key's size is checked only when its JWK
    has no `alg`: one bound to RS256 is used whatever its size (PUR-06)."""
    _key_material.MIN_RSA_BITS = 0  # type: ignore[misc]
    _constraint(lambda jwk, bits, alg: (jwk, 1 << 20 if "alg" in jwk else bits, alg))


@mutant("PUR-07")
def remote_hmac_key_with_alg_accepted() -> None:
    """A symmetric key of a remote set is kept when its JWK names an `alg`, as if that
    made it a deliberate signing key."""
    original = _jwks._entry

    def entry(member: object, *, remote: bool) -> Any:
        bound = isinstance(member, dict) and member.get("kty") == "oct" and "alg" in member
        return original(member, remote=remote and not bound)

    _jwks._entry = entry


_ENCRYPTION_CURVES = frozenset({"X25519", "X448"})


@mutant("PUR-03")
def bare_encryption_keys_named_for_verify() -> None:
    """A bare X25519 or X448 JWK (no `use`, no `key_ops`) is the named secret for verify:
    named lookup forgets that such a key only encrypts. The valid secrets stay right."""

    def name_them(built: Any, entries: Sequence[Any]) -> Any:
        named = dict(built.named)
        for entry in entries:
            jwk = entry.public_jwk
            bare = "use" not in jwk and "key_ops" not in jwk
            if bare and jwk.get("crv") in _ENCRYPTION_CURVES and entry.kid is not None:
                named.setdefault((Purpose.VERIFY, entry.kid), entry)
        return replace(built, named=named)

    patch_index(name_them)


@mutant("PUR-03")
def bare_encryption_keys_listed_for_verify() -> None:
    """A bare X25519 or X448 JWK (no `use`, no `key_ops`) is among the valid secrets for
    verify: listing forgets that such a key only encrypts. Named lookup stays right."""

    def list_them(built: Any, entries: Sequence[Any]) -> Any:
        bare = [
            entry
            for entry in entries
            if "use" not in entry.public_jwk
            and "key_ops" not in entry.public_jwk
            and entry.public_jwk.get("crv") in _ENCRYPTION_CURVES
        ]
        valid = {**built.valid, Purpose.VERIFY: (*built.valid[Purpose.VERIFY], *bare)}
        return replace(built, valid=valid)

    patch_index(list_them)


# -- order ------------------------------------------------------------------------------------


@mutant("ORD-01")
def kidless_keys_listed_last() -> None:
    """Valid secrets list the JWKs that have a kid first, then those without (a map by kid,
    then the rest)."""
    patch_index(
        lambda built, entries: replace(
            built,
            valid={
                p: tuple(sorted(v, key=lambda e: e.kid is None)) for p, v in built.valid.items()
            },
        )
    )


@mutant("ORD-02")
def alg_bound_keys_tried_first() -> None:
    """The provider tries the valid secrets whose JWK names the token's `alg` before the
    others (each group in set order)."""
    original = _provider._try_in_order

    def tries(jws: Any, alg: str, secrets: Sequence[Any], *, reason: str) -> Any:
        ordered = sorted(secrets, key=lambda s: s.jwk.get("alg") != alg)
        return original(jws, alg, ordered, reason=reason)

    _provider._try_in_order = tries


# -- caching ----------------------------------------------------------------------------------


@mutant("CACHE-01")
def miss_reload_keeps_the_staleness_clock() -> None:
    """A reload for a kid miss does not restart `cacheTimeout`: the set goes stale
    `cacheTimeout` after the last load that was not for a miss, and a query then fetches
    although a miss reload made the set fresh since. The miss window is right.

    Each loaded set carries its staleness anchor from the moment it is loaded (the anchor
    of the set before for a miss reload, its own load time otherwise), so that concurrent
    queries never see a new set with an old anchor (CACHE-05 holds)."""
    reasons = threading.local()
    original_shared = _store.JwkSetSecretStore._shared_load
    original_load = _store.JwkSetSecretStore._load

    def shared_load(self: Any, now: float, seen: Any, *, reason: str) -> Any:
        reasons.current = reason
        return original_shared(self, now, seen, reason=reason)

    def load(self: Any, now: float) -> Any:
        before = self._keys
        anchors: dict[int, float] = self.__dict__.setdefault("_anchors", {})
        keys = original_load(self, now)
        miss = getattr(reasons, "current", "").startswith("kid ")
        old = anchors.get(id(before), before.loaded_at) if before is not None else None
        anchors[id(keys)] = old if miss and old is not None else keys.loaded_at
        return keys

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is None:
            return self._first_load(now)
        anchor = self.__dict__.get("_anchors", {}).get(id(keys), keys.loaded_at)
        if now - anchor >= self.config.cache_timeout.seconds:
            return self._reload(now, keys, reason="cache timeout")
        return keys

    _store.JwkSetSecretStore._shared_load = shared_load  # type: ignore[method-assign]
    _store.JwkSetSecretStore._load = load  # type: ignore[method-assign]
    _store.JwkSetSecretStore._current = current  # type: ignore[method-assign]


@mutant("CACHE-03")
def missing_kid_remembered_after_a_miss_reload() -> None:
    """A kid that a miss reload did not bring is remembered as missing until the set goes
    stale: later misses for it never reload, so a key rotated in under that kid is not
    found until `cacheTimeout`."""
    original = _store.JwkSetSecretStore.named

    def named(self: Any, purpose: Any, kid: str) -> Any:
        now = self._clock()
        remembered: dict[Any, float] = self.__dict__.setdefault("_known_missing", {})
        key = (Purpose.parse(purpose), kid)
        since = remembered.get(key)
        if since is not None and now - since < self.config.cache_timeout.seconds:
            entry = self._current(now).named.get(key)
            return None if entry is None else self._produce(entry, now)
        before = self._keys
        secret = original(self, purpose, kid)
        if secret is None and before is not None and self._keys is not before:
            remembered[key] = now
        return secret

    _store.JwkSetSecretStore.named = named  # type: ignore[method-assign]


@mutant("KID-02", "CACHE-01")
def failed_named_secret_reloaded_and_retried() -> None:
    """When the named secret does not verify, the store reloads the set and the named
    secret of the reloaded set is tried: another key than the named one (KID-02), and a
    fetch while the set is fresh (CACHE-01). A set loaded in this very instant is not
    loaded again (so the mutant never looks like a double fetch at a load, D-18)."""
    original = _provider.SecretsProvider.verify

    def verify(self: Any, token: str) -> Any:
        result = original(self, token)
        try:
            jws, alg, kid = _provider._parse(token)
        except _provider._BadToken:
            return result
        if result.verified or kid is None or result.tried != (kid,):
            return result
        store = self._store
        now = store._clock()
        if store._keys is None or now <= store._keys.loaded_at:
            return result
        store._reload(now, store._keys, reason="the named secret failed")
        self._named = LeaseCache()
        secret = store.named(Purpose.VERIFY, kid)
        if secret is None:
            return result
        return _provider._try_in_order(jws, alg, [secret], reason="the reloaded named secret")

    _provider.SecretsProvider.verify = verify  # type: ignore[method-assign]


# -- the store's own HTTP client --------------------------------------------------------------


@mutant("CFG-09")
def own_deadline_longer_than_declared() -> None:
    """The adapter declares that the store's own client keeps a fixed whole-fetch deadline
    of 1 s (D-43), but the client keeps 3 s: CFG-09 is judged against the declared one."""
    original = ReferenceAdapter.open_store

    def open_store(self: Any, config: Mapping[str, object], env: Any) -> Any:
        if env.own_client:
            env = dataclasses.replace(env, fetch_timeout=3.0)
        return original(self, config, env)

    ReferenceAdapter.fetch_deadline = 1.0  # type: ignore[attr-defined]
    ReferenceAdapter.open_store = open_store  # type: ignore[method-assign]


# -- named secrets ----------------------------------------------------------------------------


@mutant("KID-01", "PUR-03")
def only_jwks_with_use_are_named() -> None:
    """Named lookup indexes only JWKs that carry `use`: a bare JWK, or one with `key_ops`
    alone, is found by no kid (the valid secrets still hold it). KID-01, and PUR-03, since
    a bare JWK no longer fits verify when asked for by name."""
    patch_index(
        lambda built, entries: replace(
            built,
            named={key: e for key, e in built.named.items() if "use" in e.public_jwk},
        )
    )
