"""``jwkconform run``: the packaged suites from any folder.

Everything that can be checked before pytest starts is checked first, and fails with one
line: an empty value, a report path that cannot be written, an expected-failures file that
cannot be read (exit status 2), an adapter or driver that cannot be loaded or breaks the
contract (exit status 3). Then pytest runs the suites with the adapter already resolved.

    jwkconform run --adapter mypkg.adapter:factory --report-json out/report.json -- -x
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Sequence
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, Final

import pytest

from jwkconform.harness.report._reports import EXIT_MEANINGS, exit_status
from jwkconform.harness.run._campaign import campaign, campaign_seeds
from jwkconform.harness.run._jobs import jobs_for, narrows, xdist_arguments
from jwkconform.harness.run._options import OPTIONS, RunOptions
from jwkconform.harness.run._prepare import Prepared, resolve
from jwkconform.harness.run._problems import HarnessProblem, UsageProblem
from jwkconform.harness.seam._resolve import AdapterNotFound, Interrupted

__all__ = ["EXIT_HELP", "add_run_arguments", "pytest_arguments", "run"]

EXIT_HELP: Final = "exit status: " + ", ".join(f"{c} {m}" for c, m in EXIT_MEANINGS.items())
_STORAGE: Final = "HYPOTHESIS_STORAGE_DIRECTORY"
_SUITES: Final = "jwkconform.suites"


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    """The options of ``jwkconform run``; each ``--jwk-*`` spelling of pytest works too."""
    for option in OPTIONS:
        names = [f"--{name}" for name in (option.name, *option.aliases)]
        run.add_argument(*names, f"--jwk-{option.name}", **option.keywords("jwkconform run"))
    run.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="after --: arguments passed to pytest as they are",
    )


def _checked(args: argparse.Namespace) -> RunOptions:
    try:
        return RunOptions.checked(vars(args), "jwkconform run")
    except pytest.UsageError as exc:
        raise UsageProblem(str(exc)) from None


def _prepare(options: RunOptions) -> Prepared:
    """Resolve the adapter (or start the driver) now, so a broken one is one line."""
    try:
        spec, adapter = resolve(options)
    except AdapterNotFound as exc:
        raise HarnessProblem(str(exc)) from None
    except Interrupted:
        raise KeyboardInterrupt from None
    return Prepared(spec, adapter, options)


def _close(prepared: Prepared) -> None:
    close = getattr(prepared.adapter, "close", None)
    if callable(close):
        close()


def _where(tests: Sequence[str]) -> list[str]:
    """``--pyargs`` arguments for ``--test`` node IDs (``test_kid.py::test_x[p]``)."""
    if not tests:
        return [_SUITES]
    out = []
    for test in tests:
        module, sep, rest = test.rsplit("/", 1)[-1].partition("::")
        out.append(f"{_SUITES}.{module.removesuffix('.py')}{sep}{rest}")
    return out


def pytest_arguments(args: argparse.Namespace, options: RunOptions, ini: str) -> list[str]:
    """The pytest command line for ``jwkconform run``: its options as pytest spells them (an
    xdist worker reads them there), the seed drawn once, the workers ``--jobs`` gives."""
    argv = [
        "-c", ini,
        # --lf and --ff work; the cache lives where pytest users expect it.
        "-o", f"cache_dir={Path.cwd() / '.pytest_cache'}",
        "--pyargs", *_where(args.test),
    ]  # fmt: skip
    for option in OPTIONS:
        value: Any = options.seed if option.dest == "seed" else getattr(args, option.dest)
        flag = f"--jwk-{option.name}"
        if not option.pytest or value is None:
            continue
        if option.flag:
            argv += [flag] if value else []
        elif option.repeatable:
            argv += [word for one in value for word in (flag, one)]
        else:
            argv += [flag, str(value)]
    extra = list(args.pytest_args)
    extra = extra[1:] if extra[:1] == ["--"] else extra
    jobs = jobs_for(args.jobs, narrowed=bool(args.test or args.requirement) or narrows(extra))
    return argv + xdist_arguments(jobs, extra) + extra


def run(args: argparse.Namespace) -> int:
    """Run the suites as ``args`` say; the exit status of ``jwkconform run``."""
    options = _checked(args)
    if args.seeds is not None:
        seeds = campaign_seeds(args)
        # The adapter or driver once here, so a broken one is one line before any worker starts.
        _close(_prepare(options))
        expected = options.expected if args.expected_failures is not None else None
        return campaign(args, seeds, run, expected)
    prepared = _prepare(options)
    try:
        # The suites' own ini keeps the user's pytest configuration out of a conformance
        # run, and Hypothesis keeps its caches in a folder of its own, not in the user's.
        with (
            as_file(files(_SUITES) / "pytest.ini") as ini,
            tempfile.TemporaryDirectory(prefix="jwkconform-hypothesis-") as storage,
        ):
            previous = os.environ.get(_STORAGE)
            os.environ[_STORAGE] = previous or storage
            try:
                argv = pytest_arguments(args, options, str(ini))
                code = int(pytest.main(argv, plugins=[prepared]))
            finally:
                if previous is None:
                    del os.environ[_STORAGE]
    finally:
        _close(prepared)
    return exit_status(code)
