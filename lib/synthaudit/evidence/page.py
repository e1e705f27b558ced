"""The auditor's page (summary.html), from the Jinja2 template ``templates/summary.html.j2``.

One self-contained file that opens offline from the run folder: its CSS and a small vanilla
script are inlined, bars are drawn with CSS, nothing is fetched. The first screen says how
bad, what changed, which requirements fail and what to fix first (``firstpage``); below,
the findings table with search, filters and sort, each row expanding to its whole evidence
(pretty JSON, drawn on demand from one JSON blob) and its concrete fix (``fixes``).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from synthaudit.evidence import exports, firstpage
from synthaudit.evidence.fixes import fill, root_causes
from synthaudit.evidence.report import AUDIT_WARNING_DAYS, STATUS_ORDER, SUMMARY_PHASE, Report
from synthaudit.evidence.tables import (coverage_gaps, coverage_summary, coverage_table, leak_table,
                                        not_assessed_table, phases_table)
from synthaudit.findings import SEVERITY_ORDER

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUMMARY_NOTEBOOK = "06_evidence_summary.ipynb"


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["cell"] = _cell
    env.filters["words"] = _words
    return env


_BREAKABLE = re.compile(r"\S*[-/()]\S*")


def _words(value: Any) -> Any:
    """Text whose words stay whole: a word with a hyphen, slash or parenthesis (where browsers may
    break a line) is kept on one line, so no column is narrower than its longest word."""
    from markupsafe import Markup, escape

    text = str(escape(_cell(value)))
    return Markup(_BREAKABLE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', text))


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _table(df: pd.DataFrame | None) -> dict[str, Any] | None:
    """A DataFrame as columns and rows of text for the template (None when empty)."""
    if df is None or df.empty:
        return None
    return {"columns": [str(c) for c in df.columns],
            "rows": [[_cell(v) for v in row] for row in df.itertuples(index=False)]}


def _blob(data: Any) -> str:
    """JSON safe inside <script type="application/json">."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).replace("</", "<\\/")


def _notebooks(report: Report) -> dict[str, str]:
    """phase -> its notebook's auditor render in the run folder (``html/<stem>.auditor.html``)."""
    pairs = [(p.phase, p.notebook) for p in report.phases] + [(SUMMARY_PHASE, SUMMARY_NOTEBOOK)]
    return {phase: f"html/{Path(nb).stem}.auditor.html" for phase, nb in pairs}


def page_context(report: Report) -> dict[str, Any]:
    """Everything the template shows; every count from ``report.findings`` (see ``firstpage``)."""
    items = list(report.findings)
    fails = [f for f in items if f.status == "FAIL"]
    causes = root_causes(fails, report.organisation)
    cause_of = {f.id: c.key for c in causes for f in c.findings}
    fix_index: dict[str, int] = {}
    fix_parts: list[Any] = []
    evidence_index: dict[str, int] = {}
    evidence: list[Any] = []
    rows = []
    order = sorted(items, key=lambda f: (STATUS_ORDER.index(f.status) if f.status in STATUS_ORDER else 9,
                                         -SEVERITY_ORDER[f.severity], f.phase, f.check_id, f.resource))
    for f in order:
        fix = fill(f.remediation, f, report.organisation)
        key = json.dumps(fix.parts)
        if key not in fix_index:
            fix_index[key] = len(fix_parts)
            fix_parts.append(fix.parts)
        ev = _blob(f.evidence)
        if ev not in evidence_index:
            evidence_index[ev] = len(evidence)
            evidence.append(f.evidence)
        rows.append(firstpage.finding_row(f, cause_of.get(f.id, ""), fix_index[key], evidence_index[ev]))
    filters = {k: sorted({r[k] for r in rows}, key=lambda v: (-SEVERITY_ORDER.get(v, -1), v))
               for k in firstpage.FILTER_FIELDS}
    failed = [p for p in report.phases if p.status != "succeeded"]
    phases = phases_table(report)
    return {
        "report": report, "kit_version": exports.kit_version(), "warning_days": AUDIT_WARNING_DAYS,
        "total": firstpage.count(items), "status_counts": [(s, firstpage.count(items, status=s)) for s in STATUS_ORDER],
        "severity_counts": firstpage.severity_counts(items),
        "open_matrix": firstpage.open_matrix(items), "changes": firstpage.changes(report.diff),
        "requirements": firstpage.requirements(items),
        "causes": causes, "cause_query": firstpage.cause_query, "headline": firstpage.headline,
        "phases": [{"phase": p, "counts": [(s, firstpage.count(items, phase=p, status=s)) for s in STATUS_ORDER]}
                   for p in list(phases["phase"]) + [SUMMARY_PHASE]] if not phases.empty else [],
        "phases_table": _table(phases), "failed_phases": failed,
        "coverage_summary": _table(coverage_summary(report)), "coverage_gaps": _table(coverage_gaps(report)),
        "coverage_table": _table(coverage_table(report)), "not_assessed": _table(not_assessed_table(report)),
        "leak": _table(leak_table(report)),
        "rows": rows, "filters": filters, "filter_fields": firstpage.FILTER_FIELDS,
        "notebooks": _notebooks(report), "fixes_blob": _blob(fix_parts), "evidence_blob": _blob(evidence),
        "css": (TEMPLATES / "summary.css").read_text(), "js": (TEMPLATES / "summary.js").read_text(),
    }


def render_html(report: Report, figs: dict[str, Any] | None = None) -> str:
    """The auditor's page: one file, no external resource. ``figs`` is accepted for callers of
    the plotly page and ignored: the page draws its bars with CSS."""
    return _environment().get_template("summary.html.j2").render(**page_context(report))


CSS = (TEMPLATES / "summary.css").read_text() if (TEMPLATES / "summary.css").exists() else ""
