"""Asking a store what it serves, by the most direct path its adapter offers.

Most store requirements are observable both through the store's own queries (``named``,
``valid``) and through verification plus the mock server's fetch log. A `Probe` uses
``named`` when the adapter declares it and otherwise verifies a token the key signed, with
its ``kid``; so a test of caching or loading needs only one of the two, and runs against
libraries that only verify tokens.

Tokens carry a ``kid`` here on purpose: a token without one needs valid-secret resolution
(ORD-02), and a probe must not make a cache test fail for an ORD-02 reason.

>>> probe = Probe(jwk_target, rig)  # doctest: +SKIP
>>> probe.serves(alg, key)          # named("verify", kid), or verify(token by key)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import pytest

from jwkconform.fixtures import sign_token
from jwkconform.harness import (
    ImplementationRaised,
    StoreRig,
    Target,
    UnexpectedException,
    check,
    premise,
)

__all__ = [
    "SECRET_ID",
    "SHORT_LEASE",
    "Probe",
    "held_fetch_timeout",
    "lease_is",
    "loading",
    "material",
    "raised",
    "require_a_lister",
    "require_a_probe",
]

# The verificationSecretId the suites configure; named resolution ignores its value.
SECRET_ID: Final = "access.token"
# Where a test needs every verification to reach the store: a secret leased for a
# millisecond is asked for again at the next query (LEASE-02 lets a resolver reuse it).
SHORT_LEASE: Final[Mapping[str, str]] = {"leaseExpiry": "1 ms"}
_MATERIAL: Final = ("kty", "crv", "n", "e", "x", "y")
# The share of the run's fetch deadline a store gets when none of its fetches is answered.
_HELD_SHARE: Final = 0.25


def lease_is(expires_at: float, produced: float, seconds: float) -> bool:
    """Whether a secret produced at ``produced`` that expires at ``expires_at`` has a lease
    of ``seconds``: to the microsecond, or to the rounding of float arithmetic at the
    clock's magnitude, whichever is coarser. A driver's clock may have run far ahead (it
    never goes back within a process), and an implementation that adds its lease to such a
    reading in 64-bit floats is exact only to a few units in the last place.

    >>> lease_is(1000.002, 1000.0, 0.002), lease_is(38656301783.002, 38656301783.0, 0.002)
    (True, True)
    >>> lease_is(1000.003, 1000.0, 0.002)
    False
    """
    rounding = 4 * (math.ulp(produced) + math.ulp(expires_at))
    return abs((expires_at - produced) - seconds) <= max(1e-6, rounding)


def held_fetch_timeout(target: Target) -> float:
    """The fetch deadline of a store none of whose fetches is meant to be answered.

    A held fetch costs its deadline in real time (a loopback server cannot hurry the
    client's timer). Where every fetch is held, a quarter of the run's deadline (0.25 s by
    default) cannot turn an answer into a time-out; a store that must also load a set keeps
    the run's deadline.
    """
    return target.fetch_timeout * _HELD_SHARE


def material(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The members that make a JWK's key: two JWKs with equal material are the same key."""
    return {name: jwk.get(name) for name in _MATERIAL}


@contextmanager
def loading(requirement: str = "LOAD-04", *, own: bool = False) -> Iterator[None]:
    """A block in which the store meets a document or a fetch it must refuse.

    An exception of the implementation escaping it (a JSON decoding error, say, wrapped in
    `ImplementationRaised` or left untranslated by the adapter) is a finding, never an
    adapter error: by default a failed premise of LOAD-04 (a bad body must be a load
    error), which blocks the test's own requirement. A test whose own requirement is what
    the store got wrong by raising (LOAD-05: a failed reload keeps serving the last good
    set) names it with ``own=True``, and the failure is that requirement's.
    """
    try:
        yield
    except (UnexpectedException, ImplementationRaised) as exc:
        what = raised(exc)
        with check(requirement) if own else premise(requirement):
            raise AssertionError(
                f"the store let {what} escape instead of a load error"
                if requirement == "LOAD-04"
                else f"the store raised {what} instead of serving"
            ) from exc


def raised(exc: UnexpectedException | ImplementationRaised) -> str:
    """What the implementation raised, as "Type: message", whether the adapter wrapped it
    in `ImplementationRaised` or let it through untranslated (`UnexpectedException`)."""
    if isinstance(exc, ImplementationRaised):
        return f"{exc.exception_type}: {exc.detail}"[:300]
    cause = exc.__cause__ or exc
    return f"{type(cause).__name__}: {cause}"[:300]


def require_a_lister(target: Target) -> None:
    """Skip unless the adapter hands out secrets themselves (``named`` or ``valid``): only
    a secret, not a verification, shows its lease expiry."""
    if not {"named", "valid"} & target.capabilities:
        pytest.skip(f"{target.name} declares neither capability named nor valid")


def require_a_probe(target: Target, *, by_kid: bool = False) -> None:
    """Skip unless the adapter offers a way to probe: ``named`` or ``verify``, or also
    ``valid`` unless the test asks by kid (``by_kid``: a hit or a miss), which valid() cannot."""
    ways = {"named", "verify"} if by_kid else {"named", "verify", "valid"}
    if not ways & target.capabilities:
        pytest.skip(f"{target.name} declares none of the capabilities {', '.join(sorted(ways))}")


class Probe:
    """What one store serves for ``verify``, asked by the most direct path available."""

    def __init__(self, target: Target, rig: StoreRig, *, by_kid: bool = False) -> None:
        require_a_probe(target, by_kid=by_kid)
        self.rig = rig
        self.by_name = "named" in target.capabilities
        self.lists = "valid" in target.capabilities
        # valid() only where nothing more direct is offered: it lists, it cannot ask by kid.
        self.by_list = not self.by_name and "verify" not in target.capabilities

    @property
    def how(self) -> str:
        """How the probe asks, for messages."""
        return "named()" if self.by_name else "valid()" if self.by_list else "verify()"

    def serves(self, alg: str, private: Mapping[str, Any]) -> bool:
        """Whether the store serves ``private``'s public key under its ``kid`` now."""
        kid = str(private["kid"])
        if self.by_name:
            secret = self.rig.store.named("verify", kid)
            if secret is not None:
                # Another kid's key is a failure of KID-01, whatever the test checks: its
                # finding then names the cause, and the test's own requirement is blocked.
                with premise("KID-01"):
                    assert secret.stable_id == kid, (
                        f"named({kid!r}) answered the secret {secret.stable_id!r}: kids match"
                        " exactly, letter case included"
                    )
            return secret is not None and material(secret.jwk) == material(private)
        if self.by_list:
            return any(material(s.jwk) == material(private) for s in self.rig.store.valid("verify"))
        return self.rig.store.verify(sign_token(private, alg, kid=kid), SECRET_ID).verified

    def hit(self, alg: str, private: Mapping[str, Any]) -> bool:
        """A query for a ``kid`` the set has (what the answer was is the caller's business)."""
        return self.serves(alg, private)

    def miss(self, kid: str, signer: tuple[str, Mapping[str, Any]]) -> None:
        """A query for a ``kid`` the set does not have; a verify probe signs with ``signer``."""
        if self.by_list:
            raise RuntimeError("a valid() probe cannot ask for a kid: build it with by_kid=True")
        if self.by_name:
            self.rig.store.named("verify", kid)
        else:
            alg, private = signer
            self.rig.store.verify(sign_token(private, alg, kid=kid), SECRET_ID)

    def served_ids(self, keys: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
        """The kids of ``keys`` the store serves now, in ``keys`` order."""
        return [str(k["kid"]) for alg, k in keys if self.serves(alg, k)]
