"""Broken stores that raise exceptions of their own, which the reference adapter wraps in
`ImplementationRaised`: each is a finding about the implementation, counted against the
requirement being checked, never the verdict ``error`` (that is for broken adapters). See
mutant_support.py for how a mutant works.
"""

from __future__ import annotations

import json
from typing import Any

from mutant_support import registry

from jwkconform.reference import _jwks, _store

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


@mutant("LOAD-03")
def raises_on_a_jwk_that_is_not_an_object() -> None:
    """A ``null`` (or any non-object) entry of ``keys`` raises a TypeError, as a library
    that reads ``member["kty"]`` without checking the entry's type would."""
    original = _jwks._entry

    def entry(member: object, *, remote: bool) -> Any:
        if not isinstance(member, dict):
            raise TypeError(f"{type(member).__name__!r} object is not subscriptable")
        return original(member, remote=remote)

    _jwks._entry = entry


@mutant("LOAD-04", "LOAD-05")
def raises_on_a_body_that_is_not_json() -> None:
    """A body that is not JSON raises the parser's own error instead of a load error, on
    the first load (LOAD-04) and on a reload, which then serves nothing (LOAD-05)."""
    original = _jwks.parse_jwk_set

    def parse(body: bytes, url: str, *, remote: bool) -> Any:
        json.loads(body)  # a JSONDecodeError escapes
        return original(body, url, remote=remote)

    _store.parse_jwk_set = parse
