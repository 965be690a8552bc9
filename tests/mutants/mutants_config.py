"""Broken stores: the reference with one configuration behaviour changed (CFG). See
mutant_support.py for how a mutant works; mutants_loading.py has the LOAD mutants.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
from mutant_support import registry, wrap_from_json

from jwkconform.harness import reference_adapter
from jwkconform.harness.seam._adapter import ConfigRefused
from jwkconform.reference import _config, _durations, _fetch, _store
from jwkconform.reference._errors import ConfigError

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


@mutant("CFG-07")
def microsecond_a_nanosecond_short() -> None:
    """A microsecond counts 999 ns: durations in µs are a little short, which shows only at a
    boundary (``10000000 us`` falls under the 10-second floor, so the default applies)."""
    for word, nanoseconds in list(_durations._UNITS.items()):
        if nanoseconds == _durations._US:
            _durations._UNITS[word] = _durations._US - 1


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


def _url_check(check: Any) -> None:
    """jwkUrl read by ``check(text)`` after the reference's own checks."""
    original = _config._url

    def url(name: str, value: object) -> str:
        return check(name, value, original)

    _config._FIELDS = {**_config._FIELDS, "jwkUrl": _config._Field("jwk_url", url)}  # type: ignore[misc]


@mutant("CFG-02")
def file_urls_take_relative_paths() -> None:
    """A `file:` URL with a relative path is accepted (as if it named the current folder)."""

    def check(name: str, value: object, original: Any) -> str:
        if isinstance(value, str) and value.startswith("file:") and not value.startswith("file:/"):
            return value
        return str(original(name, value))

    _url_check(check)


@mutant("CFG-02")
def http_urls_need_a_path() -> None:
    """An http(s) URL without a path is refused, as a file URL without one is."""

    def check(name: str, value: object, original: Any) -> str:
        text = str(original(name, value))
        if not urlsplit(text).path:
            raise ConfigError(name, f"malformed URL {text!r}: no path")
        return text

    _url_check(check)
