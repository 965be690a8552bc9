"""Files given to jwkconform are checked before use: a report given to ``diff`` or
``matrix``, an expected-failures file, a report path. A deep, huge or mistyped document is one
line on standard error and exit status 2, never a traceback; what a report holds reaches the
terminal escaped. Everything runs in process (``jwkconform._cli.main``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_diff import BASE, _document

from jwkconform._cli import main

DEEP = "[" * 100_000 + "]" * 100_000


def _one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], prefix: str) -> str:
    code = main(argv)
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, err[-2000:]
    assert len(lines) == 1, err[-2000:]
    assert lines[0].startswith(prefix), lines[0]
    assert "Traceback" not in err
    return lines[0]


def _report_text(**changes: object) -> str:
    return json.dumps({**_document(BASE), **changes})


BAD_REPORTS = [
    pytest.param(DEEP, "nests deeper than 64 levels", id="100000-deep"),
    pytest.param(_report_text().replace("[]", "[" * 70 + "]" * 70), "nests deeper", id="70-deep"),
    pytest.param(
        _report_text().replace('"seed": 3', '"seed": ' + "9" * 5000),
        "is not JSON",
        id="5000-digits",
    ),
    pytest.param(
        _report_text(incomplete=[1]),
        "'incomplete' is not a list of strings",
        id="incomplete-of-numbers",
    ),
    pytest.param(
        _report_text(summary={"pass": "x"}),
        "'summary' is not an object of counts",
        id="summary-of-strings",
    ),
    pytest.param('{"a": "\\ud800', "is not JSON", id="cut-string"),
]


@pytest.mark.parametrize(("content", "problem"), BAD_REPORTS)
def test_diff_refuses_a_bad_report_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
    problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.json").write_text(content, encoding="utf-8")
    Path("good.json").write_text(_report_text(), encoding="utf-8")
    for pair in (["good.json", "bad.json"], ["bad.json", "good.json"]):
        line = _one_line_exit_2(capsys, ["diff", *pair], "jwkconform diff: error: ")
        assert problem in line


@pytest.mark.parametrize(("content", "problem"), BAD_REPORTS)
def test_matrix_refuses_a_bad_report_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
    problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.json").write_text(content, encoding="utf-8")
    line = _one_line_exit_2(capsys, ["matrix", "bad.json"], "jwkconform matrix: error: ")
    assert problem in line


def test_a_report_larger_than_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jwkconform.harness import _untrusted

    monkeypatch.setattr(_untrusted, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(_untrusted.read_json, "__kwdefaults__", {"max_bytes": 100})
    monkeypatch.chdir(tmp_path)
    Path("big.json").write_text(_report_text(), encoding="utf-8")
    line = _one_line_exit_2(capsys, ["matrix", "big.json"], "jwkconform matrix: error: ")
    assert "is larger than 100 bytes" in line


@pytest.mark.parametrize(
    "content", [DEEP, '{"KID-03": ' + "9" * 5000 + "}", '{"KID-03": "\\ud800'],
    ids=["100000-deep", "5000-digits", "cut"],
)  # fmt: skip
def test_a_bad_expected_failures_file_is_one_line_before_the_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("expected.json").write_text(content, encoding="utf-8")
    line = _one_line_exit_2(
        capsys, ["run", "--expected-failures", "expected.json"], "jwkconform run: error: "
    )
    assert "expected-failures file expected.json" in line


@pytest.mark.parametrize("option", ["--report-json", "--report-md", "--report-html"])
def test_a_report_path_where_nothing_can_be_written_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """/proc lets root open it for writing, but a file cannot be created there: the run
    used to run in full and fail at the end (exit status 3)."""
    line = _one_line_exit_2(
        capsys, ["run", option, "/proc/jwkconform-report.out"], "jwkconform run: error: "
    )
    assert line.startswith(f"jwkconform run: error: {option} /proc/jwkconform-report.out: ")


def test_a_report_path_check_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jwkconform.harness.run._options import check_writable

    existing = tmp_path / "old.json"
    existing.write_text("kept", encoding="utf-8")
    assert check_writable(existing, "--report-json") == existing
    assert existing.read_text(encoding="utf-8") == "kept"
    assert check_writable(tmp_path / "new.json", "--report-json")
    assert check_writable(tmp_path / "a" / "b" / "new.json", "--report-json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]


def test_diff_shows_control_characters_in_a_report_as_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An implementation name that clears the screen and renames the window (R3)."""
    monkeypatch.chdir(tmp_path)
    hostile = "impl\x1b[2J\x1b]0;pwned\x07\nforged line\ud800"
    Path("a.json").write_text(_report_text(implementation=hostile), encoding="utf-8")
    Path("b.json").write_text(_report_text(), encoding="utf-8")
    assert main(["diff", "a.json", "b.json"]) == 0
    out, _ = capsys.readouterr()
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\nforged line" not in out
    assert "impl\\x1b[2J\\x1b]0;pwned\\x07\\x0aforged line\ufffd" in out
