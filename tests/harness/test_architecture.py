"""The shape of the package: each part has a map that holds, no module grows past 400 lines,
and an import inside a function says why it is there (the layers and cycles themselves are
import-linter's contracts in pyproject.toml, checked by ``make type``)."""

from __future__ import annotations

import ast
import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("spec", "endpoints", "seam", "report", "run")
SOURCES = ("jwkconform", "harness", "reference", "suites", "fixtures")
LIMIT = 400


def _modules() -> list[Path]:
    return sorted(p for folder in SOURCES for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("part", PARTS)
def test_each_part_of_the_harness_has_a_map_whose_example_holds(part: str) -> None:
    package = importlib.import_module(f"jwkconform.harness.{part}")
    modules = sorted(
        p.stem for p in (ROOT / "harness" / part).glob("_*.py") if p.stem != "__init__"
    )
    assert package.__doc__
    assert [m for m in modules if f"``{m}``" not in package.__doc__] == []
    failures, attempted = doctest.testmod(package)
    assert (failures, attempted > 0) == (0, True)


def test_no_module_is_longer_than_the_limit() -> None:
    lengths = {str(p.relative_to(ROOT)): len(p.read_text("utf-8").splitlines()) for p in _modules()}
    assert {p: n for p, n in lengths.items() if n > LIMIT} == {}


def _unexplained_inner_imports(path: Path) -> list[str]:
    source = path.read_text("utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, (ast.Import, ast.ImportFrom)):
                # The comment sits on the line, or above the block of imports it opens.
                above = inner.lineno - 2
                while lines[above].strip().startswith(("from ", "import ")):
                    above -= 1
                said = "#" in lines[inner.lineno - 1] or lines[above].strip().startswith("#")
                if not said:
                    found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    return found


def test_an_import_inside_a_function_says_why() -> None:
    assert [hit for p in _modules() for hit in _unexplained_inner_imports(p)] == []


def test_the_plugin_imports_no_other_plugin_before_pytest_registers_it() -> None:
    # An early import of a pytest plugin (pytest-split, Hypothesis's) stops pytest rewriting
    # its asserts; `jwkconform run` imports the harness before pytest starts.
    done = subprocess.run(
        [sys.executable, "-m", "jwkconform", "run", "--seed", "1", "--requirement", "KID-01",
         "--", "-W", "error::pytest.PytestAssertRewriteWarning"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "PytestAssertRewriteWarning" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stdout[-2000:]
