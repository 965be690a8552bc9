"""The reports of a merged document (`jwkconform merge`, `jwkconform run --seeds`).

The JSON report is the document itself; the Markdown and HTML reports are those of one run,
with a campaign's seeds where a run's seed would be and a section **Across seeds** listing
each unstable requirement with a replay command per disagreeing seed; JUnit has a case per
requirement (`jwkconform.harness.report._junit`). `campaign_lines` is the terminal summary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from jwkconform.harness.report._junit import junit_xml, stability_lines
from jwkconform.harness.report._merge import seeds_text
from jwkconform.harness.report._report_html import html_report
from jwkconform.harness.report._report_md import markdown_report

__all__ = ["campaign_lines", "write_merged"]


def _shown(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document as the Markdown and HTML reports show it: a campaign's seeds where one
    run's seed would be."""
    if "seeds" not in document:
        return document
    return {**document, "seed": f"{seeds_text(document['seeds'])} ({len(document['seeds'])} seeds)"}


def _markdown(document: Mapping[str, Any]) -> str:
    text = markdown_report(_shown(document))
    unstable = [r for r in document["requirements"] if r.get("unstable")]
    if "seeds" not in document:
        return text
    out = [text.rstrip("\n"), "", "## Across seeds", ""]
    out.append(
        f"Seeds {seeds_text(document['seeds'])} ({len(document['seeds'])} runs):"
        f" {len(unstable)} requirements unstable (their verdict differs between seeds)."
    )
    out.append("")
    for row in unstable:
        out += [f"### {row['id']} ({row['level']}, {row['verdict']}, unstable)", ""]
        out += [f"- `{line}`" if ": jwkconform" in line or ": pytest" in line else f"- {line}"
                for line in stability_lines(row)]  # fmt: skip
        out.append("")
    return "\n".join(out) + "\n"


def _html(document: Mapping[str, Any]) -> str:
    page = html_report(_shown(document))
    if "seeds" not in document:
        return page
    unstable = [r for r in document["requirements"] if r.get("unstable")]
    section = [
        '<section id="seeds"><h2>Across seeds</h2>',
        f"<p>Seeds {escape(seeds_text(document['seeds']))} ({len(document['seeds'])} runs):"
        f" <strong>{len(unstable)} unstable</strong> (a verdict that differs between seeds).</p>",
    ]
    for row in unstable:
        lines = stability_lines(row)
        section += [
            f'<article class="unstable" id="unstable-{escape(row["id"])}">',
            f"<h3>{escape(row['id'])} ({escape(row['verdict'])}, unstable)</h3>",
            f"<p>{escape(lines[0])}</p><ul>",
            *(f'<li><code class="replay">{escape(line)}</code></li>' for line in lines[1:]),
            "</ul></article>",
        ]
    section.append("</section>")
    return page.replace("</main>", "\n".join([*section, "</main>"]), 1)


def write_merged(
    document: Mapping[str, Any],
    *,
    json_path: str | None = None,
    md_path: str | None = None,
    html_path: str | None = None,
    junit_path: str | None = None,
) -> None:
    """Write the reports of a merged ``document`` that the paths ask for."""
    for path, render in (
        (json_path, lambda d: json.dumps(d, indent=2) + "\n"),
        (md_path, _markdown),
        (html_path, _html),
        (junit_path, junit_xml),
    ):
        if path is not None:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(document), encoding="utf-8")


def campaign_lines(document: Mapping[str, Any]) -> list[str]:
    """The terminal summary of a merged report: verdicts, instability, findings, replay."""
    over_seeds = "seeds" in document
    lines = [
        f"{'requirement':<12}{'level':<8}{'verdict':<12}{'seeds' if over_seeds else ''}".rstrip()
    ]
    for row in document["requirements"]:
        where = ""
        if over_seeds:
            where = "UNSTABLE: " if row["unstable"] else ""
            where += "; ".join(f"{v} {seeds_text(s)}" for v, s in row["seeds"].items())
        lines.append(f"{row['id']:<12}{row['level']:<8}{row['verdict']:<12}{where}".rstrip())
    lines.append(", ".join(f"{n} {verdict}" for verdict, n in document["summary"].items()))
    problems = [r for r in document["requirements"] if r["findings"] or r.get("unstable")]
    if problems:
        lines += ["", "findings:"]
    for row in problems:
        lines.append(f"  {row['id']} ({row['level']}) {row['verdict']}")
        lines += [f"    {line}" for line in stability_lines(row)]
        for finding in row["findings"][:3]:
            seed = f"seed {finding['seed']}: " if finding.get("seed") is not None else ""
            message = next((m for m in finding["message"].splitlines() if m.strip()), "")
            lines += [f"    {seed}{finding['test']}: {message.strip()[:200]}",
                      f"      replay: {finding['replay']}"]  # fmt: skip
    lines.append("")
    if over_seeds and document["unstable"]:
        lines.append(f"UNSTABLE verdicts: {', '.join(document['unstable'])}")
    elif over_seeds:
        lines.append(f"no unstable verdict over {len(document['seeds'])} seeds")
    if document["incomplete"]:
        lines.append(f"INCOMPLETE: {'; '.join(document['incomplete'])}")
    else:
        lines.append(
            "complete: every test of the suites ran" + (" on every seed" if over_seeds else "")
        )
    if document.get("replay"):
        lines.append(f"replay: {document['replay']}")
    return lines
