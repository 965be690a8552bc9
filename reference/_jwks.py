"""Turn a JWK Set document into the usable keys it holds (LOAD-02..04, PUR-07).

A document that is not a JSON object with a ``keys`` array, or that the JSON parser cannot
read (bad UTF-8, nesting or numbers beyond its limits), is a `LoadError` (LOAD-04). Inside a
good document each JWK stands alone (RFC 7517 section 5): one that cannot be used is
skipped with a log line and the rest load.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from jwcrypto.jwk import JWK

from jwkconform.reference._constraints import key_bits
from jwkconform.reference._errors import LoadError
from jwkconform.reference._key_material import material_problem
from jwkconform.reference._log import logger
from jwkconform.reference._purposes import Purpose, purposes_of

__all__ = ["KeyEntry", "parse_jwk_set"]

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# jwcrypto checks a curve only when the key is used, so an unknown curve is caught here.
_CURVES = {
    # secp256k1 is left out: no algorithm the provider accepts can use it (LOAD-03).
    "EC": frozenset({"P-256", "P-384", "P-521"}),
    "OKP": frozenset({"Ed25519", "Ed448", "X25519", "X448"}),
}


@dataclass(frozen=True)
class KeyEntry:
    """One usable JWK of a loaded set, with what it was checked to be good for."""

    stable_id: str
    kid: str | None
    public_jwk: Mapping[str, Any]
    key: JWK
    bits: int
    purposes: frozenset[Purpose]


def parse_jwk_set(body: bytes, url: str, *, remote: bool) -> list[KeyEntry]:
    """The usable keys of the document ``body`` read from ``url``, in set order."""
    try:
        document = json.loads(body)
    except RecursionError:
        raise LoadError(url, "not JSON this parser can read: nested too deeply") from None
    except ValueError as exc:
        # Bad UTF-8 or JSON, and also a number over Python's 4,300-digit conversion limit.
        raise LoadError(url, f"not JSON this parser can read: {exc}") from None
    if not isinstance(document, dict):
        raise LoadError(url, f"not a JWK Set: top level is a JSON {type(document).__name__}")
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise LoadError(url, "not a JWK Set: no 'keys' array")
    entries = []
    for position, member in enumerate(keys):
        problem, entry = _entry(member, remote=remote)
        if entry is None:
            logger.warning("skipping JWK #%d of %s: %s", position, url, problem)
        else:
            entries.append(entry)
    return entries


def _entry(member: object, *, remote: bool) -> tuple[str, KeyEntry | None]:
    if not isinstance(member, dict):
        return f"not a JSON object but {type(member).__name__}", None
    problem = _malformed(member)
    if problem:
        return problem, None
    if remote and member.get("kty") == "oct":
        # PUR-07: a symmetric key that anyone can download is no secret; using it would let
        # anyone forge tokens, so a remote set's oct keys are never used.
        return "symmetric (oct) key in a remote set", None
    curves = _CURVES.get(member["kty"])
    if curves is not None and member.get("crv") not in curves:
        return f"unsupported curve {member.get('crv')!r} for kty {member['kty']!r}", None
    if remote and not _PRIVATE_MEMBERS.isdisjoint(member):
        # Private keys serve sign/decrypt from a local set only: one that anyone can
        # download is no secret (as for PUR-07), and checking it would let a hostile server
        # spend our CPU. The JWK loads as its public part.
        logger.warning(
            "ignoring the private members of JWK %r from a remote set", member.get("kid")
        )
        member = {k: v for k, v in member.items() if k not in _PRIVATE_MEMBERS}
    # `use` and `key_ops` are ours to judge (jwcrypto refuses some RFC-legal values).
    material = {k: v for k, v in member.items() if k not in {"use", "key_ops"}}
    problem, key = _key(material)
    if key is None:
        return problem, None
    try:
        kid = member.get("kid")
        stable_id = kid if isinstance(kid, str) else key.thumbprint()
        bits = key_bits(member)
    except Exception as exc:  # jwcrypto raises many types for bad key material
        return f"unusable key material ({type(exc).__name__}: {exc})", None
    public = {k: v for k, v in member.items() if k not in _PRIVATE_MEMBERS}
    return "", KeyEntry(stable_id, kid, MappingProxyType(public), key, bits, purposes_of(member))


def _key(material: dict[str, Any]) -> tuple[str, JWK | None]:
    """(why the key material is unusable, or "", and the key object)."""
    if not all(_flat(value) for value in material.values()):
        return _import(material)
    text = json.dumps(material, sort_keys=True)
    return _imported(text) if len(text) <= _CACHED_UP_TO else _import(material)


def _flat(value: object) -> bool:
    # A string, or a list of strings (x5c): what every JWK member is; a JWK with anything
    # else (nested values that could be deep) is imported afresh.
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )


# Reloads, and the sets of many stores, repeat the same JWKs; importing one into jwcrypto
# costs more than every other check of a JWK together, so each distinct JWK (its members
# but use and key_ops, as JSON) is checked and imported once. The key objects are shared
# and never changed. A JWK too long to keep (a hostile set's padding) is imported afresh.
_CACHED_UP_TO: Final = 8 * 1024


@functools.lru_cache(maxsize=1024)
def _imported(material: str) -> tuple[str, JWK | None]:
    return _import(json.loads(material))


def _import(material: dict[str, Any]) -> tuple[str, JWK | None]:
    try:
        invalid = material_problem(material)
        if invalid:
            return f"invalid key material: {invalid}", None
        return "", JWK(**material)
    except Exception as exc:  # jwcrypto raises many types for bad key material
        return f"unusable key material ({type(exc).__name__}: {exc})", None


def _malformed(member: Mapping[str, Any]) -> str:
    for name in ("kty", "kid", "use", "alg", "crv"):
        if name in member and not isinstance(member[name], str):
            return f"member {name!r} is not a string"
    if "kty" not in member:
        return "no 'kty' member"
    ops = member.get("key_ops")
    if ops is not None and not _well_formed_ops(ops):
        return "member 'key_ops' is not a list of distinct strings"
    return ""


def _well_formed_ops(ops: object) -> bool:
    return (
        isinstance(ops, list)
        and all(isinstance(op, str) for op in ops)
        and len(set(ops)) == len(ops)
    )
