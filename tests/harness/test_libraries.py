"""Real JWKS clients through the suites: each run's verdicts must agree with its ground truth.

PyJWT, Authlib and joserfc run in process, jose, go-oidc, Nimbus and jwx behind their
drivers. Each library's shipped
expectations file (``expected-failures/<name>.json``) is its ground truth: the verdict of
every requirement, with the reason and the evidence in the library's source and tracker,
written before the suites ever ran against it. A run is a real ``python -m jwkconform run``
with a seed drawn afresh (printed with every failure, and reproducible with pytest-randomly's
``-p randomly_seed=N``); it must be complete, free of harness errors, and agree with the
ground truth requirement by requirement.

``JWKCONFORM_GROUND_TRUTH_ROUNDS`` (default 1) sets how many seeds each library is run
with; ``make ground-truth`` runs five. ``JWKCONFORM_CI=1`` (set by ``.ci/run``) turns a
missing library or toolchain from a skip into a failure, so CI cannot silently lose a row.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jwkconform.harness.spec._expected import ExpectedFailures
from jwkconform.harness.spec._registry import REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "expected-failures"
JOSE = ROOT / "drivers" / "node-jose"
GO_OIDC = ROOT / "drivers" / "go-oidc"
NIMBUS = ROOT / "drivers" / "nimbus"
JWX = ROOT / "drivers" / "jwx"
RUN_TIMEOUT = 600.0
INSTALL_TIMEOUT = 300.0
ROUNDS = int(os.environ.get("JWKCONFORM_GROUND_TRUTH_ROUNDS", "1"))
IN_CI = os.environ.get("JWKCONFORM_CI") == "1"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (JWKCONFORM_CI=1: CI must run every library)")
    pytest.skip(reason)


def _pyjwt() -> Sequence[str]:
    if importlib.util.find_spec("jwt") is None:
        _unavailable("PyJWT is not installed (pip install 'jwkconform[pyjwt]')")
    return ("--adapter", "pyjwt")


def _in_process(module: str, extra: str, adapter: str) -> Callable[[], Sequence[str]]:
    """The arguments that run the in-process adapter ``adapter``, whose library is ``module``."""

    def target() -> Sequence[str]:
        if importlib.util.find_spec(module) is None:
            _unavailable(f"{module} is not installed (pip install 'jwkconform[{extra}]')")
        return ("--adapter", adapter)

    return target


def _jose() -> Sequence[str]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("node and npm are needed for the jose driver")
    if not (JOSE / "node_modules" / "jose" / "package.json").exists():
        done = subprocess.run(
            ["npm", "ci", "--prefix", str(JOSE), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"npm ci for the jose driver failed: {done.stderr.strip()[-300:]}")
    return ("--driver", f"node {JOSE / 'driver.mjs'}")


def _go_oidc() -> Sequence[str]:
    binary = GO_OIDC / "bin" / "go-oidc-driver"
    if not binary.exists():
        if shutil.which("go") is None:
            _unavailable("Go is needed for the go-oidc driver (see drivers/go-oidc/README.md)")
        done = subprocess.run(
            [str(GO_OIDC / "build.sh")],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"drivers/go-oidc/build.sh failed: {done.stderr.strip()[-300:]}")
    return ("--driver", str(binary))


def _nimbus() -> Sequence[str]:
    jar = NIMBUS / "target" / "nimbus-driver.jar"
    if shutil.which("java") is None:
        _unavailable("a JDK 17 is needed for the Nimbus driver (see drivers/nimbus/README.md)")
    if not jar.exists():
        if shutil.which("mvn") is None:
            _unavailable("Maven is needed to build the Nimbus driver (drivers/nimbus/build.sh)")
        done = subprocess.run(
            [str(NIMBUS / "build.sh")],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"drivers/nimbus/build.sh failed: {done.stderr.strip()[-300:]}")
    return ("--driver", f"java -jar {jar}")


def _jwx() -> Sequence[str]:
    binary = JWX / "bin" / "jwx-driver"
    if not binary.exists():
        if shutil.which("go") is None:
            _unavailable("Go is needed for the jwx driver (see drivers/jwx/README.md)")
        done = subprocess.run(
            [str(JWX / "build.sh")],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"drivers/jwx/build.sh failed: {done.stderr.strip()[-300:]}")
    return ("--driver", str(binary))


@dataclass(frozen=True)
class Library:
    name: str  # also the name of its shipped expectations file
    implementation: str  # how its report names it
    target: Callable[[], Sequence[str]]
    # Rows where the suites as they stand give another verdict than the ground truth (row ->
    # the suites' verdict), each a class of issue 19 not fixed yet. A run must differ from
    # the ground truth in exactly these rows, so that each shows the day it is fixed: then
    # delete it here. Never a way to hide a library's finding: the ground truth stays put.
    suite_gaps: Mapping[str, str] = field(default_factory=dict)
    # Rows where, on some seeds only, the suites draw too few failing examples to see the
    # library's failure (row -> the suites' verdict then); the same rule applies.
    seed_gaps: Mapping[str, str] = field(default_factory=dict)


# Issue 19 class 4 (issue 21 draws the missing shapes): PUR-06's test draws RS384, RS512,
# PS256 and PS384 tokens, which these libraries refuse by default, so only some seeds draw
# the RS256 example that shows the 1024-bit key verifying.
_UNDRAWN = {"PUR-06": "pass"}

LIBRARIES = (
    Library("pyjwt", "PyJWT ", _pyjwt),
    Library("node-jose", "jose ", _jose),
    Library("go-oidc", "go-oidc ", _go_oidc),
    Library("nimbus", "Nimbus JOSE+JWT ", _nimbus),
    Library("jwx", "jwx ", _jwx),
    Library("authlib", "Authlib ", _in_process("authlib", "authlib", "authlib"),
            {}, _UNDRAWN),
    Library("joserfc", "joserfc ", _in_process("joserfc", "joserfc", "joserfc"), {}, _UNDRAWN),
)  # fmt: skip


def _run(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``python -m jwkconform run ARGS --report-json`` from ``folder``; the run and report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    report = folder / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "jwkconform", "run", *args, "--report-json", str(report)],
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


@pytest.mark.parametrize("library", LIBRARIES, ids=lambda library: library.name)
def test_every_requirement_has_a_ground_truth_with_its_evidence(library: Library) -> None:
    truth = ExpectedFailures.load(EXPECTED / f"{library.name}.json")
    verdicts = truth.expected_verdicts()
    assert sorted(verdicts) == sorted(REQUIREMENTS), "every requirement needs an entry"
    for rid, entry in verdicts.items():
        assert entry.reason.strip(), f"{rid}: no reason"
        if entry.verdict in ("pass", "fail", "non-strict"):
            assert entry.evidence, f"{rid}: a {entry.verdict} verdict needs its evidence"
    for key, entry in truth.entries.items():
        assert key in REQUIREMENTS or entry.expects_failure, (
            f"{key}: a test-level entry exists only to expect a failure"
        )


@pytest.mark.parametrize("round_", range(ROUNDS), ids=lambda n: f"round{n}")
@pytest.mark.parametrize("library", LIBRARIES, ids=lambda library: library.name)
def test_the_verdicts_agree_with_the_ground_truth(
    library: Library, round_: int, tmp_path: Path
) -> None:
    target = library.target()
    # pytest-randomly reseeds `random` alike before every test: the round keeps seeds apart.
    seed = (random.randrange(2**16) + 7919 * round_) % 2**16
    completed, report = _run(
        tmp_path, *target, "--seed", str(seed), "--expected-failures", library.name
    )
    context = (
        f"{library.name}, seed {seed}:\n{completed.stdout[-6000:]}\n{completed.stderr[-2000:]}"
    )
    assert report["implementation"].startswith(library.implementation), context
    assert report["complete"], context
    verdicts = {row["id"]: row["verdict"] for row in report["requirements"]}
    assert list(verdicts) == list(REQUIREMENTS), context
    assert "error" not in verdicts.values(), context
    differences = {m["id"]: m["got"] for m in report["expectations"]["mismatches"]}
    unexplained = {k: v for k, v in differences.items() if library.seed_gaps.get(k) != v}
    assert unexplained == dict(library.suite_gaps), context
    assert report["expectations"]["stale"] == [], context
    failing = {rid for rid, verdict in verdicts.items() if verdict == "fail"}
    assert failing <= set(library.suite_gaps), context
    assert completed.returncode == (1 if differences else 0), context


def test_the_pyjwt_adapter_provides_the_fake_clock_only_while_a_store_is_open() -> None:
    _pyjwt()
    import importlib
    import time

    from jwkconform.fixtures import private_jwk
    from jwkconform.harness.adapters.pyjwt import factory
    from jwkconform.harness.seam._target import Target
    from jwkconform.suites.store_strategies import public_set

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
