"""The pytest plugin (entry point ``pytest11``): options, markers, verdicts and reports.

It stays quiet in runs without conformance tests: nothing is resolved, printed or written
unless a test carries the ``requirement`` marker.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import pytest

from jwkconform.harness._profiles import PROFILES, apply_profile, load_profile, register_profiles
from jwkconform.harness._registry import REQUIREMENTS, Level, UnknownRequirement, requirement
from jwkconform.harness._session import (
    MESSAGE_PROPERTY,
    OUTCOME_PROPERTY,
    REQUIREMENT_PROPERTY,
    Conformance,
)

if TYPE_CHECKING:
    from jwkconform.harness._target import Target

_KEY = pytest.StashKey[Conformance]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jwkconform", "JWK-Set conformance (jwkconform)")
    group.addoption(
        "--jwk-adapter",
        dest="jwk_adapter",
        default=None,
        metavar="MODULE:FACTORY",
        help="adapter under test: module:factory or an entry point name "
        "(default: the ini key jwk_adapter, a single installed adapter, or the reference)",
    )
    group.addoption(
        "--jwk-driver",
        dest="jwk_driver",
        default=None,
        metavar="COMMAND",
        help="test an implementation behind a driver process (docs/driver-protocol.md)",
    )
    group.addoption(
        "--jwk-driver-timeout",
        dest="jwk_driver_timeout",
        default=10.0,
        type=float,
        metavar="SECONDS",
        help="deadline of every driver request (default 10)",
    )
    group.addoption(
        "--jwk-transport",
        dest="jwk_transport",
        default=None,
        choices=("respx", "loopback"),
        help="how the mock JWKS server is reached (default: what the adapter declares)",
    )
    group.addoption(
        "--jwk-strict",
        dest="jwk_strict",
        action="store_true",
        default=False,
        help="a failing SHOULD requirement fails the run",
    )
    group.addoption(
        "--jwk-profile",
        dest="jwk_profile",
        default=None,
        choices=tuple(PROFILES),
        help="Hypothesis profile for the suites (default: dev)",
    )
    group.addoption(
        "--jwk-seed",
        dest="jwk_seed",
        default=None,
        type=int,
        help="Hypothesis seed, to replay a run",
    )
    group.addoption(
        "--jwk-expected-failures",
        dest="jwk_expected_failures",
        default=None,
        metavar="FILE",
        help='JSON {"ID or test id": "reason"}: known failures become strict xfails',
    )
    group.addoption(
        "--jwk-requirement",
        dest="jwk_requirement",
        action="append",
        default=[],
        metavar="ID[,ID...]",
        help="run only the tests of these requirements (repeatable)",
    )
    group.addoption(
        "--jwk-report-json",
        dest="jwk_report_json",
        default=None,
        metavar="PATH",
        help="write the JSON conformance report here",
    )
    group.addoption(
        "--jwk-report-md",
        dest="jwk_report_md",
        default=None,
        metavar="PATH",
        help="write the Markdown conformance report here",
    )
    parser.addini(
        "jwk_adapter", "adapter under test (module:factory or entry point name)", default=""
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requirement(*ids, level=None): the catalogue requirements a conformance test checks;"
        " level= names the clause's level where one ID holds two",
    )
    config.addinivalue_line(
        "markers", "capability(*names): adapter capabilities a test needs; skipped without them"
    )
    conformance = Conformance.from_config(config)
    # Set before Hypothesis's own pytest_configure reads it, so every test replays from it.
    if conformance.seed is not None and config.option.hypothesis_seed is None:
        config.option.hypothesis_seed = str(conformance.seed)
    config.stash[_KEY] = conformance
    # Its hooks collect outcomes (relayed from xdist workers too) and write the reports.
    config.pluginmanager.register(conformance, "jwkconform-conformance")
    register_profiles()
    if config.option.jwk_profile:
        load_profile(conformance.profile)


def pytest_report_header(config: pytest.Config) -> list[str]:
    conformance = config.stash[_KEY]
    if not conformance.asked_for:
        return []  # an unrelated run: the plugin stays quiet
    seed = conformance.seed if conformance.seed is not None else "random (use --jwk-seed to fix)"
    return [f"jwkconform: profile {conformance.profile}, seed {seed}"]


def _requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    return tuple(str(i) for mark in item.iter_markers("requirement") for i in mark.args)


def _levels(item: pytest.Item) -> set[Level]:
    # A marker's level= names the clause a test checks when one ID holds clauses of two
    # levels (PUB-05's SHOULD part, say); otherwise the catalogue's level applies.
    return {
        Level(mark.kwargs["level"]) if "level" in mark.kwargs else REQUIREMENTS[rid].level
        for mark in item.iter_markers("requirement")
        for rid in mark.args
        if rid in REQUIREMENTS
    }


def _selected(config: pytest.Config) -> set[str]:
    wanted = {i.strip() for value in config.option.jwk_requirement for i in value.split(",")}
    for rid in wanted - {""}:
        try:
            requirement(rid)
        except UnknownRequirement as exc:
            raise pytest.UsageError(f"--jwk-requirement: {exc}") from None
    return wanted - {""}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    conformance = config.stash[_KEY]
    conformance.collected = True
    wanted = _selected(config)
    if wanted:
        dropped = [item for item in items if wanted.isdisjoint(_requirement_ids(item))]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if item not in dropped]
    for item in items:
        ids = _requirement_ids(item)
        for rid in ids:
            try:
                requirement(rid)
            except UnknownRequirement as exc:
                raise pytest.UsageError(f"{item.nodeid}: {exc}") from None
            item.user_properties.append((REQUIREMENT_PROPERTY, rid))
        for mark in item.iter_markers("requirement"):
            level = mark.kwargs.get("level")
            if level is not None and level not in {lv.value for lv in Level}:
                raise pytest.UsageError(
                    f"{item.nodeid}: unknown level {level!r} (MUST, SHOULD, MAY)"
                )
        names = (item.name, getattr(item, "originalname", item.name))
        expected = conformance.expected.reason_for(item.nodeid, names, ids)
        if expected is not None:
            reason, strict = expected
            item.add_marker(pytest.mark.xfail(strict=strict, reason=f"expected failure: {reason}"))
    if any(_requirement_ids(item) for item in items):
        # A conformance run: its Hypothesis profile applies (an explicit --jwk-profile was
        # loaded at configure), and a bad adapter is one usage error before any test runs.
        if not config.option.jwk_profile:
            load_profile(conformance.profile)
            for item in items:
                if _requirement_ids(item):
                    apply_profile(getattr(item, "obj", None))
        conformance.target  # noqa: B018 - resolves the adapter now


def pytest_runtest_setup(item: pytest.Item) -> None:
    needed = [str(c) for mark in item.iter_markers("capability") for c in mark.args]
    # A MAY requirement is optional: its tests need the capability that enables it.
    for rid in _requirement_ids(item):
        capability = REQUIREMENTS[rid].capability if rid in REQUIREMENTS else None
        if capability is not None:
            needed.append(capability)
    if needed:
        item.config.stash[_KEY].target.require(*dict.fromkeys(needed))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    ids = _requirement_ids(item)
    if not ids or not report.failed or hasattr(report, "wasxfail"):
        return report
    crash = getattr(report.longrepr, "reprcrash", None)
    message = _short(str(getattr(crash, "message", report.longrepr)))
    # The reports add each requirement's hint themselves.
    report.user_properties.append((MESSAGE_PROPERTY, message))
    conformance = item.config.stash[_KEY]
    expected_to_fail = item.get_closest_marker("xfail") is not None  # a strict XPASS
    if (
        report.when == "call"
        and conformance.level_of(_levels(item)) is Level.SHOULD
        and not conformance.strict
        and not expected_to_fail
    ):
        # A SHOULD failure is reported, not fatal: shown as xfail, recorded as non-strict.
        report.outcome = "skipped"
        report.wasxfail = f"non-strict: {', '.join(ids)} (SHOULD) failed: {message}"
        report.user_properties.append((OUTCOME_PROPERTY, "non-strict"))
    return report


_MESSAGE_LIMIT = 600


def _short(message: str) -> str:
    # Hypothesis appends the whole failing example (private pool keys included) as notes;
    # the report keeps the assertion and points at the terminal output for the rest.
    head = message.split("\nFalsifying example", 1)[0].split("\nFailing test case", 1)[0]
    if len(head) > _MESSAGE_LIMIT:
        head = head[:_MESSAGE_LIMIT] + " ..."
    return head if head == message else head + "\n(the full example is in the test output)"


@pytest.fixture(scope="session")
def jwk_target(pytestconfig: pytest.Config) -> Target:
    """The implementation under test (see `Target`): capabilities and fresh stores."""
    return pytestconfig.stash[_KEY].target
