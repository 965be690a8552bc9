"""The run of benchmarks/mutation.py: the copies of the package under build/mutation/ and
their servers, the baselines and the line coverage, and one cosmic-ray session per module.

The stages' servers and cosmic-ray's test command are benchmarks/mutation.py itself, started
again with ``--serve`` and ``--client``.
"""

from __future__ import annotations

import ast
import compileall
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
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutation"
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

# How --client's output starts for a mutant that no test reaches (the results read it back).
_UNREACHED = "no test executes the lines"

# The command line: each stage's server (--serve) and cosmic-ray's test command (--client).
SCRIPT = Path(__file__).resolve().with_name("mutation.py")


def _package_dir() -> dict[str, str]:
    """pyproject's ``[tool.setuptools.package-dir]`` (Python 3.10 has no tomllib)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.setuptools.package-dir]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r'^"([^"]+)"\s*=\s*"([^"]+)"', section, re.MULTILINE))


_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def lay_out(where: Path) -> None:
    """Lay the package out in ``where`` as an install would, from pyproject's package-dir."""
    shutil.rmtree(where, ignore_errors=True)
    for package, folder in sorted(_package_dir().items(), key=lambda item: item[0].count(".")):
        target = where / package.replace(".", "/")
        shutil.copytree(ROOT / folder, target, ignore=_IGNORE, dirs_exist_ok=True)


def _stage(where: Path) -> None:
    """A copy of the package for one job (`lay_out`), with the original reference beside."""
    lay_out(where)
    # What each mutant is compared with, to find the lines it changed.
    shutil.copytree(where / "jwkconform" / "reference", WORK / "original", ignore=_IGNORE,
                    dirs_exist_ok=True)  # fmt: skip
    # Checked-hash pycs: a mutant written in the same second, with the same size, as the
    # original must not be taken for it.
    compileall.compile_dir(
        where, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
    )


def environment(stage: Path) -> dict[str, str]:
    """The environment of a run in ``stage``: its copy first, then the hunt profile."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(stage), str(HUNT_PROFILE)])}


def _requirements(groups: Sequence[str]) -> list[str]:
    from jwkconform.harness.spec._registry import REQUIREMENTS

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
    return [sys.executable, str(SCRIPT), "--client", str(_socket(stage)),
            module, *run_arguments(GROUPS[module])]  # fmt: skip


def _socket(stage: Path) -> Path:
    return stage / "server.sock"


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
        [sys.executable, str(SCRIPT), "--serve", str(path)],
        cwd=stage, env=environment(stage),
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
    env = environment(stage)
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
