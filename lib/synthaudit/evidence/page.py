"""The auditor's page (summary.html): one self-contained file, plotly.js inline, so it
opens offline from the run folder."""
from __future__ import annotations

import html
from typing import Any

import pandas as pd

from synthaudit.evidence import exports
from synthaudit.evidence.controls import control_view
from synthaudit.evidence.figures import figures
from synthaudit.evidence.report import AUDIT_WARNING_DAYS, Report
from synthaudit.evidence.tables import (coverage_gaps, coverage_summary, coverage_table, diff_table, findings_table,
                                        leak_table, not_assessed_table, phases_table)

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:13px;margin:.5em 0}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f4f4f4} .meta td:first-child{font-weight:bold;width:14em}
.warn{background:#fdecea;border-left:6px solid #c0392b;padding:.7em 1em;margin:1em 0}
.note{background:#eef6fb;border-left:6px solid #2980b9;padding:.7em 1em;margin:1em 0}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.s-FAIL{color:#c0392b;font-weight:bold}.s-PASS{color:#27ae60}.s-EXCEPTED{color:#8e44ad}.s-NOT_ASSESSED,.s-NO_EVIDENCE{color:#7f8c8d}
.s-PARTIAL{color:#e67e22}
"""


def _table_html(df: pd.DataFrame | None, empty: str = "none") -> str:
    if df is None or df.empty:
        return f"<p><em>{html.escape(empty)}</em></p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for col, value in zip(df.columns, row):
            text = html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value))
            cls = f' class="s-{text}"' if col in ("status", "state") else ""
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure_html(name: str, fig: Any) -> str:
    import plotly.io as pio

    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"chart-{name}",
                       config={"displaylogo": False, "responsive": True})


def render_html(report: Report, figs: dict[str, Any] | None = None) -> str:
    """The auditor's page: one file, plotly.js inline, no external resource."""
    from plotly.offline import get_plotlyjs

    figs = figs if figs is not None else figures(report)
    e = html.escape
    counts = report.counts()
    parts: list[str] = [
        f"<h1>synthaudit evidence summary</h1><p>Run <code>{e(report.run_name)}</code></p>",
        "<table class='meta'>",
        f"<tr><td>label</td><td>{e(report.label)}</td></tr>",
        f"<tr><td>estate</td><td>{e(report.estate)}</td></tr>",
        f"<tr><td>date of run</td><td>{report.today.isoformat()}</td></tr>",
        f"<tr><td>kit version</td><td>{e(exports.kit_version())}</td></tr>",
        f"<tr><td>findings</td><td>{counts['findings']} ({', '.join(f'{v} {k}' for k, v in counts['status'].items())})</td></tr>",
        f"<tr><td>exceptions file</td><td>{e(report.exceptions_file or 'none')}</td></tr>",
        f"<tr><td>previous run</td><td>{e(report.previous_run or 'none (first run of this label)')}</td></tr>",
        *(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in report.scope),
        "</table>",
    ]
    if report.countdown:
        cd = report.countdown
        parts.append(f"<div class='note'>Audit on {cd.audit_date}: <b>{cd.days_left}</b> days left "
                     f"(warning window: last {AUDIT_WARNING_DAYS} days).</div>")
        if cd.warning:
            parts.append(f"<div class='warn'><b>Warning:</b> {e(cd.warning)}</div>")
    failed = [p for p in report.phases if p.status != "succeeded"]
    if failed:
        parts.append("<div class='warn'><b>Incomplete run:</b> " + e("; ".join(
            f"{p.phase} {p.status}" + (f" ({p.error})" if p.error else "") for p in failed)) + "</div>")
    parts += ["<h2>Scope and coverage</h2><h3>Phases</h3>", _table_html(phases_table(report)),
              "<h3>Collection coverage (snapshot/coverage.parquet)</h3>",
              _table_html(coverage_summary(report), "no coverage table in this run (phase 01 did not write one)"),
              "<h4>Gaps in collection</h4>",
              _table_html(coverage_gaps(report), "none: every account, region and service was read in full"),
              "<details><summary>every collection unit (show)</summary>", _table_html(coverage_table(report)),
              "</details>",
              "<h3>Not assessed, and why</h3>", _table_html(not_assessed_table(report), "every check was assessed")]
    parts.append("<h2>Findings overview</h2><div class='charts'>")
    for name in ("by_severity", "by_phase", "by_environment", "controls"):
        if name in figs:
            parts.append(f"<div>{_figure_html(name, figs[name])}</div>")
    parts.append("</div>")
    parts += ["<h2>Open findings (FAIL)</h2>", _table_html(findings_table(report.by_status("FAIL")), "no open findings"),
              "<h2>Accepted risks (EXCEPTED)</h2>", _table_html(findings_table(report.by_status("EXCEPTED")), "none"),
              "<h2>Exceptions</h2>", _table_html(findings_table(list(report.exception_findings)), "no exceptions file")]
    parts.append("<h2>Control view</h2><p>Each requirement with the checks behind it and their state "
                 "(FAIL &gt; EXCEPTED &gt; NOT_ASSESSED/PARTIAL &gt; PASS; NO_EVIDENCE: no check behind it ran).</p>")
    view = control_view(list(report.findings))
    for framework in dict.fromkeys(view["framework"]):
        parts += [f"<h3>{e(framework)}</h3>", _table_html(view[view["framework"] == framework].drop(columns="framework"))]
    parts.append("<h2>Synthetic-data leak scores</h2>")
    if "leak" in figs:
        parts.append(_figure_html("leak", figs["leak"]))
    parts.append(_table_html(leak_table(report), "phase 05 produced no leak results"))
    cloudtrail = [f for f in report.findings if f.phase == "cloudtrail" and f.status in ("FAIL", "EXCEPTED")]
    parts += ["<h2>CloudTrail anomalies</h2>", _table_html(findings_table(cloudtrail), "no anomalies")]
    parts.append("<h2>Changes since the previous run</h2>")
    if report.diff:
        parts.append(f"<p>{e(report.diff.before_label)} → {e(report.diff.after_label)}: " +
                     e(", ".join(f"{v} {k}" for k, v in report.diff.counts().items())) + "</p>")
        parts.append(_table_html(diff_table(report), "nothing new, resolved or changed"))
    else:
        parts.append("<p><em>no previous run of this label in the outputs folder</em></p>")
    passed = findings_table(report.by_status("PASS"), with_evidence=False)
    parts += [f"<h2>Passed checks</h2><details><summary>{len(passed)} findings passed (show)</summary>",
              _table_html(passed), "</details>"]
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>synthaudit summary {e(report.run_name)}</title><style>{CSS}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head>\n<body>\n{body}\n</body></html>\n"
    )
