"""Key sets and tokens shared by the KID, PUR, ORD and LEASE suites.

Kids here are unique regardless of letter case (except where a KID-01 test makes case
twins on purpose): a test of another requirement must not depend on whether the
implementation compares kids exactly, which is KID-01's business alone.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import strategies as st
from jwcrypto.jwk import JWK

from jwkconform.fixtures import ALG_KINDS, key_pool, public_jwk
from jwkconform.harness import VerifyOutcome
from jwkconform.harness.spec._keys import active_key_support
from jwkconform.suites._probes import material
from jwkconform.suites.store_strategies import QUICK_ALGS, SIGNING_ALGS, Keys, signing_keys

__all__ = [
    "Keys",
    "cross_curve_token",
    "distinct_keys",
    "found_by",
    "keys_of",
    "quick_algs",
    "same_key",
    "sets_of",
]

# The hash each ECDSA algorithm takes (RFC 7518 section 3.4).
_ES_HASHES: Final[Mapping[str, hashes.HashAlgorithm]] = {
    "ES256": hashes.SHA256(),
    "ES384": hashes.SHA384(),
    "ES512": hashes.SHA512(),
}


def distinct_keys(algs: Sequence[str] = SIGNING_ALGS) -> int:
    """How many keys of distinct material the run's adapter can verify ``algs`` with."""
    support = active_key_support()
    kinds = {kind for alg in algs for kind in ALG_KINDS[alg] if support.signs(alg, kind)}
    return sum(len(key_pool()[kind]) for kind in kinds)


def quick_algs() -> tuple[str, ...]:
    """The fast-signing algorithms the adapter supports (every one if it supports none):
    for tests that sign many tokens."""
    fast = tuple(alg for alg in QUICK_ALGS if distinct_keys((alg,)))
    return fast or SIGNING_ALGS


@st.composite
def sets_of(
    draw: st.DrawFn,
    *,
    min_size: int = 1,
    max_size: int = 6,
    algs: Sequence[str] = SIGNING_ALGS,
    distinct_material: bool = True,
    quick: bool = False,
) -> Keys:
    """`signing_keys` whose size is drawn first (so large sets come up as often as small
    ones) and whose kids are unique regardless of case. With distinct material the size
    stops at the number of such keys the adapter supports. With ``quick``, only the
    fast-signing algorithms (`quick_algs`), for tests that sign many tokens."""
    if quick:
        algs = quick_algs()
    if distinct_material:
        max_size = min(max_size, distinct_keys(algs))
    size = draw(st.integers(min(min_size, max_size), max_size), label="set size")
    return draw(
        signing_keys(
            min_size=size,
            max_size=size,
            algs=algs,
            distinct_material=distinct_material,
            kids_differ_by=str.casefold,
        )
    )


def keys_of(keys: Keys) -> list[dict[str, Any]]:
    """The public JWKs of ``keys``, in order."""
    return [public_jwk(k) for _, k in keys]


def same_key(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two JWKs hold the same key material."""
    return material(a) == material(b)


def found_by(outcome: VerifyOutcome) -> str:
    """Which secret verified, for messages."""
    return repr(outcome.secret_id) if outcome.secret_id is not None else "an unreported secret"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def cross_curve_token(private: Mapping[str, Any], alg: str, *, kid: str | None) -> str:
    """A compact JWS labelled ``alg`` (ES256, ES384 or ES512) but signed by an EC key on
    another curve, with ``alg``'s hash and the signature sized for the key's own curve;
    its header names ``kid`` (none if None).

    A verifier that lets the key's curve decide (and takes only the hash from ``alg``)
    accepts it: the classic curve confusion PUR-05 rules out.
    """
    key = JWK(**{k: v for k, v in private.items() if k not in {"kid", "use", "alg", "key_ops"}})
    signer = key.get_op_key("sign")
    assert isinstance(signer, ec.EllipticCurvePrivateKey)
    fields = {"alg": alg} if kid is None else {"alg": alg, "kid": kid}
    header = _b64url(json.dumps(fields, separators=(",", ":")).encode())
    payload = _b64url(b'{"sub":"jwkconform"}')
    der = signer.sign(f"{header}.{payload}".encode(), ec.ECDSA(_ES_HASHES[alg]))
    size = (signer.curve.key_size + 7) // 8
    r, s = decode_dss_signature(der)
    return f"{header}.{payload}.{_b64url(r.to_bytes(size, 'big') + s.to_bytes(size, 'big'))}"
