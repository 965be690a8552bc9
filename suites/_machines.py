"""The state machines' common ground: the served set, time, faults, and the accounting of
every query against `StoreModel` (see test_model_based.py for what the machines check).

Each query is accounted for at once, while its reason is known: `Machine._ask` takes the
model's decision before the query, makes it, and records in the model each fetch the store
made, with its outcome (a fetch that met a queued fault failed); `Machine._check_fetches`
then holds the store to the decision, against the requirement that owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeVar

import pytest
from hypothesis import seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jwkconform.fixtures import ALG_KINDS, key_pool, private_jwk, public_jwk
from jwkconform.harness import (
    ConfigRefused,
    ConnectionRefused,
    ImplementationRaised,
    LoadFailed,
    PurposeRefused,
    SecretView,
    Status,
    StoreRig,
    Target,
    check,
    premise,
)
from jwkconform.harness.model import ReloadDecision, StoreModel, alg_fits, fitting, named_in
from jwkconform.suites._caching import Windows
from jwkconform.suites._probes import loading
from jwkconform.suites.store_strategies import QUICK_ALGS, SIGNING_ALGS, shaped

Key = Mapping[str, Any]
Signer = tuple[str, Key]
T = TypeVar("T")

KIDS: Final = ("a", "b", "c", "A")  # few, so that rules collide; "A" checks letter case
CACHE_TIMEOUTS: Final = (11, 30, 120)  # 11 s or more: 10 s is CFG-04's boundary
MISS_WINDOWS: Final = (11, 20, 120, 600)
# Instants are exact binary fractions (1000 s plus whole seconds and ticks), so that
# `now - loaded_at >= window` means the same in the model and in any implementation.
TICK: Final = 1 / 1024
_STEPS: Final = ("tick", "second", "before-stale", "stale", "before-miss", "miss",
                 "before-retry", "retry", "hour")  # fmt: skip
# Fetches that fail (a body that is not a JWK Set is LOAD-04's subject, not the machines').
_FAULTS: Final = (Status(500), Status(503), ConnectionRefused())


# The setting each reload demand counts from, and the requirement of that setting's default.
_BOUND_OF: Final[Mapping[str, tuple[str, str]]] = {
    "CACHE-02": ("cacheTimeout", "CFG-03"),
    "CACHE-03": ("cacheMissCacheTime", "CFG-05"),
    "CACHE-06": ("cacheMissCacheTime", "CFG-05"),
}


def key_material(jwk: Key) -> object:
    """What tells keys apart (the machines' keys are RSA, EC or OKP)."""
    return jwk.get("n") or jwk.get("x")


def signers_for(target: Target) -> tuple[Signer, ...]:
    """Up to five signers of distinct material that the adapter supports (a key type it may
    lawfully skip is never published): one of each kind first, fast algorithms first."""
    found: list[Signer] = []
    for index in (0, 1):
        for alg in (*QUICK_ALGS, *SIGNING_ALGS):
            for kind in ALG_KINDS[alg]:
                if len(found) == 5 or not target.key_support.signs(alg, kind):
                    continue
                if index < len(key_pool()[kind]):
                    key = shaped(private_jwk(kind, index), alg)
                    if all(key_material(key) != key_material(k) for _, k in found):
                        found.append((alg, key))
    if not found:
        pytest.skip(f"{target.name} supports no asymmetric signing algorithm")
    return tuple(found)


def verifies(keys: Sequence[Key], alg: str, signer: Key, kid: str | None) -> bool:
    """What the catalogue predicts for a token by ``signer`` against ``keys`` (KID-01..03)."""
    if kid is not None:
        named = named_in(keys, "verify", kid)
        if named is not None:
            return key_material(named) == key_material(signer) and alg_fits(alg, named)
    return any(
        key_material(k) == key_material(signer) and alg_fits(alg, k)
        for k in fitting(keys, "verify")
    )


@dataclass(frozen=True)
class Asked:
    """What one query did: the model's decision, the set before it, the fetches it made."""

    decision: ReloadDecision
    before: list[Key] | None
    fetches: int
    loaded: bool


class Machine(RuleBasedStateMachine):
    """The served set, time, faults, and the accounting of every query."""

    target: ClassVar[Target]
    signers: ClassVar[tuple[Signer, ...]]
    allow_duplicates: ClassVar[bool] = False
    allow_faults: ClassVar[bool] = False
    extra_config: ClassVar[Mapping[str, str]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        self.served: list[dict[str, Any]] = []
        self.pending_faults = 0

    def _jwk(self, kid: str, signer: int) -> dict[str, Any]:
        return {**public_jwk(self.signers[signer % len(self.signers)][1]), "kid": kid,
                "use": "sig"}  # fmt: skip

    @initialize(
        cache=st.sampled_from(CACHE_TIMEOUTS),
        miss=st.sampled_from(MISS_WINDOWS),
        first=st.lists(st.tuples(st.sampled_from(KIDS), st.integers(0, 4)), min_size=1,
                       max_size=3, unique_by=lambda pair: pair[0]),
    )  # fmt: skip
    def open_store(self, cache: int, miss: int, first: list[tuple[str, int]]) -> None:
        # A setting the implementation cannot take is its default (D-40): the model runs on
        # the 2 minutes the catalogue gives both.
        windows = Windows(self.target, cacheTimeout=cache, cacheMissCacheTime=miss)
        cache, miss = int(windows.timeout), int(windows.miss)
        self.defaults = {"cacheTimeout", "cacheMissCacheTime"} - set(windows.taken)
        seconds = {"cacheTimeout": cache, "cacheMissCacheTime": miss}
        config = {
            **{member: f"{seconds[member]} seconds" for member in windows.taken},
            **self.extra_config,
        }
        self.served = [self._jwk(kid, signer) for kid, signer in first]
        # A lifetime of 11 s or more is the implementation's to keep (CFG-04): one that
        # refuses it cannot be run here, and the other tests judge what the machine would.
        with premise("CFG-04"):
            self.rig: StoreRig = self.stack.enter_context(
                self.target.open_store(config, document={"keys": self.document()})
            )
        self.model = StoreModel(cache_timeout=cache, miss_window=miss)
        # Every set loaded before the current one: a key only they hold, served now, is a
        # stale entry that survived a reload (CACHE-02), whatever held it.
        self.earlier: list[list[Key]] = []

    def teardown(self) -> None:
        self.stack.close()

    # -- the served set ---------------------------------------------------------------------

    def document(self) -> list[dict[str, Any]]:
        """The keys the endpoint serves: the rules' own, and any a machine always adds."""
        return self.served

    def _publish(self) -> None:
        self.rig.jwks.serve({"keys": self.document()})

    @rule(kid=st.sampled_from(KIDS), signer=st.integers(0, 4), position=st.integers(0, 6))
    def add_key(self, kid: str, signer: int, position: int) -> None:
        if not self.allow_duplicates:
            self.served = [k for k in self.served if k["kid"] != kid]
        self.served.insert(min(position, len(self.served)), self._jwk(kid, signer))
        self._publish()

    @precondition(lambda self: len(self.served) > 1)
    @rule(data=st.data())
    def remove_key(self, data: st.DataObject) -> None:
        self.served.pop(data.draw(st.integers(0, len(self.served) - 1)))
        self._publish()

    @precondition(lambda self: len(self.served) > 1)
    @rule(data=st.data())
    def reorder(self, data: st.DataObject) -> None:
        self.served = data.draw(st.permutations(self.served))
        self._publish()

    @precondition(lambda self: self.allow_faults and self.model.keys is not None)
    @rule(fault=st.sampled_from(_FAULTS))
    def fail_next_fetch(self, fault: Status | ConnectionRefused) -> None:
        self.rig.jwks.fail(fault, count=1)
        self.pending_faults += 1

    # -- time -------------------------------------------------------------------------------

    @rule(step=st.sampled_from(_STEPS))
    def advance(self, step: str) -> None:
        model, clock = self.model, self.rig.clock
        loaded, failed = model.loaded_at, model.failed_at
        since, elapsed = {
            "before-stale": (loaded, model.cache_timeout - TICK),
            "stale": (loaded, model.cache_timeout),
            "before-miss": (loaded, model.miss_window - TICK),
            "miss": (loaded, model.miss_window),
            "before-retry": (failed, model.miss_window - TICK),
            "retry": (failed, model.miss_window),
        }.get(step, (None, 0.0))
        if step in ("tick", "second", "hour"):
            clock.advance({"tick": TICK, "second": 1.0, "hour": 3600.0}[step])
        elif model.keys is not None and since is not None and since + elapsed > clock.now():
            clock.reach(since, elapsed)

    # -- queries ----------------------------------------------------------------------------

    def _ask(self, kid: str | None, ask: Callable[[], T]) -> tuple[T, Asked]:
        """Make one query, and account for the fetches it made in the model."""
        now = self.rig.clock.now()
        decision = self.model.decide(now=now, kid=kid)
        before = self.model.keys
        seen = len(self.rig.jwks.fetches)
        # A conformant store answers every query here: the documents are valid, and after
        # a failed reload the last good set keeps serving.
        lost = before is not None and (self.pending_faults > 0 or self.model.failed_at is not None)
        refused: Exception | None = None
        with loading():
            try:
                answer = ask()
            except (ConfigRefused, LoadFailed, PurposeRefused, ImplementationRaised) as exc:
                refused = exc
        # Raised here, outside the handler, so that Hypothesis sees one failure however the
        # store came to refuse (which query, which fault): it shrinks each distinct failure
        # on its own, and these are one finding. One line per requirement keeps the two apart.
        if refused is not None and lost:
            with check("LOAD-05"):
                raise AssertionError(
                    f"the store answered {_named(refused)}, not the last good set"
                ) from refused
        if refused is not None:
            with check("LOAD-01"):
                raise AssertionError(
                    f"the store answered {_named(refused)}, not the set it was served"
                ) from refused
        fetched = [f for f in self.rig.jwks.fetches[seen:] if f.path == self.rig.jwks.path]
        loaded = False
        for fetch in fetched:
            if loaded:
                with check("CACHE-03" if kid is not None else "CACHE-01"):
                    raise AssertionError(
                        f"one query fetched the set again right after loading it ({decision.why})"
                    )
            ok = self.pending_faults == 0
            self.pending_faults -= 0 if ok else 1
            if ok and self.model.keys is not None:
                self.earlier.append(list(self.model.keys))
            self.model.fetched(now=fetch.at, served=self.document(), ok=ok)
            loaded = ok
        return answer, Asked(decision, before, len(fetched), loaded)

    def _check_fetches(self, what: str, asked: Asked) -> None:
        decision = asked.decision
        if decision.fetch == "must" and not asked.fetches:
            with self._owner_of_a_missing_fetch(decision):
                raise AssertionError(f"{what} made no fetch: {decision.why}")
        if decision.fetch == "must-not" and asked.fetches:
            with check(decision.requirement):
                raise AssertionError(
                    f"{what} fetched the set {asked.fetches} time(s): {decision.why}"
                )

    def _owner_of_a_missing_fetch(self, decision: ReloadDecision) -> AbstractContextManager[None]:
        """Who owns a reload that did not come: the requirement that demands it, unless
        the bound it was due at is a default the implementation does not take; then its
        real bound is unknown, and the default's requirement (CFG-03, CFG-05) owns it."""
        bound = _BOUND_OF.get(decision.requirement)
        if bound is not None and bound[0] in self.defaults:
            return premise(bound[1])
        return check(decision.requirement)

    def _from_before(self, asked: Asked) -> str | None:
        """The requirement an answer from the set before this query's reload fails, if it
        reloaded: the answer to a miss is CACHE-04's, any other the reload's own."""
        if not asked.loaded or asked.before is None:
            return None
        cause = asked.decision.reload_for
        return "CACHE-04" if cause == "CACHE-03" and asked.decision.fetch != "must-not" else cause

    def _stale(self, holds: Callable[[Sequence[Key]], bool]) -> bool:
        """Whether only a set loaded before the current one ``holds`` what was answered."""
        current = self.model.keys or []
        return not holds(current) and any(holds(keys) for keys in self.earlier)

    def _lost_keys(self) -> bool:
        return self.model.failed_at is not None


def _named(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def same_secret(secret: SecretView | None, expected: Key | None, kid: str) -> bool:
    """Whether ``secret`` is ``expected`` named ``kid`` (or both are None)."""
    if secret is None or expected is None:
        return secret is None and expected is None
    return secret.stable_id == kid and key_material(secret.jwk) == key_material(expected)


def valid_ids(keys: Sequence[Key]) -> list[str]:
    """The stable IDs (kids) of the JWKs of ``keys`` that fit verify, sorted."""
    return sorted(str(k["kid"]) for k in fitting(keys, "verify"))


def run_machine(machine: type[Machine], target: Target) -> None:
    """Run ``machine`` against ``target``, replayable from the run's seed."""
    bound = type(machine.__name__, (machine,), {"target": target, "signers": signers_for(target)})
    if target.seed is not None:
        bound = seed(target.seed)(bound)
    # A sequence finds more than a single example does, so machines get more examples
    # than the profile's property tests, with shorter runs each.
    current = settings()
    examples = max(2 * current.max_examples, 30)
    run_state_machine_as_test(
        bound, settings=settings(current, max_examples=examples, stateful_step_count=30)
    )
