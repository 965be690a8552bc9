"""``jwkconform run``: the packaged suites from any folder, exit codes, reports, pass-through.

Every run is a real ``python -m jwkconform run`` in a subprocess, from an empty folder.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jwkconform import __version__
from jwkconform._cli import _parser
from jwkconform.harness._cli import _EXIT, pytest_arguments

TIMEOUT = 600.0
ONLY_ORDER = ("--", "-k", "test_valid_secrets_follow_set_order")
ONLY_RELOAD = ("--", "-k", "failed_reload_keeps_the_last_good_set")

BROKEN = '''
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


class _DropsKeysAfterAFailedReload(_Delegate):
    """Serves nothing once a reload failed (the reference logs a warning then): LOAD-05."""

    def __init__(self, inner, env):
        super().__init__(inner)
        self._env = env

    def _dropped(self):
        return any("failed" in w for w in self._env.warnings)

    def named(self, purpose, kid):
        got = self._inner.named(purpose, kid)
        return None if self._dropped() else got

    def valid(self, purpose):
        got = self._inner.valid(purpose)
        return [] if self._dropped() else got


class Reversed(ReferenceAdapter):
    name = "broken-order 0.0"

    def open_store(self, config, env):
        return _Reversed(super().open_store(config, env))


class DropsKeys(ReferenceAdapter):
    name = "drops-keys 0.0"

    def open_store(self, config, env):
        return _DropsKeysAfterAFailedReload(super().open_store(config, env), env)


def factory():
    return Reversed()


def drops_keys():
    return DropsKeys()
'''


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m jwkconform run ARGS`` in ``folder``, which is also on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(folder)
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", "run", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _report(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _verdicts(path: Path) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in _report(path)["requirements"]}


@pytest.fixture
def adapters(tmp_path: Path) -> Path:
    (tmp_path / "broken.py").write_text(BROKEN, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def reference_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One full run against the reference from an empty folder, with both reports."""
    folder = tmp_path_factory.mktemp("cli-reference")
    completed = _run(
        folder, "--seed", "5", "--report-json", "out/report.json", "--report-md", "out/report.md"
    )
    return folder, completed


def test_a_run_against_the_reference_passes_and_prints_the_table(
    reference_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, completed = reference_run
    assert completed.returncode == 0, completed.stdout[-5000:] + completed.stderr
    lines = completed.stdout.splitlines()
    assert "jwkconform: profile dev, seed 5" in lines
    assert any(line.split() == ["CFG-01", "MUST", "pass", "1"] for line in lines)
    assert any(line.startswith("requirement") and "verdict" in line for line in lines)
    assert "replay this run: --jwk-seed 5 --jwk-profile dev" in lines


def test_a_run_writes_both_reports(
    reference_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, completed = reference_run
    assert completed.returncode == 0, completed.stdout[-3000:]
    report = _report(folder / "out" / "report.json")
    assert (report["seed"], report["profile"], report["strict"]) == (5, "dev", False)
    assert report["adapter"] == "jwkconform.harness.reference_adapter:factory"
    assert "fail" not in {r["verdict"] for r in report["requirements"]}
    markdown = (folder / "out" / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Conformance report: jwkconform reference")
    assert "| CFG-01 | MUST | pass |" in markdown


def test_a_run_from_an_empty_folder_leaves_only_the_reports(
    reference_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """_profiles.py: "the example database is off so that a run from any folder writes
    nothing there"."""
    folder, _ = reference_run
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["out"], f"the run left {left} in the folder it ran from"
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["report.json", "report.md"]


def test_a_must_failure_exits_1(adapters: Path) -> None:
    completed = _run(
        adapters, "--adapter", "broken:factory", "--report-json", "r.json", *ONLY_ORDER
    )
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr
    assert _verdicts(adapters / "r.json")["ORD-01"] == "fail"
    assert "jwkconform: broken-order 0.0" in completed.stdout


def test_a_should_failure_exits_0_and_is_non_strict(adapters: Path) -> None:
    completed = _run(
        adapters, "--adapter", "broken:drops_keys", "--report-json", "r.json", *ONLY_RELOAD
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr
    verdicts = _verdicts(adapters / "r.json")
    assert verdicts["LOAD-05"] == "non-strict"
    assert "fail" not in verdicts.values()


def test_a_should_failure_exits_1_in_strict_mode(adapters: Path) -> None:
    completed = _run(
        adapters,
        "--adapter",
        "broken:drops_keys",
        "--strict",
        "--report-json",
        "r.json",
        *ONLY_RELOAD,
    )
    assert completed.returncode == 1, completed.stdout[-3000:] + completed.stderr
    report = _report(adapters / "r.json")
    assert report["strict"] is True
    assert {r["id"]: r["verdict"] for r in report["requirements"]}["LOAD-05"] == "fail"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchmodule:factory", "cannot import adapter module 'nosuchmodule'"),
        ("no-such-adapter", "no adapter entry point 'no-such-adapter'"),
    ],
)
def test_a_bad_adapter_is_a_harness_error(adapters: Path, spec: str, message: str) -> None:
    completed = _run(adapters, "--adapter", spec, "--report-json", "r.json", *ONLY_ORDER)
    assert completed.returncode == 3, completed.stdout[-3000:] + completed.stderr
    output = completed.stdout + completed.stderr
    assert message in output
    assert "Traceback" not in output
    assert not (adapters / "r.json").exists()


def test_exit_codes_map_pytest_codes_to_pass_fail_or_harness_error() -> None:
    assert _EXIT.get(int(pytest.ExitCode.OK), 3) == 0
    assert _EXIT.get(int(pytest.ExitCode.TESTS_FAILED), 3) == 1
    for code in (
        pytest.ExitCode.INTERRUPTED,
        pytest.ExitCode.INTERNAL_ERROR,
        pytest.ExitCode.USAGE_ERROR,
        pytest.ExitCode.NO_TESTS_COLLECTED,
    ):
        assert _EXIT.get(int(code), 3) == 3, code


def test_arguments_after_the_separator_reach_pytest(tmp_path: Path) -> None:
    completed = _run(tmp_path, "--seed", "5", "--report-json", "r.json", *ONLY_ORDER)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr
    assert "1 passed" in completed.stdout
    assert "deselected" in completed.stdout
    assert "replay this run: --jwk-seed 5" in completed.stdout
    report = _report(tmp_path / "r.json")
    tested = {r["id"]: r["tests"] for r in report["requirements"] if r["tests"]}
    assert tested == {"ORD-01": ["test_order.py::test_valid_secrets_follow_set_order"]}
    assert report["seed"] == 5


def test_requirement_selects_the_tests_of_that_requirement(tmp_path: Path) -> None:
    completed = _run(tmp_path, "--requirement", "ORD-01", "--report-json", "r.json")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr
    report = _report(tmp_path / "r.json")
    tested = {r["id"] for r in report["requirements"] if r["tests"]}
    assert "ORD-01" in tested
    assert {"CFG-01", "LOAD-04", "KID-02"}.isdisjoint(tested)


def test_an_unknown_requirement_to_select_is_a_harness_error(tmp_path: Path) -> None:
    completed = _run(tmp_path, "--requirement", "ORD-1")
    assert completed.returncode == 3
    assert "unknown requirement 'ORD-1'; did you mean ORD-01" in completed.stderr


def test_the_pytest_command_line() -> None:
    args = _parser().parse_args(
        [
            "run",
            "--adapter",
            "pkg:factory",
            "--transport",
            "loopback",
            "--seed",
            "7",
            "--profile",
            "ci",
            "--strict",
            "--expected-failures",
            "known.json",
            "--requirement",
            "KID-01",
            "--requirement",
            "ORD-01",
            "--",
            "-x",
            "-k",
            "kid",
        ]
    )
    argv = pytest_arguments(args, "suites.ini")
    assert argv[:2] == ["-c", "suites.ini"]
    pairs = dict(itertools.pairwise(argv))
    assert pairs["--jwk-adapter"] == "pkg:factory"
    assert pairs["--jwk-transport"] == "loopback"
    assert pairs["--jwk-seed"] == "7"
    assert pairs["--jwk-profile"] == "ci"
    assert pairs["--jwk-expected-failures"] == "known.json"
    assert "--jwk-strict" in argv
    assert [b for a, b in itertools.pairwise(argv) if a == "--jwk-requirement"] == [
        "KID-01",
        "ORD-01",
    ]
    assert argv[-3:] == ["-x", "-k", "kid"]
    assert "--" not in argv


def test_without_a_seed_a_fresh_one_is_chosen_and_printed() -> None:
    argv = pytest_arguments(_parser().parse_args(["run"]), "suites.ini")
    seed = argv[argv.index("--jwk-seed") + 1]
    assert seed.isdigit()
    assert argv[argv.index("--jwk-profile") + 1] == "dev"


def test_version() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "jwkconform", "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"jwkconform {__version__}"
