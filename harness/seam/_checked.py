"""A store or publisher under test held to the seam's contract, every answer recorded.

A store that lacks a method its capabilities promise, answers with the wrong type, or raises
an exception other than the seam's is an `AdapterContractError`, so a broken adapter fails
with a sentence (the verdict ``error``), not an AttributeError deep inside a suite. Each
query and its answer go on the example's timeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.seam._adapter import PublisherUnderTest, SecretView, VerifyOutcome
from jwkconform.harness.seam._attribution import AdapterContractError, CallHung
from jwkconform.harness.seam._seen import answer_text, query_text
from jwkconform.harness.seam._timeline import RECORDER

__all__ = ["CheckedPublisher", "CheckedStore", "copy_config"]

_T = TypeVar("_T")


class Calls(Protocol):
    """What a checked store needs of its `Target`: its name, its capabilities, and calls
    into the implementation under the deadline."""

    @property
    def name(self) -> str: ...

    @property
    def capabilities(self) -> Collection[str]: ...

    hung: CallHung | None

    def _call(self, what: str, function: Callable[..., _T], *args: object) -> _T: ...


def copy_config(config: Mapping[str, object]) -> dict[str, Any]:
    """A deep copy: an adapter that changes what it is given must not change the test's."""
    copied: dict[str, Any] = json.loads(json.dumps(config))
    return copied


# The store methods the query capabilities promise (each named after its method).
_METHODS = ("named", "valid", "verify")


class CheckedStore:
    """Holds an opened store to the contract, so a broken adapter fails with a sentence
    (and the verdict ``error``), not an AttributeError deep inside a suite."""

    def __init__(self, store: object, target: Calls, clock: FakeClock | None = None) -> None:
        self._store = store
        self._target = target
        self._clock = clock
        promised = [m for m in _METHODS if m in target.capabilities] + ["close"]
        lacking = [m for m in promised if not callable(getattr(store, m, None))]
        if lacking:
            raise AdapterContractError(
                f"{target.name}: open_store() returned {type(store).__name__}, which has no"
                f" {', '.join(f'{m}()' for m in lacking)} method"
            )

    def _call(self, method: str, *args: object) -> object:
        function = getattr(self._store, method, None)
        if not callable(function):
            raise AdapterContractError(f"{self._target.name}: the store has no {method}() method")
        if self._clock is None or method == "close":
            return self._target._call(f"{method}()", function, *args)
        RECORDER.record(self._clock.now(), "query", query_text(method, args))
        try:
            got = self._target._call(f"{method}()", function, *args)
        except (Exception, CallHung) as exc:
            text = f"{method} raised {type(exc).__name__}: {exc}"
            RECORDER.record(self._clock.now(), "answer", text, error=type(exc).__name__)
            raise
        text, data = answer_text(method, got)
        RECORDER.record(self._clock.now(), "answer", text, **data)
        return got

    def _fail(self, method: str, expected: str, got: object) -> AdapterContractError:
        return AdapterContractError(
            f"{self._target.name}: {method}() returned {got!r:.300}; expected {expected}"
        )

    def named(self, purpose: str, kid: str) -> SecretView | None:
        got = self._call("named", purpose, kid)
        if got is not None and not isinstance(got, SecretView):
            raise self._fail("named", "a SecretView or None", got)
        return got

    def valid(self, purpose: str) -> Sequence[SecretView]:
        got = self._call("valid", purpose)
        if not isinstance(got, Sequence) or not all(isinstance(s, SecretView) for s in got):
            raise self._fail("valid", "a sequence of SecretView", got)
        return got

    def verify(self, token: str, secret_id: str) -> VerifyOutcome:
        got = self._call("verify", token, secret_id)
        if not isinstance(got, VerifyOutcome):
            raise self._fail("verify", "a VerifyOutcome", got)
        return got

    def close(self) -> None:
        if self._target.hung is None:  # a hung store is left to its adapter's teardown
            self._call("close")


class CheckedPublisher:
    """A publisher whose ``reconfigure`` gets copies and runs under the call deadline."""

    def __init__(self, publisher: PublisherUnderTest, target: Calls) -> None:
        self._publisher = publisher
        self._target = target
        self.base_url = publisher.base_url
        self.http_client = publisher.http_client

    def reconfigure(self, config: Mapping[str, object]) -> None:
        self._target._call("reconfigure()", self._publisher.reconfigure, copy_config(config))

    def close(self) -> None:
        if self._target.hung is None:
            self._target._call("publisher close()", self._publisher.close)
