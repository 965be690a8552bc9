"""Broken stores: the reference with one configuration or loading behaviour changed (CFG,
LOAD). See mutant_support.py for how a mutant works.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
from mutant_support import registry, wrap_from_json

from jwkconform.reference import (
    _config,
    _durations,
    _fetch,
    _jwks,
    _purposes,
    _store,
)
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


# -- configuration ----------------------------------------------------------------------------


@mutant("CFG-01")
def default_jwk_url() -> None:
    """A missing jwkUrl is filled with a default instead of refused."""
    wrap_from_json(lambda raw: raw.setdefault("jwkUrl", "https://localhost/jwks"))


@mutant("CFG-02")
def any_scheme() -> None:
    """Any URL is accepted at configuration."""
    _config._FIELDS = {**_config._FIELDS, "jwkUrl": _config._Field("jwk_url", _config._string)}  # type: ignore[misc]


@mutant("CFG-03")
def one_minute_cache() -> None:
    """cacheTimeout defaults to one minute."""
    wrap_from_json(lambda raw: raw.setdefault("cacheTimeout", "1 minute"))


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
    wrap_from_json(lambda raw: raw.setdefault("cacheMissCacheTime", "30 s"))


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
    """The body size cap is not enforced (64 MiB, far past any test's body, stands in for
    none: a file read allocates its cap)."""
    original = _fetch.fetch
    _store.fetch = lambda url, client, max_bytes, timeout: original(url, client, 1 << 26, timeout)
