"""State of one conformance run: the options, the target, and the outcomes seen so far.

It lives on the pytest config (one per run, controller and xdist workers alike); only the
controller writes reports, from the outcomes that xdist relays to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

from jwkconform.harness._adapter import CAPABILITIES
from jwkconform.harness._expected import ExpectedFailures
from jwkconform.harness._profiles import DEFAULT_PROFILE
from jwkconform.harness._registry import Level
from jwkconform.harness._reports import RunInfo, terminal_lines, write_json, write_markdown
from jwkconform.harness._resolve import AdapterNotFound, resolve_adapter
from jwkconform.harness._verdicts import Outcome, RequirementResult, TestOutcome, verdicts

if TYPE_CHECKING:
    from jwkconform.harness._adapter import Adapter
    from jwkconform.harness._target import Target

__all__ = ["OUTCOME_PROPERTY", "REQUIREMENT_PROPERTY", "Conformance"]

REQUIREMENT_PROPERTY = "requirement"
OUTCOME_PROPERTY = "jwkconform_outcome"
MESSAGE_PROPERTY = "jwkconform_message"


@dataclass(eq=False)  # a pytest plugin object: hashed by identity
class Conformance:
    """Options and results of one run."""

    adapter_spec: str | None
    driver: str | None
    driver_timeout: float
    transport: Literal["respx", "loopback"] | None
    strict: bool
    profile: str
    seed: int | None
    expected: ExpectedFailures
    report_json: Path | None
    report_md: Path | None
    is_worker: bool
    asked_for: bool = False
    collected: bool = False
    _target: Target | None = None
    outcomes: dict[str, TestOutcome] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: pytest.Config) -> Conformance:
        option = config.option
        expected_path = option.jwk_expected_failures
        try:
            expected = (
                ExpectedFailures.load(Path(expected_path))
                if expected_path
                else ExpectedFailures({})
            )
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        seed = option.jwk_seed
        return cls(
            adapter_spec=option.jwk_adapter or config.getini("jwk_adapter") or None,
            driver=option.jwk_driver,
            driver_timeout=option.jwk_driver_timeout,
            transport=option.jwk_transport,
            strict=option.jwk_strict,
            profile=option.jwk_profile or DEFAULT_PROFILE,
            seed=seed,
            expected=expected,
            report_json=Path(option.jwk_report_json) if option.jwk_report_json else None,
            report_md=Path(option.jwk_report_md) if option.jwk_report_md else None,
            is_worker=hasattr(config, "workerinput"),
            asked_for=any(
                getattr(option, name)
                for name in (
                    "jwk_adapter", "jwk_driver", "jwk_transport", "jwk_strict", "jwk_profile",
                    "jwk_seed", "jwk_expected_failures", "jwk_report_json", "jwk_report_md",
                    "jwk_requirement",
                )
            ),
        )  # fmt: skip

    @property
    def target(self) -> Target:
        """The adapter under test, resolved on first use; a bad adapter is a usage error."""
        if self._target is None:
            from jwkconform.harness._target import Target  # lazily: keeps the plugin import light

            try:
                spec, adapter = self._resolve()
            except AdapterNotFound as exc:
                raise pytest.UsageError(f"jwkconform: {exc}") from None
            self._target = Target(adapter, spec, self.transport)
        return self._target

    def _resolve(self) -> tuple[str, Adapter]:
        if self.driver is None:
            spec, adapter = resolve_adapter(self.adapter_spec)
        else:
            from jwkconform.harness._driver import DriverAdapter, DriverError

            try:
                spec = f"driver: {self.driver}"
                adapter = DriverAdapter(self.driver, timeout=self.driver_timeout)
            except (DriverError, ValueError) as exc:
                raise AdapterNotFound(str(exc)) from None
        # A misspelt capability would only make tests skip without a word.
        unknown = sorted(set(adapter.capabilities) - set(CAPABILITIES))
        if unknown:
            raise AdapterNotFound(
                f"{adapter.name} declares unknown capabilities {unknown}; "
                f"known: {', '.join(sorted(CAPABILITIES))}"
            )
        return spec, adapter

    def pytest_unconfigure(self) -> None:
        """Shut down an adapter that holds a process (a driver), so nothing is left behind."""
        close = getattr(self._target.adapter, "close", None) if self._target else None
        if callable(close):
            close()

    def level_of(self, levels: set[Level]) -> Level | None:
        """The strictest of ``levels``."""
        for level in (Level.MUST, Level.SHOULD, Level.MAY):
            if level in levels:
                return level
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one phase report into that test's outcome."""
        props = dict(report.user_properties)
        ids = tuple(str(v) for k, v in report.user_properties if k == REQUIREMENT_PROPERTY)
        if not ids:
            return
        outcome = _outcome_of(report, props)
        if outcome is None:
            return
        previous = self.outcomes.get(report.nodeid)
        if previous is not None and previous.outcome != "passed":
            return  # a teardown pass never hides a call failure
        message = str(props.get(MESSAGE_PROPERTY, "")) or _skip_reason(report)
        self.outcomes[report.nodeid] = TestOutcome(report.nodeid, ids, outcome, message)

    def _results(self) -> tuple[RunInfo, list[RequirementResult]]:
        info = RunInfo(
            implementation=self.target.name,
            adapter=self.target.spec,
            seed=self.seed,
            profile=self.profile,
            strict=self.strict,
            transport=self.target.transport,
        )
        return info, verdicts(self.outcomes.values())

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Print the per-requirement table (controller only, conformance runs only)."""
        if self.is_worker or not self.outcomes:
            return
        info, results = self._results()
        terminalreporter.write_sep("=", f"jwkconform: {info.implementation}")
        for line in terminal_lines(results):
            terminalreporter.write_line(line)
        # Under xdist the workers collect and match; this process never saw the tests.
        for key in self.expected.unused() if self.collected else ():
            terminalreporter.write_line(f"warning: expected failure {key!r} matched no test")
        if self.seed is not None:
            terminalreporter.write_line(
                f"replay this run: --jwk-seed {self.seed} --jwk-profile {self.profile}"
            )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the reports (controller only, conformance runs only)."""
        if self.is_worker or not self.outcomes:
            return
        info, results = self._results()
        if self.report_json:
            write_json(self.report_json, info, results)
        if self.report_md:
            write_markdown(self.report_md, info, results)


def _outcome_of(report: pytest.TestReport, props: dict[str, object]) -> Outcome | None:
    if props.get(OUTCOME_PROPERTY) == "non-strict":
        return "non-strict"
    if hasattr(report, "wasxfail"):
        if report.skipped:
            return "xfailed"
        if report.failed:
            return "failed"  # a strict XPASS
        return "passed" if report.when == "call" else None  # a loose XPASS
    if report.failed:
        return "failed"
    if report.skipped:
        return "skipped"
    return "passed" if report.when == "call" else None


def _skip_reason(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    wasxfail = getattr(report, "wasxfail", "")
    if wasxfail:
        return str(wasxfail)
    crash = getattr(report.longrepr, "reprcrash", None)
    return str(getattr(crash, "message", "")) if crash is not None else str(report.longrepr or "")
