"""`premised_on`: premises checked only where a check fails, to explain the failure.

A premise that fails is the finding (its requirement fails, the test's own are blocked); a
premise that holds leaves the check's failure standing; where nothing fails, the premises
are never run, so they can neither block nor fail a store whose checks pass.
"""

from __future__ import annotations

import pytest
from hypothesis.internal.escalation import InterestingOrigin

from jwkconform.harness import ImplementationRaised, premise, premised_on
from jwkconform.harness.seam._attribution import Finding, findings

OWN = ["KID-01"]


def _premise(holds: bool, ran: list[str]) -> None:
    ran.append("premise")
    with premise("PUR-03"):
        assert holds, "the JWK does not fit verify"


def _found(check_fails: bool | Exception, premise_holds: bool) -> tuple[list[Finding], list[str]]:
    ran: list[str] = []
    try:
        with premised_on(_premise, premise_holds, ran):
            if isinstance(check_fails, Exception):
                raise check_fails
            assert not check_fails, "its kid did not find the JWK"
    except BaseException as exc:
        return findings(exc, OWN), ran
    return [], ran


def test_where_the_check_passes_the_premises_never_run() -> None:
    assert _found(check_fails=False, premise_holds=False) == ([], [])


def test_a_failed_check_whose_premise_fails_is_the_premise_s_finding() -> None:
    found, ran = _found(check_fails=True, premise_holds=False)
    assert ran == ["premise"]
    assert [(f.kind, f.requirements) for f in found] == [
        ("failed", ("PUR-03",)),
        ("blocked", ("KID-01",)),
    ]
    assert "does not fit verify" in found[0].message


def test_a_failed_check_whose_premise_holds_stands() -> None:
    found, ran = _found(check_fails=True, premise_holds=True)
    assert ran == ["premise"]
    assert [(f.kind, f.requirements) for f in found] == [("failed", ("KID-01",))]
    assert "its kid did not find the JWK" in found[0].message


def test_the_implementation_s_exception_in_the_block_is_explained_the_same_way() -> None:
    raised = ImplementationRaised.wrap(KeyError("kid"))
    found, ran = _found(check_fails=raised, premise_holds=False)
    assert ran == ["premise"]
    assert [f.requirements for f in found if f.kind == "failed"] == [("PUR-03",)]


def test_anything_else_passes_through_without_running_the_premises() -> None:
    ran: list[str] = []
    with pytest.raises(KeyboardInterrupt), premised_on(_premise, False, ran):
        raise KeyboardInterrupt
    assert ran == []


def _premise_failure_after(check: int) -> BaseException:
    try:
        with premised_on(_premise, False, []):
            if check == 1:
                raise AssertionError("the named secret is missing")
            raise AssertionError("a token naming the kid did not verify")
    except BaseException as exc:
        return exc
    raise AssertionError("unreachable")


def test_one_premise_failure_is_one_failure_whichever_check_it_explains() -> None:
    # Hypothesis tells failures apart by type, place and context: chained to the check it
    # explains, one premise failure would be shrunk once for each check.
    first, second = _premise_failure_after(1), _premise_failure_after(2)
    assert first.__context__ is None
    assert second.__context__ is None
    assert InterestingOrigin.from_exception(first) == InterestingOrigin.from_exception(second)
