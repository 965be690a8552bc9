"""``jwkconform docs``: the guides, shipped inside the package so an installed harness has them.

jwkconform docs              # every guide, with the path it is installed at
jwkconform docs adapters     # one guide, printed
jwkconform docs example      # the complete example adapter (docs/examples/inhouse_adapter.py)
jwkconform init              # write the example adapter here, to start your own from it
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = ["add_docs_arguments", "add_init_arguments", "docs", "guides", "init"]

_PACKAGE = "jwkconform.docs"
_EXAMPLE = "examples/inhouse_adapter.py"


def guides() -> dict[str, Traversable]:
    """Every shipped guide and schema by name (``adapters``, ``report.schema``...)."""
    found = {}
    for entry in sorted(resources.files(_PACKAGE).iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".md", ".json")):
            found[entry.name.rsplit(".", 1)[0]] = entry
    found["example"] = resources.files(_PACKAGE).joinpath(_EXAMPLE)
    return found


def _title(entry: Traversable) -> str:
    for line in entry.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
        if '"title"' in line:
            return line.split(":", 1)[1].strip().strip('",')
        if line.startswith('"""'):  # a Python file: its docstring's first line
            return line.strip('"').strip()
    return ""


def add_docs_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``jwkconform docs``."""
    parser.add_argument("name", nargs="?", help="a guide to print (default: list them all)")


def docs(args: argparse.Namespace) -> int:
    """List the guides, or print one; the exit status of ``jwkconform docs``."""
    found = guides()
    if args.name is None:
        width = max(len(name) for name in found)
        for name, entry in found.items():
            print(f"{name:<{width}}  {_title(entry)}\n{'':<{width}}  {entry}")
        return 0
    chosen = found.get(args.name.removesuffix(".md"))
    if chosen is None:
        print(f"jwkconform docs: error: no guide {args.name!r}; known: {', '.join(found)}",
              file=sys.stderr)  # fmt: skip
        return 2
    sys.stdout.write(chosen.read_text(encoding="utf-8"))
    return 0


def add_init_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``jwkconform init``."""
    parser.add_argument(
        "path",
        nargs="?",
        default="inhouse_adapter.py",
        help="where to write the example adapter (default: inhouse_adapter.py)",
    )


def init(args: argparse.Namespace) -> int:
    """Write the example adapter to ``args.path`` (never over a file); exit status."""
    path = Path(args.path)
    if path.exists():
        print(f"jwkconform init: error: {path} exists; give another path", file=sys.stderr)
        return 2
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(guides()["example"].read_text(encoding="utf-8"), encoding="utf-8")
    except OSError as exc:
        print(f"jwkconform init: error: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {path}: an adapter for a stand-in store; replace the store with yours, then")
    print(f"  jwkconform run --adapter {path}:factory")
    return 0
