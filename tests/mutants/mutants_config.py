"""Broken stores: the reference with one configuration or loading behaviour changed (CFG,
LOAD). See mutant_support.py for how a mutant works.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
from mutant_support import registry, wrap_from_json

from jwkconform.harness import reference_adapter
from jwkconform.harness._adapter import ConfigRefused
from jwkconform.reference import (
    _config,
    _durations,
    _fetch,
    _jwks,
    _key_material,
    _provider,
    _purposes,
    _store,
)
from jwkconform.reference._errors import ConfigError, LoadError

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


@mutant("CFG-09")
def handler_ignored() -> None:
    """The configured handler is not the client that fetches: the store builds its own on the
    handler's transport (so it reaches the same servers, without the handler's settings)."""
    original = _store.JwkSetSecretStore.__init__

    def init(self: Any, config: Any, **kwargs: Any) -> None:
        original(self, config, **kwargs)
        handler = config.handler
        if handler is not None:
            self._client = httpx.Client(transport=handler._transport, timeout=handler.timeout)

    _store.JwkSetSecretStore.__init__ = init  # type: ignore[method-assign]


@mutant("CFG-09")
def per_read_deadline_only() -> None:
    """A fetch is bounded per read (each phase's time-out), with no deadline for the whole."""

    def fetch(url: str, client: httpx.Client, max_bytes: int, timeout: float) -> bytes:
        if urlsplit(url).scheme.lower() == "file":
            return _fetch._read_file(url, max_bytes)
        return _fetch._read_http(url, client, max_bytes, timeout, threading.Event())

    _store.fetch = fetch


@mutant("CFG-01", "CFG-02")
def serves_before_refusing_jwk_url() -> None:
    """A missing or bad jwkUrl is refused only from the second query on: the first is
    answered from the mock's set, as if the harness's URL had been configured."""
    original = reference_adapter._ReferenceStore.__init__
    queries = ("named", "valid", "verify")
    methods = {name: getattr(reference_adapter._ReferenceStore, name) for name in queries}

    def init(self: Any, config: Any, env: Any) -> None:
        self._late = None
        try:
            original(self, config, env)
        except ConfigRefused as exc:
            if exc.field != "jwkUrl":
                raise
            original(self, {**config, "jwkUrl": env.jwks_url}, env)
            self._late = exc
            self._answered = False

    def refusing(name: str) -> Any:
        def query(self: Any, *args: Any) -> Any:
            late = self._late
            if late is not None:
                if self._answered:
                    raise ConfigRefused(late.field, str(late))
                self._answered = True
            return methods[name](self, *args)

        return query

    reference_adapter._ReferenceStore.__init__ = init  # type: ignore[method-assign]
    for name in queries:
        setattr(reference_adapter._ReferenceStore, name, refusing(name))


@mutant("CFG-03")
def three_minute_cache() -> None:
    """cacheTimeout defaults to three minutes."""
    wrap_from_json(lambda raw: raw.setdefault("cacheTimeout", "3 minutes"))


@mutant("CFG-04")
def silent_cache_timeout_floor() -> None:
    """A cacheTimeout under 10 seconds is replaced by the default without a warning."""

    def floor(config: Any) -> Any:
        if config.cache_timeout < _config.MIN_CACHE_TIMEOUT:
            return replace(config, cache_timeout=_config.DEFAULT_CACHE_TIMEOUT)
        return config

    _config._CORRECTIONS = (floor, _config._finite_lease)  # type: ignore[misc]


@mutant("CFG-04")
def floor_raises_to_ten_seconds() -> None:
    """A cacheTimeout under 10 seconds is raised to 10 seconds, not to the 2-minute default."""
    original = _config._min_cache_timeout

    def floor(config: Any) -> Any:
        corrected = original(config)
        if corrected is config:
            return config
        return replace(corrected, cache_timeout=_config.MIN_CACHE_TIMEOUT)

    _config._CORRECTIONS = (floor, _config._finite_lease)  # type: ignore[misc]


@mutant("CFG-05")
def long_miss_window_default() -> None:
    """cacheMissCacheTime defaults to five minutes."""
    wrap_from_json(lambda raw: raw.setdefault("cacheMissCacheTime", "5 min"))


def _durations_read_by(parse: Any) -> None:
    """Every duration member of the configuration read with ``parse``."""
    _config.parse_duration = parse  # type: ignore[assignment]


@mutant("CFG-08")
def decimals_truncated() -> None:
    """A decimal number in a duration loses its fraction ("1.5 hours" is one hour)."""
    original = _durations.parse_duration
    _durations_read_by(lambda text: original(re.sub(r"([0-9]+)\.[0-9]*", r"\1", text)))


@mutant("CFG-08")
def huge_durations_accepted() -> None:
    """Durations over 2**32 seconds are accepted."""
    _config.MAX_DURATION = _durations.Duration.UNLIMITED  # type: ignore[misc]


@mutant("CFG-08")
def largest_duration_refused() -> None:
    """The limit is off by one second: 2**32 seconds itself is refused."""
    _config.MAX_DURATION = _durations.Duration.of_seconds(2**32 - 1)  # type: ignore[misc]


@mutant("CFG-08")
def miss_window_refused_as_cache_timeout() -> None:
    """A bad cacheMissCacheTime is refused under the name cacheTimeout (a copy-paste slip)."""
    original = _config._duration

    def duration(name: str, value: object) -> Any:
        try:
            return original(name, value)
        except ConfigError as exc:
            if name == "cacheMissCacheTime":
                raise ConfigError("cacheTimeout", str(exc)) from None
            raise

    fields = dict(_config._FIELDS)
    fields["cacheMissCacheTime"] = _config._Field("cache_miss_cache_time", duration)
    _config._FIELDS = fields  # type: ignore[misc]


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
    """A failed reload empties the cache (concurrent queries still share the one fetch)."""

    def reload(self: Any, now: float, keys: Any, *, reason: str) -> Any:
        outcome = self._shared_load(now, keys, reason=reason)
        if isinstance(outcome, _store._KeySet):
            return outcome
        if isinstance(outcome, LoadError):
            with self._lock:
                self._keys = _store._KeySet.index([], keys.loaded_at)
        return self._keys if self._keys is not None else keys

    _store.JwkSetSecretStore._reload = reload  # type: ignore[method-assign]


@mutant("LOAD-06")
def no_size_cap() -> None:
    """The body size cap is not enforced (64 MiB, far past any test's body, stands in for
    none: a file read allocates its cap)."""
    original = _fetch.fetch
    _store.fetch = lambda url, client, max_bytes, timeout: original(url, client, 1 << 26, timeout)


@mutant("LOAD-03")
def small_rsa_exponents_kept() -> None:
    """RSA keys with an exponent below 3 load, and RS256 is checked by hand (s^e mod n
    against the PKCS#1 encoding), as some libraries do."""
    original_rsa = _key_material._rsa
    original_holds = _provider._signature_holds
    original_parse = _provider._parse
    seen = threading.local()

    def rsa(jwk: Any) -> str:
        if _key_material._number(jwk, "e") < 3:
            return ""
        return original_rsa(jwk)

    def parse(token: object) -> Any:
        seen.token = token
        return original_parse(token)

    def holds(jws: Any, alg: str, secret: Any) -> bool:
        if alg != "RS256" or secret.jwk.get("kty") != "RSA":
            return original_holds(jws, alg, secret)
        n, e = (_key_material._number(secret.jwk, m) for m in ("n", "e"))
        head, payload, signature = str(seen.token).split(".")
        s = int.from_bytes(_b64decode(signature), "big")
        size = (n.bit_length() + 7) // 8
        info = _SHA256_INFO + hashlib.sha256(f"{head}.{payload}".encode()).digest()
        encoded = b"\x00\x01" + b"\xff" * (size - len(info) - 3) + b"\x00" + info
        return s < n and pow(s, e, n).to_bytes(size, "big") == encoded

    _key_material._CHECKS = {**_key_material._CHECKS, "RSA": rsa}  # type: ignore[misc]
    _provider._parse = parse
    _provider._signature_holds = holds


_SHA256_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@mutant("LOAD-03")
def off_curve_points_kept() -> None:
    """EC points are not checked against their curve (lengths still are)."""
    original_ec = _key_material._ec

    def ec(jwk: Any) -> str:
        try:
            return original_ec(jwk)
        except ValueError as exc:  # what the library says of a point that is not on the curve
            if str(exc).startswith("Invalid EC key"):
                return ""
            raise

    _key_material._CHECKS = {**_key_material._CHECKS, "EC": ec}  # type: ignore[misc]


@mutant("LOAD-04")
def empty_set_is_a_load_error() -> None:
    """A document whose keys array is empty is taken for a failed load."""
    original = _jwks.parse_jwk_set

    def parse(body: bytes, url: str, *, remote: bool) -> Any:
        entries = original(body, url, remote=remote)
        if not entries and json.loads(body).get("keys") == []:
            raise LoadError(url, "the set holds no keys")
        return entries

    _store.parse_jwk_set = parse


@mutant("LOAD-04")
def parser_limits_escape() -> None:
    """The body is decoded and parsed once outside the error handling: bad UTF-8, deep
    nesting and over-long numbers escape as the parser's own exceptions."""
    original = _jwks.parse_jwk_set

    def parse(body: bytes, url: str, *, remote: bool) -> Any:
        text = body.decode("utf-8")
        with contextlib.suppress(json.JSONDecodeError):  # the store's own parse reports it
            json.loads(text)
        return original(body, url, remote=remote)

    _store.parse_jwk_set = parse


@mutant("LOAD-06")
def cap_before_decoding_only() -> None:
    """The size cap counts the bytes on the wire; the decoded body is not capped."""
    original = _fetch.decoded_body

    def decoded(url: str, raw: Any, codings: Any, max_bytes: int) -> bytes:
        wire, size = [], 0
        for chunk in raw:
            size += len(chunk)
            if size > max_bytes:
                raise LoadError(url, f"body exceeds the {max_bytes}-byte cap")
            wire.append(chunk)
        return original(url, wire, codings, 1 << 26)

    _fetch.decoded_body = decoded
