"""The implementation's own exception is a finding; a broken adapter or driver is an error.

In process, an adapter wraps what its implementation raised in `ImplementationRaised`; a
driver answers the error type ``raised``. Either way the failure counts against the
requirement whose check was running. An exception the adapter lets through unwrapped, a
driver's ``internal`` error, or a ``raised`` error without its exception type stays the
adapter's or driver's fault: ``error``.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from _misbehaving_driver_support import DRIVERS

from jwkconform.harness import (
    AdapterContractError,
    Environment,
    FakeClock,
    ImplementationRaised,
    UnexpectedException,
    check,
)
from jwkconform.harness.seam._attribution import findings
from jwkconform.harness.seam._driver import DriverAdapter, DriverError

SUITE_TIMEOUT = 120.0


def _raised_inside(requirement: str, exc: BaseException) -> BaseException:
    try:
        with check(requirement):
            raise exc
    except BaseException as caught:
        return caught
    raise AssertionError("unreachable")


def test_an_implementation_exception_inside_a_check_fails_that_requirement() -> None:
    raised = ImplementationRaised.wrap(TypeError("'NoneType' object is not subscriptable"))
    found = findings(_raised_inside("LOAD-03", raised), ["LOAD-03", "LOAD-01"])
    assert [(f.kind, f.requirements) for f in found] == [
        ("failed", ("LOAD-03",)),
        ("blocked", ("LOAD-01",)),
    ]
    assert "TypeError: 'NoneType' object is not subscriptable" in found[0].message
    assert found[0].message.startswith("the implementation raised")


@pytest.mark.parametrize(
    "fault",
    [UnexpectedException("adapter let a KeyError through"), AdapterContractError("no named()")],
)
def test_an_adapter_fault_inside_a_check_is_an_error(fault: Exception) -> None:
    found = findings(_raised_inside("LOAD-03", fault), ["LOAD-03"])
    assert [(f.kind, f.requirements) for f in found] == [("error", ("LOAD-03",))]


def _command(error: str) -> str:
    return shlex.join([sys.executable, str(DRIVERS / "raises.py"), f"--error={error}"])


def test_a_raised_error_from_a_driver_is_the_implementation_s_exception() -> None:
    adapter = DriverAdapter(_command("raised"), timeout=10)
    try:
        store = adapter.open_store({"jwkUrl": "http://127.0.0.1:9/jwks"}, _environment())
        with pytest.raises(ImplementationRaised) as caught:
            store.valid("verify")
        assert (caught.value.exception_type, caught.value.detail) == ("TypeError", "boom")
    finally:
        adapter.close()


@pytest.mark.parametrize("error", ["internal", "raised-untyped"])
def test_an_internal_or_untyped_raised_error_is_the_driver_s_fault(error: str) -> None:
    adapter = DriverAdapter(_command(error), timeout=10)
    try:
        store = adapter.open_store({"jwkUrl": "http://127.0.0.1:9/jwks"}, _environment())
        with pytest.raises(DriverError):
            store.valid("verify")
    finally:
        adapter.close()


def _environment() -> Environment:
    return Environment(FakeClock(0.0), "http://127.0.0.1:9/jwks", httpx.Client(), Path("."))


@pytest.mark.parametrize(("error", "verdict"), [("raised", "fail"), ("internal", "error")])
def test_through_the_suites_raised_fails_and_internal_errs(
    pytester: pytest.Pytester, error: str, verdict: str
) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "jwkconform.suites", "--jwk-driver", _command(error),
        "--jwk-profile", "dev", "--jwk-requirement", "ORD-01",
        "--jwk-report-json", "r.json", "-p", "no:cacheprovider",
        timeout=SUITE_TIMEOUT,
    )  # fmt: skip
    report: dict[str, Any] = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))
    row = next(r for r in report["requirements"] if r["id"] == "ORD-01")
    assert row["verdict"] == verdict, result.stdout.str()[-2000:]
    if verdict == "fail":
        assert "the implementation raised TypeError: boom" in row["message"]
