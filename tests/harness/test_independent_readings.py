"""The suites accept every lawful reading of the catalogue, not only the reference's.

CFG-01 and CFG-02 let a store refuse a missing or bad ``jwkUrl`` when it is configured or,
at the latest, at its first query. The reference refuses at once; the adapter here is the
reference with the refusal moved to the first query (and every query after it), and the
packaged suites must pass it all the same.
"""

from __future__ import annotations

import types
from pathlib import Path

import httpx
import pytest
from pytester_files import by_id, report

from jwkconform.harness import ConfigRefused, Environment, FakeClock

LAZY_ADAPTER = '''
from jwkconform.harness import ConfigRefused
from jwkconform.harness.reference_adapter import ReferenceAdapter


class _RefusesAtTheFirstQuery:
    """A store whose jwkUrl was refused: it opened, and refuses every query."""

    def __init__(self, refusal):
        self._refusal = refusal

    def _refuse(self, *args):
        raise ConfigRefused(self._refusal.field, str(self._refusal))

    named = valid = verify = _refuse

    def close(self):
        pass


class LazyAdapter(ReferenceAdapter):
    name = "reference refusing jwkUrl at the first query"

    def open_store(self, config, env):
        try:
            return super().open_store(config, env)
        except ConfigRefused as exc:
            if exc.field != "jwkUrl":
                raise
            return _RefusesAtTheFirstQuery(exc)


def factory():
    return LazyAdapter()
'''

SUITES = ("--pyargs", "jwkconform.suites", "-p", "no:cacheprovider", "--jwk-seed", "1")
JWK_URL_REQUIREMENTS = ("CFG-01", "CFG-02")


def _lazy_module() -> types.ModuleType:
    module = types.ModuleType("lazy_adapter")
    exec(compile(LAZY_ADAPTER, "lazy_adapter.py", "exec"), module.__dict__)
    return module


def test_the_lazy_adapter_refuses_only_at_the_first_query(tmp_path: Path) -> None:
    adapter = _lazy_module().factory()
    with httpx.Client() as client:
        env = Environment(FakeClock(), "https://idp.example/jwks", client, tmp_path)
        store = adapter.open_store({}, env)
        with pytest.raises(ConfigRefused) as refused:
            store.valid("verify")
        store.close()
    assert refused.value.field == "jwkUrl"


def test_a_refusal_at_the_first_query_passes_cfg_01_and_cfg_02(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(lazy_adapter=LAZY_ADAPTER)
    requirements = [arg for rid in JWK_URL_REQUIREMENTS for arg in ("--jwk-requirement", rid)]
    result = pytester.runpytest_subprocess(
        *SUITES,
        "--jwk-adapter",
        "lazy_adapter:factory",
        *requirements,
        "--jwk-report-json",
        "r.json",
        timeout=300,
    )
    rows = by_id(report(pytester.path / "r.json"))
    verdicts = {rid: rows[rid]["verdict"] for rid in JWK_URL_REQUIREMENTS}
    assert verdicts == dict.fromkeys(JWK_URL_REQUIREMENTS, "pass"), (
        verdicts,
        {rid: rows[rid]["message"] for rid in JWK_URL_REQUIREMENTS},
        result.stdout.str()[-3000:],
    )
