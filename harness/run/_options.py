"""The options of a conformance run: one table (`OPTIONS`), checked at once into `RunOptions`.

Each option is declared once: ``jwkconform run`` takes it as ``--NAME`` (and as pytest spells
it, ``--jwk-NAME``), the pytest plugin as ``--jwk-NAME``. ``jwkconform run`` checks its options
by building `RunOptions` before pytest starts and hands them to the plugin; a plain pytest run
(and an xdist worker) builds them from pytest's configuration.

Every problem with an option is a `pytest.UsageError` with one line, raised before any test
is collected: an empty value (an unset CI variable), a report path that cannot be written,
an expected-failures file that cannot be read, an unknown requirement to select.

>>> [option.name for option in OPTIONS][:3]
['adapter', 'driver', 'timeout']
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

import pytest

from jwkconform.harness.endpoints._faults import DEFAULT_FETCH_TIMEOUT
from jwkconform.harness.report._reports import Invocation
from jwkconform.harness.report._shard import Shard, parse_shard
from jwkconform.harness.run._jobs import AUTO, NARROWING, parse_jobs
from jwkconform.harness.run._profiles import DEFAULT_PROFILE, PROFILES
from jwkconform.harness.seam._deadline import DEFAULT_CALL_TIMEOUT
from jwkconform.harness.spec._expected import SHIPPED, ExpectedFailures
from jwkconform.harness.spec._registry import UnknownRequirement, requirement

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_FETCH_TIMEOUT",
    "OPTIONS",
    "Option",
    "Program",
    "RunOptions",
    "check_writable",
    "expected_failures_path",
]

Program = Literal["jwkconform run", "pytest"]
# How each program spells an option: --NAME, --jwk-NAME.
_PREFIX: Final[Mapping[Program, str]] = {"jwkconform run": "--", "pytest": "--jwk-"}


@dataclass(frozen=True)
class Option:
    """One option of a run, as argparse (and pytest's ``addoption``) declare it."""

    name: str  # --NAME to `jwkconform run`, --jwk-NAME to pytest
    help: str
    aliases: tuple[str, ...] = ()  # other spellings, the same prefixes
    metavar: str | None = None
    type: type[float] | type[int] | None = None
    choices: tuple[str, ...] | None = None
    default: float | None = None
    flag: bool = False  # present or not
    repeatable: bool = False  # a list of every value given
    pytest: bool = True  # False: `jwkconform run` alone has it
    # `jwkconform run` always names a profile, so it is loaded before the suites are imported.
    run_default: str | None = None

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def text(self) -> bool:
        """A free text value, which an unset variable leaves empty."""
        return not self.flag and self.type is None and self.choices is None

    def keywords(self, program: Program) -> dict[str, Any]:
        """The keywords of ``add_argument`` (``addoption``) for ``program``."""
        if self.flag:
            return {"action": "store_true", "default": False, "help": self.help}
        default = self.run_default if program == "jwkconform run" else None
        kwargs: dict[str, Any] = {"default": default or self.default, "help": self.help}
        if self.repeatable:
            kwargs.update(action="append", default=[])
        for key in ("metavar", "type", "choices"):
            if getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        return kwargs


_SHIPPED_NAMES: Final = "pyjwt, node-jose, go-oidc, nimbus, jwx"
# In the order `jwkconform run --help` lists them.
OPTIONS: Final[tuple[Option, ...]] = (
    Option("adapter", "module:factory, path/to/adapter.py:factory or an entry point name"
           " (default: the one installed adapter entry point other than the reference's, else"
           " the reference)", metavar="MODULE:FACTORY"),
    Option("driver", "an implementation behind a driver process", metavar="COMMAND"),
    Option("timeout", "deadline of every call into the implementation"
           f" (default {DEFAULT_CALL_TIMEOUT:g})", aliases=("driver-timeout",),
           metavar="SECONDS", type=float, default=DEFAULT_CALL_TIMEOUT),
    Option("fetch-timeout", "how long implementations should wait for a fetch"
           f" (default {DEFAULT_FETCH_TIMEOUT:g})", metavar="SECONDS", type=float,
           default=DEFAULT_FETCH_TIMEOUT),
    Option("transport", "mock server transport", choices=("respx", "loopback")),
    Option("report-json", "write the JSON report here", metavar="PATH"),
    Option("report-md", "write the Markdown report here", metavar="PATH"),
    Option("report-html", "write the HTML report here (one file)", metavar="PATH"),
    Option("expected-failures", f"known failures (JSON), or a shipped file by name:"
           f" {_SHIPPED_NAMES}", metavar="FILE"),
    Option("strict", "failing SHOULD requirements fail the run", flag=True),
    Option("requirement", "run only the tests of this requirement (repeatable)",
           metavar="ID", repeatable=True),
    Option("test", "run only this test, as reports name it: test_kid.py::test_x[param]"
           " (repeatable)", metavar="NODEID", repeatable=True, pytest=False),
    Option("profile", f"Hypothesis profile (default {DEFAULT_PROFILE})",
           choices=tuple(PROFILES), run_default=DEFAULT_PROFILE),
    Option("seed", "Hypothesis seed (default: a fresh one, printed)", type=int),
    Option("seeds", "a campaign: run once per seed (1-20 or 1,5,9), on every core, and write"
           " one merged report (jwkconform docs ci)", metavar="LIST", pytest=False),
    Option("jobs", f"worker processes: a number, or {AUTO} (default: every core; one for a"
           f" run narrowed by --test, --requirement or {', '.join(NARROWING)})", metavar="N",
           pytest=False, run_default=AUTO),
    Option("shard", "run only shard K of N (deterministic, balanced by duration); merge the"
           " shards' reports with jwkconform merge", metavar="K/N"),
    Option("verbose-findings", "show pytest's tracebacks and up to three tests per finding",
           flag=True),
)  # fmt: skip
_REPORTS: Final = ("report-json", "report-md", "report-html")
_BY_NAME: Final = {o.name: o for o in OPTIONS}
# Besides --strict, the options that change verdicts, which a replay carries (in this order).
_VERDICT_OPTIONS: Final = tuple(
    _BY_NAME[n] for n in ("transport", "expected-failures", "timeout", "fetch-timeout")
)


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
    shipped = resources.files(SHIPPED) / f"{value}.json"
    return Path(str(shipped)) if shipped.is_file() else path


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
    invocation: Invocation  # how to start this run again
    shard: Shard | None = None
    verbose_findings: bool = False

    @classmethod
    def from_config(cls, config: pytest.Config) -> RunOptions:
        """The options of a pytest run (``--jwk-*``, the ini key ``jwk_adapter``)."""
        values = {o.dest: getattr(config.option, f"jwk_{o.dest}") for o in OPTIONS if o.pytest}
        workerinput = getattr(config, "workerinput", None)
        return cls.checked(
            values,
            "pytest",
            adapter=config.getini("jwk_adapter") or None,
            seed=workerinput.get("jwkconform_seed") if workerinput is not None else None,
        )

    @classmethod
    def checked(
        cls,
        values: Mapping[str, Any],
        program: Program,
        *,
        adapter: str | None = None,
        seed: int | None = None,
    ) -> RunOptions:
        """The options ``values`` (by `Option.dest`) hold, as ``program`` took them; ``adapter``
        and ``seed`` stand where they name none."""
        prefix = _PREFIX[program]
        _check(values, prefix)
        shard = _shard(values["shard"], prefix)
        reports = {
            name: check_writable(Path(value), prefix + name) if value is not None else None
            for name, value in ((n, values[n.replace("-", "_")]) for n in _REPORTS)
        }
        expected = ExpectedFailures()
        if values["expected_failures"] is not None:
            try:
                expected = ExpectedFailures.load(
                    expected_failures_path(values["expected_failures"])
                )
            except ValueError as exc:
                raise pytest.UsageError(str(exc)) from None
        adapter = values["adapter"] or adapter
        return cls(
            adapter=adapter,
            driver=values["driver"],
            call_timeout=values["timeout"],
            fetch_timeout=values["fetch_timeout"],
            transport=values["transport"],
            strict=values["strict"],
            profile=values["profile"] or DEFAULT_PROFILE,
            profile_given=values["profile"] is not None,
            seed=_seed(values["seed"] if values["seed"] is not None else seed),
            expected=expected,
            report_json=reports["report-json"],
            report_md=reports["report-md"],
            report_html=reports["report-html"],
            selected=_selected(values["requirement"], prefix),
            # An option left at its default does not ask (a timeout alone does not either).
            asked_for=any(values.get(o.dest) for o in OPTIONS if o.pytest and not o.default),
            invocation=_invocation(values, program, adapter),
            shard=shard,
            verbose_findings=bool(values["verbose_findings"]),
        )


def _invocation(values: Mapping[str, Any], program: Program, adapter: str | None) -> Invocation:
    """The one builder of replay commands: the target and every option that changes verdicts
    (besides the seed and profile, which the report holds), as ``program`` spells them;
    ``jwkconform run`` also repeats the selection, for a replay of the whole run."""
    prefix = _PREFIX[program]
    target: tuple[str, ...] = ()
    if values["driver"]:
        target = (f"{prefix}driver", values["driver"])
    elif adapter:
        target = (f"{prefix}adapter", adapter)
    extra = [f"{prefix}strict"] if values["strict"] else []
    for option in _VERDICT_OPTIONS:
        value = values[option.dest]
        if value is not None and value != option.default:
            extra += [f"{prefix}{option.name}", str(value)]
    selection: list[str] = []
    if program == "jwkconform run":
        for name in ("requirement", "test"):
            selection += [w for value in values[name] for w in (f"{prefix}{name}", value)]
        if values["shard"]:
            selection += [f"{prefix}shard", values["shard"].strip()]
    return Invocation(program, target, tuple(extra), tuple(selection))


def _seed(seed: int | None) -> int:
    return seed if seed is not None else random.SystemRandom().randrange(2**32)


def _check(values: Mapping[str, Any], prefix: str) -> None:
    """The checks of single values and of pairs, in the table's order."""
    for option in OPTIONS:
        value = values.get(option.dest)
        given = (value or []) if option.repeatable else [value] if value is not None else []
        if option.text and any(not v.strip() for v in given):
            raise pytest.UsageError(
                f"{prefix}{option.name} is empty (an unset variable?): give a value or drop it"
            )
    try:
        parse_jobs(values.get("jobs") or AUTO)
    except ValueError as exc:
        raise pytest.UsageError(str(exc).replace("--jobs", f"{prefix}jobs", 1)) from None
    if values["adapter"] and values["driver"]:
        raise pytest.UsageError(f"{prefix}adapter and {prefix}driver exclude each other")
    for name in ("timeout", "fetch-timeout"):
        if not values[name.replace("-", "_")] > 0:
            raise pytest.UsageError(f"{prefix}{name} must be a positive number of seconds")


def _shard(value: str | None, prefix: str) -> Shard | None:
    try:
        return parse_shard(value) if value is not None else None
    except ValueError as exc:
        raise pytest.UsageError(str(exc).replace("--shard", f"{prefix}shard", 1)) from None


def _selected(values: list[str], prefix: str) -> frozenset[str]:
    wanted = {i.strip() for value in values for i in value.split(",")} - {""}
    for rid in wanted:
        try:
            requirement(rid)
        except UnknownRequirement as exc:
            raise pytest.UsageError(f"{prefix}requirement: {exc}") from None
    return frozenset(wanted)
