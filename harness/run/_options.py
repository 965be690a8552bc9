"""The options of a conformance run, read from pytest's configuration and checked at once.

Every problem with an option is a `pytest.UsageError` with one line, raised before any test
is collected: an empty value (an unset CI variable), a report path that cannot be written,
an expected-failures file that cannot be read, an unknown requirement to select.
"""

from __future__ import annotations

import os
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import pytest

from jwkconform.harness.report._shard import Shard, parse_shard
from jwkconform.harness.run._profiles import DEFAULT_PROFILE
from jwkconform.harness.spec._expected import SHIPPED, ExpectedFailures
from jwkconform.harness.spec._registry import UnknownRequirement, requirement

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_FETCH_TIMEOUT",
    "OPTION_NAMES",
    "RunOptions",
    "check_writable",
    "expected_failures_path",
    "verdict_options",
]

# The dest of every --jwk-* option: one list, so "was conformance asked for?" cannot miss one.
OPTION_NAMES: Final = (
    "jwk_adapter", "jwk_driver", "jwk_transport", "jwk_strict", "jwk_profile", "jwk_seed",
    "jwk_expected_failures", "jwk_report_json", "jwk_report_md", "jwk_report_html",
    "jwk_requirement", "jwk_shard", "jwk_verbose_findings",
)  # fmt: skip
DEFAULT_CALL_TIMEOUT: Final = 10.0  # seconds: --jwk-timeout
DEFAULT_FETCH_TIMEOUT: Final = 1.0  # seconds: --jwk-fetch-timeout


def check_writable(path: Path, option: str) -> Path:
    """``path`` if a report can be written there; a one-line UsageError otherwise.

    It is checked by writing, not by asking: permissions say nothing of a file system such
    as /proc, where a file that may be opened for writing cannot be created.
    """
    if path.is_dir():
        raise pytest.UsageError(f"{option} {path}: is a folder, not a file")
    folder = path.parent
    while not folder.exists():  # the report creates missing folders: check the first that is
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise pytest.UsageError(f"{option} {path}: cannot write in {folder}")
    try:
        if path.exists():
            with path.open("a", encoding="utf-8"):  # opened for writing, left as it is
                pass
        elif folder == path.parent:
            with path.open("x", encoding="utf-8"):
                pass
            path.unlink()
        else:
            with tempfile.TemporaryFile(dir=folder):
                pass
    except OSError as exc:
        raise pytest.UsageError(f"{option} {path}: cannot write: {exc.strerror or exc}") from None
    return path


def expected_failures_path(value: str) -> Path:
    """A path, or the name of a file shipped with jwkconform (``pyjwt``, ``node-jose``)."""
    path = Path(value)
    if path.exists() or os.sep in value or value.endswith(".json"):
        return path
    from importlib import resources

    shipped = resources.files(SHIPPED) / f"{value}.json"
    return Path(str(shipped)) if shipped.is_file() else path


def _nonempty(value: str | None, option: str) -> str | None:
    if value is not None and not value.strip():
        raise pytest.UsageError(f"{option} is empty (an unset variable?): give a value or drop it")
    return value


@dataclass(frozen=True)
class RunOptions:
    """The checked options of one run."""

    adapter: str | None
    driver: str | None
    call_timeout: float
    fetch_timeout: float
    transport: Literal["respx", "loopback"] | None
    strict: bool
    profile: str
    profile_given: bool
    seed: int
    expected: ExpectedFailures
    report_json: Path | None
    report_md: Path | None
    report_html: Path | None
    selected: frozenset[str]
    asked_for: bool
    shard: Shard | None = None
    verbose_findings: bool = False

    @classmethod
    def from_config(cls, config: pytest.Config) -> RunOptions:
        option = config.option
        adapter = _nonempty(option.jwk_adapter, "--jwk-adapter")
        driver = _nonempty(option.jwk_driver, "--jwk-driver")
        if adapter and driver:
            raise pytest.UsageError("--jwk-adapter and --jwk-driver exclude each other")
        expected = ExpectedFailures()
        expected_value = _nonempty(option.jwk_expected_failures, "--jwk-expected-failures")
        if expected_value is not None:
            try:
                expected = ExpectedFailures.load(expected_failures_path(expected_value))
            except ValueError as exc:
                raise pytest.UsageError(str(exc)) from None
        reports = {}
        for name, flag in (("jwk_report_json", "--jwk-report-json"),
                           ("jwk_report_md", "--jwk-report-md"),
                           ("jwk_report_html", "--jwk-report-html")):  # fmt: skip
            value = _nonempty(getattr(option, name), flag)
            reports[name] = check_writable(Path(value), flag) if value is not None else None
        for name, flag in (("jwk_timeout", "--jwk-timeout"),
                           ("jwk_fetch_timeout", "--jwk-fetch-timeout")):  # fmt: skip
            if not getattr(option, name) > 0:
                raise pytest.UsageError(f"{flag} must be a positive number of seconds")
        workerinput = getattr(config, "workerinput", None)
        seed = option.jwk_seed
        if seed is None and workerinput is not None:
            seed = workerinput.get("jwkconform_seed")
        return cls(
            adapter=adapter or config.getini("jwk_adapter") or None,
            driver=driver,
            call_timeout=option.jwk_timeout,
            fetch_timeout=option.jwk_fetch_timeout,
            transport=option.jwk_transport,
            strict=option.jwk_strict,
            profile=option.jwk_profile or DEFAULT_PROFILE,
            profile_given=option.jwk_profile is not None,
            seed=seed if seed is not None else random.SystemRandom().randrange(2**32),
            expected=expected,
            report_json=reports["jwk_report_json"],
            report_md=reports["jwk_report_md"],
            report_html=reports["jwk_report_html"],
            selected=_selected(option.jwk_requirement),
            asked_for=any(getattr(option, name) for name in OPTION_NAMES),
            shard=_shard(_nonempty(option.jwk_shard, "--jwk-shard")),
            verbose_findings=bool(option.jwk_verbose_findings),
        )


def _shard(value: str | None) -> Shard | None:
    try:
        return parse_shard(value) if value is not None else None
    except ValueError as exc:
        raise pytest.UsageError(str(exc).replace("--shard", "--jwk-shard", 1)) from None


def _selected(values: list[str]) -> frozenset[str]:
    if any(not value.strip() for value in values):
        raise pytest.UsageError("--jwk-requirement is empty (an unset variable?): give an ID")
    wanted = {i.strip() for value in values for i in value.split(",")} - {""}
    for rid in wanted:
        try:
            requirement(rid)
        except UnknownRequirement as exc:
            raise pytest.UsageError(f"--jwk-requirement: {exc}") from None
    return frozenset(wanted)


def verdict_options(
    *,
    strict: bool,
    transport: str | None,
    expected_failures: str | None,
    call_timeout: float,
    fetch_timeout: float,
    prefix: str,
) -> tuple[str, ...]:
    """The options besides the target, seed and profile that change verdicts, spelt with
    ``prefix`` (``--`` for `jwkconform run`, ``--jwk-`` for pytest): what a replay carries."""
    words: list[str] = [f"{prefix}strict"] if strict else []
    for name, value, default in (
        ("transport", transport, None),
        ("expected-failures", expected_failures, None),
        ("timeout", call_timeout, DEFAULT_CALL_TIMEOUT),
        ("fetch-timeout", fetch_timeout, DEFAULT_FETCH_TIMEOUT),
    ):
        if value is not None and value != default:
            words += [f"{prefix}{name}", str(value)]
    return tuple(words)
