"""Which JWK fits which purpose (PUR-01..04).

A JWK fits a purpose when its ``use`` is the purpose's use or absent, its ``key_ops`` are
absent or name one of the purpose's operations, its key type can do the job at all, and,
for ``sign``/``decrypt``, it holds a private key. The rules are a table, not branches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from jwkconform.reference._errors import UnsupportedPurposeError

__all__ = ["Purpose", "fits", "purposes_of"]


class Purpose(str, Enum):
    """What a secret is wanted for; the store serves ``verify`` and ``encrypt``, and private
    keys of a local set for ``sign`` and ``decrypt``."""

    VERIFY = "verify"
    ENCRYPT = "encrypt"
    SIGN = "sign"
    DECRYPT = "decrypt"

    @classmethod
    def parse(cls, value: str | Purpose) -> Purpose:
        """The purpose named by ``value``; anything else (a password, say) is refused."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(p.value for p in cls)
            raise UnsupportedPurposeError(
                f"unsupported purpose {value!r}: this store holds only crypto keys ({known})"
            ) from None


@dataclass(frozen=True)
class _Rule:
    use: str
    key_ops: frozenset[str]
    needs_private: bool


_RULES: Mapping[Purpose, _Rule] = {
    Purpose.VERIFY: _Rule("sig", frozenset({"verify"}), needs_private=False),
    Purpose.ENCRYPT: _Rule("enc", frozenset({"encrypt", "wrapKey"}), needs_private=False),
    Purpose.SIGN: _Rule("sig", frozenset({"sign"}), needs_private=True),
    Purpose.DECRYPT: _Rule("enc", frozenset({"decrypt", "unwrapKey"}), needs_private=True),
}

_SIG = frozenset({Purpose.VERIFY, Purpose.SIGN})
_ENC = frozenset({Purpose.ENCRYPT, Purpose.DECRYPT})

# What each key type can do at all, whatever its `use` says: an X25519 key cannot sign and
# an Ed25519 key cannot encrypt, so a JWK claiming otherwise fits nothing (PUR-03).
_CAPABLE: Mapping[tuple[str, str | None], frozenset[Purpose]] = {
    ("RSA", None): _SIG | _ENC,
    ("EC", None): _SIG | _ENC,
    ("oct", None): _SIG | _ENC,
    ("OKP", "Ed25519"): _SIG,
    ("OKP", "Ed448"): _SIG,
    ("OKP", "X25519"): _ENC,
    ("OKP", "X448"): _ENC,
}

_PRIVATE_MEMBERS = {"RSA": "d", "EC": "d", "OKP": "d", "oct": "k"}


def _capable(jwk: Mapping[str, Any]) -> frozenset[Purpose]:
    kty = jwk.get("kty")
    crv = jwk.get("crv") if kty == "OKP" else None
    return _CAPABLE.get((str(kty), crv if isinstance(crv, str) else None), frozenset())


def fits(jwk: Mapping[str, Any], purpose: Purpose) -> bool:
    """Whether ``jwk`` fits ``purpose``; ``use`` and ``key_ops`` must already be well formed."""
    rule = _RULES[purpose]
    use = jwk.get("use")
    ops = jwk.get("key_ops")
    return (
        purpose in _capable(jwk)
        and (use is None or use == rule.use)
        and (ops is None or not rule.key_ops.isdisjoint(ops))
        and (not rule.needs_private or _PRIVATE_MEMBERS.get(str(jwk.get("kty"))) in jwk)
    )


def purposes_of(jwk: Mapping[str, Any]) -> frozenset[Purpose]:
    """Every purpose ``jwk`` fits."""
    return frozenset(p for p in Purpose if fits(jwk, p))
