"""``jwkconform run``: exit codes, early one-line errors, reports, replays and pass-through.

Every run is a real ``python -m jwkconform run`` in a subprocess, from a folder of its own
(with no PYTHONPATH: a module in the current folder must be importable as it is).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pytester_files import BROKEN_ADAPTERS
from support import jwkconform_run

from jwkconform import __version__
from jwkconform._cli import _parser
from jwkconform.harness.report._reports import EXIT_CODES
from jwkconform.harness.run._cli import pytest_arguments
from jwkconform.harness.run._options import RunOptions

TIMEOUT = 600.0
ORDER_TEST = "test_order.py::test_valid_secrets_follow_set_order"
# Runs that need only "it failed", not the shrunk example, load the mutant runs' profile
# (no shrinking): a random seed of the order test shrank for up to 40 s.
HUNT_PROFILE = Path(__file__).resolve().parents[1] / "mutants" / "hunt_profile.py"
NO_SHRINKING = ("-p", "hunt_profile")

SHOULD_BREAKER = '''
from jwkconform.harness.reference_adapter import ReferenceAdapter


class _DropsKeysAfterAFailedReload:
    """Serves nothing once a reload failed (the reference logs a warning then): LOAD-05."""

    def __init__(self, inner, env):
        self._inner, self._env = inner, env

    def _dropped(self):
        return any("failed" in w for w in self._env.warnings)

    def named(self, purpose, kid):
        got = self._inner.named(purpose, kid)
        return None if self._dropped() else got

    def valid(self, purpose):
        got = self._inner.valid(purpose)
        return [] if self._dropped() else got

    def verify(self, token, secret_id):
        return self._inner.verify(token, secret_id)

    def close(self):
        self._inner.close()


class DropsKeys(ReferenceAdapter):
    name = "drops-keys 0.0"

    def open_store(self, config, env):
        return _DropsKeysAfterAFailedReload(super().open_store(config, env), env)


def drops_keys():
    return DropsKeys()


def exits():
    raise SystemExit(3)


def interrupted():
    raise KeyboardInterrupt


def leaves_a_thread():
    import threading
    threading.Thread(target=__import__("time").sleep, args=(600,), name="stuck").start()
    return ReferenceAdapter()
'''


_run = jwkconform_run


def _report(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _verdicts(path: Path) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in _report(path)["requirements"]}


def _one_line(completed: subprocess.CompletedProcess[str]) -> str:
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert not completed.stdout.strip(), completed.stdout[-2000:]
    return lines[0]


@pytest.fixture
def adapters(tmp_path: Path) -> Path:
    (tmp_path / "broken.py").write_text(BROKEN_ADAPTERS, encoding="utf-8")
    (tmp_path / "odd.py").write_text(SHOULD_BREAKER, encoding="utf-8")
    (tmp_path / "hunt_profile.py").write_text(HUNT_PROFILE.read_text(), encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def reference_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One full run against the reference from an empty folder, with both reports, and
    every warning an error."""
    folder = tmp_path_factory.mktemp("cli-reference")
    completed = _run(
        folder, "--seed", "5", "--report-json", "out/report.json", "--report-md",
        "out/report.md", "--", "-W", "error",
    )  # fmt: skip
    return folder, completed


def test_a_run_against_the_reference_passes_with_warnings_as_errors(
    reference_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, completed = reference_run
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr
    assert "Warning" not in completed.stdout + completed.stderr
    assert "jwkconform: jwkconform reference" in completed.stdout
    assert "complete run: every test of the suites ran" in completed.stdout
    document = _report(folder / "out" / "report.json")
    assert (document["complete"], document["exit_status"], document["seed"]) == (True, 0, 5)
    assert (
        "# Conformance report: jwkconform reference" in (folder / "out" / "report.md").read_text()
    )
    assert sorted(p.name for p in folder.iterdir()) == [".pytest_cache", "out"]


def test_exit_codes_follow_the_documentation() -> None:
    assert EXIT_CODES == {0: 0, 1: 1, 2: 130, 3: 3, 4: 2, 5: 3}
    text = _parser().format_help()
    assert "0 every requirement passed" in text
    assert "130 interrupted" in text


def test_a_must_failure_exits_1_and_a_should_failure_0_unless_strict(adapters: Path) -> None:
    failing = _run(
        adapters, "--adapter", "broken:reversed_order", "--test", ORDER_TEST, "--", *NO_SHRINKING
    )
    assert failing.returncode == 1, failing.stdout[-3000:] + failing.stderr
    # This store never serves again after a failed reload, which the state machines also
    # see as wrong named answers (KID-01, a MUST) once a later reload succeeded: one test.
    should = ("--adapter", "odd:drops_keys", "--test", "test_loading.py::"
              "test_failed_reload_keeps_the_last_good_set", "--report-json", "r.json")  # fmt: skip
    lenient = _run(adapters, *should)
    assert lenient.returncode == 0, lenient.stdout[-3000:] + lenient.stderr
    assert _verdicts(adapters / "r.json")["LOAD-05"] == "non-strict"
    strict = _run(adapters, *should, "--strict")
    assert strict.returncode == 1
    assert _verdicts(adapters / "r.json")["LOAD-05"] == "fail"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--adapter", ""), "--adapter is empty (an unset variable?): give a value or drop it"),
        (("--report-json", ""), "--report-json is empty*"),
        (("--expected-failures", ""), "--expected-failures is empty*"),
        (("--driver", ""), "--driver is empty*"),
        (("--requirement", "ORD-1"), "--requirement: unknown requirement 'ORD-1'; did you mean*"),
        (("--report-md", "odd.py/r.md"), "--report-md odd.py/r.md: cannot write in odd.py"),
        (("--report-html", "odd.py/r.html"), "--report-html odd.py/r.html: cannot write in odd.py"),
        (("--report-html", " "), "--report-html is empty*"),
        (("--expected-failures", "none.json"), "cannot read expected-failures file none.json*"),
        (("--timeout", "0"), "--timeout must be a positive number of seconds"),
        (("-k", "x"), "unrecognized arguments: -k (pytest options go after --*"),
        (("--lf",), "unrecognized arguments: --lf (pytest options go after --*"),
    ],
    ids=["adapter", "report", "expected", "driver", "requirement", "unwritable",
         "unwritable-html", "empty-html", "unreadable", "timeout", "pytest-option", "pytest-flag"],
)  # fmt: skip
def test_a_usage_error_is_one_line_and_exit_status_2(
    adapters: Path, args: tuple[str, ...], message: str
) -> None:
    completed = _run(adapters, *args)
    assert completed.returncode == 2
    import fnmatch

    line = _one_line(completed)
    assert fnmatch.fnmatch(line, f"jwkconform*: error: {message}"), line


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchmodule:factory", "cannot import adapter module 'nosuchmodule': ModuleNotFound"),
        ("no-such-adapter", "no adapter entry point 'no-such-adapter'"),
        ("odd:exits", "adapter factory odd:exits raised SystemExit: 3"),
        ("broken.py:missing", "module 'broken.py' has no attribute 'missing'"),
    ],
)
def test_a_bad_adapter_is_one_line_exit_status_3_within_a_second(
    adapters: Path, spec: str, message: str
) -> None:
    started = time.monotonic()
    completed = _run(adapters, "--adapter", spec, "--report-json", "r.json")
    elapsed = time.monotonic() - started
    assert completed.returncode == 3, completed.stdout[-3000:] + completed.stderr
    assert message in _one_line(completed)
    assert not (adapters / "r.json").exists()
    assert elapsed < 3.0, f"{elapsed:.2f} s to refuse a bad adapter"


def test_a_factory_interrupted_by_ctrl_c_exits_130(adapters: Path) -> None:
    completed = _run(adapters, "--adapter", "odd:interrupted")
    assert completed.returncode == 130
    assert completed.stderr.strip() == "jwkconform: interrupted"


def test_an_adapter_from_the_current_folder_or_a_file_path(adapters: Path) -> None:
    for spec in ("broken:reversed_order", "./broken.py:reversed_order"):
        completed = _run(adapters, "--adapter", spec, "--test", ORDER_TEST, "--", *NO_SHRINKING)
        assert completed.returncode == 1, completed.stdout[-2000:] + completed.stderr
        assert "jwkconform: broken-order 0.0" in completed.stdout


def test_the_printed_replay_lines_work_exactly_as_printed(adapters: Path) -> None:
    first = _run(adapters, "--adapter", "broken:reversed_order", "--requirement", "ORD-01",
                 "--report-json", "first.json")  # fmt: skip
    assert first.returncode == 1
    line = next(x for x in first.stdout.splitlines() if x.startswith("replay this run: "))
    replay = shlex.split(line.removeprefix("replay this run: "))
    assert replay[:2] == ["jwkconform", "run"]
    assert "--requirement" in replay
    again = _run(adapters, *replay[2:], "--report-json", "again.json")
    assert again.returncode == 1
    assert _verdicts(adapters / "first.json") == _verdicts(adapters / "again.json")
    finding = _report(adapters / "first.json")["requirements"][
        [r["id"] for r in _report(adapters / "first.json")["requirements"]].index("ORD-01")
    ]["findings"][0]
    words = shlex.split(finding["replay"])
    assert "--test" in words
    one = _run(adapters, *words[2:], "--report-json", "one.json")
    assert one.returncode == 1
    replayed = _report(adapters / "one.json")
    row = next(r for r in replayed["requirements"] if r["id"] == "ORD-01")
    assert row["findings"][0]["message"] == finding["message"]  # the same example


def test_the_pytest_replay_line_is_accepted_by_jwkconform_run(adapters: Path) -> None:
    completed = _run(adapters, "--jwk-seed", "5", "--jwk-profile", "dev", "--test", ORDER_TEST)
    assert completed.returncode == 0, completed.stderr


def test_last_failed_works_through_jwkconform_run(adapters: Path) -> None:
    first = _run(adapters, "--adapter", "broken:reversed_order", "--requirement", "ORD-01,KID-02",
                 "--", *NO_SHRINKING)  # fmt: skip
    assert first.returncode == 1
    again = _run(adapters, "--adapter", "broken:reversed_order", "--", "--lf", *NO_SHRINKING)
    assert again.returncode == 1
    assert "run-last-failure: rerun previous" in again.stdout
    assert "INCOMPLETE run" in again.stdout


# A progress line of pytest's: `CFG   test_config.py ....   [12/340]`, or xdist's dots.
PROGRESS = re.compile(r"\[\s*\d+/\d+\]$")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigint_mid_run_exits_130_with_reports_marked_incomplete(tmp_path: Path, jobs: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "jwkconform", "run", "--seed", "3", "--report-json", "r.json",
         "--report-md", "r.md", "--jobs", jobs],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for line in process.stdout:  # wait until tests are running
            if PROGRESS.search(line.rstrip()):
                break
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130, rest[-3000:]
    document = _report(tmp_path / "r.json")
    assert document["complete"] is False
    assert "interrupted" in document["incomplete"]
    assert document["exit_status"] == 130
    assert "**Incomplete run**: interrupted" in (tmp_path / "r.md").read_text()


def test_a_thread_the_adapter_leaves_running_does_not_hold_the_exit(adapters: Path) -> None:
    started = time.monotonic()
    completed = _run(adapters, "--adapter", "odd:leaves_a_thread", "--test", ORDER_TEST)
    assert completed.returncode == 0, completed.stderr
    assert "left threads running (stuck)" in completed.stderr
    assert time.monotonic() - started < 30


def test_the_pytest_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "known.json").write_text("{}", encoding="utf-8")
    args = _parser().parse_args(
        ["run", "--adapter", "pkg:factory", "--transport", "loopback", "--seed", "7",
         "--profile", "ci", "--strict", "--expected-failures", "known.json",
         "--requirement", "KID-01", "--requirement", "ORD-01", "--test", "test_kid.py::test_a[x]",
         "--report-html", "out/r.html", "--", "-x", "-k", "kid"]
    )  # fmt: skip
    options = RunOptions.checked(vars(args), "jwkconform run")
    argv = pytest_arguments(args, options, "suites.ini")
    assert argv[:2] == ["-c", "suites.ini"]
    pairs = dict(itertools.pairwise(argv))
    assert pairs["--jwk-adapter"] == "pkg:factory"
    assert pairs["--jwk-report-html"] == "out/r.html"
    assert pairs["--pyargs"] == "jwkconform.suites.test_kid::test_a[x]"
    assert (pairs["--jwk-seed"], pairs["--jwk-profile"]) == ("7", "ci")
    assert "--jwk-strict" in argv
    assert [b for a, b in itertools.pairwise(argv) if a == "--jwk-requirement"] == [
        "KID-01", "ORD-01",
    ]  # fmt: skip
    assert argv[-3:] == ["-x", "-k", "kid"]
    assert "--" not in argv


def test_version() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "jwkconform", "--version"],
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"jwkconform {__version__}"
