"""The distribution as a new user gets it: a wheel in a fresh virtual environment, run from
an empty folder, and an sdist that carries what the README's two commands need.

The fresh venv reaches its dependencies through a ``.pth`` line to this venv's
site-packages (so no download is needed); the wheel itself is installed with ``--no-deps``
and comes first on the path, and this venv's editable install is not activated there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from pytester_files import UNRELATED

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600


def _build(kind: str, out: Path) -> Path:
    if kind == "wheel":
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                   str(ROOT)]  # fmt: skip
    else:
        command = [sys.executable, "-m", "build", "--sdist", "-o", str(out), str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if done.returncode != 0 and "No matching distribution" in done.stderr + done.stdout:
        pytest.skip("the build backend could not be downloaded (offline?)")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    [built] = out.glob("*.whl" if kind == "wheel" else "*.tar.gz")
    return built


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("dist")
    return _build("wheel", out), _build("sdist", out)


@pytest.fixture(scope="module")
def fresh(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with the wheel installed: its bin folder."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    done = subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "-q", str(built[0])],
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return home / "bin"


def _in(folder: Path, *command: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    return subprocess.run(
        [str(c) for c in command], cwd=folder, env=env, capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip


def test_the_wheel_is_what_runs(fresh: Path, tmp_path: Path) -> None:
    done = _in(tmp_path, fresh / "python", "-c", "import jwkconform; print(jwkconform.__file__)")
    assert str(fresh.parent) in done.stdout, done.stdout + done.stderr


def test_an_unrelated_project_with_its_own_markers_passes_unchanged(
    fresh: Path, tmp_path: Path
) -> None:
    (tmp_path / "test_project.py").write_text(UNRELATED, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    requirement(id): ours\n    capability(name): ours\n",
        encoding="utf-8",
    )
    done = _in(tmp_path, fresh / "python", "-m", "pytest", "--strict-markers", "-W", "error", "-p",
               "no:cacheprovider")  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    assert "2 passed" in done.stdout
    assert "jwkconform:" not in done.stdout + done.stderr


def test_an_empty_adapter_exits_2_with_one_line(fresh: Path, tmp_path: Path) -> None:
    done = _in(tmp_path, fresh / "jwkconform", "run", "--adapter", "")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "jwkconform run: error: --adapter is empty (an unset variable?): give a value or drop it"
    ]


def test_spec_prints_a_requirement_with_its_tests(fresh: Path, tmp_path: Path) -> None:
    done = _in(tmp_path, fresh / "jwkconform", "spec", "KID-03")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("KID-03 (MUST)")
    assert "test_kid.py::" in done.stdout


def test_the_guides_schemas_and_library_files_ship(fresh: Path, tmp_path: Path) -> None:
    listing = _in(tmp_path, fresh / "jwkconform", "docs").stdout
    for name in ("adapters", "reports", "spec", "driver-protocol", "report.schema", "ci"):
        assert f"\n{name} " in "\n" + listing, listing
    guide = _in(tmp_path, fresh / "jwkconform", "docs", "adapters")
    assert guide.stdout.startswith("# Writing an adapter")
    shipped = _in(fresh.parent, fresh / "python", "-c",
                  "from importlib import resources;"
                  "print(sorted(p.name for p in resources.files('jwkconform.expectations')"
                  ".iterdir()))")  # fmt: skip
    assert "pyjwt.json" in shipped.stdout
    assert "node-jose.json" in shipped.stdout


def test_the_example_adapter_starts_from_the_wheel(fresh: Path, tmp_path: Path) -> None:
    written = _in(tmp_path, fresh / "jwkconform", "init")
    assert written.returncode == 0, written.stderr
    assert _in(tmp_path, fresh / "jwkconform", "docs", "example").stdout == (
        tmp_path / "inhouse_adapter.py"
    ).read_text(encoding="utf-8")
    done = _in(tmp_path, fresh / "jwkconform", "run", "--adapter", "inhouse_adapter.py:factory",
               "--requirement", "KID-01", "--seed", "1")  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "jwkconform: inhouse-jwks 0.3 (docs example)" in done.stdout


def test_a_run_from_the_wheel_passes_with_warnings_as_errors(fresh: Path, tmp_path: Path) -> None:
    done = _in(tmp_path, fresh / "jwkconform", "run", "--seed", "1", "--report-json", "r.json",
               "--", "-W", "error")  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "PytestAssertRewriteWarning" not in output
    assert "complete run" in done.stdout


def test_a_campaign_of_shards_merges_from_the_wheel(fresh: Path, tmp_path: Path) -> None:
    # Two seeds of one shard in worker processes, then their reports merged: the shard
    # of each seed is missing, so the merge is incomplete and says so.
    done = _in(tmp_path, fresh / "jwkconform", "run", "--seeds", "1-2", "--shard", "1/2",
               "--requirement", "KID-01", "--report-json", "c.json")  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "no unstable verdict over 2 seeds" in done.stdout
    merged = _in(tmp_path, fresh / "jwkconform", "merge", "c.seed-1.json", "c.seed-2.json",
                 "--seeds", "1-2", "--junit", "m.xml")  # fmt: skip
    assert merged.returncode == 3, merged.stdout + merged.stderr
    assert "INCOMPLETE: " in merged.stdout
    assert "shard 2/2 missing" in merged.stdout
    assert (tmp_path / "m.xml").read_text().startswith("<?xml")


def test_the_wheel_carries_the_licence_and_no_generic_top_level_names(
    built: tuple[Path, Path],
) -> None:
    names = zipfile.ZipFile(built[0]).namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    tops = {n.split("/", 1)[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"jwkconform"}
    assert "jwkconform/docs/spec.md" in names
    assert "jwkconform/docs/report.schema.json" in names
    assert "jwkconform/expectations/pyjwt.json" in names
    assert "jwkconform/suites/durations.json" in names  # what --shard balances by


def test_the_sdist_carries_what_the_readme_commands_need(built: tuple[Path, Path]) -> None:
    with tarfile.open(built[1]) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    needed = {"LICENSE", "README.md", "Makefile", "tox.ini", "pyproject.toml", ".ci/run",
              "tests/conftest.py", "tests/harness/test_cli.py", "docs/adapters.md",
              "drivers/node-jose/driver.mjs", "expected-failures/pyjwt.json",
              "benchmarks/run.py"}  # fmt: skip
    assert needed <= names, sorted(needed - names)
    assert not any("node_modules" in n or "__pycache__" in n for n in names)
