"""The model-based suite for verify-only libraries: a state machine that only verifies tokens.

It is the machine of test_model_based.py seen through ``verify``: every store is configured
with a lease of 1 ms and verifications are kept two ticks apart, so each one reaches the
store (LEASE-02 lets a resolver reuse a secret until its lease ends). Where a resolver
that kept secrets past their lease could still hold one that gives another outcome, the
outcome pins nothing down and is not checked; where a verification made no fetch that it
had to, a token with a kid never used before tells the store's failure (the fetch's
requirement) from the resolver's (LEASE-02).

Outcomes count by path: a kid the set holds KID-01 (the token of its key does not verify) or
KID-02 (another key's does), a kid differing only in letter case KID-01, an unknown kid
KID-03, no kid ORD-02. Without a named secret only a token that no key of the set can
verify is checked (that it does not verify): whether fallback verifies the others is for
the KID-03 and ORD-02 tests to say, so a library without fallback still has its cache
checked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from jwkconform.fixtures import public_jwk, sign_token
from jwkconform.harness import Target, VerifyOutcome, check, premise
from jwkconform.harness.model import ReloadDecision, alg_fits, fitting, named_in
from jwkconform.suites._machines import (
    KIDS,
    TICK,
    Asked,
    Key,
    Machine,
    Signer,
    key_material,
    run_machine,
    verifies,
)
from jwkconform.suites._probes import SECRET_ID, SHORT_LEASE

_ALIAS: Final = "probe~"


class VerifyMachine(Machine):
    """Verifications only, as a verify-only library offers: every store is configured with
    `SHORT_LEASE` and verifications are kept `2 * TICK` apart, so that each one reaches the
    store (LEASE-02 lets a resolver reuse a secret until its lease ends)."""

    extra_config = SHORT_LEASE

    def __init__(self) -> None:
        super().__init__()
        self.last_verify = float("-inf")
        self.fresh = 0
        # Served always, verified only to tell a store that did not reload from a resolver
        # that did not ask it ("~" is outside the machine's kids).
        self.alias = {**public_jwk(self.signers[0][1]), "kid": _ALIAS, "use": "sig"}
        # What a resolver that kept secrets past their lease could still hold: the named
        # secrets it got for each kid, the lists of valid secrets it got.
        self.named_seen: dict[str, list[Key]] = {}
        self.valid_seen: list[list[Key]] = []
        # Kids asked while the set held no JWK of theirs: a store that remembers a miss (a
        # CACHE-03 fault, tested there) may not fetch for them again, so for these a missing
        # fetch does not show that a JWK of another letter case was taken for the kid.
        self.missed: set[str] = set()
        # Whether tokens without kid are resolved at all (ORD-02): learnt from those that a
        # key of the set verifies; until it is known true, their fetches are not judged.
        self.kidless_resolves: bool | None = None

    def document(self) -> list[dict[str, Any]]:
        return [*self.served, self.alias]

    def _verify(self, signer: Signer, kid: str | None) -> tuple[VerifyOutcome, Asked]:
        clock = self.rig.clock
        if clock.now() < self.last_verify + 2 * TICK:
            clock.reach(self.last_verify, 2 * TICK)
        self.last_verify = clock.now()
        alg, key = signer
        token = sign_token(key, alg, kid=kid)
        return self._ask(kid, lambda: self.rig.store.verify(token, SECRET_ID))

    @rule(signer=st.integers(0, 4), kid=st.sampled_from((*KIDS, "forged", None)))
    def verify(self, signer: int, kid: str | None) -> None:
        keys = self.model.keys
        if kid is not None and keys is not None and named_in(keys, "verify", kid) is None:
            decision = self.model.decide(now=self.rig.clock.now(), kid=kid)
            if decision.fetch == "must-not":
                # A hit first: a store that fetches for every query fails CACHE-01 there.
                hit = keys[0]
                self._verify_and_check(self._signer_of(hit), str(hit["kid"]))
        self._verify_and_check(self.signers[signer % len(self.signers)], kid)

    def _signer_of(self, jwk: Key) -> Signer:
        return next(s for s in self.signers if key_material(s[1]) == key_material(jwk))

    def _verify_and_check(self, signer: Signer, kid: str | None) -> None:
        outcome, asked = self._verify(signer, kid)
        alg, key = signer
        what = f"a {alg} token by {key['kty']} key {key_material(key)!s:.8} with kid {kid!r}"
        keys = self.model.keys or []
        named = None if kid is None else named_in(keys, "verify", kid)
        expected = verifies(keys, alg, key, kid)
        if kid is None and expected and not self._a_lease_may_explain(signer, kid, expected):
            self.kidless_resolves = self.kidless_resolves is not False and outcome.verified
        # Without a named secret, a token that some valid secret verifies is KID-03's or
        # ORD-02's subject (their tests hold a library to it); here only that none verifies
        # one that no key of the set can is checked, so that a library without fallback
        # still has its cache checked.
        checked = named is not None or not expected
        if (
            checked
            and outcome.verified != expected
            and not self._a_lease_may_explain(signer, kid, expected)
        ):
            self._verification_is_wrong(signer, kid, outcome, asked, what)
        self._check_verify_fetches(what, asked, signer, kid)
        if kid is not None and (
            asked.before is None or not any(k.get("kid") == kid for k in asked.before)
        ):
            self.missed.add(kid)
        if kid is not None and named is not None:
            self.named_seen.setdefault(kid, []).append(named)
        else:
            self.valid_seen.append(list(fitting(keys, "verify")))

    def _a_lease_may_explain(self, signer: Signer, kid: str | None, expected: bool) -> bool:
        """Whether a secret the resolver got earlier gives another outcome: a resolver that
        kept it past its lease (LEASE-02's failure) could answer that way, so the outcome
        pins nothing down here."""
        alg, key = signer
        held = self.named_seen.get(kid, []) if kid is not None else []
        if any(verifies([k], alg, key, kid) != expected for k in held):
            return True
        named = kid is not None and named_in(self.model.keys or [], "verify", kid) is not None
        return not named and any(verifies(v, alg, key, None) != expected for v in self.valid_seen)

    def _verification_is_wrong(
        self, signer: Signer, kid: str | None, outcome: VerifyOutcome, asked: Asked, what: str
    ) -> None:
        alg, key = signer
        keys = self.model.keys or []
        verified = outcome.verified
        said = "verified" if verified else "did not verify"
        message = f"{what} {said}; the set the store holds says otherwise"
        twin = _case_twin(keys, kid)
        if twin is not None and _decided_by(
            twin, outcome, verifies([{**twin, "kid": kid}], alg, key, kid)
        ):
            with check("KID-01"):
                raise AssertionError(f"{message}: the JWK with kid {twin['kid']!r} decided")
        owner = self._from_before(asked)
        if owner and verifies(asked.before or [], alg, key, kid) == verified:
            again, _ = self._verify(signer, kid)
            if again.verified == verifies(self.model.keys or [], alg, key, kid):
                with check(owner):
                    raise AssertionError(
                        f"{message}: the query reloaded the set ({asked.decision.why}) but "
                        "was answered from the set before; verified again, it was right"
                    )
        if verified and self._stale(lambda keys: verifies(keys, alg, key, kid)):
            with check("CACHE-02"):
                raise AssertionError(
                    f"{message}: only a set loaded before the last reload verifies it (removed"
                    " keys are gone)"
                )
        if kid is not None and named_in(keys, "verify", kid) is not None:
            with check("KID-02" if verified else "KID-01"):
                raise AssertionError(
                    f"{message}: the named secret alone decides"
                    if verified
                    else f"{message}: the JWK with that kid holds the signing key"
                )
        with check("KID-03" if kid is not None else "ORD-02"):
            raise AssertionError(f"{message}: no valid secret holds the signing key")

    def _check_verify_fetches(
        self, what: str, asked: Asked, signer: Signer, kid: str | None
    ) -> None:
        decision, before = asked.decision, asked.before
        if kid is None and decision.fetch == "must-not" and not self.kidless_resolves:
            # A resolver that cannot resolve a token without kid (ORD-02's finding, tested
            # there) may take it for a kid miss; whether it may fetch cannot be judged here.
            return
        named = None if kid is None or before is None else named_in(before, "verify", kid)
        if named is not None and not alg_fits(signer[0], named):
            # The kid names a JWK that cannot take the token's alg: it is still the named
            # secret (docs/decisions.md D-20), but a library that picks keys by kid and alg
            # sees a miss there; whether that may fetch is KID-02's business, not the cache's.
            return
        if decision.fetch == "must" and not asked.fetches and before is not None:
            # Did the verification reach the store at all? Ask once more, for the same reason,
            # with a kid the resolver cannot hold a secret for.
            twin = _case_twin(before, kid)
            if twin is not None and kid in self.missed:
                return  # taken for its twin, or remembered as a miss: this cannot tell
            probe = self._probe(decision)
            if probe is not None and probe.fetches:
                why = (
                    "the resolver reused a secret past its lease instead of asking the store"
                    if twin is None
                    else f"the JWK with kid {twin['kid']!r} was taken for it"
                )
                with premise("LEASE-02" if twin is None else "KID-01"):
                    raise AssertionError(
                        f"{what} made no fetch ({decision.why}), but a token with a kid never "
                        f"used before did at the same instant: {why}"
                    )
        self._check_fetches(what, asked)

    def _probe(self, decision: ReloadDecision) -> Asked | None:
        now = self.rig.clock.now()
        if decision.reload_for == "CACHE-02":
            kid = _ALIAS  # a hit: only staleness makes it fetch
        else:
            self.fresh += 1
            kid = f"~{self.fresh}"  # a miss never seen before
        if self.model.decide(now=now, kid=kid).fetch != "must":
            return None
        alg, key = self.signers[0]
        token = sign_token(key, alg, kid=kid)
        _, asked = self._ask(kid, lambda: self.rig.store.verify(token, SECRET_ID))
        return asked


def _decided_by(twin: Key, outcome: VerifyOutcome, twin_verifies: bool) -> bool:
    """Whether ``twin`` (a JWK whose kid differs only in letter case) decided the outcome:
    it is the secret that verified or the one tried first, or it verified a token that it
    alone could (the caller knows the exact kid predicts otherwise)."""
    kid = str(twin["kid"])
    tried = outcome.tried or ()
    return outcome.secret_id == kid or tried[:1] == (kid,) or (outcome.verified and twin_verifies)


def _case_twin(keys: Sequence[Key], kid: str | None) -> Key | None:
    """The first JWK of ``keys`` whose kid differs from ``kid`` only in letter case, if
    ``keys`` hold none with ``kid`` itself."""
    if kid is None or any(k.get("kid") == kid for k in keys):
        return None
    folded = kid.casefold()
    return next((k for k in keys if str(k.get("kid")).casefold() == folded), None)


@pytest.mark.jwk_requirement(
    "LOAD-01", "CACHE-01", "CACHE-02", "CACHE-03", "CACHE-04", "KID-01", "KID-02", "KID-03",
    "ORD-02",
)  # fmt: skip
@pytest.mark.jwk_capability("verify")
def test_verifications_behave_like_the_model(jwk_target: Target) -> None:
    run_machine(VerifyMachine, jwk_target)
