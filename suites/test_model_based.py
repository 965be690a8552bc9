"""Model-based suites: a Hypothesis state machine drives the store beside `StoreModel`.

Rules rotate, add and remove keys on the mock server, move the fake clock around the cache,
miss and lease boundaries, query named and valid secrets, verify tokens and inject fetch
faults; after each step the answers (and, while the model is exact, the number of fetches)
must match the model. A failure prints the shrunk list of steps, which replays it.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any, ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jwkconform.fixtures import private_jwk, public_jwk, sign_token
from jwkconform.harness import ConnectionRefused, MalformedJson, Status, StoreRig, Target
from jwkconform.harness.model import StoreModel, alg_fits, fitting, named_in

Key = Mapping[str, Any]

# (alg, private key) signers; their public halves are what the rules publish.
SIGNERS: tuple[tuple[str, Key], ...] = (
    ("ES256", private_jwk("EC-P-256", 0)),
    ("ES256", private_jwk("EC-P-256", 1)),
    ("ES384", private_jwk("EC-P-384", 0)),
    ("RS256", private_jwk("RSA-2048", 0)),
    ("EdDSA", private_jwk("OKP-Ed25519", 0)),
)
KIDS = ("a", "b", "c", "A")  # few, so that rules collide; "A" checks case-sensitivity
CACHE_TIMEOUTS = (10, 30, 120)
MISS_WINDOWS = (1, 20, 120, 600)
LEASES = (1, 45, 300)


def _material(jwk: Key) -> object:
    return jwk.get("n") or jwk.get("x")


def _verifies(keys: list[Key], alg: str, signer: Key, kid: str | None) -> bool:
    """What the catalogue predicts for a token by ``signer`` against ``keys`` (KID-01..03)."""
    if kid is not None:
        named = named_in(keys, "verify", kid)
        if named is not None:
            return _material(named) == _material(signer) and alg_fits(alg, named)
    return any(
        _material(k) == _material(signer) and alg_fits(alg, k) for k in fitting(keys, "verify")
    )


class StoreMachine(RuleBasedStateMachine):
    """The MUST-level machine: unique kids, unambiguous purposes, no fetch faults."""

    target: ClassVar[Target]
    allow_duplicates: ClassVar[bool] = False
    allow_faults: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        self.served: list[dict[str, Any]] = []
        self.seen_by_provider: list[tuple[float, list[list[Key]]]] = []

    @initialize(
        cache=st.sampled_from(CACHE_TIMEOUTS),
        miss=st.sampled_from(MISS_WINDOWS),
        lease=st.sampled_from(LEASES),
    )
    def open_store(self, cache: int, miss: int, lease: int) -> None:
        config = {
            "cacheTimeout": f"{cache} seconds",
            "cacheMissCacheTime": f"{miss} seconds",
            "leaseExpiry": f"{lease} seconds",
        }
        self.rig: StoreRig = self.stack.enter_context(
            self.target.open_store(config, document={"keys": []})
        )
        self.model = StoreModel(cache_timeout=cache, miss_window=miss)
        self.lease = lease

    def teardown(self) -> None:
        self.stack.close()

    # -- the served set ---------------------------------------------------------------------

    def _publish(self) -> None:
        self.rig.jwks.serve({"keys": self.served})

    @rule(
        kid=st.sampled_from(KIDS),
        signer=st.integers(0, len(SIGNERS) - 1),
        use=st.sampled_from(["sig", "enc"]),
        position=st.integers(0, 6),
    )
    def add_key(self, kid: str, signer: int, use: str, position: int) -> None:
        jwk = {**public_jwk(SIGNERS[signer][1]), "kid": kid, "use": use}
        if not self.allow_duplicates:
            self.served = [k for k in self.served if k["kid"] != kid]
        self.served.insert(min(position, len(self.served)), jwk)
        self._publish()

    @precondition(lambda self: bool(self.served))
    @rule(data=st.data())
    def remove_key(self, data: st.DataObject) -> None:
        self.served.pop(data.draw(st.integers(0, len(self.served) - 1)))
        self._publish()

    @precondition(lambda self: len(self.served) > 1)
    @rule(data=st.data())
    def reorder(self, data: st.DataObject) -> None:
        self.served = data.draw(st.permutations(self.served))
        self._publish()

    # -- time -------------------------------------------------------------------------------

    @rule(
        step=st.sampled_from(["tiny", "second", "before-stale", "stale", "miss", "lease", "hour"])
    )
    def advance(self, step: str) -> None:
        age = self.rig.clock.now() - self.model.loaded_at
        seconds = {
            "tiny": 0.001,
            "second": 1.0,
            "before-stale": self.model.cache_timeout - age - 0.001,
            "stale": self.model.cache_timeout - age,
            "miss": self.model.miss_window - age,
            "lease": float(self.lease),
            "hour": 3600.0,
        }[step]
        self.rig.clock.advance(max(seconds, 0.0))

    # -- queries ----------------------------------------------------------------------------

    def _allowed(self) -> list[list[Key]]:
        return self.model.possible_sets()

    @rule(kid=st.sampled_from((*KIDS, "forged")))
    def query_named(self, kid: str) -> None:
        now = self.rig.clock.now()
        self.model.query(now=now, served=self.served, kid=kid)
        secret = self.rig.store.named("verify", kid)
        got = None if secret is None else (secret.stable_id, _material(secret.jwk))
        options = []
        for keys in self._allowed():
            expected = named_in(keys, "verify", kid)
            options.append(None if expected is None else (kid, _material(expected)))
        assert got in options, (
            f"named('verify', {kid!r}) gave {got}; a conformant store gives one of {options}"
        )
        if secret is not None and "lease" in self.target.adapter.capabilities:
            assert secret.expires_at == pytest.approx(now + self.lease), "lease expiry is off"

    @rule()
    def query_valid(self) -> None:
        now = self.rig.clock.now()
        self.model.query(now=now, served=self.served, kid=None)
        # Order has tests of its own (ORD); here only which secrets come back matters.
        got = sorted(s.stable_id for s in self.rig.store.valid("verify"))
        options = [sorted(k["kid"] for k in fitting(keys, "verify")) for keys in self._allowed()]
        assert got in options, f"valid('verify') gave {got}; expected one of {options}"

    @rule(
        signer=st.integers(0, len(SIGNERS) - 1),
        kid=st.sampled_from((*KIDS, "forged", None)),
    )
    def verify(self, signer: int, kid: str | None) -> None:
        if "verify" not in self.target.adapter.capabilities:
            return
        now = self.rig.clock.now()
        # A provider may reuse secrets it got within the lease (LEASE-02): the store is not
        # necessarily asked, so from here on fetches are no longer predicted exactly.
        self.model.loosen(self.served)
        self.seen_by_provider = [
            (t, sets) for t, sets in self.seen_by_provider if t > now - self.lease
        ]
        self.seen_by_provider.append((now, [list(s) for s in self._allowed()]))
        candidates = [keys for _, sets in self.seen_by_provider for keys in sets]
        alg, private = SIGNERS[signer]
        token = sign_token(private, alg, kid=kid)
        outcome = self.rig.store.verify(token, "access.token")
        predictions = {_verifies(keys, alg, private, kid) for keys in candidates}
        assert outcome.verified in predictions, (
            f"verify (signer #{signer}, kid {kid!r}) gave {outcome.verified}; "
            f"the sets the store may hold predict {sorted(predictions)}"
        )

    @rule(fault=st.sampled_from([Status(500), ConnectionRefused(), MalformedJson()]))
    def fail_next_fetch(self, fault: Status | ConnectionRefused | MalformedJson) -> None:
        if not self.allow_faults or self.model.keys is None:
            return
        self.rig.jwks.fail(fault, count=1)
        self.model.loosen(self.served)

    @precondition(lambda self: not self.model.exact)
    @rule()
    def resync(self) -> None:
        self.rig.jwks.recover()
        self.rig.clock.advance(max(self.model.cache_timeout, self.model.miss_window) + 60)
        before = self.rig.jwks.fetch_count()
        got = sorted(s.stable_id for s in self.rig.store.valid("verify"))
        fetches = self.rig.jwks.fetch_count()
        assert fetches > before, "a query long after the set went stale made no fetch"
        self.model.resync(now=self.rig.clock.now(), served=self.served, fetches=fetches)
        assert got == sorted(k["kid"] for k in fitting(self.served, "verify"))

    @invariant()
    def fetches_match_the_model(self) -> None:
        if hasattr(self, "rig") and self.model.exact:
            assert self.rig.jwks.fetch_count() == self.model.fetches, (
                f"the store fetched {self.rig.jwks.fetch_count()} times; a conformant store "
                f"fetches {self.model.fetches} times by this point (CACHE-01..04)"
            )


class FaultyStoreMachine(StoreMachine):
    """The SHOULD-level machine: duplicate kids (KID-04) and failed fetches (LOAD-05)."""

    allow_duplicates = True
    allow_faults = True


def _run(machine: type[StoreMachine], target: Target) -> None:
    bound = type(machine.__name__, (machine,), {"target": target})
    # A sequence finds more than a single example does, so machines get more examples
    # than the profile's property tests, with shorter runs each.
    current = settings()
    examples = max(3 * current.max_examples, 45)
    run_state_machine_as_test(
        bound, settings=settings(current, max_examples=examples, stateful_step_count=30)
    )


@pytest.mark.jwk_requirement("CACHE-01", "CACHE-02", "CACHE-03", "CACHE-04", "KID-01")
@pytest.mark.jwk_capability("named", "valid")
def test_store_behaves_like_the_model(jwk_target: Target) -> None:
    _run(StoreMachine, jwk_target)


@pytest.mark.jwk_requirement("KID-04", "LOAD-05")
@pytest.mark.jwk_capability("named", "valid")
def test_store_with_duplicates_and_faults_behaves_like_the_model(jwk_target: Target) -> None:
    _run(FaultyStoreMachine, jwk_target)
