"""Real JWKS client libraries through the suites: PyJWT in process, jose behind its driver.

Each run is a real ``python -m jwkconform run`` with the library's expected failures, so it
must end with exit status 0, no harness error, and a verdict for every requirement.

The seeds are pinned. The generators draw Ed448 keys, which neither library uses (PyJWT
infers no algorithm for an Ed448 JWK without ``alg``; jose 6 verifies EdDSA with Ed25519
only), so some tests fail or pass depending on the draw; expected failures are strict and
list only what fails for every seed. These seeds draw no Ed448 key where it matters.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jwkconform.harness._registry import REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "expected-failures"
JOSE = ROOT / "drivers" / "node-jose"
PYJWT_SEED = 75
JOSE_SEED = 13
RUN_TIMEOUT = 420.0
NPM_TIMEOUT = 300.0
VERDICTS = {"pass", "non-strict", "skip", "xfail", "untested"}

# Hypothesis's shrink and explain phases only rework a failure that the generate phase
# has already found, so leaving them out changes no verdict. With them, a library that fails
# many tests spends minutes shrinking and explaining each (the explain phase alone replays
# thousands of examples per failing test).
FAST_PLUGIN = """
import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    from hypothesis import Phase, settings

    name = "jwkconform-" + (config.getoption("jwk_profile") or "dev")
    quick = [p for p in settings.get_profile(name).phases if p not in (Phase.shrink, Phase.explain)]
    settings.register_profile(name, settings.get_profile(name), phases=quick)
    settings.load_profile(name)
"""


def _run(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``python -m jwkconform run ARGS --report-json`` from ``folder``; the run and report."""
    (folder / "jwkconform_quick_phases.py").write_text(FAST_PLUGIN, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(folder)
    report = folder / "report.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "jwkconform",
            "run",
            *args,
            "--report-json",
            str(report),
            "--",
            "-p",
            "jwkconform_quick_phases",
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert report.exists(), completed.stdout[-4000:] + completed.stderr[-4000:]
    document: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return completed, document


def _check(
    completed: subprocess.CompletedProcess[str], report: dict[str, Any], expected: Path
) -> None:
    output = completed.stdout[-6000:] + completed.stderr[-3000:]
    assert completed.returncode == 0, output
    last = completed.stdout.strip().splitlines()[-1]
    assert "error" not in last, f"the run had errors: {last}"
    rows = {row["id"]: row for row in report["requirements"]}
    assert list(rows) == list(REQUIREMENTS), "the report does not list every requirement"
    wrong = {rid: row["verdict"] for rid, row in rows.items() if row["verdict"] not in VERDICTS}
    assert not wrong, f"requirements without an acceptable verdict: {wrong}\n{output}"
    entries = json.loads(expected.read_text(encoding="utf-8")).values()
    reasons = {e if isinstance(e, str) else e["reason"] for e in entries}
    xfailed = [row for row in rows.values() if row["verdict"] == "xfail"]
    assert xfailed, "no expected failure showed: the library's differences went unseen"
    for row in xfailed:
        assert any(reason in (row["message"] or "") for reason in reasons), row
    assert "matched no test" not in completed.stdout, "a stale key in " + expected.name


@pytest.mark.skipif(importlib.util.find_spec("jwt") is None, reason="PyJWT is not installed")
def test_pyjwt_runs_through_the_suites_with_its_expected_failures(tmp_path: Path) -> None:
    expected = EXPECTED / "pyjwt.json"
    completed, report = _run(
        tmp_path,
        "--adapter",
        "pyjwt",
        "--seed",
        str(PYJWT_SEED),
        "--expected-failures",
        str(expected),
    )
    _check(completed, report, expected)
    assert report["implementation"].startswith("PyJWT ")
    assert report["adapter"] == "jwkconform.harness.adapters.pyjwt:factory"
    assert report["transport"] == "loopback"


def _node_modules() -> None:
    """Install the driver's locked dependencies once (``npm ci``)."""
    if (JOSE / "node_modules" / "jose" / "package.json").exists():
        return
    completed = subprocess.run(
        ["npm", "ci", "--prefix", str(JOSE), "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        pytest.skip(f"npm ci for the jose driver failed (offline?): {completed.stderr[-500:]}")


@pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are needed for the jose driver",
)
def test_jose_runs_through_the_suites_with_its_expected_failures(tmp_path: Path) -> None:
    _node_modules()
    expected = EXPECTED / "node-jose.json"
    command = shlex.join(["node", str(JOSE / "driver.mjs")])
    completed, report = _run(
        tmp_path,
        "--driver",
        command,
        "--seed",
        str(JOSE_SEED),
        "--expected-failures",
        str(expected),
    )
    _check(completed, report, expected)
    assert report["implementation"].startswith("jose ")


@pytest.mark.skipif(importlib.util.find_spec("jwt") is None, reason="PyJWT is not installed")
def test_the_pyjwt_adapter_provides_the_fake_clock_only_while_a_store_is_open() -> None:
    import time

    from jwkconform.fixtures import private_jwk
    from jwkconform.harness._target import Target
    from jwkconform.harness.adapters.pyjwt import factory, parse_seconds
    from jwkconform.suites.strategies import public_set

    assert parse_seconds("1 minute, 10 seconds") == 70.0
    assert parse_seconds("23 HOURS 59 minutes and 59 s") == 86_399.0
    assert parse_seconds("125ms") == 0.125
    with pytest.raises(ValueError, match="banana"):
        parse_seconds("1 hour banana")

    set_cache = importlib.import_module("jwt.jwk_set_cache")  # the module whose clock we give
    document = public_set([private_jwk("EC-P-256", kid="a", use="sig")])
    target = Target(factory(), "pyjwt")
    with target.open_store({"cacheTimeout": "10 s"}, document=document) as rig:
        assert set_cache.time is not time, "the fake clock is not provided"
        assert [s.stable_id for s in rig.store.valid("verify")] == ["a"]
        rig.clock.advance(10)  # PyJWT still serves its set at exactly its lifespan
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 1
        rig.clock.advance(0.001)
        rig.store.valid("verify")
        assert rig.jwks.fetch_count() == 2, "PyJWT did not read the fake clock"
    assert set_cache.time is time, "the fake clock outlived the store"
