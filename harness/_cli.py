"""``jwkconform run``: the packaged suites from any folder.

It exits non-zero only when a MUST requirement fails (any failure in ``--strict`` mode) or
the harness itself fails.

    jwkconform run --adapter mypkg.adapter:factory --report-json out/report.json -- -x
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from importlib.resources import as_file, files

import pytest

from jwkconform.harness._profiles import DEFAULT_PROFILE, PROFILES

__all__ = ["add_run_arguments", "pytest_arguments", "run"]

# pytest's exit codes, and what `jwkconform run` makes of them.
_TESTS_FAILED = 1
_HARNESS_ERROR = 3
_EXIT: dict[int, int] = {0: 0, _TESTS_FAILED: _TESTS_FAILED}
_STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    """The options of ``jwkconform run``."""
    run.add_argument(
        "--adapter",
        help="module:factory or an entry point name (default: the one installed adapter entry "
        "point other than the reference's, else the reference)",
    )
    run.add_argument(
        "--driver", metavar="COMMAND", help="an implementation behind a driver process"
    )
    run.add_argument("--transport", choices=("respx", "loopback"), help="mock server transport")
    run.add_argument("--report-json", metavar="PATH", help="write the JSON report here")
    run.add_argument("--report-md", metavar="PATH", help="write the Markdown report here")
    run.add_argument("--expected-failures", metavar="FILE", help="known failures (JSON)")
    run.add_argument("--strict", action="store_true", help="failing SHOULD requirements fail")
    run.add_argument(
        "--requirement",
        action="append",
        default=[],
        metavar="ID",
        help="run only the tests of this requirement (repeatable)",
    )
    run.add_argument(
        "--profile",
        choices=tuple(PROFILES),
        default=DEFAULT_PROFILE,
        help=f"Hypothesis profile (default {DEFAULT_PROFILE})",
    )
    run.add_argument("--seed", type=int, help="Hypothesis seed (default: a fresh one, printed)")
    run.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="after --: arguments passed to pytest as they are",
    )


def pytest_arguments(args: argparse.Namespace, ini: str) -> list[str]:
    """The pytest command line for ``jwkconform run``."""
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    argv = [
        "-c",
        ini,
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "jwkconform.suites",
        "--jwk-profile",
        args.profile,
        "--jwk-seed",
        str(seed),
    ]
    for flag, value in (
        ("--jwk-adapter", args.adapter),
        ("--jwk-driver", args.driver),
        ("--jwk-transport", args.transport),
        ("--jwk-report-json", args.report_json),
        ("--jwk-report-md", args.report_md),
        ("--jwk-expected-failures", args.expected_failures),
    ):
        if value is not None:  # an empty value is passed on, to be refused, not dropped
            argv += [flag, value]
    if args.strict:
        argv.append("--jwk-strict")
    for rid in args.requirement:
        argv += ["--jwk-requirement", rid]
    extra = list(args.pytest_args)
    return argv + (extra[1:] if extra[:1] == ["--"] else extra)


def run(args: argparse.Namespace) -> int:
    """Run the suites as ``args`` say; the exit code of ``jwkconform run``."""
    # The suites' own ini keeps the user's pytest configuration out of a conformance run,
    # and Hypothesis keeps its caches in a folder of its own, not in the user's.
    with (
        as_file(files("jwkconform.suites") / "pytest.ini") as ini,
        tempfile.TemporaryDirectory(prefix="jwkconform-hypothesis-") as storage,
    ):
        previous = os.environ.get(_STORAGE)
        os.environ[_STORAGE] = previous or storage
        try:
            code = int(pytest.main(pytest_arguments(args, str(ini))))
        finally:
            if previous is None:
                del os.environ[_STORAGE]
    return _EXIT.get(code, _HARNESS_ERROR)
