"""JUnit XML of a merged report: one test case per requirement.

A merged report (shards, seeds) has no pytest run of its own to write JUnit, and what a CI
page should show of a campaign is the verdict of each requirement, so each requirement is a
test case (class ``jwkconform.GROUP``, name the ID): ``fail`` and ``error`` verdicts are
failures and errors, ``skip``, ``blocked`` and ``untested`` are skipped, the others pass.
Every case carries the properties ``requirement``, ``level``, ``verdict`` and, over seeds,
``unstable`` and ``seeds`` (verdict: seeds); an unstable requirement says so in its
message and its output, with a replay command per disagreeing seed. Untrusted text (the
implementation's messages) only reaches the XML through ElementTree, which escapes it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["junit_xml"]

_FAILURE: Final = {"fail": "failure", "error": "error"}
_SKIPPED: Final = frozenset({"skip", "blocked", "untested"})
# XML 1.0 cannot hold these characters at all, escaped or not.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", str(value))


def stability_lines(row: Mapping[str, Any]) -> list[str]:
    """An unstable requirement in lines: its verdict per seed, a replay per disagreeing seed."""
    if not row.get("unstable"):
        return []
    seeds = "; ".join(f"{v} on {', '.join(map(str, s))}" for v, s in row["seeds"].items())
    out = [f"UNSTABLE across seeds: {seeds}"]
    out += [
        f"seed {d['seed']} ({d['verdict']}): {d['replay'] or 'no replay command known'}"
        for d in row["disagreeing"]
    ]
    return out


def junit_xml(document: Mapping[str, Any]) -> str:
    """The JUnit XML of report ``document`` (a merged one or that of one run)."""
    rows = document["requirements"]
    suite = ET.Element(
        "testsuite",
        name=_text(document["implementation"]),
        tests=str(len(rows)),
        failures=str(sum(r["verdict"] == "fail" for r in rows)),
        errors=str(sum(r["verdict"] == "error" for r in rows)),
        skipped=str(sum(r["verdict"] in _SKIPPED for r in rows)),
        time=str(document["duration"]),
        timestamp=_text(document["started"]),
    )
    properties = ET.SubElement(suite, "properties")
    for name in ("profile", "seed", "complete"):
        ET.SubElement(properties, "property", name=name, value=_text(document.get(name)))
    if document.get("seeds"):
        seeds = ",".join(map(str, document["seeds"]))
        ET.SubElement(properties, "property", name="seeds", value=seeds)
    if document.get("incomplete"):
        reasons = "; ".join(document["incomplete"])
        ET.SubElement(properties, "property", name="incomplete", value=_text(reasons))
    for row in rows:
        case = ET.SubElement(
            suite, "testcase", classname=f"jwkconform.{row['id'].rpartition('-')[0]}",
            name=row["id"], time="0",
        )  # fmt: skip
        props = ET.SubElement(case, "properties")
        for name in ("requirement", "level", "verdict"):
            value = row["id"] if name == "requirement" else row[name]
            ET.SubElement(props, "property", name=name, value=_text(value))
        if "unstable" in row:
            ET.SubElement(props, "property", name="unstable", value=str(row["unstable"]).lower())
            seeds = "; ".join(f"{v}: {','.join(map(str, s))}" for v, s in row["seeds"].items())
            ET.SubElement(props, "property", name="seeds", value=seeds)
        unstable = stability_lines(row)
        message = (row.get("message") or row["verdict"]).strip().splitlines()[0:1] or [""]
        first = " ".join([*unstable[:1], message[0]]).strip()
        detail = [*unstable, *(f"{f['test']}: {f['replay']}" for f in row["findings"][:5])]
        if row["verdict"] in _FAILURE:
            failure = ET.SubElement(case, _FAILURE[row["verdict"]], message=_text(first))
            failure.text = _text("\n".join([row.get("message") or "", *detail]))
        elif row["verdict"] in _SKIPPED:
            ET.SubElement(case, "skipped", message=_text(first))
        if unstable:
            ET.SubElement(case, "system-out").text = _text("\n".join(unstable))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
