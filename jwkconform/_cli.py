"""The ``jwkconform`` command.

    jwkconform run --adapter mypkg.adapter:factory --report-json report.json
    jwkconform spec KID-03
    jwkconform docs adapters
    jwkconform serve --port 8080
    jwkconform matrix reference.json pyjwt.json --out docs/compatibility.md --html matrix.html
    jwkconform diff before.json after.json
    jwkconform merge shard-*.json --seeds 1-3 --report-html merged.html --junit merged.xml

Errors are one line on standard error. The exit status of ``jwkconform run`` means what
``EXIT_MEANINGS`` (`jwkconform.harness.report._reports`) says; every command's help ends with it.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from jwkconform import __version__
from jwkconform._docs import add_docs_arguments, add_init_arguments, docs, init
from jwkconform._serve import add_serve_arguments, serve
from jwkconform.harness.report._diff import add_diff_arguments, diff
from jwkconform.harness.report._matrix import write_matrix
from jwkconform.harness.report._matrix_reports import MatrixError
from jwkconform.harness.run._campaign import add_merge_arguments, merge
from jwkconform.harness.run._cli import EXIT_HELP, add_run_arguments, run
from jwkconform.harness.run._problems import RunProblem
from jwkconform.harness.spec._coverage import render_coverage_page
from jwkconform.harness.spec._ground_truth import render_ground_truth_page
from jwkconform.harness.spec._registry import UnknownRequirement, requirement
from jwkconform.harness.spec._spec import (
    render_decisions_page,
    render_json,
    render_markdown,
    render_text,
)

__all__ = ["main"]

USAGE, INTERRUPTED = 2, 130
# What pytest options look like: a hint that they belong after `--`.
_PYTEST_HINT = "pytest options go after --, as in: jwkconform run --adapter X -- -k name --lf"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if "unrecognized arguments" in message and "run" in sys.argv[1:3]:
            message += f" ({_PYTEST_HINT})"
        self.exit(USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="jwkconform",
        description="Conformance harness and executable specification for JWK-Set secret"
        " stores and JWK URI publishers.",
        epilog=EXIT_HELP,
    )
    parser.add_argument("--version", action="version", version=f"jwkconform {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_run_arguments(
        commands.add_parser(
            "run", help="run the conformance suites against an implementation", epilog=EXIT_HELP
        )
    )
    spec = commands.add_parser("spec", help="print the specification (one requirement or all)")
    spec.add_argument("ids", nargs="*", metavar="ID", help="requirement IDs (default: all)")
    spec.add_argument(
        "--format",
        choices=("text", "markdown", "json", "decisions", "ground-truth", "coverage"),
        default="text",
        help="text (default), json, markdown (docs/spec.md), decisions (docs/decisions.md),"
        " ground-truth (docs/ground-truth.md) or coverage (docs/coverage.md)",
    )
    add_docs_arguments(
        commands.add_parser("docs", help="list or print the shipped guides and the example")
    )
    add_init_arguments(
        commands.add_parser("init", help="write the example adapter, to start your own from")
    )
    add_serve_arguments(
        commands.add_parser("serve", help="serve the reference JWK URI publisher on 127.0.0.1")
    )
    matrix = commands.add_parser(
        "matrix", help="write a compatibility matrix (Markdown) from JSON reports"
    )
    matrix.add_argument(
        "reports", nargs="+", metavar="REPORT.json", help="reports, in column order"
    )
    matrix.add_argument(
        "--out", metavar="PATH", help="write the matrix here (default: stdout, unless --html)"
    )
    matrix.add_argument(
        "--html", metavar="PATH", help="also write the matrix as one self-contained HTML page"
    )
    matrix.add_argument(
        "--notes",
        metavar="FILE",
        help='hand-written notes, {"implementation name prefix": "paragraph"} (default: '
        "compatibility-notes.json beside --out, if present)",
    )
    matrix.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="take reports of incomplete runs (interrupted or filtered); they are marked",
    )
    add_merge_arguments(
        commands.add_parser(
            "merge",
            help="merge the JSON reports of shards and seeds into the report of one run",
            epilog="exit status: that of the merged run (0, 1, 3 or 130); 3 when the merge is"
            " incomplete (unless --allow-incomplete); 2 when reports cannot be merged",
        )
    )

    add_diff_arguments(
        commands.add_parser(
            "diff",
            help="list the verdicts that changed between two JSON reports",
            epilog="exit status: 0 no regression, 1 a requirement became fail or error,"
            " 2 a report cannot be read",
        )
    )
    return parser


def _matrix(args: argparse.Namespace) -> int:
    notes = args.notes
    if notes is None and args.out is not None:
        beside = Path(args.out).parent / "compatibility-notes.json"
        notes = beside if beside.is_file() else None
    try:
        text = write_matrix(
            args.reports, args.out, notes, allow_incomplete=args.allow_incomplete, html=args.html
        )
    except MatrixError as exc:
        print(f"jwkconform matrix: error: {exc}", file=sys.stderr)
        return USAGE
    except OSError as exc:
        print(f"jwkconform matrix: error: cannot write: {exc}", file=sys.stderr)
        return USAGE
    if args.out is None and args.html is None:
        sys.stdout.write(text)
    return 0


def _spec(args: argparse.Namespace) -> int:
    try:
        ids = [requirement(i).id for i in args.ids]
    except UnknownRequirement as exc:
        print(f"jwkconform spec: error: {exc}", file=sys.stderr)
        return USAGE
    pages = {
        "markdown": render_markdown,
        "decisions": render_decisions_page,
        "ground-truth": render_ground_truth_page,
        "coverage": render_coverage_page,
    }
    if args.format in pages and ids:
        print(f"jwkconform spec: error: --format {args.format} renders the whole document",
              file=sys.stderr)  # fmt: skip
        return USAGE
    render = {"text": render_text, "json": render_json}.get(args.format)
    sys.stdout.write(render(ids) if render is not None else pages[args.format]())
    return 0


def _run(args: argparse.Namespace) -> int:
    try:
        return run(args)
    except RunProblem as exc:
        print(f"jwkconform run: error: {exc}", file=sys.stderr)
        return exc.status


def _flushed(code: int) -> int:
    sys.stdout.flush()  # a closed pipe raises here, inside main, not at exit
    return code


def _leftover_threads() -> list[str]:
    return [t.name for t in threading.enumerate()
            if t is not threading.main_thread() and not t.daemon and t.is_alive()]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "matrix":
            return _matrix(args)
        if args.command == "merge":
            return merge(args)
        if args.command == "diff":
            return diff(args)
        if args.command == "spec":
            return _spec(args)
        if args.command == "docs":
            return _flushed(docs(args))
        if args.command == "init":
            return init(args)
        code = _run(args)
    except KeyboardInterrupt:
        print("jwkconform: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`jwkconform docs adapters | head -1`): nothing to say, and
        # nothing left for Python to flush into the closed pipe at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    left = _leftover_threads()
    if left and argv is None:
        # An adapter's thread that never ends would hold the process up with no word.
        print(f"jwkconform: warning: the implementation left threads running ({', '.join(left)});"
              " exiting without waiting for them", file=sys.stderr)  # fmt: skip
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
