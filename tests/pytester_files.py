"""Small adapters and conformance test files for the plugin's `pytester` tests, and helpers
to read what a run reported (on sys.path through pytest's ``pythonpath``)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from jwkconform.harness.spec._registry import REQUIREMENTS

CATALOGUE_ORDER = list(REQUIREMENTS)

# A minimal adapter: the capabilities are few on purpose, so `coalescing` is missing.
TINY_ADAPTER = """
from jwkconform.harness import VerifyOutcome


class TinyStore:
    def named(self, purpose, kid):
        return None

    def valid(self, purpose):
        return []

    def verify(self, token, secret_id):
        return VerifyOutcome(False, reason="tiny")

    def close(self):
        pass


class TinyAdapter:
    name = "tiny-adapter 1.0"
    capabilities = frozenset({"named", "valid", "verify"})
    transport = "respx"

    def open_store(self, config, env):
        return TinyStore()


def factory():
    return TinyAdapter()
"""

# Wrappers around the reference, each broken in the way its name says.
BROKEN_ADAPTERS = """
from jwkconform.harness.reference_adapter import ReferenceAdapter


class _Delegate:
    def __init__(self, inner):
        self._inner = inner

    def named(self, purpose, kid):
        return self._inner.named(purpose, kid)

    def valid(self, purpose):
        return self._inner.valid(purpose)

    def verify(self, token, secret_id):
        return self._inner.verify(token, secret_id)

    def close(self):
        self._inner.close()


class _Reversed(_Delegate):
    def valid(self, purpose):
        return list(reversed(self._inner.valid(purpose)))


class _Dicts(_Delegate):
    def valid(self, purpose):
        return [dict(s.jwk) for s in self._inner.valid(purpose)]


class _Raises(_Delegate):
    def named(self, purpose, kid):
        raise RuntimeError("the adapter forgot to translate this")


class _Hangs(_Delegate):
    def valid(self, purpose):
        import time
        time.sleep(60)


class _NoClose:
    def __init__(self, inner):
        self._inner = inner

    def named(self, purpose, kid):
        return self._inner.named(purpose, kid)

    def valid(self, purpose):
        return self._inner.valid(purpose)

    def verify(self, token, secret_id):
        return self._inner.verify(token, secret_id)


def _wrapping(name, store):
    class Wrapped(ReferenceAdapter):
        def open_store(self, config, env):
            return store(super().open_store(config, env))

    Wrapped.name = name
    return Wrapped


Reversed = _wrapping("broken-order 0.0", _Reversed)
Dicts = _wrapping("dicts 0.0", _Dicts)
Raises = _wrapping("raises 0.0", _Raises)
Hangs = _wrapping("hangs 0.0", _Hangs)
NoClose = _wrapping("no-close 0.0", _NoClose)


class OpenRaises(ReferenceAdapter):
    name = "open-raises 0.0"

    def open_store(self, config, env):
        raise RuntimeError("cannot open a store today")


class OpenReturnsNone(ReferenceAdapter):
    name = "open-returns-none 0.0"

    def open_store(self, config, env):
        return None


def reversed_order():
    return Reversed()


def dicts():
    return Dicts()


def raises():
    return Raises()


def hangs():
    return Hangs()


def no_close():
    return NoClose()


def open_raises():
    return OpenRaises()


def open_returns_none():
    return OpenReturnsNone()
"""

# An unrelated project with markers of its own that happen to be called like ours were.
UNRELATED = """
import pytest

@pytest.mark.requirement("REQ-101")
def test_login():
    pass

@pytest.mark.capability("gpu")
def test_render():
    pass
"""


# Loaded after the plugin's own profile: broken-adapter runs check verdicts, not minimal
# examples, and shrinking a failure found in every example takes most of their time.
NO_SHRINK_CONFTEST = """
import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    from hypothesis import Phase, settings

    settings.register_profile(
        "no-shrink",
        settings(settings.default, phases=[Phase.explicit, Phase.reuse, Phase.generate]),
    )
    settings.load_profile("no-shrink")
"""

VERDICTS_FILE = """
import pytest


@pytest.mark.jwk_requirement("CFG-03")
def test_must_passes():
    pass


@pytest.mark.jwk_requirement("KID-01")
def test_must_fails():
    assert 1 + 1 == 3, "the kid lookup is wrong"


@pytest.mark.jwk_requirement("KID-04")
def test_should_fails():
    assert False, "the first duplicate was lost"


@pytest.mark.jwk_requirement("CACHE-05")
@pytest.mark.jwk_capability("coalescing")
def test_may_needs_coalescing():
    pass


@pytest.mark.jwk_requirement("ORD-01")
@pytest.mark.jwk_capability("valid")
def test_target_is_used(jwk_target):
    with jwk_target.open_store(document={"keys": []}) as rig:
        assert rig.store.valid("verify") == []
"""

SHOULD_ONLY_FILE = """
import pytest


@pytest.mark.jwk_requirement("CFG-03")
def test_must_passes():
    pass


@pytest.mark.jwk_requirement("KID-04")
def test_should_fails():
    assert "first" == "last", "the first duplicate was lost"
"""

TARGET_NAME_FILE = """
import pytest


@pytest.mark.jwk_requirement("KID-01")
def test_uses_the_target(jwk_target):
    assert jwk_target.name
"""


def use_adapters(pytester: pytest.Pytester) -> None:
    """Make ``my_adapter`` (tiny) and ``broken`` importable in the pytester folder."""
    pytester.makepyfile(my_adapter=TINY_ADAPTER, broken=BROKEN_ADAPTERS)
    pytester.syspathinsert()


def report(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def by_id(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in document["requirements"]}


def verdicts(document: Mapping[str, Any]) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in document["requirements"]}


def table(text: str) -> dict[str, str]:
    """{ID: verdict} read from the terminal's verdict table (a row per group, a column per
    verdict, requirement numbers such as ``01-03 05`` in its cells)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^group\s+\w", line))
    header = lines[start]
    columns = [(m.start(), m[0]) for m in re.finditer(r"\S+", header)][1:]
    found: dict[str, str] = {}
    for line in lines[start + 1 :]:
        if not re.match(r"^[A-Z]+\s", line):
            break
        group = line.split()[0]
        for index, (at, verdict) in enumerate(columns):
            end = columns[index + 1][0] if index + 1 < len(columns) else len(line)
            for part in line[at:end].split():
                first, _, last = part.partition("-")
                for number in range(int(first), int(last or first) + 1):
                    found[f"{group}-{number:02d}"] = verdict
    return found


def untested_except(rows: Mapping[str, tuple[str, int]]) -> dict[str, str]:
    return {rid: rows[rid][0] if rid in rows else "untested" for rid in CATALOGUE_ORDER}


def output(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()
