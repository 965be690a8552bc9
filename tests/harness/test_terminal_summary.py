"""The terminal summary from a run's judgements: the verdict table by group, one finding per
failing requirement with the root cause first, what moved against the expected-failures
file, replay commands that carry every option that changes verdicts, and counts as pytest
counts them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from jwkconform.harness.report._reports import Invocation, Run, RunInfo
from jwkconform.harness.report._terminal import shown, terminal_lines
from jwkconform.harness.report._verdicts import Judgement, verdicts
from jwkconform.harness.spec._expected import ExpectedFailures

INFO = RunInfo("acme 1.0", "acme:factory", "respx", 5, "dev", False)
INVOCATION = Invocation(
    "jwkconform run",
    ("--adapter", "acme:factory"),
    ("--expected-failures", "acme.json", "--timeout", "30.0"),
)


def _run(*judgements: Judgement) -> Run:
    return Run(INFO, verdicts(judgements), judgements, INVOCATION)


def test_one_failure_counted_against_two_requirements_is_shown_once() -> None:
    # An assertion outside any check() fails every requirement of its test; the first to
    # fail is the root, the other points to it instead of repeating it with its own hint.
    run = _run(
        Judgement("test_cache.py::test_x", "CACHE-01", "failed", "the set was fetched twice"),
        Judgement("test_kid.py::test_k", "KID-01", "failed", "kid 'a' answered with 'A'"),
        Judgement("test_kid.py::test_k", "LOAD-01", "failed", "kid 'a' answered with 'A'"),
    )
    lines = terminal_lines(run, ExpectedFailures())
    heads = [line for line in lines if re.match(r"^  [A-Z]+-\d\d \(", line)]
    assert heads == [
        "  LOAD-01 (MUST) fail: test_kid.py::test_k",
        "  CACHE-01 (MUST) fail: test_cache.py::test_x",
        "  KID-01 (MUST) fail: test_kid.py::test_k: the same failure as LOAD-01 above",
    ]
    hints = [line for line in lines if "If this fails" in line]
    assert len(hints) == 2  # LOAD-01's and CACHE-01's; none of KID-01's beside LOAD-01's story


def test_replays_carry_the_options_that_change_verdicts() -> None:
    run = _run(Judgement("test_kid.py::test_k", "KID-01", "failed", "wrong key"))
    lines = terminal_lines(run, ExpectedFailures())
    replays = [line.split("replay", 1)[1] for line in lines if "replay" in line]
    assert len(replays) == 2  # the finding's and the whole run's
    for replay in replays:
        assert "--expected-failures acme.json" in replay
        assert "--timeout 30.0" in replay


def test_a_listed_failure_that_now_passes_says_to_remove_it(tmp_path: Path) -> None:
    known = tmp_path / "acme.json"
    known.write_text(json.dumps({"KID-01": "GW-1"}), encoding="utf-8")
    run = _run(Judgement("test_kid.py::test_k", "KID-01", "passed"))
    lines = terminal_lines(run, ExpectedFailures.load(known))
    assert f"KID-01 now passes: remove it from {known}" in lines


def test_text_from_the_implementation_cannot_drive_the_terminal() -> None:
    assert shown("bad\x1b[2Jkid\x07") == "bad\\x1b[2Jkid\\x07"
    run = _run(Judgement("test_kid.py::test_k", "KID-01", "failed", "kid \x1b]0;owned\x07"))
    assert not any("\x1b" in line for line in terminal_lines(run, ExpectedFailures()))


def test_a_narrower_run_counts_tests_as_pytest_does(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "jwkconform.suites.test_kid_purpose",
         "-p", "no:cacheprovider", "--jwk-seed", "1", "--jwk-report-json", "r.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    counted = sum(int(n) for n in re.findall(r"(\d+) (?:passed|failed|skipped|xfailed)",
                                             completed.stdout.splitlines()[-1]))  # fmt: skip
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    [reason] = report["incomplete"]
    assert re.fullmatch(
        rf"\d+ of the suites' \d+ test functions did not run \({counted} tests, as pytest"
        r" counts them, ran\)",
        reason,
    ), reason
