"""The ``jwkconform`` command: ``run`` the suites, ``serve`` the reference publisher.

jwkconform run --report-json report.json
jwkconform serve --port 8080
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        from jwkconform._serve import serve

        return serve(args)
    from jwkconform.harness._cli import run

    return run(args)
