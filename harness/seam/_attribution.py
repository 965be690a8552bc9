"""Which requirement a failure counts against, and whether it is the implementation's at all.

A suite test names the requirements it checks with its marker. Inside it, `check` ties the
assertions of a block to one requirement, so a test (or a state machine) that checks
several requirements fails only those whose checks failed; `premise` marks a block whose
failure belongs to *another* requirement (a token that should have verified in the first
place), which then fails that requirement and leaves the test's own ones blocked;
`premised_on` checks such premises only once a check has failed, to explain it.

>>> with check("KID-04"):  # doctest: +SKIP
...     assert secret.stable_id == kid, "the first JWK with that kid is not the named secret"
>>> with premise("KID-01"):  # doctest: +SKIP
...     assert first.verified, f"a token of a served key did not verify: {first.reason}"

After a test, `findings` turns what it raised into findings: a failed check counts against
its requirement; a broken adapter or driver (`AdapterError`), a suite bug or a Hypothesis
health problem is an ``error``, never the implementation's ``fail``; an exception group (a
Hypothesis run that found several distinct failures) is split, each part judged alone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, Literal, ParamSpec

import pytest

from jwkconform.harness.seam._adapter import (
    ConfigRefused,
    ImplementationRaised,
    LoadFailed,
    PurposeRefused,
)
from jwkconform.harness.seam._timeline import attach

if sys.version_info >= (3, 11):
    _Group = BaseExceptionGroup  # noqa: F821 - a builtin from Python 3.11 on
else:  # Hypothesis brings the backport on Python 3.10
    from exceptiongroup import BaseExceptionGroup as _Group

__all__ = [
    "SEAM_EXCEPTIONS",
    "AdapterContractError",
    "AdapterError",
    "AdapterTimeout",
    "CallHung",
    "Finding",
    "UnexpectedException",
    "check",
    "findings",
    "premise",
    "premised_on",
]

# What a store may raise through the seam: the implementation's documented answers, and
# its own exceptions (a finding about it, counted like a failed check where one is open).
SEAM_EXCEPTIONS: Final = (ConfigRefused, LoadFailed, PurposeRefused, ImplementationRaised)
# What a failed check raises: an assertion, or pytest.fail() (pytest.raises included).
_CHECK_FAILURES: Final = (AssertionError, pytest.fail.Exception)
_TAG: Final = "_jwkconform_attribution"
_P = ParamSpec("_P")


class AdapterError(Exception):
    """The adapter or driver, not the implementation's behaviour, is at fault: the verdict
    is ``error`` in every mode."""


class AdapterContractError(AdapterError):
    """The adapter broke the seam's contract (a missing method, a wrong return type)."""


class UnexpectedException(AdapterError):
    """A store method raised something other than the seam's exceptions: the adapter did
    not translate one of its implementation's errors, nor wrap it in
    `ImplementationRaised`."""


class AdapterTimeout(AdapterError):
    """A call into the implementation did not return within its deadline."""


class CallHung(BaseException):
    """A call into the implementation passed its deadline (``error``, an `AdapterTimeout`
    or a driver's): the test stops calling the implementation.

    Not an `Exception`: Hypothesis takes one for a failure and shrinks it, calling the
    implementation again some sixty times, each call another full deadline; this it lets
    through at once, as it does KeyboardInterrupt. It carries the driver's exit status and
    standard error, if any, for the finding's cause.
    """

    def __init__(self, error: AdapterError) -> None:
        super().__init__(f"{error}; the test stopped calling the implementation")
        self.exit_status = getattr(error, "exit_status", None)
        self.stderr_tail = getattr(error, "stderr_tail", None)


@dataclass(frozen=True)
class _Attribution:
    requirement: str
    premise: bool


def _tag(exc: BaseException, requirement: str, *, is_premise: bool) -> None:
    # The innermost block decides: a check nested in a premise is still a check.
    if getattr(exc, _TAG, None) is None:
        setattr(exc, _TAG, _Attribution(requirement, is_premise))


@contextmanager
def check(requirement: str, *, expected: str | None = None) -> Iterator[None]:
    """Count a failure inside the block against ``requirement`` alone.

    A failed assertion, or a seam exception the block did not expect (a `LoadFailed` where
    the set should have loaded), is a failure of ``requirement``. Adapter errors pass
    through untouched: they are never the implementation's failure.

    ``expected`` says what the block expects to happen, for the finding's timeline: "a
    fetch at cacheTimeout" is drawn as an expected fetch where the check failed.
    """
    try:
        yield
    except (*_CHECK_FAILURES, *SEAM_EXCEPTIONS) as exc:
        _tag(exc, requirement, is_premise=False)
        attach(exc, expected)
        raise


@contextmanager
def premise(requirement: str) -> Iterator[None]:
    """A precondition owned by ``requirement``: if it fails, that requirement fails, and
    the test's own requirements are blocked rather than failed."""
    try:
        yield
    except (*_CHECK_FAILURES, *SEAM_EXCEPTIONS) as exc:
        _tag(exc, requirement, is_premise=True)
        attach(exc, None)
        raise


@contextmanager
def premised_on(
    premises: Callable[_P, None], *args: _P.args, **kwargs: _P.kwargs
) -> Iterator[None]:
    """Premises checked only where a check in the block fails: ``premises(*args, **kwargs)``
    (checks under `premise`) runs then, and a premise that fails is the finding, its
    requirement failed and the block's blocked; where the premises hold, the block's
    failure stands.

    Checked up front, a premise that fails blocks the test even where its own checks
    would pass (and every such example is shrunk); here it only explains a failure.

    >>> with premised_on(fits_verify, rig, jwk):  # doctest: +SKIP
    ...     assert rig.store.named("verify", kid) is not None
    """
    try:
        yield
    except (*_CHECK_FAILURES, *SEAM_EXCEPTIONS):
        try:
            premises(*args, **kwargs)
        except BaseException as explained:
            # Hypothesis tells failures apart by their context too: a premise failure
            # chained to whichever check it explains would be shrunk once per check.
            explained.__context__ = None
            raise
        raise


Kind = Literal["failed", "error", "blocked"]


@dataclass(frozen=True)
class Finding:
    """One thing a test found: what kind, against which requirements, and the message."""

    kind: Kind
    requirements: tuple[str, ...]
    message: str
    cause: BaseException | None = None


# Hypothesis's own wrappers and messages that say nothing about the implementation.
_HYPOTHESIS_ERRORS: Final = ("FailedHealthCheck", "Unsatisfiable", "InvalidArgument",
                             "DeadlineExceeded", "HypothesisDeprecationWarning")  # fmt: skip
_FLAKY: Final = "FlakyFailure"


def message_of(exc: BaseException) -> str:
    """The exception as a person reads it: type and message (notes are added separately)."""
    text = str(exc).strip()
    if isinstance(exc, _CHECK_FAILURES):
        return text or "assertion failed"
    if isinstance(exc, ImplementationRaised):
        return text  # it names the implementation's exception type itself
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _leaves(exc: BaseException, flaky: bool = False) -> Iterator[tuple[BaseException, bool]]:
    """Every exception that is not a group, with whether it sat inside a flaky group."""
    if isinstance(exc, _Group):
        inner_flaky = flaky or type(exc).__name__ == _FLAKY
        for inner in exc.exceptions:
            yield from _leaves(inner, inner_flaky)
    else:
        yield exc, flaky


def _one(exc: BaseException, own: Sequence[str], flaky: bool) -> list[Finding]:
    note = " (it did not happen again when replayed: the behaviour is not deterministic)"
    suffix = note if flaky else ""
    attribution = getattr(exc, _TAG, None)
    if isinstance(exc, (AdapterError, CallHung)):
        return [Finding("error", tuple(own), message_of(exc), exc)]
    if isinstance(attribution, _Attribution):
        message = message_of(exc) + suffix
        found = [Finding("failed", (attribution.requirement,), message, exc)]
        others = tuple(r for r in own if r != attribution.requirement)
        if others:
            blocked = f"blocked: a check of {attribution.requirement} failed first: {message}"
            found.append(Finding("blocked", others, blocked, exc))
        return found
    if isinstance(exc, (*_CHECK_FAILURES, *SEAM_EXCEPTIONS)):
        return [Finding("failed", tuple(own), message_of(exc) + suffix, exc)]
    if type(exc).__name__ in _HYPOTHESIS_ERRORS:
        return [Finding("error", tuple(own), f"the harness could not run the test: "
                        f"{message_of(exc)}", exc)]  # fmt: skip
    # Anything else escaped the suite's own code: a bug in the harness or the suite.
    return [Finding("error", tuple(own), f"the test itself crashed: {message_of(exc)}", exc)]


def findings(exc: BaseException, own: Sequence[str]) -> list[Finding]:
    """What a test that raised ``exc`` found; ``own`` are the requirements its marker names.

    Requirements of ``own`` that no part of ``exc`` failed are blocked: their checks did not
    all run, because another requirement's check failed first.
    """
    found = [f for leaf, flaky in _leaves(exc) for f in _one(leaf, own, flaky)]
    failed = {r for f in found if f.kind != "blocked" for r in f.requirements}
    # A requirement that failed in one part is not also blocked by another part.
    return [
        Finding(f.kind, tuple(r for r in f.requirements if r not in failed), f.message, f.cause)
        if f.kind == "blocked"
        else f
        for f in found
        if f.kind != "blocked" or set(f.requirements) - failed
    ]
