"""Model-based suites: Hypothesis state machines drive a store beside `StoreModel`.

Rules publish, replace, remove and reorder keys on the mock server, move the fake clock onto
and around the cache, miss and retry boundaries, ask the store, and (in the faulty machine)
make fetches fail. Right after each query, while its reason is known, the machine checks
whether the store fetched as a conformant one does and what it answered, each check against
its own requirement:

- the fetch, by the model's reason: the first query LOAD-01; a query on a stale set CACHE-02;
  a miss past the miss window CACHE-03; a hit or a valid query on a fresh set CACHE-01; a
  miss inside the window CACHE-03; a reload due after a failed one CACHE-06;
- the answer: a named secret KID-01 (KID-04 when its kid is shared), the valid secrets
  PUR-01, a verification (test_model_verify.py) by its path (a kid the set holds KID-01 or
  KID-02, an unknown kid KID-03, no kid ORD-02). Unless the store reloaded for the query
  but answered from the set it had before, and asked again answers right: then the
  reload's requirement (CACHE-04 for the answer to a miss). Or a failed reload lost keys:
  LOAD-05.

The machines start from a non-empty set and never remove its last key (an empty set is
LOAD-04's business), publish ``use: sig`` keys only (purposes are PUR's) and sign with keys
the adapter supports. A failure prints the shrunk list of steps, which replays it; the run's
seed applies to the machines, so a run replays with its seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from jwkconform.harness import SecretView, Target, check
from jwkconform.harness.model import fits, named_in
from jwkconform.suites._machines import (
    KIDS,
    Asked,
    Key,
    Machine,
    key_material,
    run_machine,
    same_secret,
    valid_ids,
)


class StoreMachine(Machine):
    """Named (and, where the adapter has them, valid) queries; unique kids; no faults."""

    def _named(self, kid: str) -> tuple[SecretView | None, Asked]:
        return self._ask(kid, lambda: self.rig.store.named("verify", kid))

    @rule(kid=st.sampled_from((*KIDS, "forged")))
    def query_named(self, kid: str) -> None:
        keys = self.model.keys
        if keys is not None and named_in(keys, "verify", kid) is None:
            decision = self.model.decide(now=self.rig.clock.now(), kid=kid)
            if decision.fetch == "must-not":
                # A hit first, at the same instant: a store that fetches for every query
                # fails CACHE-01 there, not CACHE-03 on the miss.
                self._query_named(str(keys[0]["kid"]))
        self._query_named(kid)

    def _query_named(self, kid: str) -> None:
        secret, asked = self._named(kid)
        what = f"named({kid!r})"
        expected = named_in(self.model.keys or [], "verify", kid)
        if not same_secret(secret, expected, kid):
            self._named_answer_is_wrong(kid, secret, expected, asked)
        self._check_fetches(what, asked)

    def _named_answer_is_wrong(
        self, kid: str, secret: SecretView | None, expected: Key | None, asked: Asked
    ) -> None:
        got = None if secret is None else (secret.stable_id, key_material(secret.jwk))
        want = None if expected is None else (kid, key_material(expected))
        message = f"named({kid!r}) gave {got}; the set the store holds gives {want}"
        if secret is not None and secret.stable_id != kid:
            with check("KID-01"):
                raise AssertionError(f"{message}: kids match exactly, letter case included")
        owner = self._from_before(asked)
        if owner and same_secret(secret, named_in(asked.before or [], "verify", kid), kid):
            again, _ = self._named(kid)
            if same_secret(again, named_in(self.model.keys or [], "verify", kid), kid):
                with check(owner):
                    raise AssertionError(
                        f"{message}: the query reloaded the set ({asked.decision.why}) but "
                        "answered from the set before; asked again, it answered right"
                    )
        if secret is not None and self._stale(
            lambda keys: same_secret(secret, named_in(keys, "verify", kid), kid)
        ):
            with check("CACHE-02"):
                raise AssertionError(
                    f"{message}: a key that only an earlier set held, served after the reload"
                    " (removed keys are gone)"
                )
        if secret is None and self._lost_keys():
            with check("LOAD-05"):
                raise AssertionError(f"{message}: a failed reload lost the key")
        shared = [k for k in self.model.keys or [] if k.get("kid") == kid and fits(k, "verify")]
        with check("KID-04" if len(shared) > 1 else "KID-01"):
            raise AssertionError(message)

    @precondition(lambda self: "valid" in self.target.capabilities)
    @rule()
    def query_valid(self) -> None:
        got, asked = self._valid()
        expected = valid_ids(self.model.keys or [])
        if got != expected:
            message = f"valid('verify') gave {got}; the set the store holds gives {expected}"
            owner = self._from_before(asked)
            if owner and got == valid_ids(asked.before or []):
                again, _ = self._valid()
                if again == expected:
                    with check(owner):
                        raise AssertionError(
                            f"{message}: the query reloaded the set ({asked.decision.why}) but "
                            "answered from the set before; asked again, it answered right"
                        )
            extra = sorted(set(got) - set(expected))
            if extra and all(self._stale(_lists(i)) for i in extra):
                with check("CACHE-02"):
                    raise AssertionError(
                        f"{message}: {extra}, which only an earlier set held, listed after the"
                        " reload (removed keys are gone)"
                    )
            if not got and self._lost_keys():
                with check("LOAD-05"):
                    raise AssertionError(f"{message}: a failed reload lost the keys")
            with check("PUR-01"):
                raise AssertionError(message)
        self._check_fetches("valid('verify')", asked)

    def _valid(self) -> tuple[list[str], Asked]:
        secrets, asked = self._ask(None, lambda: self.rig.store.valid("verify"))
        # Order has tests of its own (ORD); here only which secrets come back matters.
        return sorted(s.stable_id for s in secrets), asked


def _lists(stable_id: str) -> Callable[[Sequence[Key]], bool]:
    """Whether a set lists ``stable_id`` among its valid secrets for verify."""
    return lambda keys: stable_id in valid_ids(keys)


class FaultyStoreMachine(StoreMachine):
    """The SHOULD-level machine: shared kids (KID-04) and failed fetches (LOAD-05, CACHE-06)."""

    allow_duplicates = True
    allow_faults = True


@pytest.mark.jwk_requirement(
    "LOAD-01", "CACHE-01", "CACHE-02", "CACHE-03", "CACHE-04", "KID-01", "PUR-01"
)
@pytest.mark.jwk_capability("named")
def test_store_behaves_like_the_model(jwk_target: Target) -> None:
    run_machine(StoreMachine, jwk_target)


@pytest.mark.jwk_requirement(
    "LOAD-01", "CACHE-01", "CACHE-02", "CACHE-03", "CACHE-04", "CACHE-06", "KID-01", "KID-04",
    "LOAD-05", "PUR-01",
)  # fmt: skip
@pytest.mark.jwk_capability("named")
def test_store_with_duplicates_and_faults_behaves_like_the_model(jwk_target: Target) -> None:
    run_machine(FaultyStoreMachine, jwk_target)
