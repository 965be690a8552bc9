"""The compatibility matrix as one self-contained HTML page (``jwkconform matrix --html``).

The same content as the Markdown matrix (`_matrix.render`): the runs, their verdict counts,
one row per requirement with a verdict column per implementation, and the differences
found; the table is filterable by level and by verdict (a row shows when any column has
the verdict chosen), with the report page's style and script (`_report_html.page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

from jwkconform.harness.report._matrix_reports import Report, condensed, group_of, headings, rows
from jwkconform.harness.report._report_html import filter_form, page
from jwkconform.harness.report._verdicts import VERDICTS
from jwkconform.harness.spec._registry import GROUPS, REQUIREMENTS

__all__ = ["render_html"]

_MISSING: Final = "n/a"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _runs(reports: Sequence[Report]) -> list[str]:
    out = ["<table><thead><tr><th>Implementation</th><th>Version</th><th>Adapter</th>"
           "<th>Transport</th><th>jwkconform</th><th>Profile</th><th>Seed</th><th>Mode</th>"
           "</tr></thead><tbody>"]  # fmt: skip
    for r in reports:
        d = r.document
        mode = "strict" if d["strict"] else "default"
        if not d["complete"]:
            mode += f"; INCOMPLETE ({'; '.join(d['incomplete'])})"
        cells = [r.implementation, d.get("implementation_version", "unknown"), d["adapter"],
                 d["transport"], d["jwkconform"], d["profile"],
                 "none" if d.get("seed") is None else d["seed"], mode]  # fmt: skip
        out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    out += ["</tbody></table>", "<table><thead><tr><th>Summary</th>"]
    out[-1] += "".join(f"<th>{_e(v)}</th>" for v in VERDICTS) + "</tr></thead><tbody>"
    for r in reports:
        counts = r.document["summary"]
        row = "".join(f"<td>{_e(counts.get(v, 0))}</td>" for v in VERDICTS)
        out.append(f"<tr><td>{_e(r.implementation)}</td>{row}</tr>")
    out.append("</tbody></table>")
    return out


def _table(reports: Sequence[Report]) -> list[str]:
    verdicts = [r.verdicts for r in reports]
    names = "".join(f"<th>{_e(name)}</th>" for name in headings(reports))
    out = [
        filter_form(list(VERDICTS)),
        f'<table id="matrix"><thead><tr><th>ID</th><th>Level</th><th>Group</th>{names}'
        "<th>Requirement</th></tr></thead><tbody>",
    ]
    for rid, level in rows(reports):
        cells = [str(v[rid]["verdict"]) if rid in v else _MISSING for v in verdicts]
        statement = (
            REQUIREMENTS[rid].summary
            if rid in REQUIREMENTS
            else next((str(v[rid].get("summary", "")) for v in verdicts if rid in v), "")
        )
        group = group_of(rid)
        out.append(
            f'<tr id="row-{_e(rid)}" data-filtered data-level="{_e(level)}"'
            f' data-verdict="{_e(" ".join(sorted(set(cells))))}"><td>{_e(rid)}</td>'
            f"<td>{_e(level)}</td><td>{_e(GROUPS.get(group, group))}</td>"
            + "".join(f'<td class="verdict v-{_e(c)}">{_e(c)}</td>' for c in cells)
            + f"<td>{_e(statement)}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _differences(report: Report, notes: Mapping[str, str]) -> list[str]:
    out = [f"<h3>{_e(report.implementation)}</h3>"]
    out += [f"<p>{_e(paragraph.strip())}</p>" for prefix, paragraph in sorted(notes.items())
            if report.implementation.startswith(prefix)]  # fmt: skip
    found: list[str] = []
    skipped: dict[str, list[str]] = {}
    for rid, row in report.verdicts.items():
        verdict = str(row["verdict"])
        if verdict in {"fail", "error", "xfail", "non-strict"}:
            found.append(
                f'<li><strong>{_e(rid)}</strong> ({_e(row["level"])}, <span class="verdict'
                f' v-{_e(verdict)}">{_e(verdict)}</span>): {_e(condensed(row.get("message")))}'
                "</li>"
            )
        elif verdict == "skip":
            reason = condensed(row.get("message")).removeprefix(report.implementation).strip()
            skipped.setdefault(reason, []).append(rid)
    if found:
        out += ["<p>Differences found:</p>", "<ul>", *found, "</ul>"]
    else:
        out.append("<p>No failing, erroring, expected-failing or non-strict requirement.</p>")
    if skipped:
        out += ["<p>Not tested:</p>", "<ul>"]
        out += [f"<li>{_e(reason)}: {_e(', '.join(ids))}</li>" for reason, ids in skipped.items()]
        out.append("</ul>")
    return out


def render_html(reports: Sequence[Report], notes: Mapping[str, str] | None = None) -> str:
    """The matrix of ``reports`` as an HTML page."""
    versions = sorted({str(r.document["jwkconform"]) for r in reports})
    body = [
        "<header><h1>Compatibility matrix</h1>",
        f"<p>Verdicts of jwkconform {_e(', '.join(versions))} for each implementation,"
        " requirement by requirement. Generated by <code>jwkconform matrix --html</code>;"
        " regenerate it rather than editing it.</p></header>",
        "<main>",
        '<section id="runs"><h2>Runs</h2>',
        *_runs(reports),
        "</section>",
        '<section id="verdicts"><h2>Verdicts</h2>',
        *_table(reports),
        "</section>",
        '<section id="differences"><h2>Differences by implementation</h2>',
    ]
    for report in reports:
        body += _differences(report, notes or {})
    body += ["</section>", "</main>"]
    return page("Compatibility matrix", body)
