"""The mutation score of the reference against the conformance suites (docs/mutation.md).

    python benchmarks/mutation.py                  # every module in GROUPS (make mutation)
    python benchmarks/mutation.py _durations       # some modules; the others' results are kept
    python benchmarks/mutation.py --resume         # go on with the sessions an interrupted run left
    python benchmarks/mutation.py --render         # docs/mutation.md from the saved results only

cosmic-ray makes the mutants and runs them. It edits a file in place, so every run works in
copies under build/mutation/ (one per job) laid out as an installed `jwkconform` package, which
comes before the editable install on PYTHONPATH: the suites import the mutated file, and the
work tree is never edited. Each copy has a server that has imported the third-party modules
once and forks one conformance run per mutant, in strict mode (a failing SHOULD kills too), on
the dev profile's 15 examples with Hypothesis seed 0 and no shrinking
(tests/mutants/hunt_profile.py), stopping at the first failure. A mutant runs only the tests
that execute the lines it changed (one traced run of the suites records them); a line that
runs outside any test (at import, during collection) runs the requirement groups whose tests
call into the module (GROUPS). A mutant whose run outlives its timeout counts as killed, and
is shown as a timeout. Mutants inside annotations are never run: every module of the reference
has ``from __future__ import annotations``, so annotations are never evaluated; they count as
equivalent. The survivors are classified in benchmarks/mutation_survivors.py.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import contextlib
import json
import os
import py_compile
import queue
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutation"
RESULTS = ROOT / "benchmarks" / "mutation-results.json"
DOC = ROOT / "docs" / "mutation.md"
HUNT_PROFILE = ROOT / "tests" / "mutants"  # hunt_profile.py: the dev profile without shrinking
SEED = 0

STORE = ("CFG", "LOAD", "KID", "PUR", "ORD", "CACHE", "LEASE", "RT")
PUBLISHER = ("PUB", "RT")
# Module of reference/ -> the requirement groups whose tests call into it. Measured by tracing
# each group's run against the reference: PUB reaches only the publisher modules, every other
# group reaches every store module, and RT (the round trip) reaches both sides.
GROUPS: Mapping[str, tuple[str, ...]] = {
    "_store": STORE,
    "_provider": STORE,
    "_jwks": STORE,
    "_purposes": STORE,
    "_constraints": STORE,
    "_config": STORE,
    "_durations": STORE,
    "_jwk_uri": PUBLISHER,
    "_publisher_config": PUBLISHER,
}

BEGIN, END = "<!-- mutation-results:begin -->", "<!-- mutation-results:end -->"
_UNREACHED = "no test executes the lines"
_VERDICT = re.compile(r"^([A-Z]+-[0-9]+)\s+(?:MUST|SHOULD|MAY)\s+(fail|error)\b", re.MULTILINE)


@dataclass(frozen=True)
class Mutant:
    """One mutant and what became of it."""

    module: str
    line: int
    operator: str
    occurrence: int
    outcome: str  # killed, timeout, survived, annotation, error, pending
    before: str
    after: str
    by: tuple[str, ...] = ()  # the requirements that failed against it
    reached: bool = True  # False: no test executes the mutated lines, so none ran

    @property
    def key(self) -> str:
        """How benchmarks/mutation_survivors.py names it: stable while the line is unchanged."""
        return f"{self.module}: {self.before} -> {self.after}"

    @property
    def line_key(self) -> str:
        """How benchmarks/mutation_survivors.py names every mutant of its line at once."""
        return f"{self.module}: {self.before}"

    def look_up(self, known: Mapping[str, str]) -> str | None:
        """Its entry in ``known``: for this very mutant, else for every mutant of its line."""
        return known.get(self.key, known.get(self.line_key))


# --- the run ---------------------------------------------------------------------------------


def _package_dir() -> dict[str, str]:
    """pyproject's ``[tool.setuptools.package-dir]`` (Python 3.10 has no tomllib)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.setuptools.package-dir]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r'^"([^"]+)"\s*=\s*"([^"]+)"', section, re.MULTILINE))


def _stage(where: Path) -> None:
    """Lay the package out in ``where`` as an install would, from pyproject's package-dir."""
    mapping = _package_dir()
    shutil.rmtree(where, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package, folder in sorted(mapping.items(), key=lambda item: item[0].count(".")):
        target = where / package.replace(".", "/")
        shutil.copytree(ROOT / folder, target, ignore=ignore, dirs_exist_ok=True)
    # What each mutant is compared with, to find the lines it changed.
    shutil.copytree(where / "jwkconform" / "reference", WORK / "original", ignore=ignore,
                    dirs_exist_ok=True)  # fmt: skip
    # Checked-hash pycs: a mutant written in the same second, with the same size, as the
    # original must not be taken for it.
    compileall.compile_dir(
        where, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
    )


def _environment(stage: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(stage), str(HUNT_PROFILE)])}


def _requirements(groups: Sequence[str]) -> list[str]:
    from jwkconform.harness._registry import REQUIREMENTS

    return [rid for rid in REQUIREMENTS if rid.split("-", 1)[0] in groups]


def run_arguments(groups: Sequence[str]) -> list[str]:
    """``jwkconform run``'s arguments for the tests of ``groups``, as each mutant runs them."""
    selection = [arg for rid in _requirements(groups) for arg in ("--requirement", rid)]
    return [
        "run", "--strict", "--profile", "dev", "--seed", str(SEED), *selection,
        "--", "-x", "-q", "-p", "hunt_profile", "-W", "ignore::pytest.PytestAssertRewriteWarning",
    ]  # fmt: skip


def test_command(stage: Path, module: str) -> list[str]:
    """The command cosmic-ray runs against each mutant: the run, forked by the stage's server."""
    return [sys.executable, str(Path(__file__).resolve()), "--client", str(_socket(stage)),
            module, *run_arguments(GROUPS[module])]  # fmt: skip


def _socket(stage: Path) -> Path:
    return stage / "server.sock"


# Third-party modules the server imports once; jwkconform itself is imported afresh by every
# run, so each run reads the mutated file.
_PRELOAD = (
    "pytest", "_pytest.pytester", "hypothesis", "hypothesis.strategies", "hypothesis.stateful",
    "_hypothesis_pytestplugin", "httpx", "respx", "respx.plugin", "jwcrypto.jwk", "jwcrypto.jws",
    "jwcrypto.jwt", "cryptography.x509", "xdist.plugin", "xdist.looponfail", "anyio",
    "anyio.pytest_plugin", "hunt_profile",
)  # fmt: skip


def serve(path: Path) -> NoReturn:
    """Fork one conformance run per connection, each in a process that has not imported
    jwkconform yet: a fresh interpreter's result without its second of imports."""
    import importlib
    import select
    import signal
    import socket

    for name in _PRELOAD:
        importlib.import_module(name)
    assert not [m for m in sys.modules if m.startswith("jwkconform")], "imported too early"
    path.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    while True:
        conn, _ = server.accept()
        with conn:
            request: dict[str, Any] = json.loads(conn.makefile("r").readline())
            pid = os.fork()
            if pid == 0:  # the run: its output goes to the client
                server.close()
                os.setpgid(0, 0)
                os.dup2(conn.fileno(), 1)
                os.dup2(conn.fileno(), 2)
                sys.dont_write_bytecode = True
                lines = (
                    _trace(Path.cwd() / "jwkconform" / "reference") if request["trace"] else None
                )
                from jwkconform._cli import main as jwkconform_main

                code = jwkconform_main(request["argv"])
                sys.stdout.flush()
                sys.stderr.flush()
                if lines is not None:
                    found = {m: {n: sorted(t) for n, t in ns.items()} for m, ns in lines.items()}
                    Path(request["trace"]).write_text(json.dumps(found), encoding="utf-8")
                os._exit(code)
            while True:  # a client that went away (cosmic-ray's timeout) ends its run
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    code = os.waitstatus_to_exitcode(status)
                    conn.sendall(f"\0exit {code}\n".encode())
                    break
                if select.select([conn], [], [], 0.05)[0] and not conn.recv(1, socket.MSG_PEEK):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break


def _trace(folder: Path) -> dict[str, dict[str, set[str]]]:
    """Start recording which lines of the modules in ``folder`` run, and in which test
    (``PYTEST_CURRENT_TEST``; ``""`` outside every test: imports, collection). The returned
    mapping, module -> line -> tests, fills in as the run goes."""
    import threading

    prefix = f"{folder}{os.sep}"
    found: dict[str, dict[str, set[str]]] = {}
    environ = os.environ

    def line(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            test = environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
            module = found.setdefault(Path(frame.f_code.co_filename).stem, {})
            module.setdefault(str(frame.f_lineno), set()).add(test)
        return line

    def call(frame: FrameType, event: str, arg: object) -> Any:
        return line if frame.f_code.co_filename.startswith(prefix) else None

    sys.settrace(call)
    threading.settrace(call)
    return found


def _selection(module: str, stage: Path) -> list[str] | None:
    """The tests that execute the lines a mutant of ``module`` changed, as ``--test`` IDs;
    None to run all the module's groups (a line that runs outside tests, at import or during
    collection, reaches every test); [] when no test executes them at all."""
    import difflib

    original = (WORK / "original" / f"{module}.py").read_text(encoding="utf-8")
    mutated = (stage / "jwkconform" / "reference" / f"{module}.py").read_text(encoding="utf-8")
    old, new = original.splitlines(), mutated.splitlines()
    changed: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag != "equal":
            changed.update(range(i1 + 1, max(i2, i1 + 1) + 1))
    coverage: dict[str, dict[str, list[str]]] = json.loads(
        (WORK / "coverage.json").read_text(encoding="utf-8")
    )
    lines = coverage.get(module, {})
    tests: set[str] = set()
    for number in _statement_lines(original, changed):
        for test in lines.get(str(number), ()):
            if not test:
                return None
            # `jwkconform run --test` splits at the last "/": a parameter with one in it
            # runs as its whole test function.
            tests.add(test.split("[", 1)[0] if "/" in test.partition("[")[2] else test)
    return sorted(tests)


def _statement_lines(source: str, changed: set[int]) -> set[int]:
    """Every line whose execution runs the changed lines: the whole innermost statement
    around each (only the header of a compound statement, when the change is there)."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt) and node.end_lineno is not None:
            body = getattr(node, "body", None)
            header_end = body[0].lineno - 1 if isinstance(body, list) and body else None
            spans.append((node.lineno, node.end_lineno, header_end))
    found = set(changed)
    for number in changed:
        around = [s for s in spans if s[0] <= number <= s[1]]
        if not around:
            continue
        start, end, header_end = max(around, key=lambda s: s[0])
        if header_end is not None and number <= header_end:
            end = header_end
        found.update(range(start, end + 1))
    return found


def client(path: Path, module: str, argv: Sequence[str]) -> int:
    """Run ``jwkconform argv`` in the server at ``path`` against the mutant of ``module`` in
    the current folder, narrowed to the tests that execute the mutated lines; its output and
    exit status."""
    argv = list(argv)
    tests = _selection(module, Path.cwd())
    if tests == []:
        print(f"{_UNREACHED} changed in {module}: survived without a run")
        return 0
    if tests is not None:
        rest = argv.index("--")
        kept = [w for i, w in enumerate(argv[:rest]) if "--requirement" not in argv[i - 1 : i + 1]]
        argv = [*kept, *(w for t in tests for w in ("--test", t)), *argv[rest:]]
    code, output = _request(path, argv)
    sys.stdout.write(output)
    return code


def _request(path: Path, argv: Sequence[str], trace: Path | None = None) -> tuple[int, str]:
    """Have the server at ``path`` run ``jwkconform argv``: its exit status and output."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(path))
        request = {"argv": list(argv), "trace": str(trace) if trace else None}
        conn.sendall((json.dumps(request) + "\n").encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    output, _, trailer = b"".join(chunks).rpartition(b"\0exit ")
    return (int(trailer) if trailer.strip() else 3), output.decode(errors="replace")


def _start_server(stage: Path) -> subprocess.Popen[bytes]:
    path = _socket(stage)
    path.unlink(missing_ok=True)
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", str(path)],
        cwd=stage, env=_environment(stage),
    )  # fmt: skip
    for _ in range(600):
        if path.exists() or server.poll() is not None:
            break
        time.sleep(0.1)
    if not path.exists():
        server.kill()
        sys.exit(f"the run server of {stage} did not start")
    return server


def _baseline(stage: Path, groups: Sequence[str]) -> float:
    """Seconds the unmutated reference takes; it must pass, or every mutant would be killed."""
    started = time.monotonic()
    code, output = _request(_socket(stage), run_arguments(groups))
    if code != 0:
        sys.exit(f"baseline of {'/'.join(groups)} failed:\n{output[-3000:]}")
    return time.monotonic() - started


def _coverage(stage: Path) -> None:
    """Which tests execute each line of the reference (WORK/coverage.json), from one run of
    the whole suites with a line tracer."""
    argv = [w for w in run_arguments(()) if w != "-x"]
    code, output = _request(_socket(stage), argv, trace=WORK / "coverage.json")
    if code != 0:
        sys.exit(f"the traced run of the suites failed:\n{output[-3000:]}")


def _annotations(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (line, column) spans of every annotation, columns in characters as parso counts."""
    lines = source.splitlines()

    def column(line: int, offset: int) -> int:
        return len(lines[line - 1].encode()[:offset].decode())

    spans = []
    for node in ast.walk(ast.parse(source)):
        found: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node.returns)
        elif isinstance(node, ast.arg | ast.AnnAssign):
            found.append(node.annotation)
        for a in found:
            if a is not None and a.end_lineno is not None and a.end_col_offset is not None:
                start = (a.lineno, column(a.lineno, a.col_offset))
                spans.append((start, (a.end_lineno, column(a.end_lineno, a.end_col_offset))))
    return spans


def _skip_annotations(session: Path, source: Path) -> int:
    """Mark the mutants inside annotations as skipped in the session; how many."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    text = source.read_text(encoding="utf-8")
    assert "from __future__ import annotations" in text, f"{source}: annotations are evaluated"
    spans = _annotations(text)
    skipped = 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.work_items):
            (m,) = item.mutations
            start, end = tuple(m.start_pos), tuple(m.end_pos)
            if any(a <= start and end <= b for a, b in spans):
                db.set_result(
                    item.job_id,
                    WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output="annotation"),
                )
                skipped += 1
    return skipped


def _run_module(module: str, stage: Path, timeout: float, resume: bool) -> float:
    started = time.monotonic()
    session, config = WORK / f"{module}.sqlite", WORK / f"{module}.toml"
    command = " ".join(test_command(stage, module))
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "jwkconform/reference/{module}.py"\n'
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        '[cosmic-ray.distributor]\nname = "local"\n',
        encoding="utf-8",
    )
    env = _environment(stage)
    cosmic_ray = [sys.executable, "-m", "cosmic_ray.cli"]
    with (WORK / f"{module}.log").open("w", encoding="utf-8") as log:
        if not (resume and session.exists()):
            session.unlink(missing_ok=True)
            subprocess.run([*cosmic_ray, "init", str(config), str(session)], cwd=stage,
                           env=env, stdout=log, stderr=log, check=True)  # fmt: skip
            _skip_annotations(session, stage / "jwkconform" / "reference" / f"{module}.py")
        subprocess.run([*cosmic_ray, "exec", str(config), str(session)], cwd=stage, env=env,
                       stdout=log, stderr=log, check=True)  # fmt: skip
    seconds = time.monotonic() - started
    print(f"{module}: {seconds:.0f} s", flush=True)
    return seconds


def _count(module: str) -> int:
    source = (ROOT / "reference" / f"{module}.py").read_text(encoding="utf-8")
    return len(source.splitlines())


def run(modules: Sequence[str], jobs: int, resume: bool) -> dict[str, Any]:
    """Run the modules' mutants, ``jobs`` modules at a time; the run's figures."""
    started = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    stages: queue.Queue[Path] = queue.Queue()
    servers = []
    try:
        for i in range(jobs):
            stage = WORK / f"w{i}"
            _stage(stage)
            servers.append(_start_server(stage))
            stages.put(stage)
        saved = WORK / "baselines.json"
        if resume and saved.exists() and (WORK / "coverage.json").exists():
            baselines = {tuple(g.split("/")): s for g, s in json.loads(saved.read_text()).items()}
        else:
            baselines = {g: _baseline(WORK / "w0", g) for g in sorted(set(GROUPS.values()))}
            saved.write_text(json.dumps({"/".join(g): s for g, s in baselines.items()}))
            _coverage(WORK / "w0")

        def one(module: str) -> float:
            stage = stages.get()
            try:
                # A hung call fails on the harness's own 10 s deadline well before this.
                return _run_module(module, stage, 3 * baselines[GROUPS[module]] + 30, resume)
            finally:
                stages.put(stage)

        # Longest first, so that the jobs end together.
        order = sorted(modules, key=lambda m: -_count(m) * baselines[GROUPS[m]])
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            seconds = dict(zip(order, pool.map(one, order), strict=True))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=60)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "tool": f"cosmic-ray {metadata.version('cosmic-ray')}",
        "seed": SEED,
        "jobs": jobs,
        "cores": os.cpu_count(),
        "wall_seconds": round(time.monotonic() - started),
        # Other work on the machine stretches the wall time; the CPU time it does not.
        "cpu_seconds": round(used.ru_utime + used.ru_stime),
        "load_average": round(os.getloadavg()[1], 1),
        "module_seconds": {m: round(s) for m, s in seconds.items()},
        "baseline_seconds": {"/".join(g): round(s, 1) for g, s in baselines.items()},
    }


# --- the results -------------------------------------------------------------------------------


def _changed(diff: str) -> tuple[str, str]:
    lines = diff.splitlines()
    before = [x[1:].strip() for x in lines if x.startswith("-") and not x.startswith("---")]
    after = [x[1:].strip() for x in lines if x.startswith("+") and not x.startswith("+++")]
    return " / ".join(before), " / ".join(after)


def _outcome(result: Mapping[str, Any] | None) -> str:
    if result is None:
        return "pending"
    if result["worker_outcome"] == "skipped":
        return "annotation"
    if result["worker_outcome"] != "normal":
        return "error"
    if result["test_outcome"] == "killed":
        return "timeout" if result["output"] == "timeout" else "killed"
    return str(result["test_outcome"])


def _annotation_change(module: str, spec: Mapping[str, Any]) -> tuple[str, str]:
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    source = (WORK / "w0" / "jwkconform" / "reference" / f"{module}.py").read_text("utf-8")
    mutated = mutate_code(source, get_operator(spec["operator_name"])(), spec["occurrence"])
    line = spec["start_pos"][0] - 1
    return source.splitlines()[line].strip(), str(mutated).splitlines()[line].strip()


def collect(module: str) -> list[Mutant]:
    """Every mutant of ``module`` in its session (``cosmic-ray dump``)."""
    done = subprocess.run(
        [sys.executable, "-m", "cosmic_ray.cli", "dump", str(WORK / f"{module}.sqlite")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = []
    for line in done.stdout.splitlines():
        item, result = json.loads(line)
        (spec,) = item["mutations"]
        outcome = _outcome(result)
        if outcome == "annotation":
            before, after = _annotation_change(module, spec)
        else:
            before, after = _changed((result or {}).get("diff") or "")
        output = (result or {}).get("output") or ""
        found.append(
            Mutant(
                module=module,
                line=spec["start_pos"][0],
                operator=spec["operator_name"].removeprefix("core/"),
                occurrence=spec["occurrence"],
                outcome=outcome,
                before=before,
                after=after,
                by=tuple(sorted({m[0] for m in _VERDICT.finditer(output)})),
                reached=not output.startswith(_UNREACHED),
            )
        )
    return sorted(found, key=lambda m: (m.line, m.operator, m.occurrence))


def save(figures: Mapping[str, Any], mutants: Sequence[Mutant]) -> None:
    defaults = {"by": (), "reached": True}
    lines = [
        json.dumps({k: v for k, v in asdict(m).items() if k not in defaults or v != defaults[k]})
        for m in mutants
    ]
    RESULTS.write_text(
        '{"run": ' + json.dumps(figures) + ',\n"mutants": [\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


def load() -> tuple[dict[str, Any], list[Mutant]]:
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    mutants = [Mutant(**{**m, "by": tuple(m.get("by", ()))}) for m in document["mutants"]]
    return document["run"], mutants


# --- the document ------------------------------------------------------------------------------


KINDS = ("killed", "timeout", "missing", "equivalent", "unspecified", "unclassified", "error")


def _kind(m: Mutant) -> str:
    """What a mutant counts as: one of KINDS, or its outcome (error, pending)."""
    from mutation_survivors import EQUIVALENT, MISSING, UNSPECIFIED

    if m.outcome == "annotation":
        return "equivalent"
    if m.outcome != "survived":
        return m.outcome
    found = [m.look_up(known) for known in (EQUIVALENT, UNSPECIFIED, MISSING)]
    for kind, entry in zip(("equivalent", "unspecified", "missing"), found, strict=True):
        if entry is not None:
            return kind
    return "unclassified"


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`" if text else "(nothing)"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def table(mutants: Sequence[Mutant]) -> Iterator[str]:
    """The score of each module; a survivor not yet classified counts as missing a test."""
    yield (
        "| module | mutants | killed | timeout | survived: missing test | equivalent "
        "| unspecified | not yet classified | not made | score | score, unspecified counted |"
    )
    yield "|---|" + "---:|" * 10
    modules = sorted({m.module for m in mutants}, key=list(GROUPS).index)
    totals = dict.fromkeys(("all", *KINDS), 0)
    for module in [*modules, ""]:
        if module:
            kinds = [_kind(m) for m in mutants if m.module == module]
            row = {"all": len(kinds), **{k: kinds.count(k) for k in KINDS}}
            for k, v in row.items():
                totals[k] += v
        else:
            row = totals
        killed = row["killed"] + row["timeout"]
        name = f"`{module}`" if module else "**all**"
        cells = " | ".join(str(row[k]) for k in totals)
        made = row["all"] - row["error"]
        score = _percent(killed, made - row["equivalent"] - row["unspecified"])
        strict = _percent(killed, made - row["equivalent"])
        yield f"| {name} | {cells} | {score} | {strict} |"


def survivors(mutants: Sequence[Mutant], kind: str) -> Iterator[str]:
    """The survivors of one kind, one line each, with why (or which test should kill them)."""
    from mutation_survivors import EQUIVALENT, MISSING, UNSPECIFIED

    why = {"equivalent": EQUIVALENT, "unspecified": UNSPECIFIED, "missing": MISSING}.get(kind, {})
    for m in mutants:
        if m.outcome == "annotation" or _kind(m) != kind:
            continue
        where = f"`{m.module}.py:{m.line}` {m.operator}: {_code(m.before)} → {_code(m.after)}"
        unreached = "" if m.reached else " (no test executes this line)"
        reason = m.look_up(why)
        yield f"- {where}{unreached}" + (f": {reason}" if reason else "")


def render(figures: Mapping[str, Any], mutants: Sequence[Mutant]) -> str:
    annotation = sum(m.outcome == "annotation" for m in mutants)
    sections = (
        ("missing", "Not equivalent: a test should kill them"),
        ("unclassified", "Not yet classified"),
        ("unspecified", "Unspecified: they change only what no requirement fixes"),
        ("equivalent", "Equivalent: no test can tell them from the reference"),
        ("error", "Not made: cosmic-ray failed to apply the mutation"),
        ("pending", "Not run yet"),
    )
    body = [
        f"Measured with {figures['tool']}, {figures['jobs']} modules at a time on "
        f"{figures['cores']} cores: {figures['wall_seconds'] / 60:.1f} minutes of wall time and "
        f"{figures['cpu_seconds'] / 60:.1f} minutes of CPU time (load average at the end, "
        f"over 5 minutes: {figures['load_average']}).",
        "",
        *table(mutants),
        "",
        "Score = (killed + timeout) / (mutants - equivalent - unspecified); the last column "
        "counts the unspecified survivors as not killed. Equivalent includes the "
        f"{annotation} mutants inside annotations, which are never run; a mutant cosmic-ray "
        "failed to make (not made) counts nowhere.",
    ]
    for kind, title in sections:
        found = list(survivors(mutants, kind))
        if found:
            body += ["", f"### {title} ({len(found)})", "", *found]
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return f"{head}{BEGIN}\n" + "\n".join(body) + f"\n{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"default: all of {', '.join(GROUPS)}")
    parser.add_argument("--jobs", type=int, default=2, help="modules run at once (default 2)")
    parser.add_argument("--resume", action="store_true", help="keep the sessions' results")
    parser.add_argument("--render", action="store_true", help="only render docs/mutation.md")
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["--serve"]:  # internal: the run server of a stage
        serve(Path(words[1]))
    if words[:1] == ["--client"]:  # internal: the test command cosmic-ray runs
        return client(Path(words[1]), words[2], words[3:])
    args = parser.parse_args(words)
    unknown = set(args.modules) - set(GROUPS)
    if unknown:
        parser.error(f"unknown modules {sorted(unknown)}; known: {', '.join(GROUPS)}")
    if not args.render:
        modules = args.modules or list(GROUPS)
        figures = run(modules, args.jobs, args.resume)
        kept = [m for m in load()[1] if m.module not in modules] if RESULTS.exists() else []
        if args.modules and RESULTS.exists():
            figures = {**load()[0], "partial": figures}
        save(figures, [*kept, *(m for module in modules for m in collect(module))])
    figures, mutants = load()
    DOC.write_text(render(figures, mutants), encoding="utf-8")
    print("\n".join(table(mutants)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
