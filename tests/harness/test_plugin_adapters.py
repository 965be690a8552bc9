"""How the plugin finds the adapter, and how it reports one that cannot be used: in one
line, before any test is collected."""

from __future__ import annotations

import time

import pytest
from pytester_files import TARGET_NAME_FILE, TINY_ADAPTER, output, report, use_adapters

LACKING = """
class LacksOpenStore:
    name = "lacks-open-store"
    capabilities = frozenset()
    transport = "respx"


class Misspelt:
    name = "misspelt"
    capabilities = frozenset({"vrify"})
    transport = "respx"

    def open_store(self, config, env):
        raise AssertionError


def lacks_open_store():
    return LacksOpenStore()


def not_an_adapter():
    return "an adapter"


def misspelt():
    return Misspelt()


def exits():
    raise SystemExit(2)


def raises():
    raise RuntimeError("no licence server")
"""


def _assert_tiny_adapter_ran(
    result: pytest.RunResult, spec: str, pytester: pytest.Pytester
) -> None:
    assert result.ret == pytest.ExitCode.OK, output(result)
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines([r"^=+ jwkconform: tiny-adapter 1\.0 =+$"])
    document = report(pytester.path / "r.json")
    assert (document["implementation"], document["adapter"]) == ("tiny-adapter 1.0", spec)


def test_adapter_from_the_command_line(pytester: pytest.Pytester) -> None:
    use_adapters(pytester)
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest(
        "--jwk-adapter", "my_adapter:factory", "--jwk-report-json", "r.json"
    )
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_adapter_from_a_file_path(pytester: pytest.Pytester) -> None:
    (pytester.path / "adapters").mkdir()
    (pytester.path / "adapters" / "tiny.py").write_text(TINY_ADAPTER, encoding="utf-8")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest(
        "--jwk-adapter", "adapters/tiny.py:factory", "--jwk-report-json", "r.json"
    )
    _assert_tiny_adapter_ran(result, "adapters/tiny.py:factory", pytester)


def test_adapter_from_a_file_inside_a_package(pytester: pytest.Pytester) -> None:
    package = pytester.path / "mypkg" / "conformance"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "tiny.py").write_text(TINY_ADAPTER, encoding="utf-8")
    # Both import styles of a package's own modules work.
    (package / "adapter.py").write_text(
        "from mypkg.conformance.tiny import factory\nfrom . import tiny\n", encoding="utf-8"
    )
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    spec = "mypkg/conformance/adapter.py:factory"
    result = pytester.runpytest("--jwk-adapter", spec, "--jwk-report-json", "r.json")
    _assert_tiny_adapter_ran(result, spec, pytester)


def test_adapter_from_the_ini_key(pytester: pytest.Pytester) -> None:
    use_adapters(pytester)
    pytester.makeini("[pytest]\njwk_adapter = my_adapter:factory\n")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-report-json", "r.json")
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_the_command_line_beats_the_ini_key(pytester: pytest.Pytester) -> None:
    use_adapters(pytester)
    pytester.makeini("[pytest]\njwk_adapter = nosuchmodule:factory\n")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest(
        "--jwk-adapter", "my_adapter:factory", "--jwk-report-json", "r.json"
    )
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def _install_entry_points(pytester: pytest.Pytester, **points: str) -> None:
    dist = pytester.path / "fake_adapter-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-adapter\nVersion: 0.1\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {value}\n" for name, value in points.items())
    (dist / "entry_points.txt").write_text(f"[jwkconform.adapters]\n{lines}", encoding="utf-8")
    use_adapters(pytester)


def test_a_single_installed_adapter_is_the_default(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-report-json", "r.json")
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_an_installed_adapter_is_chosen_by_name(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory", other="broken:raises")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-adapter", "fake", "--jwk-report-json", "r.json")
    _assert_tiny_adapter_ran(result, "my_adapter:factory", pytester)


def test_the_reference_is_chosen_by_its_entry_point_name(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest("--jwk-adapter", "reference")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.re_match_lines([r"^=+ jwkconform: jwkconform reference \S+ =+$"])


def test_several_installed_adapters_need_a_choice(pytester: pytest.Pytester) -> None:
    _install_entry_points(pytester, fake="my_adapter:factory", other="broken:raises")
    pytester.makepyfile(test_target=TARGET_NAME_FILE)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*several adapters are installed (fake, other): choose one with --jwk-adapter*"]
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchmodule:factory", "cannot import adapter module 'nosuchmodule': ModuleNotFound*"),
        ("my_adapter:missing", "module 'my_adapter' has no attribute 'missing'"),
        ("lacking:lacks_open_store", "*lacks a valid open_store*"),
        ("lacking:not_an_adapter", "*returned str, which lacks a valid name, capabilities, *"),
        ("lacking:misspelt", "*declares unknown capabilities ?'vrify'?*"),
        ("lacking:exits", "adapter factory lacking:exits raised SystemExit: 2"),
        ("lacking:raises", "adapter factory lacking:raises raised RuntimeError: no licence*"),
        ("no-such-entry-point", "no adapter entry point 'no-such-entry-point'*(known: *)*"),
        ("nowhere/adapter.py:factory", "adapter file nowhere/adapter.py does not exist"),
    ],
    ids=["no-module", "no-attribute", "no-open-store", "not-an-adapter", "capability-typo",
         "system-exit", "raises", "unknown-name", "no-file"],
)  # fmt: skip
def test_a_bad_adapter_is_one_line_before_collection(
    pytester: pytest.Pytester, spec: str, message: str
) -> None:
    use_adapters(pytester)
    pytester.makepyfile(lacking=LACKING, test_target=TARGET_NAME_FILE)
    started = time.monotonic()
    result = pytester.runpytest("--jwk-adapter", spec, "--jwk-report-json", "r.json")
    assert time.monotonic() - started < 5
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: jwkconform: {message}"])
    text = output(result)
    assert "Traceback" not in text
    assert "INTERNALERROR" not in text
    assert "collected" not in text  # before collection
    assert len(result.stderr.str().strip().splitlines()) == 1
    assert not (pytester.path / "r.json").exists()
