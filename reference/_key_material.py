"""Whether a JWK's key material is a key at all (LOAD-03), judged by `cryptography` itself.

jwcrypto builds the library's key objects only when a key is first used, so a point off its
curve or an RSA exponent of 1 would load, be served, and fail (or verify nonsense) later.
Here each key's public part goes through the library's own constructors, which refuse what
is not a key; a private part must give back the very public key it came with, or the JWK
would be served for signing with a key that does not match what verifiers hold.

One checker per key type, in a table; `material_problem` says what is wrong, or "".
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any, Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x448, x25519

from jwkconform.reference._constraints import smallest_key_bits

__all__ = ["MAX_RSA_BITS", "MAX_RSA_EXPONENT", "MIN_RSA_BITS", "material_problem"]

_EC_CURVES: Final[Mapping[str, ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
}

_OkpPublic = Callable[[bytes], Any]
_OkpPrivate = Callable[[bytes], Any]
# (public key from raw bytes, private key from raw bytes) for each OKP curve (RFC 8037).
_OKP_CURVES: Final[Mapping[str, tuple[_OkpPublic, _OkpPrivate]]] = {
    "Ed25519": (
        ed25519.Ed25519PublicKey.from_public_bytes,
        ed25519.Ed25519PrivateKey.from_private_bytes,
    ),
    "Ed448": (ed448.Ed448PublicKey.from_public_bytes, ed448.Ed448PrivateKey.from_private_bytes),
    "X25519": (
        x25519.X25519PublicKey.from_public_bytes,
        x25519.X25519PrivateKey.from_private_bytes,
    ),
    "X448": (x448.X448PublicKey.from_public_bytes, x448.X448PrivateKey.from_private_bytes),
}

# No accepted algorithm takes a shorter modulus (RFC 7518 asks 2048 bits of every RSA
# algorithm): such a key could never be used, so it is skipped at load.
MIN_RSA_BITS: Final = smallest_key_bits("RSA")
# OpenSSL refuses RSA operations on larger moduli (OPENSSL_RSA_MAX_MODULUS_BITS), so such a
# key cannot be used either; checking its private part would cost minutes of CPU.
MAX_RSA_BITS: Final = 16384
_RSA_CRT: Final = ("p", "q", "dp", "dq", "qi")
# SP 800-56B and FIPS 186: an odd public exponent, 3 <= e < 2^256 (D-26). The library takes
# any odd e below the modulus, and a 3,070-bit one costs seconds of CPU per verification.
MAX_RSA_EXPONENT: Final = 2**256


def material_problem(jwk: Mapping[str, Any]) -> str:
    """Why the key material of ``jwk`` (a JWK whose ``kty`` and curve are supported) is no
    usable key, or "" when it is one."""
    check = _CHECKS.get(jwk["kty"])
    if check is None:
        return ""
    try:
        return check(jwk)
    except (ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as exc:
        return str(exc) or type(exc).__name__


def _octets(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise ValueError(f"member {name!r} is not a base64url string")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _number(jwk: Mapping[str, Any], name: str) -> int:
    return int.from_bytes(_octets(jwk, name), "big")


def _ec(jwk: Mapping[str, Any]) -> str:
    curve = _EC_CURVES[jwk["crv"]]
    size = (curve.key_size + 7) // 8
    x, y = _octets(jwk, "x"), _octets(jwk, "y")
    if len(x) != size or len(y) != size:
        # RFC 7518 6.2.1.2: each coordinate is the full size of the curve's field.
        return f"{jwk['crv']} coordinates are {size} bytes long, not {len(x)} and {len(y)}"
    # The library refuses a point that is not on the curve (the origin included).
    public = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
    if "d" not in jwk:
        return ""
    derived = ec.derive_private_key(_number(jwk, "d"), curve).public_key()
    if derived.public_numbers() != public.public_numbers():
        return "private key 'd' does not belong to the public point"
    return ""


def _rsa(jwk: Mapping[str, Any]) -> str:
    n, e = _number(jwk, "n"), _number(jwk, "e")
    if not MIN_RSA_BITS <= n.bit_length() <= MAX_RSA_BITS:
        return f"RSA modulus of {n.bit_length()} bits (usable: {MIN_RSA_BITS} to {MAX_RSA_BITS})"
    if n % 2 == 0:
        return "RSA modulus is even"  # the library takes one, but no product of two primes is
    if not (3 <= e < MAX_RSA_EXPONENT and e % 2 == 1):
        return f"RSA public exponent of {e.bit_length()} bits (usable: odd, 3 to below 2^256)"
    # The library refuses an exponent not below the modulus too.
    public = rsa.RSAPublicNumbers(e, n)
    public.public_key()
    if "d" not in jwk:
        return ""
    d = _number(jwk, "d")
    present = [name for name in _RSA_CRT if name in jwk]
    if "oth" in jwk:
        return "multi-prime RSA keys ('oth') are not supported"
    if not present:
        # RFC 7518 6.3.2: `d` alone is allowed; recovering the primes fails unless d fits.
        rsa.rsa_recover_prime_factors(n, e, d)
        return ""
    if len(present) != len(_RSA_CRT):
        return f"RSA private key has {', '.join(present)} but not all of {', '.join(_RSA_CRT)}"
    p, q, dp, dq, qi = (_number(jwk, name) for name in _RSA_CRT)
    # The library's full check: p and q prime, p*q = n, d, dp, dq and qi consistent with e.
    rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, public).private_key()
    return ""


def _okp(jwk: Mapping[str, Any]) -> str:
    public_key, private_key = _OKP_CURVES[jwk["crv"]]
    x = _octets(jwk, "x")
    public_key(x)  # the library refuses a key of the wrong length
    if "d" not in jwk:
        return ""
    if private_key(_octets(jwk, "d")).public_key().public_bytes_raw() != x:
        return "private key 'd' does not belong to the public key 'x'"
    return ""


_CHECKS: Final[Mapping[str, Callable[[Mapping[str, Any]], str]]] = {
    "EC": _ec,
    "RSA": _rsa,
    "OKP": _okp,
}
