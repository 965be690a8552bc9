"""A call into the implementation that hangs ends its example and its test: the verdict is
``error`` naming the call, Hypothesis does not call it again while shrinking (each call
would cost another full deadline), the run goes on, and a line on the terminal says what
is waiting while it waits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, cast

import pytest
from pytester_files import report

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.reference_adapter import ReferenceAdapter
from jwkconform.harness.seam._adapter import PublisherEnvironment
from jwkconform.harness.seam._attribution import AdapterTimeout, CallHung, findings
from jwkconform.harness.seam._checked import CheckedPublisher
from jwkconform.harness.seam._driver_process import DriverError, DriverTimeout
from jwkconform.harness.seam._target import PublisherRig, Target

HANGS_IN_NAMED = """
import pathlib
import time

from jwkconform.harness.reference_adapter import ReferenceAdapter


class _Store:
    def __init__(self, inner):
        self._inner = inner

    def named(self, purpose, kid):
        calls = pathlib.Path("calls.txt")
        calls.write_text((calls.read_text() if calls.exists() else "") + "x")
        time.sleep(60)

    def valid(self, purpose):
        return self._inner.valid(purpose)

    def verify(self, token, secret_id):
        return self._inner.verify(token, secret_id)

    def close(self):
        closed = pathlib.Path("closed.txt")
        closed.write_text((closed.read_text() if closed.exists() else "") + "x")
        self._inner.close()


class HangsInNamed(ReferenceAdapter):
    name = "hangs-in-named 0.0"

    def open_store(self, config, env):
        return _Store(super().open_store(config, env))


def factory():
    return HangsInNamed()
"""

TESTS = """
import sys

import pytest
from hypothesis import given, strategies as st

from jwkconform.fixtures import private_jwk
from jwkconform.suites.store_strategies import public_set

SET = public_set([private_jwk("EC-P-256", kid="a", use="sig")])


@pytest.mark.jwk_requirement("KID-04")
@pytest.mark.jwk_capability("named")
@given(kid=st.text(min_size=1, max_size=8))
def test_every_example_calls_named(jwk_target, kid):
    with jwk_target.open_store(document=SET) as rig:
        rig.store.named("verify", kid)


@pytest.mark.jwk_requirement("ORD-01")
@pytest.mark.jwk_capability("valid")
def test_the_next_test_runs(jwk_target):
    with jwk_target.open_store(document=SET) as rig:
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"]
"""


def test_a_hung_call_ends_the_test_at_once_and_says_so_while_waiting(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(hangs=HANGS_IN_NAMED, test_hang=TESTS)
    result = pytester.runpytest(
        "--jwk-adapter", "hangs.py:factory", "--jwk-timeout", "2.5",
        "--jwk-report-json", "r.json", "-p", "no:cacheprovider",
    )  # fmt: skip
    rows = {r["id"]: r for r in report(pytester.path / "r.json")["requirements"]}
    # Hypothesis shrank the hang once: about sixty calls, each a full deadline.
    assert (pytester.path / "calls.txt").read_text() == "x"
    # Closed: the next test's store; the hung one was not called again to close.
    assert (pytester.path / "closed.txt").read_text() == "x"
    assert rows["KID-04"]["verdict"] == "error"
    message = rows["KID-04"]["findings"][0]["message"]
    assert "named() did not return within 2.5 s (the call deadline)" in message
    assert "the test stopped calling the implementation" in message
    assert rows["ORD-01"]["verdict"] == "pass"  # the run went on, and the next test ran
    result.stdout.fnmatch_lines(["*jwkconform: named() has waited 2 s of its 2.5 s deadline*"])


def test_a_hang_is_an_error_of_the_adapter_and_carries_the_drivers_cause() -> None:
    timeout = DriverTimeout("driver x did not answer 'named' within 1 s")
    timeout.exit_status, timeout.stderr_tail = None, "last words"
    assert isinstance(timeout, (DriverError, AdapterTimeout))
    hung = CallHung(timeout)
    assert not isinstance(hung, Exception)  # Hypothesis lets it through without shrinking
    assert (hung.exit_status, hung.stderr_tail) == (None, "last words")
    [finding] = findings(hung, ["KID-04"])
    assert (finding.kind, finding.requirements) == ("error", ("KID-04",))
    assert finding.message.startswith("CallHung: driver x did not answer 'named' within 1 s")


HANGING_DRIVER = """
import json, pathlib, sys

for line in sys.stdin:
    request = json.loads(line)
    method = request["method"]
    if method == "open_store":
        opens = pathlib.Path("opens.txt")
        opens.write_text((opens.read_text() if opens.exists() else "") + "x")
        continue  # never answered
    result = {"protocol": 2, "name": "hangs", "capabilities": ["named", "valid"]}
    answer = result if method == "hello" else {}
    sys.stdout.write(json.dumps({"id": request["id"], "result": answer}) + "\\n")
    sys.stdout.flush()
"""


def test_a_driver_that_hangs_is_not_asked_again_by_shrinking(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(driver=HANGING_DRIVER, test_hang=TESTS)
    pytester.runpytest(
        "--jwk-driver", f"{sys.executable} driver.py", "--jwk-timeout", "0.5",
        "--jwk-report-json", "r.json", "-p", "no:cacheprovider",
    )  # fmt: skip
    rows = {r["id"]: r for r in report(pytester.path / "r.json")["requirements"]}
    # One open_store per test: Hypothesis did not shrink the hang (a driver process each).
    assert (pytester.path / "opens.txt").read_text() == "xx"
    assert rows["KID-04"]["verdict"] == "error"
    assert "did not answer 'open_store' within 0.5 s" in rows["KID-04"]["findings"][0]["message"]


class _SlowClient:
    def get(self, path: str) -> None:
        time.sleep(30)


class _SlowPublisher:
    base_url = "http://127.0.0.1:9"
    http_client = _SlowClient()

    def reconfigure(self, config: object) -> None:
        raise AssertionError("called after a hang")

    def close(self) -> None:
        raise AssertionError("called after a hang")


def test_a_publisher_get_that_hangs_ends_the_test_and_its_publisher_is_left_alone() -> None:
    with Target(ReferenceAdapter(), "reference", call_timeout=0.2) as target:
        publisher = CheckedPublisher(cast(Any, _SlowPublisher()), target)
        env = PublisherEnvironment(FakeClock(), "respx", Path("."))
        rig = PublisherRig(cast(Any, publisher), FakeClock(), env, 0.2, target)
        with pytest.raises(CallHung, match=r"GET /x on the publisher did not return within 0\.2 s"):
            rig.get("/x")
        assert target.hung is not None
        publisher.close()  # not called: the slow publisher would raise
