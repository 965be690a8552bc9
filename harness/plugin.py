"""The pytest plugin (entry point ``pytest11``): options, markers, verdicts and reports.

It acts only on conformance tests, those marked ``jwk_requirement``: an unrelated project
that happens to use markers of its own called ``requirement`` or ``capability`` runs exactly
as without jwkconform, and nothing is resolved, printed or written in a run without
conformance tests unless a ``--jwk-*`` option asks for it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from jwkconform.harness._options import RunOptions
from jwkconform.harness._profiles import PROFILES, apply_profile, load_profile, register_profiles
from jwkconform.harness._registry import REQUIREMENTS, Level, UnknownRequirement, requirement
from jwkconform.harness._session import JUDGEMENTS, Conformance, Invocation, Prepared
from jwkconform.harness._spec import CAPABILITY_MARKER, REQUIREMENT_MARKER

if TYPE_CHECKING:
    from jwkconform.harness._target import Target

_KEY = pytest.StashKey[Conformance]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jwkconform", "JWK-Set conformance (jwkconform)")
    add = group.addoption
    add(
        "--jwk-adapter",
        dest="jwk_adapter",
        default=None,
        metavar="MODULE:FACTORY",
        help="adapter under test: module:factory, path/to/file.py:factory or an entry point "
        "name (default: the ini key jwk_adapter, a single installed adapter, or the reference)",
    )
    add(
        "--jwk-driver",
        dest="jwk_driver",
        default=None,
        metavar="COMMAND",
        help="test an implementation behind a driver process (jwkconform docs driver-protocol)",
    )
    add(
        "--jwk-timeout",
        "--jwk-driver-timeout",
        dest="jwk_timeout",
        default=10.0,
        type=float,
        metavar="SECONDS",
        help="deadline of every call into the implementation (default 10)",
    )
    add(
        "--jwk-fetch-timeout",
        dest="jwk_fetch_timeout",
        default=1.0,
        type=float,
        metavar="SECONDS",
        help="how long implementations should wait for a fetch (default 1)",
    )
    add(
        "--jwk-transport",
        dest="jwk_transport",
        default=None,
        choices=("respx", "loopback"),
        help="how the mock JWKS server is reached (default: what the adapter declares)",
    )
    add(
        "--jwk-strict",
        dest="jwk_strict",
        action="store_true",
        default=False,
        help="a failing SHOULD requirement fails the run",
    )
    add(
        "--jwk-profile",
        dest="jwk_profile",
        default=None,
        choices=tuple(PROFILES),
        help="Hypothesis profile for the suites (default: dev)",
    )
    add(
        "--jwk-seed",
        dest="jwk_seed",
        default=None,
        type=int,
        help="Hypothesis seed, to replay a run (default: a fresh one, printed)",
    )
    add(
        "--jwk-expected-failures",
        dest="jwk_expected_failures",
        default=None,
        metavar="FILE",
        help='JSON {"ID or test id": "reason"}: known failures become xfails '
        "(a shipped file by name: pyjwt, node-jose, go-oidc)",
    )
    add(
        "--jwk-requirement",
        dest="jwk_requirement",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="run only the tests of these requirements (repeatable)",
    )
    add(
        "--jwk-report-json",
        dest="jwk_report_json",
        default=None,
        metavar="PATH",
        help="write the JSON conformance report here",
    )
    add(
        "--jwk-report-md",
        dest="jwk_report_md",
        default=None,
        metavar="PATH",
        help="write the Markdown conformance report here",
    )
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
    options = RunOptions.from_config(config)
    prepared = next(
        (p for p in config.pluginmanager.get_plugins() if isinstance(p, Prepared)), None
    )
    invocation = prepared.invocation if prepared is not None else _pytest_invocation(options)
    conformance = Conformance(
        options, hasattr(config, "workerinput"), invocation, prepared=prepared
    )
    if hasattr(config, "workeroutput"):
        conformance.workeroutput = config.workeroutput
    config.stash[_KEY] = conformance
    # Its hooks collect judgements (relayed from xdist workers too) and write the reports.
    config.pluginmanager.register(conformance, "jwkconform-conformance")
    register_profiles()
    if options.profile_given:
        load_profile(options.profile)
    if options.asked_for or prepared is not None:
        conformance.watch_interrupts()
    if options.adapter or options.driver or prepared is not None:
        conformance.target  # noqa: B018 - a broken adapter is one line, before collection


def _pytest_invocation(options: RunOptions) -> Invocation:
    if options.driver:
        target: tuple[str, ...] = ("--jwk-driver", options.driver)
    elif options.adapter:
        target = ("--jwk-adapter", options.adapter)
    else:
        target = ()
    extra = ("--jwk-strict",) if options.strict else ()
    return Invocation("pytest", target, extra)


def pytest_report_header(config: pytest.Config) -> list[str]:
    conformance = config.stash[_KEY]
    if not (conformance.options.asked_for or conformance.collected):
        return []  # an unrelated run: the plugin stays quiet
    options = conformance.options
    return [f"jwkconform: profile {options.profile}, seed {options.seed}"]


def _marks(item: pytest.Item) -> dict[str, Level]:
    """The requirements an item's markers name, with the level each is checked at."""
    found: dict[str, Level] = {}
    for mark in item.iter_markers(REQUIREMENT_MARKER):
        level = mark.kwargs.get("level")
        for rid in mark.args:
            try:
                req = requirement(str(rid))
            except UnknownRequirement as exc:
                raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
            try:
                found[req.id] = Level(level) if level is not None else req.level
            except ValueError:
                raise pytest.UsageError(
                    f"{item.nodeid}: unknown level {level!r} (MUST, SHOULD, MAY)"
                ) from None
    return found


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
        dropped = [item for item in items if wanted.isdisjoint(_marks(item))]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            gone = set(dropped)
            items[:] = [item for item in items if item not in gone]
            ours = [item for item in ours if item not in gone]
    if not ours:
        return
    # A conformance run: its Hypothesis profile and seed apply to its tests.
    from hypothesis import seed

    if not conformance.options.profile_given:
        load_profile(conformance.options.profile)
    for item in ours:
        # Unknown IDs and levels are usage errors now, not mid-run; JUnit gets the IDs.
        item.user_properties += [("requirement", rid) for rid in _marks(item)]
        test = getattr(item, "obj", None)
        if not conformance.options.profile_given:
            apply_profile(test)
        if callable(test) and hasattr(test, "hypothesis"):
            seed(conformance.options.seed)(test)
    conformance.target  # noqa: B018 - resolves the adapter now


def pytest_runtest_setup(item: pytest.Item) -> None:
    marks = _marks(item)
    if not marks:
        return
    target = item.config.stash[_KEY].target
    needed = [str(c) for mark in item.iter_markers(CAPABILITY_MARKER) for c in mark.args]
    gated = [(rid, g) for rid in marks for g in REQUIREMENTS[rid].gates]
    target.require(*needed)
    for rid, gate in gated:
        target.require(gate, why=f"not applicable: {rid} presumes it")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    marks = _marks(item)
    if not marks:
        return report
    from jwkconform.harness._judge import judge

    conformance = item.config.stash[_KEY]
    skip = _skip_reason(report) if report.skipped else ""
    exc = call.excinfo.value if call.excinfo is not None and not report.skipped else None
    verdict = judge(
        item.nodeid,
        marks,
        report.when,
        exc,
        strict=conformance.options.strict,
        expected=conformance.options.expected,
        skip=skip,
    )
    setattr(report, JUDGEMENTS, [[j.requirement_id, j.outcome, j.message]
                                 for j in verdict.judgements])  # fmt: skip
    _show(report, verdict.pytest_outcome, verdict.summary)
    return report


def _show(report: pytest.TestReport, outcome: str, summary: str) -> None:
    """Make pytest's own report (progress, summary, exit code) agree with the judgement."""
    if outcome == "xfailed":
        report.outcome = "skipped"
        report.wasxfail = summary
    elif outcome == "failed" and report.passed:
        report.outcome = "failed"
        report.longrepr = summary or "[XPASS(strict)] an expected failure did not happen"


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(getattr(report, "wasxfail", "")) or "skipped"


@pytest.fixture(scope="session")
def jwk_target(pytestconfig: pytest.Config) -> Target:
    """The implementation under test (see `Target`): capabilities and fresh stores."""
    return pytestconfig.stash[_KEY].target


def __getattr__(name: str) -> Any:  # pragma: no cover - keeps old imports readable
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
