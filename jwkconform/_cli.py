"""The ``jwkconform`` command: ``run`` the suites, ``serve`` the reference publisher, and
put reports side by side in a ``matrix``.

jwkconform run --report-json report.json
jwkconform serve --port 8080
jwkconform matrix reference.json pyjwt.json --out docs/compatibility.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from jwkconform import __version__

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from jwkconform._serve import add_serve_arguments
    from jwkconform.harness._cli import add_run_arguments

    parser = argparse.ArgumentParser(
        prog="jwkconform", description="Conformance harness for JWK-Set secret stores."
    )
    parser.add_argument("--version", action="version", version=f"jwkconform {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    add_run_arguments(
        commands.add_parser("run", help="run the conformance suites against an implementation")
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
    matrix.add_argument("--out", metavar="PATH", help="write the matrix here (default: stdout)")
    matrix.add_argument(
        "--notes",
        metavar="FILE",
        help='hand-written notes, {"implementation name prefix": "paragraph"} (default: '
        "compatibility-notes.json beside --out, if present)",
    )
    return parser


def _matrix(args: argparse.Namespace) -> int:
    from jwkconform.harness._matrix import MatrixError, write_matrix

    notes = args.notes
    if notes is None and args.out is not None:
        beside = Path(args.out).parent / "compatibility-notes.json"
        notes = beside if beside.is_file() else None
    try:
        text = write_matrix(args.reports, args.out, notes)
    except MatrixError as exc:
        print(f"jwkconform matrix: error: {exc}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from jwkconform._serve import serve

        return serve(args)
    if args.command == "matrix":
        return _matrix(args)
    from jwkconform.harness._cli import run

    return run(args)
