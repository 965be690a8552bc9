"""The mutation score of the reference against the conformance suites (docs/mutation.md).

    python benchmarks/mutation.py                  # every module in GROUPS (make mutation)
    python benchmarks/mutation.py _durations       # some modules; the others' results are kept
    python benchmarks/mutation.py --resume         # go on with the sessions an interrupted run left
    python benchmarks/mutation.py --render         # docs/mutation.md from the saved results only

cosmic-ray makes the mutants and runs them. It edits a file in place, so every run works in
copies under build/mutation/ (one per job) laid out as an installed `jwkconform` package, which
comes before the editable install on PYTHONPATH: the suites import the mutated file, and the
work tree is never edited. Each module's mutants run only the requirement groups whose tests
call into the module (GROUPS), in strict mode (a failing SHOULD kills too), on the dev
profile's 15 examples with Hypothesis seed 0 and no shrinking (tests/mutants/hunt_profile.py),
stopping at the first failure. A mutant whose run outlives its timeout counts as killed, and
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
from typing import Any, NoReturn

from mutation_survivors import EQUIVALENT, MISSING

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
_VERDICT = re.compile(r"^([A-Z]+-[0-9]+)\s+(?:MUST|SHOULD|MAY)\s+(fail|error)\b", re.MULTILINE)


@dataclass(frozen=True)
class Mutant:
    """One mutant and what became of it."""

    module: str
    line: int
    operator: str
    occurrence: int
    outcome: str  # killed, timeout, survived, annotation, error
    before: str
    after: str
    by: tuple[str, ...] = ()  # the requirements that failed against it

    @property
    def key(self) -> str:
        """How benchmarks/mutation_survivors.py names it: stable while the line is unchanged."""
        return f"{self.module}: {self.before} -> {self.after}"


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


def test_command(stage: Path, groups: Sequence[str]) -> list[str]:
    """The command cosmic-ray runs against each mutant: the run, forked by the stage's server."""
    return [sys.executable, str(Path(__file__).resolve()), "--client", str(_socket(stage)),
            *run_arguments(groups)]  # fmt: skip


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
            argv: list[str] = json.loads(conn.makefile("r").readline())
            pid = os.fork()
            if pid == 0:  # the run: its output goes to the client
                server.close()
                os.setpgid(0, 0)
                os.dup2(conn.fileno(), 1)
                os.dup2(conn.fileno(), 2)
                sys.dont_write_bytecode = True
                from jwkconform._cli import main as jwkconform_main

                code = jwkconform_main(argv)
                sys.stdout.flush()
                sys.stderr.flush()
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


def client(path: Path, argv: Sequence[str]) -> int:
    """Run ``jwkconform argv`` in the server at ``path``; its output and exit status."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(path))
        conn.sendall((json.dumps(list(argv)) + "\n").encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    output, _, trailer = b"".join(chunks).rpartition(b"\0exit ")
    sys.stdout.write(output.decode(errors="replace"))
    return int(trailer) if trailer.strip() else 3


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
    done = subprocess.run(
        test_command(stage, groups), cwd=stage, env=_environment(stage), capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"baseline of {'/'.join(groups)} failed:\n{done.stdout[-3000:]}{done.stderr}")
    return time.monotonic() - started


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
    command = " ".join(test_command(stage, GROUPS[module]))
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
        baselines = {g: _baseline(WORK / "w0", g) for g in sorted(set(GROUPS.values()))}

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
            )
        )
    return sorted(found, key=lambda m: (m.line, m.operator, m.occurrence))


def save(figures: Mapping[str, Any], mutants: Sequence[Mutant]) -> None:
    lines = [json.dumps({k: v for k, v in asdict(m).items() if v != ()}) for m in mutants]
    RESULTS.write_text(
        '{"run": ' + json.dumps(figures) + ',\n"mutants": [\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


def load() -> tuple[dict[str, Any], list[Mutant]]:
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    mutants = [Mutant(**{**m, "by": tuple(m.get("by", ()))}) for m in document["mutants"]]
    return document["run"], mutants


# --- the document ------------------------------------------------------------------------------


def _kind(m: Mutant) -> str:
    if m.outcome == "annotation" or (m.outcome == "survived" and m.key in EQUIVALENT):
        return "equivalent"
    return m.outcome


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`" if text else "(nothing)"


def table(mutants: Sequence[Mutant]) -> Iterator[str]:
    yield "| module | mutants | killed | timeout | survived | equivalent | score |"
    yield "|---|---:|---:|---:|---:|---:|---:|"
    modules = sorted({m.module for m in mutants}, key=list(GROUPS).index)
    totals = dict.fromkeys(("all", "killed", "timeout", "survived", "equivalent"), 0)
    for module in [*modules, ""]:
        if module:
            kinds = [_kind(m) for m in mutants if m.module == module]
            row = {"all": len(kinds), **{k: kinds.count(k) for k in list(totals)[1:]}}
            for k, v in row.items():
                totals[k] += v
        else:
            row = totals
        scored = row["all"] - row["equivalent"]
        score = 100 * (row["killed"] + row["timeout"]) / scored if scored else 100.0
        name = f"`{module}`" if module else "**all**"
        cells = " | ".join(str(row[k]) for k in totals)
        yield f"| {name} | {cells} | {score:.1f} % |"


def survivors(mutants: Sequence[Mutant]) -> Iterator[str]:
    for m in mutants:
        if m.outcome not in {"survived", "error", "pending"}:
            continue
        where = f"`{m.module}.py:{m.line}` {m.operator}: {_code(m.before)} → {_code(m.after)}"
        if m.outcome != "survived":
            yield f"- {where}: **{m.outcome}**"
        elif m.key in EQUIVALENT:
            yield f"- {where}: equivalent: {EQUIVALENT[m.key]}"
        elif m.key in MISSING:
            yield f"- {where}: **not equivalent**: {MISSING[m.key]}"
        else:
            yield f"- {where}: **not yet classified**"


def render(figures: Mapping[str, Any], mutants: Sequence[Mutant]) -> str:
    minutes = figures["wall_seconds"] / 60
    annotation = sum(m.outcome == "annotation" for m in mutants)
    body = [
        f"Measured with {figures['tool']} on {figures['cores']} cores, {figures['jobs']} jobs: "
        f"the whole run took {minutes:.1f} minutes of wall time and "
        f"{figures['cpu_seconds'] / 60:.1f} minutes of CPU time (load average over the last "
        f"5 minutes at its end: {figures['load_average']}).",
        "",
        *table(mutants),
        "",
        f"Score = (killed + timeout) / (mutants - equivalent). Equivalent: {annotation} mutants "
        "inside annotations (never run) and the survivors classified below.",
        "",
        "### Surviving mutants",
        "",
        *(list(survivors(mutants)) or ["None."]),
    ]
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
        return client(Path(words[1]), words[2:])
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
