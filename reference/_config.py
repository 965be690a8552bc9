"""Store configuration from the gateway's JSON shape (CFG-01..09).

``StoreConfig.from_json`` takes the ``config`` object of a ``JwkSetSecretStore`` heap entry,
applies the defaults and the vendor's correction rules, logs each correction, and refuses
unknown members, wrong types and bad values with a `ConfigError` that names the member.
A duration longer than `MAX_DURATION` is refused too (CFG-08): it parses, but the store's
time arithmetic could not use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from jwkconform.reference._durations import Duration, DurationError, parse_duration
from jwkconform.reference._errors import ConfigError
from jwkconform.reference._log import logger

__all__ = [
    "DEFAULT_CACHE_MISS_CACHE_TIME",
    "DEFAULT_CACHE_TIMEOUT",
    "DEFAULT_FETCH_TIMEOUT",
    "DEFAULT_LEASE_EXPIRY",
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_DURATION",
    "MIN_CACHE_TIMEOUT",
    "StoreConfig",
]

DEFAULT_CACHE_TIMEOUT: Final = Duration.of_seconds(120)
DEFAULT_CACHE_MISS_CACHE_TIME: Final = Duration.of_seconds(120)
DEFAULT_LEASE_EXPIRY: Final = Duration.of_seconds(300)
MIN_CACHE_TIMEOUT: Final = Duration.of_seconds(10)
# Nimbus caps a JWK Set at 50 KiB; we allow 1 MiB so that large test sets still load.
DEFAULT_MAX_BODY_BYTES: Final = 1024 * 1024
# A gateway must never hang on a slow key server: a whole fetch (connect, headers and body)
# gets 10 seconds, the per-read timeout the default client had before (CFG-09).
DEFAULT_FETCH_TIMEOUT: Final = Duration.of_seconds(10)
# The store adds durations to clock readings as float seconds. Below 2**33 s (272 years) a
# float still tells microseconds apart; allowing durations up to 2**32 s (about 136 years)
# leaves as much again for the clock's own reading (time.monotonic counts from boot), so
# `now + duration` never loses a microsecond and never overflows. Beyond it a value would
# be accepted and then fail, or silently round, at every query (CFG-08).
MAX_DURATION: Final = Duration.of_seconds(2**32)

_SCHEMES: Final = frozenset({"http", "https", "file"})


@dataclass(frozen=True)
class StoreConfig:
    """A checked store configuration.

    >>> raw = {"jwkUrl": "https://idp.example/jwks", "cacheTimeout": "5 min"}
    >>> config = StoreConfig.from_json(raw)
    >>> config.cache_timeout.seconds, config.lease_expiry.seconds
    (300.0, 300.0)
    """

    jwk_url: str
    handler: httpx.Client | None = field(default=None, compare=False)
    cache_timeout: Duration = DEFAULT_CACHE_TIMEOUT
    cache_miss_cache_time: Duration = DEFAULT_CACHE_MISS_CACHE_TIME
    lease_expiry: Duration = DEFAULT_LEASE_EXPIRY
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    fetch_timeout: Duration = DEFAULT_FETCH_TIMEOUT

    @property
    def is_remote(self) -> bool:
        """Whether the set comes over HTTP(S) rather than from a local file."""
        return urlsplit(self.jwk_url).scheme.lower() != "file"

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> StoreConfig:
        """Check ``raw`` (the gateway's ``config`` object), fill defaults, apply the rules."""
        if not isinstance(raw, Mapping):
            raise ConfigError("config", f"expected a JSON object, got {type(raw).__name__}")
        unknown = sorted(set(raw) - set(_FIELDS))
        if unknown:
            known = ", ".join(_FIELDS)
            raise ConfigError(unknown[0], f"unknown member (known: {known})")
        if "jwkUrl" not in raw:
            raise ConfigError("jwkUrl", "is required")
        values = {
            _FIELDS[name].attribute: _FIELDS[name].parse(name, value) for name, value in raw.items()
        }
        config = cls(**values)
        for rule in _CORRECTIONS:
            config = rule(config)
        return config


def _url(name: str, value: object) -> str:
    text = _string(name, value)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - reading it is what validates it
    except ValueError as exc:
        raise ConfigError(name, f"malformed URL {text!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ConfigError(name, f"unsupported URL {text!r}: scheme must be http, https or file")
    if any(c.isspace() for c in text):
        raise ConfigError(name, f"malformed URL {text!r}: contains white space")
    if scheme in {"http", "https"} and not parts.hostname:
        raise ConfigError(name, f"malformed URL {text!r}: no host")
    if scheme == "file" and not parts.path.startswith("/"):
        raise ConfigError(name, f"malformed URL {text!r}: a file URL needs an absolute path")
    if scheme == "file" and parts.netloc not in {"", "localhost"}:
        raise ConfigError(name, f"unsupported URL {text!r}: file URLs cannot name a remote host")
    if scheme == "file" and "\0" in url2pathname(parts.path):
        # No operating system opens such a path; refused now, it cannot fail at every load.
        raise ConfigError(name, f"malformed URL {text!r}: the path holds a NUL byte (%00)")
    return text


def _string(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(name, f"expected a string, got {type(value).__name__} {value!r}")
    return value


def _duration(name: str, value: object) -> Duration:
    text = _string(name, value)
    try:
        duration = parse_duration(text)
    except DurationError as exc:
        raise ConfigError(name, str(exc)) from None
    if not duration.is_unlimited and duration > MAX_DURATION:
        raise ConfigError(
            name,
            f"duration {text!r} is too large: at most {MAX_DURATION.seconds:.0f} seconds "
            "(about 136 years) keeps the store's time arithmetic exact",
        )
    return duration


def _deadline(name: str, value: object) -> Duration:
    duration = _duration(name, value)
    if duration.is_zero or duration.is_unlimited:
        raise ConfigError(name, f"duration {value!r} is not allowed: a fetch needs a deadline")
    return duration


def _handler(name: str, value: object) -> httpx.Client:
    if not isinstance(value, httpx.Client):
        raise ConfigError(name, f"expected an httpx.Client, got {type(value).__name__}")
    return value


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(name, f"expected a positive integer, got {value!r}")
    return value


@dataclass(frozen=True)
class _Field:
    attribute: str
    parse: Callable[[str, object], Any]


_FIELDS: Mapping[str, _Field] = {
    "jwkUrl": _Field("jwk_url", _url),
    "handler": _Field("handler", _handler),
    "cacheTimeout": _Field("cache_timeout", _duration),
    "cacheMissCacheTime": _Field("cache_miss_cache_time", _duration),
    "leaseExpiry": _Field("lease_expiry", _duration),
    # Our own members (not the gateway's): the size cap of LOAD-06, the deadline of CFG-09.
    "maxBodyBytes": _Field("max_body_bytes", _positive_int),
    "fetchTimeout": _Field("fetch_timeout", _deadline),
}


def _min_cache_timeout(config: StoreConfig) -> StoreConfig:
    # CFG-04: the cache cannot be switched off; anything under 10 s falls back to the default.
    if config.cache_timeout < MIN_CACHE_TIMEOUT:
        logger.warning(
            "cacheTimeout %s is below the %s minimum; using the default %s",
            config.cache_timeout,
            MIN_CACHE_TIMEOUT,
            DEFAULT_CACHE_TIMEOUT,
        )
        return replace(config, cache_timeout=DEFAULT_CACHE_TIMEOUT)
    return config


def _finite_lease(config: StoreConfig) -> StoreConfig:
    # CFG-06: a lease must end, and must last; zero or unlimited falls back to the default.
    if config.lease_expiry.is_zero or config.lease_expiry.is_unlimited:
        logger.warning(
            "leaseExpiry %s is not allowed; using the default %s",
            config.lease_expiry,
            DEFAULT_LEASE_EXPIRY,
        )
        return replace(config, lease_expiry=DEFAULT_LEASE_EXPIRY)
    return config


_CORRECTIONS: tuple[Callable[[StoreConfig], StoreConfig], ...] = (_min_cache_timeout, _finite_lease)
