"""``jwkconform merge`` and the merged report: shards, seeds, completeness, instability.

The reports here are built as data (what a run writes, cut to a few tests), so every rule of
the merge is checked in milliseconds; tests/harness/test_campaign.py merges real runs.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jwkconform._cli import main
from jwkconform.harness.report._junit import junit_xml
from jwkconform.harness.report._merge import MergeError, merge_documents, seed_list, seeds_text
from jwkconform.harness.report._merged_report import campaign_lines, write_merged
from jwkconform.harness.report._verdicts import VERDICTS
from jwkconform.harness.spec._registry import REQUIREMENTS

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs/report.schema.json").read_text(encoding="utf-8")
)
TESTS = {  # test -> (requirement, its outcome when it passes)
    "test_kid.py::test_a": "KID-01",
    "test_kid.py::test_b": "KID-02",
    "test_cache.py::test_c": "CACHE-02",
    "test_cache.py::test_d": "CACHE-03",
}
SHARDS = {1: ("test_kid.py::test_a", "test_cache.py::test_c"),
          2: ("test_kid.py::test_b", "test_cache.py::test_d")}  # fmt: skip
_OUTCOME = {"pass": "passed", "fail": "failed", "error": "error", "skip": "skipped"}


def report(
    seed: int | None, *, shard: int | None = None, of: int = 2,
    failing: dict[str, str] | None = None, incomplete: tuple[str, ...] = (), **members: Any,
) -> dict[str, Any]:  # fmt: skip
    """A run's report: ``failing`` maps a requirement to its verdict (default pass)."""
    failing = failing or {}
    tests = SHARDS.get(shard, ()) if shard is not None else tuple(TESTS)
    ran = {TESTS[t]: t for t in tests}
    rows = []
    for rid, req in REQUIREMENTS.items():
        verdict = failing.get(rid, "pass") if rid in ran else "untested"
        finding = {
            "test": ran.get(rid, ""), "outcome": _OUTCOME.get(verdict, verdict),
            "message": f"AssertionError: {rid} broke\x07 <b>", "example": "kid='a'",
            "replay": f"jwkconform run --seed {seed} --profile dev --test {ran.get(rid)}",
            "timeline": None, "cause": None,
        }  # fmt: skip
        rows.append({
            "id": rid, "level": req.level.value, "verdict": verdict,
            "tests": [ran[rid]] if rid in ran else [],
            "message": finding["message"] if verdict in {"fail", "error"} else None,
            "summary": req.summary, "source": req.source, "hint": "If this fails, look.",
            "findings": [finding] if verdict in {"fail", "error"} else [],
        })  # fmt: skip
    selection = ["--shard", f"{shard}/{of}"] if shard is not None else []
    reasons = list(incomplete)
    if shard is not None:
        reasons.append(f"shard {shard}/{of}: 2 tests run in the other shards")
    document = {
        "schema_version": 3, "jwkconform": "0.1.0", "implementation": "reference 0.1",
        "implementation_version": "0.1", "adapter": "reference", "transport": "respx",
        "seed": seed, "profile": "dev", "strict": False, "complete": not reasons,
        "incomplete": reasons, "exit_status": 1 if failing else 0,
        "started": f"2026-12-07T06:0{seed or 0}:00+00:00", "duration": 2.0,
        "versions": {"python": "3.11", "pytest": "8", "hypothesis": "6", "platform": "Linux"},
        "capabilities": [], "key_support": {"kinds": ["RSA"], "algorithms": ["RS256"]},
        "summary": {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS},
        "requirements": rows,
        "tests": [{"test": t, "requirements": {TESTS[t]: _OUTCOME[failing.get(TESTS[t], "pass")]}}
                  for t in sorted(tests)],
        "replay": " ".join(["jwkconform run --seed", str(seed), "--profile dev", *selection]),
        "shard": {"index": shard, "count": of, "tests": 4} if shard is not None else None,
        "expectations": {"file": None, "stale": [], "mismatches": []},
    }  # fmt: skip
    document.update(members)
    jsonschema.validate(document, SCHEMA)
    return document


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {r["id"]: r["verdict"] for r in document["requirements"] if r["verdict"] != "untested"}


def test_shards_merge_into_the_report_of_the_whole_run() -> None:
    whole = report(7, failing={"CACHE-02": "fail"})
    merged = merge_documents([report(7, shard=2), report(7, shard=1, failing={"CACHE-02": "fail"})])
    jsonschema.validate(merged, SCHEMA)
    assert verdicts(merged) == verdicts(whole)
    assert (merged["complete"], merged["incomplete"], merged["shard"]) == (True, [], None)
    assert merged["summary"] == whole["summary"]
    assert merged["tests"] == whole["tests"]
    assert merged["exit_status"] == 1
    assert merged["replay"] == "jwkconform run --seed 7 --profile dev"
    row = next(r for r in merged["requirements"] if r["id"] == "CACHE-02")
    assert [f["test"] for f in row["findings"]] == ["test_cache.py::test_c"]


def test_a_missing_shard_leaves_the_merge_incomplete(tmp_path: Path) -> None:
    merged = merge_documents([report(7, shard=1, of=3), report(7, shard=3, of=3)])
    assert merged["complete"] is False
    assert merged["incomplete"] == ["shard 2/3 missing"]
    path = tmp_path / "one.json"
    path.write_text(json.dumps(report(7, shard=1)))
    assert main(["merge", str(path), "--report-json", str(tmp_path / "m.json")]) == 3
    assert json.loads((tmp_path / "m.json").read_text())["complete"] is False
    assert main(["merge", str(path), "--allow-incomplete"]) == 0


def test_a_shard_that_was_itself_incomplete_keeps_its_reason() -> None:
    merged = merge_documents([report(7, shard=1, incomplete=("interrupted",)), report(7, shard=2)])
    assert merged["incomplete"] == ["interrupted"]


@pytest.mark.parametrize(
    ("parts", "says"),
    [
        ([report(7, shard=1), report(7, shard=1)], "shard 1/2 is given twice"),
        ([report(7, shard=1), report(7, shard=2, of=3)], "shards of different splits"),
        ([report(7), report(7, shard=1)], "not all shards"),
        ([report(7), report(8, profile="ci")], "profile is 'ci', not 'dev'"),
        ([report(7), report(8, implementation="other")], "implementation is 'other'"),
        ([report(None), report(8)], "without a seed"),
    ],
)
def test_reports_of_different_runs_do_not_merge(parts: list[dict[str, Any]], says: str) -> None:
    with pytest.raises(MergeError, match=says):
        merge_documents(parts)


def test_a_verdict_that_changes_between_seeds_is_unstable() -> None:
    runs = [report(1), report(2, failing={"CACHE-02": "fail"}), report(3)]
    merged = merge_documents(runs, seeds=[1, 2, 3])
    jsonschema.validate(merged, SCHEMA)
    row = next(r for r in merged["requirements"] if r["id"] == "CACHE-02")
    assert row["verdict"] == "fail"  # pass only when every seed passed
    assert (row["unstable"], row["seeds"]) == (True, {"pass": [1, 3], "fail": [2]})
    assert row["disagreeing"] == [
        {"seed": 2, "verdict": "fail",
         "replay": "jwkconform run --seed 2 --profile dev --requirement CACHE-02"}
    ]  # fmt: skip
    assert [f["seed"] for f in row["findings"]] == [2]
    assert merged["unstable"] == ["CACHE-02"]
    assert (merged["seed"], merged["seeds"], merged["complete"]) == (None, [1, 2, 3], True)
    assert merged["replay"] == "jwkconform run --seeds 1-3 --profile dev"
    steady = next(r for r in merged["requirements"] if r["id"] == "KID-01")
    assert (steady["verdict"], steady["unstable"], steady["disagreeing"]) == ("pass", False, [])
    assert merged["exit_status"] == 1


def test_a_seed_that_did_not_reach_a_requirement_does_not_make_it_unstable() -> None:
    cut = report(2, incomplete=("interrupted",))
    for row in cut["requirements"]:
        if row["id"] == "CACHE-03":
            row.update(verdict="untested", tests=[])
    merged = merge_documents([report(1), cut], seeds=[1, 2])
    row = next(r for r in merged["requirements"] if r["id"] == "CACHE-03")
    assert (row["verdict"], row["unstable"], row["disagreeing"]) == ("pass", False, [])
    assert row["seeds"] == {"pass": [1], "untested": [2]}
    assert merged["unstable"] == []
    assert merged["incomplete"] == ["seed 2: interrupted"]


def test_seeds_and_their_shards_merge_together_and_a_missing_seed_is_incomplete() -> None:
    parts = [report(s, shard=k) for s in (1, 2) for k in (1, 2)]
    merged = merge_documents(parts, seeds=[1, 2, 3])
    assert merged["seeds"] == [1, 2]
    assert merged["incomplete"] == ["seed 3: no report"]
    assert merged["replay"] == "jwkconform run --seeds 1-3 --profile dev"
    assert merged["unstable"] == []
    again = merge_documents(parts[:3], seeds=[1, 2])
    assert again["incomplete"] == ["seed 2: shard 2/2 missing"]


def test_a_merged_campaign_is_not_merged_again() -> None:
    campaign = merge_documents([report(1), report(2)], seeds=[1, 2])
    with pytest.raises(MergeError, match="merged campaign report"):
        merge_documents([campaign, report(3)])


def test_the_merged_verdicts_are_held_to_the_ground_truth(tmp_path: Path) -> None:
    from jwkconform.harness.spec._expected import ExpectedFailures

    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"KID-01": "fail: known", "CACHE-02": "pass"}))
    expected = ExpectedFailures.load(truth)
    merged = merge_documents([report(1, shard=1), report(1, shard=2)], expected=expected)
    assert merged["expectations"]["mismatches"][0]["id"] in {"KID-01", "CACHE-02"}
    assert merged["exit_status"] == 1


def test_seed_lists() -> None:
    assert seed_list("1-3,7, 2") == [1, 2, 3, 7]
    assert seeds_text([5, 1, 2, 3]) == "1-3,5"
    for bad in ("", "a-b", "3-1", "1,,2", "-4", "1-99999"):
        with pytest.raises(ValueError, match="--seeds"):
            seed_list(bad)


def test_every_merged_report_says_which_verdicts_are_unstable(tmp_path: Path) -> None:
    merged = merge_documents([report(1), report(2, failing={"CACHE-02": "fail"})], seeds=[1, 2])
    paths = {kind: str(tmp_path / f"m.{kind}") for kind in ("json", "md", "html", "xml")}
    write_merged(merged, json_path=paths["json"], md_path=paths["md"], html_path=paths["html"],
                 junit_path=paths["xml"])  # fmt: skip
    assert json.loads(Path(paths["json"]).read_text())["unstable"] == ["CACHE-02"]
    replay = "jwkconform run --seed 2 --profile dev --requirement CACHE-02"
    markdown = Path(paths["md"]).read_text()
    assert "## Across seeds" in markdown
    assert "seed `1-2 (2 seeds)`" in markdown
    assert "### CACHE-02 (MUST, fail, unstable)" in markdown
    assert replay in markdown
    html = Path(paths["html"]).read_text()
    assert 'id="unstable-CACHE-02"' in html
    assert "dev, 1-2 (2 seeds)" in html
    assert replay in html
    assert "<b>" not in html  # the implementation's text is escaped
    lines = campaign_lines(merged)
    assert "UNSTABLE verdicts: CACHE-02" in lines
    assert any(line.strip() == f"seed 2 (fail): {replay}" for line in lines)
    case = ET.parse(paths["xml"]).getroot().find("testsuite/testcase[@name='CACHE-02']")
    assert case is not None
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert (props["verdict"], props["unstable"]) == ("fail", "true")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("UNSTABLE across seeds: pass on 1; fail on 2")
    assert "\x07" not in (failure.text or "")


def test_junit_counts_verdicts_per_requirement() -> None:
    document = report(4, failing={"KID-01": "error", "CACHE-02": "fail"})
    suite = ET.fromstring(junit_xml(document)).find("testsuite")
    assert suite is not None
    counts = {k: suite.get(k) for k in ("tests", "failures", "errors")}
    assert counts == {"tests": str(len(REQUIREMENTS)), "failures": "1", "errors": "1"}
    assert int(suite.get("skipped", "0")) == len(REQUIREMENTS) - 4


def test_the_matrix_takes_a_merged_report(tmp_path: Path) -> None:
    merged = merge_documents([copy.deepcopy(report(s)) for s in (1, 2, 3)], seeds=[1, 2, 3])
    path = tmp_path / "campaign.json"
    path.write_text(json.dumps(merged))
    out = tmp_path / "matrix.md"
    assert main(["matrix", str(path), "--out", str(out)]) == 0
    assert "1-3" in out.read_text()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--seeds", "1-x"], "--seeds '1-x': give seeds as 1-20 or 1,5,9"),
        (["--seeds", "1-3", "--seed", "4"], "--seed and --seeds exclude each other"),
        (["--seeds", " "], "--seeds is empty"),
    ],
)
def test_a_bad_campaign_is_one_line_before_anything_runs(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert says in err


def test_a_campaign_writes_the_junit_that_pytest_would_have_been_asked_for() -> None:
    from jwkconform.harness.run._campaign import _junit_path

    assert _junit_path(["-x", "--junitxml", "a.xml", "-q"]) == ("a.xml", ["-x", "-q"])
    assert _junit_path(["--junit-xml=b.xml"]) == ("b.xml", [])
    assert _junit_path(["-k", "x"]) == (None, ["-k", "x"])
