"""The errors the reference raises: one type per thing a caller can act on."""

from __future__ import annotations

__all__ = ["ConfigError", "LoadError", "UnsupportedPurposeError", "member_name"]


def member_name(name: str) -> str:
    """``name`` as an error shows it: a member called "" would vanish from a message (or
    make ``a..b`` of a path), so it reads ``""``."""
    return name or '""'


class ConfigError(ValueError):
    """A configuration is refused; ``field`` names the JSON member at fault."""

    def __init__(self, field: str, message: str) -> None:
        field = member_name(field)
        super().__init__(f"{field}: {message}")
        self.field = field


class LoadError(Exception):
    """The JWK Set could not be loaded from ``url`` (I/O, HTTP status, size, or not a JWK Set)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot load JWK Set from {url}: {reason}")
        self.url = url
        self.reason = reason


class UnsupportedPurposeError(ValueError):
    """A query asked for a purpose the store cannot serve: it only holds crypto keys."""
