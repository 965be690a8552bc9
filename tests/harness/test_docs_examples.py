"""The guides stay true: the example adapter runs the packaged suites, and the commands,
options and excerpts that docs/adapters.md, docs/reports.md and docs/ci.md show exist."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwkconform.harness import CAPABILITIES
from jwkconform.harness.seam._adapter import expand_capabilities, missing
from jwkconform.harness.seam._resolve import ENTRY_POINT_GROUP
from jwkconform.harness.spec._requirement import ANY_OF

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLES = DOCS / "examples"
EXAMPLE = EXAMPLES / "inhouse_adapter.py"
GUIDES = (DOCS / "adapters.md", DOCS / "reports.md", DOCS / "ci.md")

VERDICTS = frozenset({"pass", "fail", "error", "non-strict", "skip", "xfail", "blocked",
                      "untested"})  # fmt: skip
# How the harness words a capability skip (jwkconform.harness.seam._target.Target.require).
NOT_DECLARED = "does not declare capability"
# A fixed seed keeps this check deterministic (conformance runs use fresh seeds).
SEED = "20240601"

# Loaded into the suites' subprocess with -p: records, per test, the capabilities it needs
# and how its setup and call ended, so that skips can be matched with capabilities.
PROBE = """
import json
from pathlib import Path

NEEDS = {}
OUTCOMES = {}


def pytest_collection_finish(session):
    from jwkconform.harness import REQUIREMENTS
    from jwkconform.harness.seam._adapter import expand_capabilities

    for item in session.items:
        needed = {str(n) for mark in item.iter_markers("jwk_capability") for n in mark.args}
        # A requirement's tests also need the capabilities it presumes (its gates).
        ids = [str(i) for mark in item.iter_markers("jwk_requirement") for i in mark.args]
        needed.update(g for i in ids if i in REQUIREMENTS for g in REQUIREMENTS[i].gates)
        NEEDS[item.nodeid] = sorted(expand_capabilities(needed))


def pytest_runtest_logreport(report):
    if report.nodeid not in NEEDS or report.nodeid in OUTCOMES:
        return
    if report.when == "setup" and report.skipped:
        longrepr = report.longrepr
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        OUTCOMES[report.nodeid] = ["skipped", reason]
    elif report.when == "setup" and report.failed:
        OUTCOMES[report.nodeid] = ["setup-error", str(report.longrepr)[-500:]]
    elif report.when == "call":
        OUTCOMES[report.nodeid] = ["called", report.outcome]


def pytest_sessionfinish(session):
    Path("probe.json").write_text(json.dumps({"needs": NEEDS, "outcomes": OUTCOMES}))
"""


def _example_adapter(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh adapter from docs/examples/inhouse_adapter.py, imported from its file."""
    spec = importlib.util.spec_from_file_location("inhouse_adapter", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "inhouse_adapter", module)
    spec.loader.exec_module(module)
    return module.factory()


# -- (a) the example adapter against the packaged suites ---------------------------------------


def test_the_example_adapter_runs_the_packaged_suites(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = _example_adapter(monkeypatch)
    declared = set(expand_capabilities(adapter.capabilities))
    assert declared <= set(CAPABILITIES), (
        f"the example declares unknown capabilities {sorted(declared - set(CAPABILITIES))}"
    )
    # The subprocess sees neither this process's sys.path nor pytester.syspathinsert.
    paths = [str(EXAMPLES), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    pytester.makepyfile(capability_probe=PROBE)

    result = pytester.runpytest_subprocess(
        "--pyargs",
        "jwkconform.suites",
        "--jwk-adapter",
        "inhouse_adapter:factory",
        "--jwk-report-json",
        "r.json",
        "-p",
        "no:cacheprovider",
        # Explicit profile and seed: this check must not change with the defaults.
        "--jwk-profile",
        "dev",
        "--jwk-seed",
        SEED,
        "-p",
        "capability_probe",
        timeout=900,
    )

    output = f"{result.stdout.str()[-4000:]}\n{result.stderr.str()[-2000:]}"
    assert result.ret in (0, 1), f"the run ended in a harness error ({result.ret}):\n{output}"
    report_path = pytester.path / "r.json"
    assert report_path.is_file(), f"no JSON report was written:\n{output}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["implementation"] == adapter.name
    assert report["adapter"] == "inhouse_adapter:factory"
    requirements: list[dict[str, Any]] = report["requirements"]
    odd = {r["id"]: r["verdict"] for r in requirements if r["verdict"] not in VERDICTS}
    assert not odd, f"verdicts outside {sorted(VERDICTS)}: {odd}"

    failing = [r for r in requirements if r["verdict"] == "fail"]
    if result.ret == 1:
        assert any(r["level"] == "MUST" for r in failing), (
            f"exit status 1 without a failing MUST requirement: {[r['id'] for r in failing]}"
        )
    else:
        assert not failing, f"exit status 0 with failing requirements: {failing}"

    probe = json.loads((pytester.path / "probe.json").read_text(encoding="utf-8"))
    needs: dict[str, list[str]] = probe["needs"]
    outcomes: dict[str, list[str]] = probe["outcomes"]
    assert needs, "the probe saw no conformance test"
    _check_tests(needs, outcomes, declared, adapter.name)
    _check_skip_verdicts(requirements, needs, declared)
    _check_declared_capabilities_ran(needs, outcomes, declared)


def _check_tests(
    needs: dict[str, list[str]], outcomes: dict[str, list[str]], declared: set[str], name: str
) -> None:
    """A test skips, naming the capability, exactly when it needs one that is undeclared."""
    for nodeid, needed in needs.items():
        lacking = missing(declared, needed)
        outcome, detail = outcomes.get(nodeid, ["missing", "the probe saw no report"])
        if lacking:
            assert outcome == "skipped", f"{nodeid} needs {lacking} but ended {outcome}: {detail}"
            assert f"{name} {NOT_DECLARED}" in detail, f"{nodeid}: odd skip reason {detail!r}"
            # A gate "a|b" is named by either of its capabilities.
            named = all(any(a in detail for a in c.split(ANY_OF)) for c in lacking)
            assert named, f"{nodeid}: {detail!r} omits {lacking}"
        else:
            assert NOT_DECLARED not in detail, f"{nodeid} needs only {needed}, yet: {detail}"


def _check_skip_verdicts(
    requirements: list[dict[str, Any]], needs: dict[str, list[str]], declared: set[str]
) -> None:
    """A requirement whose every test needs an undeclared capability gets `skip`, and its
    message names the capability; at least one such requirement exists."""
    skipped = []
    for req in requirements:
        lacking = [missing(declared, needs.get(t, [])) for t in req["tests"]]
        if not req["tests"] or not all(lacking):
            continue
        skipped.append(req["id"])
        message = req["message"] or ""
        assert req["verdict"] == "skip", f"{req['id']}: {req['verdict']}, expected skip"
        assert NOT_DECLARED in message, f"{req['id']}: skip message {message!r}"
        assert any(a in message for caps in lacking for c in caps for a in c.split(ANY_OF)), (
            f"{req['id']}: skip message {message!r} names none of {lacking}"
        )
    assert skipped, "no requirement was skipped for a capability the example leaves out"


def _check_declared_capabilities_ran(
    needs: dict[str, list[str]], outcomes: dict[str, list[str]], declared: set[str]
) -> None:
    """Every capability the example claims is exercised by at least one test that ran."""
    ran = {nodeid for nodeid, (outcome, _) in outcomes.items() if outcome == "called"}
    unexercised = [
        c for c in sorted(declared) if not any(c in n.split(ANY_OF) for t in ran for n in needs[t])
    ]
    assert not unexercised, f"no test that ran needs the declared capabilities {unexercised}"


# -- (b) and (c): commands, options and excerpts in the guides ------------------------------

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXCERPT = re.compile(
    r"<!-- excerpt: docs/examples/inhouse_adapter\.py -->\s*\n```python\n(.*?)^```",
    re.MULTILINE | re.DOTALL,
)
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _code_lines(text: str) -> Iterator[str]:
    """The lines of every fenced code block, continuation lines joined, prompts removed."""
    for block in FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            yield line.strip().removeprefix("$ ")


def _run_commands(text: str) -> list[list[str]]:
    """Every ``jwkconform run`` command line in ``text``, as words (variables dropped)."""
    commands = []
    for line in _code_lines(text):
        if "jwkconform run" not in line:
            continue
        words = shlex.split(line, comments=True)
        while words and ASSIGNMENT.match(words[0]):
            words.pop(0)
        if words[:2] == ["jwkconform", "run"]:
            commands.append(words)
    return commands


def _help(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args, "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        timeout=120,
    )
    return done.stdout


@pytest.fixture(scope="module")
def run_options(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The options ``jwkconform run --help`` lists."""
    return set(OPTION.findall(_help("jwkconform", "run", cwd=tmp_path_factory.mktemp("run"))))


@pytest.fixture(scope="module")
def pytest_help(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``pytest --help`` with the jwkconform plugin loaded (as it is once installed)."""
    return _help("pytest", cwd=tmp_path_factory.mktemp("pytest"))


@pytest.mark.parametrize("guide", GUIDES, ids=[g.name for g in GUIDES])
def test_jwkconform_run_commands_use_only_listed_options(
    guide: Path, run_options: set[str], pytest_help: str
) -> None:
    commands = _run_commands(guide.read_text(encoding="utf-8"))
    assert commands, f"{guide.name} shows no `jwkconform run` command"
    pytest_options = set(OPTION.findall(pytest_help))
    for words in commands:
        split = words.index("--") if "--" in words else len(words)
        ours = {w.split("=")[0] for w in words[2:split] if w.startswith("-")}
        unknown = sorted(ours - run_options)
        assert not unknown, f"{guide.name}: `{shlex.join(words)}` uses {unknown}"
        passed_on = {w.split("=")[0] for w in words[split + 1 :] if w.startswith("--")}
        unknown = sorted(passed_on - pytest_options)
        assert not unknown, f"{guide.name}: `{shlex.join(words)}` passes pytest {unknown}"


@pytest.mark.parametrize("guide", GUIDES, ids=[g.name for g in GUIDES])
def test_jwk_options_in_the_guides_exist(guide: Path, pytest_help: str) -> None:
    text = guide.read_text(encoding="utf-8")
    mentioned = set(re.findall(r"--jwk-[a-z][a-z-]*[a-z]", text))
    listed = set(re.findall(r"--jwk-[a-z][a-z-]*[a-z]", pytest_help))
    assert not sorted(mentioned - listed), (
        f"{guide.name} mentions {sorted(mentioned - listed)}, which pytest --help does not list"
    )
    for key in set(re.findall(r"^\s*(jwk_[a-z_]+)\s*=", text, re.MULTILINE)):
        assert re.search(rf"^\s*{key}\b", pytest_help, re.MULTILINE), f"no ini key {key}"


def test_the_adapter_guide_quotes_the_example_verbatim() -> None:
    guide = (DOCS / "adapters.md").read_text(encoding="utf-8")
    source = EXAMPLE.read_text(encoding="utf-8")
    excerpts = EXCERPT.findall(guide)
    assert excerpts, "adapters.md quotes no part of the example"
    for excerpt in excerpts:
        assert excerpt in source, f"adapters.md quotes code the example does not have:\n{excerpt}"


def test_the_adapter_guide_lists_every_capability_and_the_entry_point_group() -> None:
    guide = (DOCS / "adapters.md").read_text(encoding="utf-8")
    absent = [name for name in CAPABILITIES if f"`{name}`" not in guide]
    assert not absent, f"adapters.md does not describe the capabilities {absent}"
    assert f'[project.entry-points."{ENTRY_POINT_GROUP}"]' in guide
