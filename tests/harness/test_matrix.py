"""``jwkconform matrix``: reports side by side, malformed input, and docs/compatibility.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jwkconform import __version__
from jwkconform.harness.report._matrix import embedded_source, regenerate, render
from jwkconform.harness.report._matrix_guide import QUESTIONS
from jwkconform.harness.report._matrix_html import render_html
from jwkconform.harness.report._matrix_reports import MatrixError, Report, load_report
from jwkconform.harness.report._verdicts import VERDICTS
from jwkconform.harness.spec._registry import REQUIREMENTS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
COMPATIBILITY = ROOT / "docs" / "compatibility.md"


def _report(
    name: str,
    verdicts: dict[str, tuple[str, str | None]],
    *,
    seed: int | None = 7,
    incomplete: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A schema-valid report: every requirement passes unless ``verdicts`` says otherwise
    (verdict, message)."""
    rows = []
    for rid, req in REQUIREMENTS.items():
        verdict, message = verdicts.get(rid, ("pass", None))
        rows.append(
            {
                "id": rid,
                "level": req.level.value,
                "verdict": verdict,
                "tests": [f"test_x.py::test_{rid.lower()}"],
                "message": message,
                "summary": req.summary,
                "source": req.source,
                "hint": f"If this fails, {req.hint}.",
                "findings": [],
            }
        )
    summary: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for row in rows:
        summary[str(row["verdict"])] += 1
    document = {
        "schema_version": 3,
        "jwkconform": __version__,
        "implementation": name,
        "implementation_version": name.split()[-1],
        "adapter": f"{name.split()[0].lower()}:factory",
        "transport": "loopback",
        "seed": seed,
        "profile": "dev",
        "strict": False,
        "complete": not incomplete,
        "incomplete": list(incomplete),
        "exit_status": 130 if incomplete else 0,
        "started": "2026-11-30T00:00:00+00:00",
        "duration": 1.5,
        "versions": {"python": "3.11", "pytest": "9", "hypothesis": "6", "platform": "x"},
        "capabilities": ["verify"],
        "key_support": {"kinds": ["RSA"], "algorithms": ["RS256"]},
        "summary": summary,
        "requirements": rows,
        "tests": [],
        "expectations": {"file": None, "stale": [], "mismatches": []},
    }
    jsonschema.validate(document, SCHEMA)
    return document


ALPHA = _report(
    "alpha 1.0",
    {
        "KID-03": ("fail", "AssertionError: fallback did not verify\nassert False"),
        "LOAD-05": ("non-strict", "the stale set was not reloaded (http://127.0.0.1:41234/x)"),
        "CFG-01": ("skip", "alpha 1.0 does not declare capability config"),
        "CFG-02": ("skip", "alpha 1.0 does not declare capability config"),
    },
)
BETA = _report(
    "beta 2.0",
    {
        "KID-03": ("xfail", "reason: expected failure: beta has no fallback (issue 12)"),
        "CACHE-05": ("skip", "beta 2.0 does not declare capability coalescing"),
    },
    seed=None,
)


def _write(folder: Path, name: str, document: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _matrix(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "jwkconform", "matrix", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _row(text: str, rid: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {rid} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_matrix_has_one_verdict_column_per_report() -> None:
    text = render([Report("a", ALPHA), Report("b", BETA)])
    assert "| ID | Level | alpha 1.0 | beta 2.0 | Requirement |" in text
    assert _row(text, "KID-03")[:4] == ["KID-03", "MUST", "**FAIL**", "xfail"]
    assert _row(text, "LOAD-05")[:4] == ["LOAD-05", "SHOULD", "non-strict", "pass"]
    assert _row(text, "CFG-01")[:4] == ["CFG-01", "MUST", "skip", "pass"]
    assert _row(text, "CACHE-05")[:4] == ["CACHE-05", "MAY", "pass", "skip"]
    assert _row(text, "KID-01")[4] == REQUIREMENTS["KID-01"].summary


def test_rows_follow_the_catalogue_grouped_by_group() -> None:
    text = render([Report("a", ALPHA)])
    ids = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ")]
    ids = [i for i in ids if i in REQUIREMENTS]
    assert ids == list(REQUIREMENTS)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    # The guide for someone choosing a client comes first, above the tables (issue 24).
    assert headings[:2] == ["## Choosing a client", "## Store configuration (CFG)"]
    assert headings[-1] == "## Differences by implementation"


@pytest.mark.parametrize("rid", ["CFG-99", "CFG-", "NEW-01"])
def test_a_row_the_catalogue_lacks_is_listed_apart_whatever_its_id(rid: str) -> None:
    # A report from a newer catalogue, or a file anyone wrote: its row must not pass for one
    # of the specification's by sitting in a catalogue group's table.
    extra = {**ALPHA["requirements"][0], "id": rid, "summary": "made up", "verdict": "pass"}
    report = Report("a", {**ALPHA, "requirements": [*ALPHA["requirements"], extra]})
    text = render([report])
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[-2:] == ["## Not in this specification", "## Differences by implementation"]
    apart = text.split("## Not in this specification", 1)[1].split("## ", 1)[0]
    assert _row(apart, rid)[-1] == "made up"
    assert f"| {rid} |" not in text.split("## Not in this specification", 1)[0]
    page = render_html([report])
    assert f"<td>{rid}</td><td>MUST</td><td>Not in this specification</td>" in page


def test_the_header_names_versions_seeds_and_profiles() -> None:
    text = render([Report("a", ALPHA), Report("b", BETA)])
    assert f"Verdicts of jwkconform {__version__}" in text
    assert f"| alpha 1.0 | `alpha:factory` | loopback | {__version__} | dev | 7 | default |" in text
    assert (
        f"| beta 2.0 | `beta:factory` | loopback | {__version__} | dev | none | default |" in text
    )
    passed = len(REQUIREMENTS) - 4
    # error, fail, non-strict, xfail, pass, blocked, skip, untested
    assert f"| alpha 1.0 | 0 | 1 | 1 | 0 | {passed} | 0 | 2 | 0 |" in text


def test_differences_are_condensed_from_the_reports() -> None:
    text = render([Report("a", ALPHA), Report("b", BETA)])
    alpha = text.split("### alpha 1.0", 1)[1].split("### beta 2.0", 1)[0]
    beta = text.split("### beta 2.0", 1)[1]
    assert "- **KID-03** (MUST, fail): fallback did not verify" in alpha
    assert "assert False" not in alpha
    assert "127.0.0.1:PORT" in alpha, "the loopback port would change from run to run"
    assert "- does not declare capability config: CFG-01, CFG-02" in alpha
    assert "- **KID-03** (MUST, xfail): known: beta has no fallback (issue 12)" in beta
    assert "- does not declare capability coalescing: CACHE-05" in beta


def test_an_erroring_requirement_is_a_difference_in_both_pages() -> None:
    broken = _report("gamma 3.0", {"LOAD-04": ("error", "the driver crashed: exit 1")})
    markdown_page = render([Report("g", broken)])
    html_page = render_html([Report("g", broken)], {})
    assert "- **LOAD-04** (MUST, error): the driver crashed: exit 1" in markdown_page
    assert "No failing, erroring" not in markdown_page
    assert "the driver crashed: exit 1" in html_page


def test_notes_are_merged_by_name_prefix(tmp_path: Path) -> None:
    notes = {"beta": "Beta is tested through its driver."}
    text = render([Report("a", ALPHA), Report("b", BETA)], notes)
    assert text.count("Beta is tested through its driver.") == 1
    assert text.index("Beta is tested") > text.index("### beta 2.0")
    # The CLI finds compatibility-notes.json beside --out.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "compatibility-notes.json").write_text(json.dumps(notes), "utf-8")
    reports = [_write(tmp_path, "a.json", ALPHA), _write(tmp_path, "b.json", BETA)]
    completed = _matrix(*reports, "--out", "out/m.md", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "out" / "m.md").read_text(encoding="utf-8") == text


def test_the_cli_writes_what_render_makes_and_regenerates_byte_identically(
    tmp_path: Path,
) -> None:
    reports = [_write(tmp_path, "a.json", ALPHA), _write(tmp_path, "b.json", BETA)]
    first = _matrix(*reports, "--out", "one.md", cwd=tmp_path)
    second = _matrix(*reports, "--out", "two.md", cwd=tmp_path)
    to_stdout = _matrix(*reports, cwd=tmp_path)
    assert first.returncode == second.returncode == to_stdout.returncode == 0, first.stderr
    one = (tmp_path / "one.md").read_bytes()
    assert one == (tmp_path / "two.md").read_bytes()
    assert one.decode("utf-8") == to_stdout.stdout
    assert one.decode("utf-8") == render([load_report(p) for p in reports])
    assert regenerate(one.decode("utf-8")) == one.decode("utf-8")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not JSON"),
        ("[]", "the document is a JSON list, not an object"),
        (json.dumps({**ALPHA, "schema_version": 1}), "schema_version is 1, not 2 or 3"),
        (json.dumps({k: v for k, v in ALPHA.items() if k != "implementation"}), "'implementation'"),
        (
            json.dumps({**ALPHA, "requirements": [{**ALPHA["requirements"][0], "verdict": "ok"}]}),
            "requirements[0] (CFG-01) has verdict 'ok'",
        ),
    ],
    ids=["not-json", "array", "schema-version", "no-implementation", "bad-verdict"],
)
def test_a_malformed_report_gives_a_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    good = _write(tmp_path, "good.json", ALPHA)
    completed = _matrix(good, bad, "--out", "m.md", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.startswith("jwkconform matrix: error: ")
    assert "bad.json" in completed.stderr
    assert problem in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "m.md").exists(), "a failed matrix must not leave a partial file"
    with pytest.raises(MatrixError, match=r"bad\.json"):
        load_report(bad)


def test_a_schema_2_report_is_still_read(tmp_path: Path) -> None:
    old = {k: v for k, v in ALPHA.items() if k != "implementation_version"}
    old["schema_version"] = 2
    completed = _matrix(_write(tmp_path, "old.json", old), _write(tmp_path, "new.json", BETA),
                        "--out", "m.md", cwd=tmp_path)  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert _row((tmp_path / "m.md").read_text(encoding="utf-8"), "KID-03")[2:4] == [
        "**FAIL**", "xfail"
    ]  # fmt: skip


def test_a_missing_report_is_named(tmp_path: Path) -> None:
    completed = _matrix("nowhere.json", cwd=tmp_path)
    assert completed.returncode == 2
    assert "cannot read report nowhere.json" in completed.stderr


def test_the_checked_in_matrix_is_generated() -> None:
    """docs/compatibility.md is exactly what the tool makes of its embedded source: no
    table or paragraph in it was written by hand (regenerate it after a change)."""
    text = COMPATIBILITY.read_text(encoding="utf-8")
    assert regenerate(text) == text, (
        "docs/compatibility.md differs from a regeneration from its own source; "
        "run `jwkconform matrix ... --out docs/compatibility.md` instead of editing it"
    )
    reports, _ = embedded_source(text)
    names = [r.implementation for r in reports]
    assert names[0].startswith("jwkconform reference"), names
    assert any(n.startswith("PyJWT") for n in names), names
    assert any(n.startswith("jose") for n in names), names
    for report in reports:
        assert list(report.verdicts) == list(REQUIREMENTS), report.implementation
        assert report.document["seed"] is not None, "a checked-in matrix needs replayable runs"
        assert "fail" not in {row["verdict"] for row in report.verdicts.values()}, (
            f"{report.implementation} has failing requirements in the checked-in matrix; "
            "list known differences in expected-failures/ first"
        )


def test_a_damaged_source_is_reported() -> None:
    text = render([Report("a", ALPHA)])
    with pytest.raises(MatrixError, match="no embedded matrix source"):
        regenerate(text.split("<!-- jwkconform-matrix-source")[0])
    lines = text.splitlines()
    blob_line = len(lines) - 3
    lines[blob_line] = "!" + lines[blob_line][1:]
    with pytest.raises(MatrixError, match="damaged"):
        regenerate("\n".join(lines))


def test_an_incomplete_report_is_refused_unless_allowed_and_then_marked(tmp_path: Path) -> None:
    partial = _report("gamma 0.1", {}, incomplete=("interrupted",))
    path = _write(tmp_path, "partial.json", partial)
    refused = _matrix(path, "--out", "m.md", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"jwkconform matrix: error: {path} is the report of an incomplete run"
        " (interrupted): rerun it in full, or pass --allow-incomplete to take it"
        " (the matrix then marks it)"
    )
    assert not (tmp_path / "m.md").exists()
    taken = _matrix(path, "--allow-incomplete", "--out", "m.md", cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr
    assert "**INCOMPLETE** (interrupted)" in (tmp_path / "m.md").read_text(encoding="utf-8")


# -- the guide above the tables (harness/report/_matrix_guide.py) ------------------------------


def _guide_report(name: str, verdicts: dict[str, tuple[str, str | None]]) -> Report:
    document: dict[str, Any] = _report(name, verdicts)
    return Report(path=f"{name}.json", document=document)


def _guide_row(markdown: str, requirement: str) -> list[str]:
    line = next(x for x in markdown.splitlines() if x.startswith("| ") and f"{requirement})" in x)
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_each_question_sorts_the_implementations_by_their_verdicts() -> None:
    steady = _guide_report("steady 1", {})
    brittle = _guide_report(
        "brittle 2",
        {"LOAD-05": ("xfail", "stale set dropped"), "PUR-02": ("fail", "enc key verified")},
    )
    vague = _guide_report("vague 3", {"KID-03": ("skip", None), "LOAD-06": ("blocked", "premise")})
    text = render([steady, brittle, vague])
    assert text.index("## Choosing a client") < text.index("## Store configuration (CFG)")
    assert _guide_row(text, "LOAD-05")[1:] == ["steady 1, vague 3", "brittle 2", "-"]
    assert _guide_row(text, "KID-03")[1:] == ["steady 1, brittle 2", "-", "vague 3"]
    assert _guide_row(text, "PUR-04")[1:] == ["steady 1, vague 3", "brittle 2", "-"]
    assert _guide_row(text, "LOAD-06")[1:] == ["steady 1, brittle 2", "-", "vague 3"]
    assert len([x for x in text.splitlines() if x.startswith("| ") and "Yes" not in x
                and any(f"{q[1][-1]})" in x for q in QUESTIONS)]) == len(QUESTIONS)  # fmt: skip
    assert regenerate(text) == text, "the guide must come from the embedded source alone"


def test_a_non_strict_should_failure_answers_no() -> None:
    text = render([_guide_report("soft 1", {"LOAD-06": ("non-strict", "1 MiB refused")})])
    assert _guide_row(text, "LOAD-06")[1:] == ["-", "soft 1", "-"]
