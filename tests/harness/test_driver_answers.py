"""A driver's answers are checked before anything is believed.

``hello`` field by field: a protocol number that is an integer (``true`` is not 1), a name
and version that are short strings, capabilities that are a list of names. Any answer: no
more JSON values than `MAX_VALUES`, so that its parse stays a few times the line cap in
memory. Each problem is a one-line `DriverError`, and the driver is stopped.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from jwkconform.harness.endpoints._clock import FakeClock
from jwkconform.harness.seam._adapter import Environment
from jwkconform.harness.seam._driver import DriverAdapter, DriverError
from jwkconform.harness.seam._driver_process import MAX_VALUES

# A driver that answers hello with the JSON object of its first argument, and open_store
# with the JSON text of its second, made of the text and a repetition count.
HELLO_DRIVER = """
import json, sys
hello = json.loads(sys.argv[1])
piece, times = json.loads(sys.argv[2]) if len(sys.argv) > 2 else ("", 0)
for line in sys.stdin:
    request = json.loads(line)
    if request["method"] == "open_store":
        pad = ",".join([piece] * times)
        result = '{"store": "s1", "pad": [' + pad + ']}'
    else:
        result = json.dumps(hello if request["method"] == "hello" else {})
    sys.stdout.write('{"id": %d, "result": %s}\\n' % (request["id"], result))
    sys.stdout.flush()
    if request["method"] == "shutdown":
        break
"""


def _adapter(tmp_path: Path, hello: dict[str, Any], *store: object) -> DriverAdapter:
    script = tmp_path / "hello_driver.py"
    script.write_text(HELLO_DRIVER, encoding="utf-8")
    words = [sys.executable, str(script), json.dumps(hello)]
    return DriverAdapter(shlex.join(words + ([json.dumps(store)] if store else [])), timeout=5)


GOOD: dict[str, Any] = {"protocol": 2, "name": "x", "version": "1", "capabilities": ["named"]}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"protocol": True}, "speaks protocol True, not one of [1, 2]"),
        ({"protocol": 2.5}, "speaks protocol 2.5"),
        ({"protocol": "2"}, "speaks protocol '2'"),
        ({"capabilities": 5}, "capabilities that are not a list"),
        ({"capabilities": "named"}, "capabilities that are not a list"),
        ({"capabilities": [1]}, "capabilities that are not a list"),
        ({"capabilities": ["x"] * 101}, "capabilities that are not a list of up to 100"),
        ({"name": 5}, "a name that is not a string of 1 to 200 characters"),
        ({"name": "x" * 201}, "a name that is not"),
        ({"version": ["1"]}, "a version that is not"),
        ({"key_support": 5}, "key_support is malformed"),
    ],
    ids=["protocol-true", "protocol-float", "protocol-string", "capabilities-number",
         "capabilities-string", "capabilities-of-numbers", "capabilities-too-many",
         "name-number", "name-too-long", "version-list", "key-support-number"],
)  # fmt: skip
def test_a_malformed_hello_is_one_line_and_the_driver_stops(
    tmp_path: Path, changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(DriverError) as raised:
        _adapter(tmp_path, {**GOOD, **changes})
    message = str(raised.value)
    assert problem in message
    assert "\n" not in message


def test_a_well_formed_hello_is_taken_as_it_is(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path, GOOD)
    try:
        assert (adapter.name, adapter.version, adapter.capabilities) == (
            "x",
            "1",
            frozenset({"named"}),
        )
    finally:
        adapter.close()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Environment]:
    with httpx.Client(trust_env=False) as client:
        yield Environment(
            clock=FakeClock(1000.0),
            jwks_url="http://127.0.0.1:9/jwks.json",
            http_client=client,
            tmp_path=tmp_path,
        )


@pytest.mark.parametrize("piece", ["{}", '{"a":{}}', "[]", "1.5"])
def test_an_answer_of_too_many_values_is_refused_before_it_is_parsed(
    tmp_path: Path, env: Environment, piece: str
) -> None:
    """A line of ``[{},{},...]`` under the line cap took 28 times its size once parsed."""
    adapter = _adapter(tmp_path, GOOD, piece, MAX_VALUES)
    try:
        with pytest.raises(DriverError, match=f"wrote more than {MAX_VALUES} JSON values"):
            adapter.open_store({}, env)
    finally:
        adapter.close()


def test_an_answer_within_the_bound_is_taken(tmp_path: Path, env: Environment) -> None:
    adapter = _adapter(tmp_path, GOOD, "{}", MAX_VALUES // 2 - 10)
    try:
        store = adapter.open_store({}, env)
        assert store._store == "s1"
    finally:
        adapter.close()
