"""Broken stores: the reference with one loading behaviour changed (LOAD). See
mutant_support.py for how a mutant works.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import threading
from typing import Any

from mutant_support import registry

from jwkconform.reference import _fetch, _jwks, _key_material, _provider, _purposes, _store
from jwkconform.reference._errors import LoadError

MUTANTS: dict[str, tuple[str, ...]] = {}
mutant = registry(MUTANTS)


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


@mutant("LOAD-03")
def huge_rsa_exponents_kept() -> None:
    """RSA exponents from 2^256 up load, as the library takes any odd one below the modulus
    (each verification with one then costs up to seconds of CPU)."""
    original_rsa = _key_material._rsa

    def rsa(jwk: Any) -> str:
        n, e = (_key_material._number(jwk, m) for m in ("n", "e"))
        if _key_material.MAX_RSA_EXPONENT <= e < n and e % 2 == 1:
            return original_rsa({**jwk, "e": "AQAB"})  # the rest of the key is still checked
        return original_rsa(jwk)

    _key_material._CHECKS = {**_key_material._CHECKS, "RSA": rsa}  # type: ignore[misc]


@mutant("LOAD-04", "LOAD-05")
def unrelated_exception_for_bad_documents() -> None:
    """A document that is not a JWK Set raises whatever the parser hits: on a first load
    (LOAD-04), and on a reload, which then serves nothing instead of the last good set
    (LOAD-05, decision D-41)."""
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


@mutant("LOAD-03")
def repeated_key_ops_accepted() -> None:
    """`key_ops` may repeat a value (RFC 7517 forbids it): such a JWK loads and serves."""
    from jwkconform.reference import _jwks

    _jwks._well_formed_ops = lambda ops: (
        isinstance(ops, list)
        and all(  # type: ignore[assignment]
            isinstance(op, str) for op in ops
        )
    )


@mutant("PUR-07")
def remote_private_members_kept() -> None:
    """A private JWK of a remote set keeps its private members, so it serves for signing."""
    from jwkconform.reference import _jwks

    original = _jwks._entry

    def entry(member: object, *, remote: bool) -> Any:
        private = isinstance(member, dict) and "d" in member
        return original(member, remote=remote and not private)

    _jwks._entry = entry  # type: ignore[assignment]
