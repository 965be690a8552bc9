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
10 examples a property with Hypothesis seed 0 and no shrinking
(tests/mutants/hunt_profile.py), stopping at the first failure. A mutant runs only the tests
that execute the lines it changed (one traced run of the suites records them); a line that
runs outside any test (at import, during collection) runs the requirement groups whose tests
call into the module (GROUPS). A mutant whose run outlives its timeout counts as killed, and
is shown as a timeout. Mutants inside annotations are never run: every module of the reference
has ``from __future__ import annotations``, so annotations are never evaluated; they count as
equivalent. The survivors are classified in benchmarks/mutation_survivors.py.

This script is the command line and what runs in each copy (its server, and the test command
cosmic-ray runs); benchmarks/_mutation_run.py prepares the copies and runs cosmic-ray, and
benchmarks/_mutation_report.py collects the results and renders docs/mutation.md.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

# benchmarks/_mutation_run.py and benchmarks/_mutation_report.py, beside this script
from _mutation_report import DOC, RESULTS, collect, load, render, save, table
from _mutation_run import _UNREACHED, GROUPS, WORK, _request, run

# --- in each copy: the server and cosmic-ray's test command ----------------------------------

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


# --- the command line ----------------------------------------------------------------------------


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
