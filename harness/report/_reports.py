"""What a conformance run says about itself: the terminal summary and the JSON report.

A `Run` is everything a report needs: how the run went (`RunInfo`: versions, capabilities,
completeness, exit status), one result per requirement, every judgement, and how the run
was invoked (for replay commands). The Markdown and HTML reports render the same `Run`.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from jwkconform import __version__
from jwkconform.harness._untrusted import json_safe, redact
from jwkconform.harness.report._report_html import html_report
from jwkconform.harness.report._report_md import markdown_report
from jwkconform.harness.report._verdicts import Judgement, RequirementResult, summarize
from jwkconform.harness.spec._expected import ExpectedFailures, canonical_nodeid
from jwkconform.harness.spec._registry import Requirement
from jwkconform.harness.spec._spec import suite_tests

if TYPE_CHECKING:
    from jwkconform.harness.seam._target import Target

__all__ = [
    "EXIT_CODES",
    "EXIT_MEANINGS",
    "SCHEMA_VERSION",
    "Invocation",
    "Run",
    "RunInfo",
    "exit_status",
    "mismatch_text",
    "replay_command",
    "report_document",
    "write_reports",
]

SCHEMA_VERSION: Final = 3
# What `jwkconform run` (and the report's exit_status) makes of pytest's exit codes.
EXIT_CODES: Final[Mapping[int, int]] = {0: 0, 1: 1, 2: 130, 3: 3, 4: 2, 5: 3}
# What each exit status of `jwkconform run` means: the one source of its help and docs.
EXIT_MEANINGS: Final[Mapping[int, str]] = {
    0: "every requirement passed (SHOULD failures are non-strict)",
    1: "a requirement failed",
    2: "usage error",
    3: "harness or adapter error",
    130: "interrupted",
}
_PROBLEMS: Final = ("error", "fail", "non-strict", "xfail")


def exit_status(pytest_code: int) -> int:
    """The exit status of `jwkconform run` for pytest's exit code."""
    return EXIT_CODES.get(int(pytest_code), 3)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class RunInfo:
    """What a report says about the run itself."""

    implementation: str
    adapter: str
    transport: str
    seed: int | None
    profile: str
    strict: bool
    capabilities: tuple[str, ...] = ()
    key_support: Mapping[str, list[str]] | None = None
    started: str = ""
    duration: float = 0.0
    incomplete: tuple[str, ...] = ()
    exit_status: int = 0
    expectations: str | None = None
    implementation_version: str = "unknown"
    shard: Mapping[str, int] | None = None  # --shard: index, count, tests of the whole run

    @property
    def complete(self) -> bool:
        return not self.incomplete

    @classmethod
    def describe(
        cls,
        target: Target,
        *,
        seed: int,
        profile: str,
        strict: bool,
        expectations: Path | None,
        started: float,
        duration: float,
        incomplete: Sequence[str],
        exit_status: int,
    ) -> RunInfo:
        """The run of ``target`` as it went."""
        return cls(
            implementation=target.name,
            adapter=target.spec,
            transport=target.transport,
            seed=seed,
            profile=profile,
            strict=strict,
            capabilities=tuple(sorted(target.capabilities)),
            key_support=target.key_support.as_json(),
            started=dt.datetime.fromtimestamp(started, dt.timezone.utc).isoformat(
                timespec="seconds"
            ),
            duration=round(duration, 3),
            incomplete=tuple(incomplete),
            exit_status=exit_status,
            expectations=str(expectations) if expectations is not None else None,
            implementation_version=target.version,
        )


@dataclass(frozen=True)
class Invocation:
    """How the run was started, so that a replay line can be printed as a command."""

    program: str  # "jwkconform run" or "pytest"
    target_args: tuple[str, ...]  # --adapter X / --driver CMD / --jwk-adapter X ...
    extra: tuple[str, ...] = ()  # --strict, --transport...
    selection: tuple[str, ...] = ()  # --requirement ID..., --test NODEID...: whole-run replay


@dataclass(frozen=True)
class Run:
    """Everything a report needs."""

    info: RunInfo
    results: Sequence[RequirementResult]
    judgements: Sequence[Judgement]
    invocation: Invocation | None = None


# -- replay ---------------------------------------------------------------------------------


def replay_command(run: Run, test: str | None = None) -> str:
    """A command that runs ``test`` (a node ID; default: the whole run) again, as it ran."""
    info, invocation = run.info, run.invocation
    seed = "" if info.seed is None else str(info.seed)
    if invocation is None or invocation.program != "jwkconform run":
        target = invocation.target_args if invocation else ("--jwk-adapter", info.adapter)
        where = "jwkconform.suites"
        if test is not None:
            module, _, name = canonical_nodeid(test).partition("::")
            where = f"{where}.{module.removesuffix('.py')}::{name}"
        words = ["pytest", "--pyargs", where, *target, *(invocation.extra if invocation else ())]
        words += ["--jwk-seed", seed, "--jwk-profile", info.profile]
    else:
        words = ["jwkconform", "run", *invocation.target_args, *invocation.extra]
        words += ["--seed", seed, "--profile", info.profile]
        if test is not None:
            words += ["--test", canonical_nodeid(test)]
        else:
            words += invocation.selection
    return shlex.join(words)


# -- findings -------------------------------------------------------------------------------


def _findings(result: RequirementResult) -> list[Judgement]:
    """The judgements of ``result`` worth showing: those as bad as its verdict."""
    worst = result.worst
    if worst is None or result.verdict not in _PROBLEMS:
        return []
    return [j for j in result.judgements if j.outcome == worst.outcome]


def _first_line(message: str) -> str:
    for line in message.splitlines():
        if line.strip():
            return line.strip()
    return "(no message)"


def cause_text(cause: Mapping[str, Any]) -> str:
    """A driver's cause in one line: its exit status and the last line of its stderr."""
    status = cause.get("exit_status")
    lines = [line for line in str(cause.get("stderr", "")).splitlines() if line.strip()]
    said = f"; its stderr ends: {lines[-1].strip()}" if lines else ""
    how = "still running (stopped by the harness)" if status is None else f"exit status {status}"
    return f"driver {how}{said}"


def _mismatches(run: Run, expected: ExpectedFailures) -> list[tuple[str, str, str]]:
    by_id: dict[str, str] = {r.requirement.id: r.verdict for r in run.results}
    wanted = expected.expected_verdicts()
    out = []
    for rid, entry in wanted.items():
        got = by_id.get(rid, "untested")
        expected_verdict = "xfail" if entry.expects_failure else entry.verdict
        if got != expected_verdict and run.info.complete:
            out.append((rid, expected_verdict, got))
    return out


def mismatch_text(rid: str, wanted: str, got: str, path: Path | None) -> str:
    """A verdict that moved against the expected-failures file, as a sentence that says
    what to do: ``KID-01 now passes: remove it from pyjwt.json``."""
    if wanted == "xfail" and got == "pass":
        return f"{rid} now passes: remove it from {path or 'the expected-failures file'}"
    return f"ground truth: {rid} is expected to be {wanted}, got {got}"


# -- JSON -----------------------------------------------------------------------------------


def _requirement_json(run: Run, result: RequirementResult) -> dict[str, Any]:
    req: Requirement = result.requirement
    return {
        "id": req.id,
        "level": req.level.value,
        "verdict": result.verdict,
        "tests": result.tests,
        "message": redact(result.message) or None,
        "summary": req.summary,
        "source": req.source,
        "hint": f"If this fails, {req.hint}.",
        "findings": [
            {
                "test": canonical_nodeid(j.nodeid),
                "outcome": j.outcome,
                "message": redact(j.message),
                "replay": replay_command(run, j.nodeid),
                "example": j.example or None,
                "timeline": j.timeline.as_json() if j.timeline is not None else None,
                "cause": _cause_json(j.cause),
            }
            for j in _findings(result)
        ],
    }


def _cause_json(cause: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if cause is None:
        return None
    return {"exit_status": cause.get("exit_status"), "stderr": redact(str(cause.get("stderr")))}


def report_document(run: Run, expected: ExpectedFailures | None = None) -> dict[str, Any]:
    """The JSON report as a Python object (docs/report.schema.json, schema version 3)."""
    info = run.info
    expectations = expected or ExpectedFailures()
    tests: dict[str, dict[str, str]] = {}
    for j in run.judgements:
        tests.setdefault(canonical_nodeid(j.nodeid), {})[j.requirement_id] = j.outcome
    known = [t for ts in suite_tests().values() for t in ts]
    return {
        "schema_version": SCHEMA_VERSION,
        "jwkconform": __version__,
        "implementation": info.implementation,
        "implementation_version": info.implementation_version,
        "adapter": info.adapter,
        "transport": info.transport,
        "seed": info.seed,
        "profile": info.profile,
        "strict": info.strict,
        "complete": info.complete,
        "incomplete": list(info.incomplete),
        "exit_status": info.exit_status,
        "started": info.started,
        "duration": info.duration,
        "versions": {
            "python": platform.python_version(),
            "pytest": _version("pytest"),
            "hypothesis": _version("hypothesis"),
            "platform": platform.platform(terse=True),
        },
        "capabilities": list(info.capabilities),
        "key_support": dict(info.key_support or {}),
        "summary": summarize(run.results),
        "requirements": [_requirement_json(run, r) for r in run.results],
        "tests": [{"test": t, "requirements": rs} for t, rs in sorted(tests.items())],
        "replay": replay_command(run),
        "shard": dict(info.shard) if info.shard is not None else None,
        "expectations": {
            "file": info.expectations,
            "stale": expectations.stale([*known, *(j.nodeid for j in run.judgements)]),
            "mismatches": [
                {
                    "id": rid,
                    "expected": want,
                    "got": got,
                    "message": mismatch_text(rid, want, got, expectations.path),
                }
                for rid, want, got in _mismatches(run, expectations)
            ],
        },
    }


def write_reports(
    run: Run,
    expected: ExpectedFailures,
    *,
    json_path: Path | None,
    md_path: Path | None,
    html_path: Path | None,
) -> None:
    """Write the reports asked for (parent folders created)."""
    # A lone surrogate an implementation sent would stop every writer: gone before any.
    document = json_safe(report_document(run, expected))
    if json_path is not None:
        _write(json_path, json.dumps(document, indent=2) + "\n")
    if md_path is not None:
        _write(md_path, markdown_report(document))
    if html_path is not None:
        _write(html_path, html_report(document))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
