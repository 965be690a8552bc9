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
import random
import tempfile
from collections.abc import Sequence
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, Final

import pytest

from jwkconform.harness.report._reports import EXIT_MEANINGS
from jwkconform.harness.run._options import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_FETCH_TIMEOUT,
    verdict_options,
)
from jwkconform.harness.run._profiles import DEFAULT_PROFILE, PROFILES

__all__ = ["EXIT_HELP", "add_run_arguments", "pytest_arguments", "run"]

EXIT_HELP: Final = "exit status: " + ", ".join(f"{c} {m}" for c, m in EXIT_MEANINGS.items())
_STORAGE: Final = "HYPOTHESIS_STORAGE_DIRECTORY"
_SUITES: Final = "jwkconform.suites"


class UsageProblem(Exception):
    """A bad option of `jwkconform run` (exit status 2)."""


class HarnessProblem(Exception):
    """The adapter or driver cannot be used (exit status 3)."""


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    """The options of ``jwkconform run``; each ``--jwk-*`` spelling of pytest works too."""

    def add(*names: str, **kwargs: Any) -> None:
        long = names[0].removeprefix("--")
        run.add_argument(*names, f"--jwk-{long}", **kwargs)

    add("--adapter", help="module:factory, path/to/adapter.py:factory or an entry point name"
        " (default: the one installed adapter entry point other than the reference's, else"
        " the reference)")  # fmt: skip
    add("--driver", metavar="COMMAND", help="an implementation behind a driver process")
    add("--timeout", "--driver-timeout", type=float, default=DEFAULT_CALL_TIMEOUT,
        metavar="SECONDS", help="deadline of every call into the implementation"
        f" (default {DEFAULT_CALL_TIMEOUT:g})")  # fmt: skip
    add("--fetch-timeout", type=float, default=DEFAULT_FETCH_TIMEOUT, metavar="SECONDS",
        help=f"how long implementations should wait for a fetch (default"
        f" {DEFAULT_FETCH_TIMEOUT:g})")  # fmt: skip
    add("--transport", choices=("respx", "loopback"), help="mock server transport")
    add("--report-json", metavar="PATH", help="write the JSON report here")
    add("--report-md", metavar="PATH", help="write the Markdown report here")
    add("--report-html", metavar="PATH", help="write the HTML report here (one file)")
    add(
        "--expected-failures",
        metavar="FILE",
        help="known failures (JSON), or a shipped file by name: pyjwt, node-jose, go-oidc,"
        " nimbus, jwx",
    )
    add("--strict", action="store_true", help="failing SHOULD requirements fail the run")
    add("--requirement", action="append", default=[], metavar="ID",
        help="run only the tests of this requirement (repeatable)")  # fmt: skip
    add(
        "--test",
        action="append",
        default=[],
        metavar="NODEID",
        help="run only this test, as reports name it: test_kid.py::test_x[param] (repeatable)",
    )
    add("--profile", choices=tuple(PROFILES), default=DEFAULT_PROFILE,
        help=f"Hypothesis profile (default {DEFAULT_PROFILE})")  # fmt: skip
    add("--seed", type=int, help="Hypothesis seed (default: a fresh one, printed)")
    add("--seeds", metavar="LIST", help="a campaign: run once per seed (1-20 or 1,5,9),"
        " on every core, and write one merged report (jwkconform docs ci)")  # fmt: skip
    add("--shard", metavar="K/N", help="run only shard K of N (deterministic, balanced by"
        " duration); merge the shards' reports with jwkconform merge")  # fmt: skip
    add("--verbose-findings", action="store_true",
        help="show pytest's tracebacks and up to three tests per finding")  # fmt: skip
    run.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="after --: arguments passed to pytest as they are",
    )


def _nonempty(args: argparse.Namespace) -> None:
    for name in ("adapter", "driver", "report_json", "report_md", "report_html",
                 "expected_failures", "seeds", "shard"):  # fmt: skip
        value = getattr(args, name)
        if value is not None and not value.strip():
            flag = "--" + name.replace("_", "-")
            raise UsageProblem(f"{flag} is empty (an unset variable?): give a value or drop it")
    for name in ("requirement", "test"):
        if any(not v.strip() for v in getattr(args, name)):
            raise UsageProblem(f"--{name} is empty (an unset variable?): give a value or drop it")
    if args.adapter and args.driver:
        raise UsageProblem("--adapter and --driver exclude each other")
    for name in ("timeout", "fetch_timeout"):
        if not getattr(args, name) > 0:
            raise UsageProblem(f"--{name.replace('_', '-')} must be a positive number of seconds")
    if args.shard is not None:
        from jwkconform.harness.report._shard import parse_shard

        try:
            parse_shard(args.shard)
        except ValueError as exc:
            raise UsageProblem(str(exc)) from None


def _check_files(args: argparse.Namespace) -> None:
    from jwkconform.harness.run._options import check_writable, expected_failures_path
    from jwkconform.harness.spec._expected import ExpectedFailures

    for name in ("report_json", "report_md", "report_html"):
        value = getattr(args, name)
        if value is not None:
            try:
                check_writable(Path(value), "--" + name.replace("_", "-"))
            except pytest.UsageError as exc:
                raise UsageProblem(str(exc)) from None
    if args.expected_failures is not None:
        try:
            ExpectedFailures.load(expected_failures_path(args.expected_failures))
        except ValueError as exc:
            raise UsageProblem(str(exc)) from None
    for rid in args.requirement:
        from jwkconform.harness.spec._registry import UnknownRequirement, requirement

        for one in rid.split(","):
            try:
                requirement(one.strip())
            except UnknownRequirement as exc:
                raise UsageProblem(f"--requirement: {exc}") from None


def _prepare(args: argparse.Namespace) -> object:
    """Resolve the adapter (or start the driver) now, so a broken one is one line."""
    from jwkconform.harness.report._reports import Invocation
    from jwkconform.harness.run._session import Prepared
    from jwkconform.harness.seam._resolve import AdapterNotFound, Interrupted, resolve_adapter

    extra = verdict_options(
        strict=args.strict,
        transport=args.transport,
        expected_failures=args.expected_failures,
        call_timeout=args.timeout,
        fetch_timeout=args.fetch_timeout,
        prefix="--",
    )
    selection = tuple(
        [w for rid in args.requirement for w in ("--requirement", rid)]
        + [w for test in args.test for w in ("--test", test)]
        + (["--shard", args.shard.strip()] if args.shard else [])
    )
    if args.driver is not None:
        from jwkconform.harness.seam._driver import DriverAdapter, DriverError
        from jwkconform.harness.seam._resolve import check_adapter

        try:
            adapter: Any = DriverAdapter(args.driver, timeout=args.timeout)
            check_adapter(f"driver: {args.driver}", adapter)
        except (DriverError, ValueError, AdapterNotFound) as exc:
            raise HarnessProblem(" ".join(str(exc).split("\n", 1)[0].split())) from None
        invocation = Invocation(
            "jwkconform run", ("--driver", args.driver), tuple(extra), selection
        )
        return Prepared(f"driver: {args.driver}", adapter, invocation)
    try:
        spec, adapter = resolve_adapter(args.adapter)
    except AdapterNotFound as exc:
        raise HarnessProblem(str(exc)) from None
    except Interrupted:
        raise KeyboardInterrupt from None
    target = ("--adapter", args.adapter) if args.adapter else ()
    return Prepared(spec, adapter, Invocation("jwkconform run", target, tuple(extra), selection))


def _where(tests: Sequence[str]) -> list[str]:
    """``--pyargs`` arguments for ``--test`` node IDs (``test_kid.py::test_x[p]``)."""
    if not tests:
        return [_SUITES]
    out = []
    for test in tests:
        module, sep, rest = test.rsplit("/", 1)[-1].partition("::")
        out.append(f"{_SUITES}.{module.removesuffix('.py')}{sep}{rest}")
    return out


def pytest_arguments(args: argparse.Namespace, ini: str) -> list[str]:
    """The pytest command line for ``jwkconform run``."""
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    argv = [
        "-c", ini,
        # --lf and --ff work; the cache lives where pytest users expect it.
        "-o", f"cache_dir={Path.cwd() / '.pytest_cache'}",
        "--pyargs", *_where(args.test),
        "--jwk-profile", args.profile,
        "--jwk-seed", str(seed),
        "--jwk-timeout", str(args.timeout),
        "--jwk-fetch-timeout", str(args.fetch_timeout),
    ]  # fmt: skip
    for flag, value in (
        ("--jwk-adapter", args.adapter),
        ("--jwk-driver", args.driver),
        ("--jwk-transport", args.transport),
        ("--jwk-report-json", args.report_json),
        ("--jwk-report-md", args.report_md),
        ("--jwk-report-html", args.report_html),
        ("--jwk-expected-failures", args.expected_failures),
        ("--jwk-shard", args.shard),
    ):
        if value is not None:
            argv += [flag, value]
    if args.strict:
        argv.append("--jwk-strict")
    if args.verbose_findings:
        argv.append("--jwk-verbose-findings")
    for rid in args.requirement:
        argv += ["--jwk-requirement", rid]
    extra = list(args.pytest_args)
    return argv + (extra[1:] if extra[:1] == ["--"] else extra)


def run(args: argparse.Namespace) -> int:
    """Run the suites as ``args`` say; the exit status of ``jwkconform run``."""
    from jwkconform.harness.report._reports import exit_status

    _nonempty(args)
    _check_files(args)
    if args.seeds is not None:
        from jwkconform.harness.run._campaign import campaign

        return campaign(args)
    prepared = _prepare(args)
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
                code = int(pytest.main(pytest_arguments(args, str(ini)), plugins=[prepared]))
            finally:
                if previous is None:
                    del os.environ[_STORAGE]
    finally:
        close = getattr(getattr(prepared, "adapter", None), "close", None)
        if callable(close):
            close()
    return exit_status(code)
