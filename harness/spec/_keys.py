"""Which key types and algorithms an implementation supports, and what the suites draw.

LOAD-03 lets an implementation skip a key type it does not support (Ed448, say): that is a
lawful choice, never a failure. So an adapter declares its `KeySupport` (by default the
catalogue's: every key type and algorithm the catalogue names), and the suites' strategies
draw keys only from it, except the LOAD-03 tests, which check that an unsupported key is
skipped without harming its neighbours.

>>> support = KeySupport(kinds=frozenset({"EC-P-256", "RSA"}), algorithms=frozenset({"ES256"}))
>>> support.signs("ES256", "EC-P-256"), support.signs("RS256", "RSA-2048")
(True, False)
>>> kind_family("RSA-3072"), kind_family("oct-384"), kind_family("OKP-Ed448")
('RSA', 'oct', 'OKP-Ed448')
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ALGORITHMS",
    "CATALOGUE_KEYS",
    "KINDS",
    "KeySupport",
    "active_key_support",
    "alg_required",
    "kind_family",
    "set_active_key_support",
    "set_alg_required",
]

# Key types by the names the protocol uses: RSA of any size is "RSA", every HMAC key "oct".
KINDS: Final = (
    "RSA",
    "EC-P-256",
    "EC-P-384",
    "EC-P-521",
    "EC-secp256k1",
    "OKP-Ed25519",
    "OKP-Ed448",
    "OKP-X25519",
    "OKP-X448",
    "oct",
)
ALGORITHMS: Final = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512",
)  # fmt: skip


def kind_family(kind: str) -> str:
    """The key type name of a pool kind: ``RSA-2048`` -> ``RSA``, ``oct-256`` -> ``oct``."""
    head = kind.split("-", 1)[0]
    return head if head in {"RSA", "oct"} else kind


@dataclass(frozen=True)
class KeySupport:
    """The key types (`KINDS`) and signature algorithms (`ALGORITHMS`) an implementation
    can verify with."""

    kinds: frozenset[str]
    algorithms: frozenset[str]

    def __post_init__(self) -> None:
        for what, given, known in (
            ("key type", self.kinds, KINDS),
            ("algorithm", self.algorithms, ALGORITHMS),
        ):
            unknown = sorted(set(given) - set(known))
            if unknown:
                raise ValueError(f"unknown {what}s {unknown}; known: {', '.join(known)}")

    @classmethod
    def of(cls, kinds: Iterable[str], algorithms: Iterable[str]) -> KeySupport:
        """A `KeySupport` from any iterables of names (checked)."""
        return cls(frozenset(kinds), frozenset(algorithms))

    def has(self, kind: str) -> bool:
        """Whether the pool kind ``kind`` (``RSA-2048``, ``EC-P-256``...) is supported."""
        return kind_family(kind) in self.kinds

    def signs(self, alg: str, kind: str) -> bool:
        """Whether a token signed with ``alg`` by a key of pool kind ``kind`` can verify."""
        return alg in self.algorithms and self.has(kind)

    def as_json(self) -> Mapping[str, list[str]]:
        """``{"kinds": [...], "algorithms": [...]}`` in catalogue order."""
        return {
            "kinds": [k for k in KINDS if k in self.kinds],
            "algorithms": [a for a in ALGORITHMS if a in self.algorithms],
        }


# The catalogue's keys: everything it names (D-22: secp256k1 is not among them).
CATALOGUE_KEYS: Final = KeySupport(
    kinds=frozenset(k for k in KINDS if k != "EC-secp256k1"),
    algorithms=frozenset(ALGORITHMS),
)

_lock = threading.Lock()
_active: KeySupport = CATALOGUE_KEYS


def set_active_key_support(support: KeySupport) -> None:
    """Make ``support`` what the suites' strategies draw from (the run's adapter's)."""
    global _active
    with _lock:
        _active = support


def active_key_support() -> KeySupport:
    """What the strategies draw from now: the run's adapter's key support."""
    return _active


# Whether the run's implementation uses only keys that carry `alg` (learnt by a probe, see
# suites/_shapes.py): then the suites draw keys with `alg` wherever the key's shape is not
# the subject, and PUR-05's own test alone judges keys without it (D-39).
_alg_required = False


def set_alg_required(required: bool) -> None:
    """Record whether the run's implementation verifies only with keys that carry `alg`."""
    global _alg_required
    with _lock:
        _alg_required = required


def alg_required() -> bool:
    """Whether the strategies must give every signing key its `alg` (see `set_alg_required`)."""
    return _alg_required
