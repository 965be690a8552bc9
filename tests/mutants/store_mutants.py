"""Deliberately broken stores: the reference with one behaviour changed each.

Each function is an adapter factory (``--jwk-adapter store_mutants:NAME``) that patches the
reference in the process it runs in, then returns the reference adapter under the mutant's
name. `MUTANTS` maps each name to the requirements whose tests must catch it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx

from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.reference import (
    _config,
    _constraints,
    _durations,
    _fetch,
    _jwks,
    _key_material,
    _provider,
    _purposes,
    _store,
)
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
Factory = Callable[[], ReferenceAdapter]


def mutant(*targets: str) -> Callable[[Callable[[], None]], Factory]:
    """Register a patch as a mutant that the tests of ``targets`` must kill."""

    def register(patch: Callable[[], None]) -> Factory:
        def factory() -> ReferenceAdapter:
            patch()
            adapter = ReferenceAdapter()
            adapter.name = f"mutant {patch.__name__}"  # type: ignore[misc]
            return adapter

        MUTANTS[patch.__name__] = targets
        factory.__name__ = patch.__name__
        factory.__doc__ = patch.__doc__
        return factory

    return register


def _wrap_from_json(change: Callable[[dict[str, Any]], None]) -> None:
    original = _config.StoreConfig.from_json.__func__  # type: ignore[attr-defined]

    def from_json(cls: type, raw: Mapping[str, object]) -> Any:
        raw = dict(raw)
        change(raw)
        return original(cls, raw)

    _config.StoreConfig.from_json = classmethod(from_json)  # type: ignore[assignment,method-assign]


# -- configuration ----------------------------------------------------------------------------


@mutant("CFG-01")
def default_jwk_url() -> None:
    """A missing jwkUrl is filled with a default instead of refused."""
    _wrap_from_json(lambda raw: raw.setdefault("jwkUrl", "https://localhost/jwks"))


@mutant("CFG-02")
def any_scheme() -> None:
    """Any URL is accepted at configuration."""
    _config._FIELDS = {**_config._FIELDS, "jwkUrl": _config._Field("jwk_url", _config._string)}  # type: ignore[misc]


@mutant("CFG-03")
def one_minute_cache() -> None:
    """cacheTimeout defaults to one minute."""
    _wrap_from_json(lambda raw: raw.setdefault("cacheTimeout", "1 minute"))


@mutant("CFG-04")
def ten_seconds_too_short() -> None:
    """10 seconds exactly counts as below the minimum (off by one)."""
    _config.MIN_CACHE_TIMEOUT = _durations.Duration.of_seconds(10.001)  # type: ignore[misc]


@mutant("CFG-04")
def short_cache_accepted() -> None:
    """A cacheTimeout under 10 seconds is used as given."""
    _config._CORRECTIONS = (_config._finite_lease,)  # type: ignore[misc]


@mutant("CFG-05")
def short_miss_window_default() -> None:
    """cacheMissCacheTime defaults to 30 seconds."""
    _wrap_from_json(lambda raw: raw.setdefault("cacheMissCacheTime", "30 s"))


@mutant("CFG-06")
def zero_lease_accepted() -> None:
    """A zero or unlimited leaseExpiry is used as given."""
    _config._CORRECTIONS = (_config._min_cache_timeout,)  # type: ignore[misc]


@mutant("CFG-07")
def case_sensitive_units() -> None:
    """Duration units are case-sensitive."""
    original = _durations.parse_duration

    def parse(text: str) -> _durations.Duration:
        if isinstance(text, str) and text != text.lower():
            raise _durations.DurationError(f"invalid duration {text!r}: units are lower case")
        return original(text)

    _config.parse_duration = parse  # type: ignore[assignment]


@mutant("CFG-08")
def left_over_text_accepted() -> None:
    """Durations with left-over text are accepted (the vendor parser's behaviour)."""
    original = _durations.parse_duration

    def parse(text: str) -> _durations.Duration:
        words = text.split()
        for end in range(len(words), 0, -1):
            try:
                return original(" ".join(words[:end]))
            except _durations.DurationError:
                continue
        return original(text)

    _config.parse_duration = parse  # type: ignore[assignment]


@mutant("CFG-09", "LOAD-01")
def handler_ignored() -> None:
    """The configured handler is ignored; the store's own client reaches nothing."""
    original = _store.JwkSetSecretStore.__init__

    def init(self: Any, config: Any, **kwargs: Any) -> None:
        original(self, replace(config, handler=None), **kwargs)
        self._client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(502)))

    _store.JwkSetSecretStore.__init__ = init  # type: ignore[method-assign]


# -- loading ----------------------------------------------------------------------------------


@mutant("LOAD-01")
def no_file_urls() -> None:
    """file: URLs are accepted but never read."""

    def read_file(url: str, max_bytes: int) -> bytes:
        raise LoadError(url, "file URLs are not supported")

    _fetch._read_file = read_file


@mutant("LOAD-02")
def any_purpose_is_verify() -> None:
    """An unknown purpose (a password, say) is answered with verification keys."""
    original = _purposes.Purpose.parse.__func__  # type: ignore[attr-defined]

    def parse(cls: Any, value: Any) -> Any:
        try:
            return original(cls, value)
        except ValueError:
            return _purposes.Purpose.VERIFY

    _purposes.Purpose.parse = classmethod(parse)  # type: ignore[assignment,method-assign]


@mutant("LOAD-03")
def one_bad_key_drops_the_set() -> None:
    """One unusable JWK makes the whole document a load error."""
    original = _jwks._entry

    def entry(member: object, *, remote: bool) -> Any:
        problem, found = original(member, remote=remote)
        if found is None:
            raise LoadError("(set)", f"unusable JWK: {problem}")
        return problem, found

    _jwks._entry = entry


@mutant("LOAD-04")
def unrelated_exception_for_bad_documents() -> None:
    """A document that is not a JWK Set raises whatever the parser hits."""
    import json

    original = _jwks.parse_jwk_set

    def parse(body: bytes, url: str, *, remote: bool) -> Any:
        document = json.loads(body)
        document["keys"][0:0]
        return original(body, url, remote=remote)

    _store.parse_jwk_set = parse


@mutant("LOAD-05")
def failed_reload_clears_the_cache() -> None:
    """A failed reload empties the cache."""

    def reload(self: Any, now: float, keys: Any, *, reason: str) -> Any:
        try:
            return self._load(now)
        except LoadError:
            self._keys = _store._KeySet.index([], keys.loaded_at)
            return self._keys

    _store.JwkSetSecretStore._reload = reload  # type: ignore[method-assign]


@mutant("LOAD-06")
def no_size_cap() -> None:
    """The body size cap is not enforced."""
    original = _fetch.fetch
    _store.fetch = lambda url, client, max_bytes, timeout: original(url, client, 1 << 40, timeout)


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
        secrets = self._valid_secrets(self._clock())
        jws, alg, _ = _provider._parse(token)
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


# -- cache and leases -------------------------------------------------------------------------


@mutant("CACHE-01")
def reload_at_half_timeout() -> None:
    """The set is reloaded once half of cacheTimeout has passed."""

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is None:
            return self._load(now)
        if now - keys.loaded_at >= self.config.cache_timeout.seconds / 2:
            return self._reload(now, keys, reason="early")
        return keys

    _store.JwkSetSecretStore._current = current  # type: ignore[method-assign]


@mutant("CACHE-02")
def stale_one_tick_late() -> None:
    """The set is reloaded only after cacheTimeout, not at it (off by one)."""

    def current(self: Any, now: float) -> Any:
        keys = self._keys
        if keys is None:
            return self._load(now)
        if now - keys.loaded_at > self.config.cache_timeout.seconds:
            return self._reload(now, keys, reason="cache timeout")
        return keys

    _store.JwkSetSecretStore._current = current  # type: ignore[method-assign]


@mutant("CACHE-03")
def unthrottled_miss_reload() -> None:
    """Every kid miss reloads the set."""
    _store.JwkSetSecretStore._miss_may_reload = lambda self, keys, now: True  # type: ignore[method-assign]


@mutant("CACHE-03")
def miss_window_from_last_miss() -> None:
    """The miss window counts from the last miss instead of the last successful load."""

    def may_reload(self: Any, keys: Any, now: float) -> bool:
        last = getattr(self, "_last_miss", keys.loaded_at)
        self._last_miss = now
        return now - last >= self.config.cache_miss_cache_time.seconds

    _store.JwkSetSecretStore._miss_may_reload = may_reload  # type: ignore[method-assign]


@mutant("CACHE-04")
def miss_reload_not_used_at_once() -> None:
    """A miss reload happens, but the query that caused it still answers from the old set."""
    original = _store.JwkSetSecretStore._reload

    def reload(self: Any, now: float, keys: Any, *, reason: str) -> Any:
        fresh = original(self, now, keys, reason=reason)
        return keys if reason.startswith("kid") else fresh

    _store.JwkSetSecretStore._reload = reload  # type: ignore[method-assign]


@mutant("CACHE-05")
def every_query_fetches() -> None:
    """Concurrent queries that need a reload each fetch: none joins the load under way."""

    def shared_load(self: Any, now: float, seen: Any, *, reason: str) -> Any:
        try:
            return self._load(now)
        except LoadError as exc:
            return exc

    _store.JwkSetSecretStore._shared_load = shared_load  # type: ignore[method-assign]


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
