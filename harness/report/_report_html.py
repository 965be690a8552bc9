"""The HTML conformance report: one self-contained file, rendered from the JSON document.

Inline CSS and a small inline script, nothing fetched: no link, script or image points
anywhere, so the file reads the same offline, attached to a CI run or mailed. The page
holds the run's metadata, the verdict table (filterable by level and verdict), and each
finding with its test, message, example, cause, hint, source, replay command and timeline,
drawn by `_svg.timeline_svg`. Every text is escaped.

The filter reads its starting values from the address: ``report.html#verdict=fail`` or
``report.html?level=MUST&verdict=error`` shows only those rows (and findings); changing a
filter writes the address back, so a filtered view can be shared. Rows and findings carry
``data-level`` and ``data-verdict`` (space-separated when a row has several, as in the
matrix); a row the filter leaves out gets the ``hidden`` attribute.

>>> page = html_report(document)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any, Final

from jwkconform.harness.report._svg import stores, timeline_svg

__all__ = ["filter_form", "html_report", "page"]

_PROBLEMS: Final = ("error", "fail", "non-strict", "xfail")
_LEVELS: Final = ("MUST", "SHOULD", "MAY")
_EVENTS_SHOWN: Final = 200
_STORES_DRAWN: Final = 3  # the last stores of an example that opened many

_CSS: Final = """
:root { color-scheme: light; --fail: #b3261e; --error: #8e24aa; --pass: #2e7d32;
  --soft: #a15c00; --muted: #5f6368; --line: #d0d4d9; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px;
  padding: 1rem 1.5rem 3rem; color: #1f1f1f; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; } h2 { margin-top: 2rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f3f4f6; position: sticky; top: 0; }
[hidden] { display: none !important; }
.verdict { font-weight: 600; white-space: nowrap; }
td:first-child { white-space: nowrap; }
.v-fail, .v-error { color: var(--fail); } .v-error { color: var(--error); }
.v-pass { color: var(--pass); } .v-non-strict, .v-xfail { color: var(--soft); }
.v-skip, .v-untested, .v-blocked, .v-na { color: var(--muted); }
.incomplete { border-left: 4px solid var(--fail); padding: .3rem .8rem; background: #fdecea; }
form.filters { display: flex; gap: 1rem; align-items: center; margin: .5rem 0; }
article.finding { border: 1px solid var(--line); border-radius: 6px; padding: .2rem 1rem 1rem;
  margin: 1rem 0; }
section.test { border-top: 1px dashed var(--line); margin-top: .8rem; }
pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; white-space: pre-wrap;
  word-break: break-word; }
code { font-family: ui-monospace, monospace; font-size: .9em; }
svg.timeline { width: 100%; height: auto; background: #fcfcfd;
  border: 1px solid var(--line); }
svg text.cell { font: 13px ui-monospace, monospace; } svg text.error { fill: var(--fail); }
svg .instant text.failure { font-size: 13px; }
svg .lane, svg text.tick { font-size: 11px; fill: var(--muted); }
svg .axis, svg line.tick { stroke: #80868b; }
svg .query { fill: #1a73e8; } svg .query.error { fill: var(--fail); }
svg .fetch.ok { fill: var(--pass); } svg .fetch.fault { fill: var(--soft); }
svg .clock { fill: #80868b; }
svg .expected { fill: none; stroke: var(--fail); stroke-width: 2; stroke-dasharray: 3 2; }
svg text.label { font-size: 11px; } svg text.expected { fill: var(--fail); stroke: none; }
svg .failure { stroke: var(--fail); stroke-dasharray: 4 3; }
svg text.failure { fill: var(--fail); stroke: none; }
.events td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
.events tr.expected { color: var(--fail); font-weight: 600; }
"""

# Rows and findings: shown when their level and verdict match the filters. The address
# (#level=MUST&verdict=fail, or ?...) sets the filters on load; a change writes it back.
_SCRIPT: Final = """
(function () {
  var level = document.getElementById("filter-level");
  var verdict = document.getElementById("filter-verdict");
  var count = document.getElementById("filter-count");
  var items = document.querySelectorAll("[data-filtered]");
  function wanted() {
    var out = {};
    (location.search.slice(1) + "&" + location.hash.slice(1)).split("&").forEach(function (p) {
      var kv = p.split("=");
      if (kv.length === 2) { out[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1]); }
    });
    return out;
  }
  function apply() {
    var l = level.value, v = verdict.value, rows = 0;
    items.forEach(function (item) {
      var verdicts = " " + item.getAttribute("data-verdict") + " ";
      var show = (!l || item.getAttribute("data-level") === l) &&
                 (!v || verdicts.indexOf(" " + v + " ") >= 0);
      item.hidden = !show;
      if (show && item.tagName === "TR") { rows += 1; }
    });
    count.textContent = rows + " of the table's rows shown";
  }
  function write() {
    var parts = [];
    if (level.value) { parts.push("level=" + encodeURIComponent(level.value)); }
    if (verdict.value) { parts.push("verdict=" + encodeURIComponent(verdict.value)); }
    history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname);
  }
  var start = wanted();
  if (start.level) { level.value = start.level; }
  if (start.verdict) { verdict.value = start.verdict; }
  [level, verdict].forEach(function (s) {
    s.addEventListener("change", function () { apply(); write(); });
  });
  apply();
  document.documentElement.setAttribute("data-filter-ready", "yes");
})();
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def page(title: str, body: Iterable[str]) -> str:
    """A whole self-contained page: ``body`` (HTML) with the shared style and script."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            *body,
            f"<script>{_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def filter_form(verdicts: Sequence[str]) -> str:
    """The level and verdict filters (``#filter-level``, ``#filter-verdict``)."""
    levels = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in _LEVELS)
    choices = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in verdicts)
    return (
        '<form class="filters" onsubmit="return false">'
        '<label>Level <select id="filter-level"><option value="">all</option>'
        f"{levels}</select></label>"
        '<label>Verdict <select id="filter-verdict"><option value="">all</option>'
        f"{choices}</select></label>"
        '<output id="filter-count"></output></form>'
    )


def _meta(d: Mapping[str, Any]) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in d["versions"].items())
    keys = d.get("key_support") or {}
    rows = [
        ("implementation", d["implementation"]),
        ("version", d.get("implementation_version", "unknown")),
        ("adapter", f"{d['adapter']} (transport {d['transport']})"),
        ("jwkconform", d["jwkconform"]),
        (
            "profile, seed",
            f"{d['profile']}, {d['seed']}" + (", strict mode" if d["strict"] else ""),
        ),
        ("started", f"{d['started']}, {d['duration']:.1f} s, exit status {d['exit_status']}"),
        ("versions", versions),
        ("capabilities", ", ".join(d["capabilities"]) or "none"),
        ("key support", "; ".join(f"{k}: {', '.join(v)}" for k, v in keys.items()) or "all"),
        ("expected failures", d["expectations"]["file"] or "none"),
    ]
    out = ['<dl class="meta">']
    out += [f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows]
    out.append("</dl>")
    if d["complete"]:
        out.append("<p>This run is <strong>complete</strong>: every test of the suites ran.</p>")
    else:
        reasons = "; ".join(d["incomplete"])
        out.append(f'<p class="incomplete"><strong>Incomplete run</strong>: {_e(reasons)}</p>')
    return out


def _table(d: Mapping[str, Any]) -> list[str]:
    counts = [f'<span class="v-{_e(k)}">{n} {_e(k)}</span>' for k, n in d["summary"].items()]
    out = [
        '<section id="verdicts"><h2>Verdicts</h2>',
        "<p>" + ", ".join(counts) + "</p>",
        filter_form(list(d["summary"])),
        '<table id="verdict-table"><thead><tr><th>ID</th><th>Level</th><th>Verdict</th>'
        "<th>Tests</th><th>Requirement</th></tr></thead><tbody>",
    ]
    for r in d["requirements"]:
        rid = _e(r["id"])
        link = f'<a href="#finding-{rid}">{rid}</a>' if r["findings"] else rid
        out.append(
            f'<tr id="row-{rid}" data-filtered data-level="{_e(r["level"])}"'
            f' data-verdict="{_e(r["verdict"])}"><td>{link}</td><td>{_e(r["level"])}</td>'
            f'<td class="verdict v-{_e(r["verdict"])}">{_e(r["verdict"])}</td>'
            f"<td>{len(r['tests'])}</td><td>{_e(r['summary'])}</td></tr>"
        )
    out += ["</tbody></table></section>"]
    return out


def _events(timeline: Mapping[str, Any]) -> list[str]:
    events = timeline["events"][-_EVENTS_SHOWN:]
    left_out = int(timeline.get("omitted", 0)) + len(timeline["events"]) - len(events)
    note = f" ({left_out} earlier events not shown)" if left_out else ""
    out = [f"<details><summary>Events ({len(events)}){_e(note)}</summary>",
           '<table class="events"><thead><tr><th>t (s)</th><th>kind</th><th>what</th></tr>'
           "</thead><tbody>"]  # fmt: skip
    for e in events:
        expected = ' class="expected"' if e.get("expected") else ""
        kind = "expected" if e.get("expected") else e["kind"]
        t = f"{float(e['t']):.3f}".rstrip("0").rstrip(".") or "0"
        if "store" in e:
            t = f"{t} (store {e['store']})"
        out.append(
            f"<tr{expected}><td>{_e(t)}</td><td>{_e(kind)}</td><td>{_e(e['text'])}</td></tr>"
        )
    out.append("</tbody></table></details>")
    return out


def _finding(r: Mapping[str, Any], f: Mapping[str, Any]) -> list[str]:
    message = f["message"].strip() or "(no message)"
    first, _, rest = message.partition("\n")
    out = [
        '<section class="test">',
        f"<h4>Test <code>{_e(f['test'])}</code> ({_e(f['outcome'])})</h4>",
        f'<p class="message"><strong>{_e(first)}</strong></p>',
    ]
    if rest.strip():
        out.append(f'<details><summary>The whole message</summary><pre class="message">'
                   f"{_e(message)}</pre></details>")  # fmt: skip
    if f.get("example"):
        out.append(f'<p class="example">Example: <code>{_e(f["example"])}</code></p>')
    cause = f.get("cause")
    if cause:
        status = cause.get("exit_status")
        how = "was still running (stopped by the harness)" if status is None else f"exited {status}"
        out += [f'<p class="cause">The driver {_e(how)}; the end of its standard error:</p>',
                f'<pre class="stderr">{_e(cause.get("stderr", ""))}</pre>']  # fmt: skip
    timeline = f.get("timeline")
    if timeline and timeline.get("events"):
        numbers = stores(timeline)
        for store in numbers[-_STORES_DRAWN:]:
            which = f"store {store} of {len(numbers)}: " if len(numbers) > 1 else ""
            caption = f"timeline of {r['id']} in {f['test']}"
            out += [
                '<figure class="timeline">',
                timeline_svg(timeline, caption=f"{caption}, {which}", store=store),
                f"<figcaption>{_e(which)}t in fake seconds since the store opened. Over"
                " time: queries (circles), fetches (squares), clock steps (triangles), the"
                " failed check (dashed red line), what it expected (dashed outline). At one"
                " instant: what was asked, the set served, what came back.</figcaption>",
                "</figure>",
            ]
        out += _events(timeline)
    out += [f'<p>Replay: <code class="replay">{_e(f["replay"])}</code></p>', "</section>"]
    return out


def _findings(d: Mapping[str, Any]) -> list[str]:
    problems = [r for r in d["requirements"] if r["verdict"] in _PROBLEMS]
    if not problems:
        return []
    out = ['<section id="findings"><h2>Findings</h2>']
    for r in problems:
        rid = _e(r["id"])
        out += [
            f'<article class="finding" id="finding-{rid}" data-filtered'
            f' data-level="{_e(r["level"])}" data-verdict="{_e(r["verdict"])}">',
            f'<h3>{rid} ({_e(r["level"])}, <span class="verdict v-{_e(r["verdict"])}">'
            f"{_e(r['verdict'])}</span>)</h3>",
            f"<p>{_e(r['summary'])}</p>",
        ]
        for f in r["findings"][:5]:
            out += _finding(r, f)
        out += [f"<p class=\"hint\">{_e(r['hint'])}</p>", f"<p>Source: {_e(r['source'])}.</p>",
                "</article>"]  # fmt: skip
    out.append("</section>")
    return out


def _mismatches(d: Mapping[str, Any]) -> list[str]:
    mismatches = d["expectations"]["mismatches"]
    if not mismatches:
        return []
    out = ['<section id="ground-truth"><h2>Against the ground truth</h2><table><thead>'
           "<tr><th>ID</th><th>expected</th><th>got</th><th>what to do</th></tr></thead>"
           "<tbody>"]  # fmt: skip
    out += [f"<tr><td>{_e(m['id'])}</td><td>{_e(m['expected'])}</td><td>{_e(m['got'])}</td>"
            f"<td>{_e(m.get('message', ''))}</td></tr>" for m in mismatches]  # fmt: skip
    out.append("</tbody></table></section>")
    return out


def html_report(document: Mapping[str, Any]) -> str:
    """The HTML report of ``document`` (a JSON report, schema version 2 or 3)."""
    d = document
    body = [
        f"<header><h1>Conformance report: {_e(d['implementation'])}</h1>",
        *_meta(d),
        "</header>",
        "<main>",
        *_table(d),
        *_findings(d),
        *_mismatches(d),
        "</main>",
        f"<footer><p>Written by jwkconform {_e(d['jwkconform'])}, report schema version"
        f" {_e(d['schema_version'])}.</p></footer>",
    ]
    return page(f"Conformance report: {d['implementation']}", body)
