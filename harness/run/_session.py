"""State of one conformance run: the options, the target, and what the tests found.

It lives on the pytest config (one per run, controller and xdist workers alike). Workers
judge their tests; the controller folds the judgements that xdist relays, tells whether
the run was complete, and writes the reports.
"""

from __future__ import annotations

import dataclasses
import functools
import signal
import threading
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Final

import pytest
from _pytest.junitxml import xml_key  # the stash key of pytest's JUnit writer (pytest >= 7)

from jwkconform.harness._untrusted import xml as xml_text
from jwkconform.harness.report._reports import (
    Run,
    RunInfo,
    _mismatches,
    exit_status,
    write_reports,
)
from jwkconform.harness.report._shard import shard_reason, split
from jwkconform.harness.report._terminal import shown, terminal_lines
from jwkconform.harness.report._verdicts import OUTCOMES, Judgement, verdicts
from jwkconform.harness.run._options import RunOptions
from jwkconform.harness.run._phase import judge_phase, requirement_marks
from jwkconform.harness.run._prepare import Prepared, resolve
from jwkconform.harness.seam._resolve import AdapterNotFound, Interrupted
from jwkconform.harness.spec._keys import set_active_key_support
from jwkconform.harness.spec._spec import suite_tests

if TYPE_CHECKING:
    from jwkconform.harness.seam._target import Target

__all__ = ["JUDGEMENTS", "Conformance"]

# The attribute of a test report that carries its judgements (it survives xdist).
JUDGEMENTS: Final = "jwkconform"
_SUITES: Final = "jwkconform.suites"


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@functools.cache
def _suites_folder() -> Path:
    return Path(str(resources.files(_SUITES))).resolve()


@dataclass(eq=False)  # a pytest plugin object: hashed by identity
class Conformance:
    """Options and results of one run."""

    options: RunOptions
    is_worker: bool
    prepared: Prepared | None = None
    _target: Target | None = None
    judgements: dict[tuple[str, str], Judgement] = field(default_factory=dict)
    collected: set[str] = field(default_factory=set)
    # Each test's place in collection order: findings name their tests in that order, not
    # in the order xdist's workers happened to finish them.
    positions: dict[str, int] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    deselected: int = 0
    elsewhere: set[str] = field(default_factory=set)  # --shard: the other shards' tests
    _sharding: bool = False
    suite_run: bool = False
    started: float = field(default_factory=time.time)
    workeroutput: dict[str, Any] | None = None
    finished_run: Run | None = None
    report_error: str = ""
    interrupted: bool = False
    _previous_sigint: Any = None

    # -- interruption ----------------------------------------------------------------------

    def watch_interrupts(self) -> None:
        """Remember a Ctrl-C even if Python swallows its KeyboardInterrupt (one raised inside
        a weakref callback or a finalizer is only printed), so the run still stops."""
        if self._previous_sigint is not None or not _main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)

        def on_sigint(signum: int, frame: FrameType | None) -> None:
            self.interrupted = True
            if callable(previous):
                previous(signum, frame)
            raise KeyboardInterrupt

        self._previous_sigint = previous
        signal.signal(signal.SIGINT, on_sigint)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        if self.interrupted:  # the interrupt was swallowed: raise it again, between tests
            raise KeyboardInterrupt("interrupted (Ctrl-C)")

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    # -- the target ------------------------------------------------------------------------

    @property
    def target(self) -> Target:
        """The adapter under test, resolved on first use; a bad adapter is a usage error."""
        if self._target is None:
            # Not at the top: it imports httpx, which the plugin must not import before
            # pytest registers it (see jwkconform.harness).
            from jwkconform.harness.seam._target import Target

            try:
                prepared = self.prepared
                spec, adapter = (
                    (prepared.spec, prepared.adapter) if prepared else resolve(self.options)
                )
            except AdapterNotFound as exc:
                raise pytest.UsageError(f"jwkconform: {exc}") from None
            except Interrupted as exc:
                raise KeyboardInterrupt(str(exc)) from None
            self._target = Target(
                adapter,
                spec,
                self.options.transport,
                call_timeout=self.options.call_timeout,
                fetch_timeout=self.options.fetch_timeout,
            )
            self._target.seed = self.options.seed
            set_active_key_support(self._target.key_support)
        return self._target

    def pytest_unconfigure(self) -> None:
        """Stop the loopback server and an adapter that holds a process (a driver), so nothing
        is left behind."""
        if self._previous_sigint is not None and _main_thread():
            signal.signal(signal.SIGINT, self._previous_sigint)
        if self._target is None:
            return
        self._target.close()
        close = getattr(self._target.adapter, "close", None)
        if callable(close):
            close()

    # -- xdist: one seed for every worker, and what the workers saw ------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["jwkconform_seed"] = self.options.seed

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.collected.update(ids)
        self._place(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", {}) or {}
        # Every worker collects and filters the whole run alike: count its filter once.
        self.deselected = max(self.deselected, int(output.get("jwkconform_deselected", 0)))
        self.elsewhere.update(output.get("jwkconform_elsewhere", ()))
        self.suite_run = self.suite_run or bool(output.get("jwkconform_suite_run"))

    # -- collection ------------------------------------------------------------------------

    def note_collected(self, items: Iterable[pytest.Item]) -> None:
        suites = _suites_folder()
        for item in items:
            self.collected.add(item.nodeid)
            # By path: an editable install imports the suites as `suites.test_x`.
            self.suite_run = self.suite_run or Path(item.path).resolve().parent == suites
        self._worker_output()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # The order the tests run in (after --ff, --nf, a random order): xdist's workers
        # send the same.
        self._place(item.nodeid for item in session.items)

    def _place(self, nodeids: Iterable[str]) -> None:
        for nodeid in nodeids:
            self.positions.setdefault(nodeid, len(self.positions))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        dropped = [i for i in items if i.nodeid in self.collected]
        self.collected.difference_update(i.nodeid for i in dropped)
        if self._sharding:  # another shard runs them: not a filter of the whole run
            self.elsewhere.update(i.nodeid for i in dropped)
        else:
            self.deselected += len(dropped)
        self._worker_output()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """``--shard K/N``: keep this shard's tests, after every other selection."""
        if self.options.shard is None or not self.collected:
            return
        kept, others = split(items, self.options.shard)
        items[:] = kept
        self._sharding = True
        try:
            config.hook.pytest_deselected(items=others)
        finally:
            self._sharding = False

    def _worker_output(self) -> None:
        if self.workeroutput is not None:
            self.workeroutput["jwkconform_deselected"] = self.deselected
            self.workeroutput["jwkconform_elsewhere"] = sorted(self.elsewhere)
            self.workeroutput["jwkconform_suite_run"] = self.suite_run

    # -- outcomes --------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """Judge each phase of a conformance test; its report carries the judgements."""
        report = yield
        marks = requirement_marks(item)
        if marks:
            options = self.options
            judged = judge_phase(
                item, call, report, marks, strict=options.strict, expected=options.expected
            )
            setattr(report, JUDGEMENTS, judged)
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_report_to_serializable(
        self, report: pytest.TestReport
    ) -> Generator[None, dict[str, Any] | None, dict[str, Any] | None]:
        """An xdist worker sends its judgements to the controller as plain data."""
        data = yield
        judged = getattr(report, JUDGEMENTS, None)
        if data is not None and judged is not None:
            data[JUDGEMENTS] = [j.to_data() for j in judged]
        return data

    @pytest.hookimpl(wrapper=True)
    def pytest_report_from_serializable(
        self, data: dict[str, Any]
    ) -> Generator[None, object, object]:
        """The controller reads a worker's judgements back."""
        report = yield
        carried = data.get(JUDGEMENTS)
        if report is not None and carried is not None:
            setattr(report, JUDGEMENTS, tuple(Judgement.from_data(d) for d in carried))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one phase's judgements into the run's, keeping the worst per requirement."""
        judged: tuple[Judgement, ...] | None = getattr(report, JUDGEMENTS, None)
        if judged is None:
            return
        if report.when == "call" or report.skipped or report.failed:
            self.finished.add(report.nodeid)
        for new in judged:
            key = (report.nodeid, new.requirement_id)
            old = self.judgements.get(key)
            if old is None or OUTCOMES.index(new.outcome) < OUTCOMES.index(old.outcome):
                self.judgements[key] = new

    def incomplete(self, session: pytest.Session, exitstatus: int) -> list[str]:
        """Why this run does not cover every test it should have (empty: it is complete)."""
        reasons = []
        if self.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED:
            reasons.append("interrupted")
        elif session.shouldfail or session.shouldstop:
            reasons.append(f"stopped early ({session.shouldfail or session.shouldstop})")
        if self.deselected:
            reasons.append(
                f"filtered: {self.deselected} tests deselected (--requirement, -k, -m, --lf...)"
            )
        unfinished = self.collected - self.finished
        if unfinished:
            reasons.append(f"{len(unfinished)} collected tests did not finish")
        if self.suite_run and not reasons:
            # Nothing above explains it: a module left out (a narrower --pyargs, --lf).
            ran = {n.split("[", 1)[0].rsplit("/", 1)[-1] for n in self.finished | self.elsewhere}
            known = {t for tests in suite_tests().values() for t in tests}
            absent = known - ran
            if absent:
                # Counted as pytest counts: a test function is one or many (parametrized).
                reasons.append(
                    f"{len(absent)} of the suites' {len(known)} test functions did not run"
                    f" ({len(self.finished)} tests, as pytest counts them, ran)"
                )
        if self.options.shard is not None:
            reasons.append(shard_reason(self.options.shard, len(self.elsewhere)))
        return reasons

    def _run(self, session: pytest.Session, exitstatus: int) -> Run:
        target = self.target
        last = len(self.positions)
        judgements = sorted(
            self.judgements.values(), key=lambda j: self.positions.get(j.nodeid, last)
        )
        info = RunInfo.describe(
            target,
            seed=self.options.seed,
            profile=self.options.profile,
            strict=self.options.strict,
            expectations=self.options.expected.path,
            started=self.started,
            duration=time.time() - self.started,
            incomplete=self.incomplete(session, exitstatus),
            exit_status=exit_status(exitstatus),
        )
        shard = self.options.shard
        if shard is not None:
            whole = len(self.collected | self.elsewhere)
            info = dataclasses.replace(
                info, shard={"index": shard.index, "count": shard.count, "tests": whole}
            )
        return Run(info, verdicts(judgements), judgements, self.options.invocation)

    def _conformance_run(self) -> bool:
        return bool(self.judgements) or (self.options.asked_for and self._target is not None)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, None, None]:
        """Before pytest's own: name the JUnit suite after the implementation. After every
        other plugin's (xdist's workers are down): judge the run and write the reports."""
        if self._conformance_run():
            self._name_junit_suite(session.config)
        yield
        self._finish(session, exitstatus)

    def _name_junit_suite(self, config: pytest.Config) -> None:
        """The JUnit test suite is named after the implementation (unless the user named it)."""
        xml = config.stash.get(xml_key, None)
        if xml is not None and config.getini("junit_suite_name") == "pytest":
            xml.suite_name = xml_text(self.target.name)

    def _finish(self, session: pytest.Session, exitstatus: int) -> None:
        """Judge the run and write the reports (controller only, conformance runs only)."""
        if self.is_worker or not self._conformance_run():
            return
        if self.interrupted:
            session.exitstatus = exitstatus = pytest.ExitCode.INTERRUPTED
        elif exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and self.elsewhere:
            # More shards than tests: this one has nothing to run, which is no error.
            session.exitstatus = exitstatus = pytest.ExitCode.OK
        run = self._run(session, exitstatus)
        if exitstatus == pytest.ExitCode.OK and _mismatches(run, self.options.expected):
            # A verdict that disagrees with the library's ground truth fails the run.
            session.exitstatus = exitstatus = pytest.ExitCode.TESTS_FAILED
            run = dataclasses.replace(
                run, info=dataclasses.replace(run.info, exit_status=exit_status(exitstatus))
            )
        self.finished_run = run
        try:
            options = self.options
            write_reports(run, options.expected, json_path=options.report_json,
                          md_path=options.report_md, html_path=options.report_html)  # fmt: skip
        except OSError as exc:
            self.report_error = f"jwkconform: cannot write a report: {exc}"
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Print the verdicts, the findings and how to replay them."""
        run = self.finished_run
        if run is None:
            return
        terminalreporter.write_sep("=", f"jwkconform: {shown(run.info.implementation)}")
        lines = terminal_lines(
            run,
            self.options.expected,
            paint=terminalreporter._tw.markup,
            verbose=self.options.verbose_findings,
        )
        for line in lines:
            terminalreporter.write_line(line)
        if self.report_error:
            terminalreporter.write_line(self.report_error, red=True, bold=True)
