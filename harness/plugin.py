"""The pytest plugin (entry point ``pytest11``): options, markers, verdicts and reports.

It acts only on conformance tests, those marked ``jwk_requirement``: an unrelated project
that happens to use markers of its own called ``requirement`` or ``capability`` runs exactly
as without jwkconform, and nothing is resolved, printed or written in a run without
conformance tests unless a ``--jwk-*`` option asks for it.

A thin face: the options come from one table (`jwkconform.harness.run._options`), and one
run's state with its verdict hooks (judging each test, folding what xdist relays, writing
the reports) is `jwkconform.harness.run._session.Conformance`, registered here.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from jwkconform.harness._untrusted import terminal as terminal_text
from jwkconform.harness.report._terminal import progress_by_group, summary_first
from jwkconform.harness.run._options import OPTIONS, RunOptions
from jwkconform.harness.run._phase import requirement_marks
from jwkconform.harness.run._prepare import Prepared
from jwkconform.harness.run._profiles import apply_profile, load_profile, register_profiles
from jwkconform.harness.run._session import Conformance
from jwkconform.harness.seam._deadline import Progress, on_progress
from jwkconform.harness.seam._timeline import RECORDER, attach
from jwkconform.harness.spec._registry import REQUIREMENTS
from jwkconform.harness.spec._spec import CAPABILITY_MARKER, REQUIREMENT_MARKER

if TYPE_CHECKING:
    from jwkconform.harness.seam._target import Target

_KEY = pytest.StashKey[Conformance]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jwkconform", "JWK-Set conformance (jwkconform)")
    for option in OPTIONS:
        if option.pytest:
            names = [f"--jwk-{name}" for name in (option.name, *option.aliases)]
            group.addoption(*names, dest=f"jwk_{option.dest}", **option.keywords("pytest"))
    parser.addini(
        "jwk_adapter", "adapter under test (module:factory or entry point name)", default=""
    )  # fmt: skip


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{REQUIREMENT_MARKER}(*ids, level=None): the specification's requirements a"
        " conformance test checks; level= names the clause's level where one ID holds two",
    )
    config.addinivalue_line(
        "markers",
        f"{CAPABILITY_MARKER}(*names): adapter capabilities a conformance test needs",
    )
    prepared = next(
        (p for p in config.pluginmanager.get_plugins() if isinstance(p, Prepared)), None
    )
    options = prepared.options if prepared is not None else RunOptions.from_config(config)
    conformance = Conformance(options, hasattr(config, "workerinput"), prepared=prepared)
    if hasattr(config, "workeroutput"):
        conformance.workeroutput = config.workeroutput
    config.stash[_KEY] = conformance
    config.stash[_PROGRESS] = on_progress(functools.partial(_show_progress, config))
    # Its hooks collect judgements (relayed from xdist workers too) and write the reports.
    config.pluginmanager.register(conformance, "jwkconform-conformance")
    register_profiles()
    if options.profile_given:
        load_profile(options.profile)
    if options.asked_for or prepared is not None:
        conformance.watch_interrupts()
        if not options.verbose_findings:  # here too: an xdist controller collects nothing
            summary_first(config)
    if options.adapter or options.driver or prepared is not None:
        conformance.target  # noqa: B018 - a broken adapter is one line, before collection


def _show_progress(config: pytest.Config, what: str, waited: float, seconds: float) -> None:
    """A line on the terminal, past pytest's capture, while a call into the implementation
    waits (an xdist worker has no terminal: it stays quiet)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    line = terminal_text(f"{what} has waited {waited:.0f} s of its {seconds:g} s deadline")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.write_line(f"\njwkconform: {line}", yellow=True)


# The progress callback the run replaced (a pytester run inside a run gives it back).
_PROGRESS = pytest.StashKey[Progress | None]()


def pytest_unconfigure(config: pytest.Config) -> None:
    on_progress(config.stash.get(_PROGRESS, None))


def pytest_report_header(config: pytest.Config) -> list[str]:
    conformance = config.stash[_KEY]
    if not (conformance.options.asked_for or conformance.collected):
        return []  # an unrelated run: the plugin stays quiet
    options = conformance.options
    return [f"jwkconform: profile {options.profile}, seed {options.seed}"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    conformance = config.stash[_KEY]
    ours = [item for item in items if item.get_closest_marker(REQUIREMENT_MARKER)]
    wanted = conformance.options.selected
    if not ours and not wanted:
        return
    conformance.note_collected(ours)
    conformance.watch_interrupts()
    if wanted:
        # Asked for explicitly: only the tests of these requirements stay, unmarked ones go.
        dropped = [item for item in items if wanted.isdisjoint(requirement_marks(item))]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            gone = set(dropped)
            items[:] = [item for item in items if item not in gone]
            ours = [item for item in ours if item not in gone]
    if not ours:
        return
    # Progress lines name each test's requirement group and module, not a long path.
    groups = {item.nodeid: next(iter(requirement_marks(item))).rpartition("-")[0] for item in ours}
    progress_by_group(config, {i.nodeid: f"{groups[i.nodeid]:<5} {i.path.name}" for i in ours})
    options = conformance.options
    only_ours = len(ours) == len(items)  # the user's own tests keep pytest's tracebacks
    if not options.verbose_findings and (options.asked_for or conformance.prepared or only_ours):
        summary_first(config)
    # A conformance run: its Hypothesis profile and seed apply to its tests.
    # Not at the top: the plugin must not import Hypothesis before pytest registers it.
    from hypothesis import seed

    if not conformance.options.profile_given:
        load_profile(conformance.options.profile)
    for item in ours:
        # Unknown IDs and levels are usage errors now, not mid-run; JUnit gets the IDs.
        for rid, level in requirement_marks(item).items():
            item.user_properties += [("requirement", rid), ("level", level.value)]
        test = getattr(item, "obj", None)
        if not conformance.options.profile_given:
            apply_profile(test)
        if callable(test) and hasattr(test, "hypothesis"):
            seed(conformance.options.seed)(test)
            _record_examples(test)
    conformance.target  # noqa: B018 - resolves the adapter now


def _record_examples(test: Any) -> None:
    """Start the timeline afresh with each example of a Hypothesis test, and pin it to the
    exception of an example that fails (Hypothesis replays the shrunk example last)."""
    inner: Callable[..., Any] = test.hypothesis.inner_test
    if getattr(inner, "_jwkconform_records", False):
        return

    @functools.wraps(inner)
    def example(*args: Any, **kwargs: Any) -> Any:
        RECORDER.reset()
        try:
            return inner(*args, **kwargs)
        except BaseException as exc:
            attach(exc)
            raise

    example._jwkconform_records = True  # type: ignore[attr-defined]
    test.hypothesis.inner_test = example


def pytest_runtest_setup(item: pytest.Item) -> None:
    marks = requirement_marks(item)
    if not marks:
        return
    RECORDER.reset()
    target = item.config.stash[_KEY].target
    target.hung = None  # a call that hung in an earlier test does not end this one
    needed = [str(c) for mark in item.iter_markers(CAPABILITY_MARKER) for c in mark.args]
    gated = [(rid, g) for rid in marks for g in REQUIREMENTS[rid].gates]
    target.require(*needed)
    for rid, gate in gated:
        target.require(gate, why=f"not applicable: {rid} presumes it")


@pytest.fixture(scope="session")
def jwk_target(pytestconfig: pytest.Config) -> Target:
    """The implementation under test (see `Target`): capabilities and fresh stores."""
    return pytestconfig.stash[_KEY].target
