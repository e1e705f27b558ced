"""Phase 06: gather every phase's findings into one report, its exports and summary.html.

Reads the scrapbook scrap ``findings`` of each executed notebook in the run folder
(falling back to ``findings/<phase>.json``); a notebook that is missing or failed
is reported as such, never a crash. Applies the exceptions file, compares with the
previous run, maps findings onto the control frameworks of the catalogue, counts
down to the audit date, and renders one self-contained HTML page for an auditor
(plotly.js inline: it opens offline from the run folder).
"""
from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from synthaudit import catalogue
from synthaudit import findings as findings_mod
from synthaudit.evidence import diff as diff_mod
from synthaudit.evidence import exceptions as exc_mod
from synthaudit.evidence import exports
from synthaudit.findings import SEVERITY_ORDER, Finding
from synthaudit.phases import PHASES

SUMMARY_PHASE = "summary"
# (phase, notebook stem) of every phase before this one, from the registry
PHASE_NOTEBOOKS = tuple((p.name, Path(p.notebook).stem) for p in PHASES if p.name != SUMMARY_PHASE)
AUDIT_WARNING_DAYS = 90
STATUS_ORDER = ("FAIL", "EXCEPTED", "NOT_ASSESSED", "PASS")
STATUS_COLOURS = {"FAIL": "#c0392b", "EXCEPTED": "#8e44ad", "NOT_ASSESSED": "#7f8c8d", "PASS": "#27ae60",
                  "NO_EVIDENCE": "#bdc3c7"}
SEVERITIES = tuple(sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get, reverse=True))


@dataclass(frozen=True)
class PhaseState:
    """One earlier phase as this run saw it."""

    phase: str
    notebook: str
    status: str                      # succeeded | failed | not run
    source: str | None               # scrap | file | None
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    scraps: tuple[tuple[str, Any], ...] = ()

    def scrap(self, name: str) -> Any:
        return dict(self.scraps).get(name)


@dataclass(frozen=True)
class AuditCountdown:
    audit_date: dt.date
    today: dt.date
    open_high: tuple[Finding, ...]

    @property
    def days_left(self) -> int:
        return (self.audit_date - self.today).days

    @property
    def in_window(self) -> bool:
        return 0 <= self.days_left <= AUDIT_WARNING_DAYS

    @property
    def warning(self) -> str | None:
        if self.days_left < 0:
            return f"the audit date {self.audit_date} has passed ({-self.days_left} days ago)"
        if self.in_window and self.open_high:
            return (f"{len(self.open_high)} high/critical finding(s) still open {self.days_left} days before the "
                    f"audit on {self.audit_date}: controls should be in place and tested by then")
        return None


@dataclass(frozen=True)
class Report:
    run_name: str
    label: str
    estate: str
    today: dt.date
    phases: tuple[PhaseState, ...]
    findings: tuple[Finding, ...]              # every phase, exceptions applied, plus the summary phase's own
    exception_findings: tuple[Finding, ...]
    exceptions_file: str | None
    coverage: pd.DataFrame | None
    previous_run: str | None
    diff: diff_mod.FindingsDiff | None
    countdown: AuditCountdown | None
    scope: tuple[tuple[str, str], ...] = ()    # what params put in scope: accounts, regions, trail, datasets

    def by_status(self, *statuses: str) -> list[Finding]:
        return [f for f in self.findings if f.status in statuses]

    def counts(self) -> dict[str, Any]:
        """Deterministic counts for notebooks and the CLI."""
        status = {s: len(self.by_status(s)) for s in STATUS_ORDER}
        open_by_sev = {s: sum(1 for f in self.by_status("FAIL") if f.severity == s) for s in SEVERITIES}
        return {
            "phases": {p.phase: p.status for p in self.phases},
            "findings": len(self.findings), "status": status, "open_by_severity": open_by_sev,
            "exceptions": {"excepted_findings": status["EXCEPTED"],
                           "expired": sum(1 for f in self.exception_findings
                                          if f.check_id == "EXCEPTION_EXPIRED" and f.status == "FAIL")},
            "diff": self.diff.counts() if self.diff else None,
            "days_to_audit": self.countdown.days_left if self.countdown else None,
        }


# -- collecting ---------------------------------------------------------------

def _notebook_failed(nb: Any) -> str | None:
    meta = (getattr(nb, "metadata", None) or {}).get("papermill", {}) or {}
    if meta.get("exception") or meta.get("status") == "failed":
        return "the notebook recorded an error (see its error banner)"
    return None


def _read_scrapbook(run_dir: Path) -> dict[str, Any]:
    """Notebook name -> scrapbook Notebook; a notebook that cannot be read maps to its error."""
    import scrapbook as sb

    try:
        book = sb.read_notebooks(str(run_dir))
        return {name: book[name] for name in book}
    except Exception:  # one unreadable notebook must not hide the others
        pass
    result: dict[str, Any] = {}
    for path in sorted(run_dir.glob("*.ipynb")):
        try:
            result[path.stem] = sb.read_notebook(str(path))
        except Exception as exc:  # noqa: BLE001 - reported as the phase's error
            result[path.stem] = exc
    return result


def _scrap_findings(data: Any, notebook: str) -> tuple[Finding, ...]:
    if not isinstance(data, list):
        raise ValueError(f"{notebook}: scrap 'findings' is not a list")
    return tuple(Finding.from_dict(item) for item in data)


def collect_phases(run_dir: Path) -> list[PhaseState]:
    """Each earlier phase's status and findings, from scraps first, then findings/<phase>.json."""
    run_dir = Path(run_dir)
    book = _read_scrapbook(run_dir)
    states: list[PhaseState] = []
    for phase, stem in PHASE_NOTEBOOKS:
        nb = book.get(stem)
        file_path = findings_mod.phase_findings_path(run_dir, phase)
        error: str | None = None
        scraps: dict[str, Any] = {}
        found: tuple[Finding, ...] | None = None
        source: str | None = None
        if isinstance(nb, Exception):
            error = f"{stem}.ipynb cannot be read: {nb}"
        elif nb is not None:
            error = _notebook_failed(nb)
            try:
                scraps = {name: scrap.data for name, scrap in nb.scraps.items()}
            except Exception as exc:  # noqa: BLE001
                error = error or f"{stem}.ipynb: scraps cannot be read: {exc}"
            if "findings" in scraps:
                try:
                    found, source = _scrap_findings(scraps["findings"], f"{stem}.ipynb"), "scrap"
                except (ValueError, TypeError, KeyError) as exc:
                    error = error or f"invalid findings scrap: {exc}"
        if found is None and file_path.exists():
            try:
                found, source = tuple(findings_mod.read_json(file_path)), "file"
            except (ValueError, TypeError, KeyError) as exc:
                error = error or f"{file_path.relative_to(run_dir)}: {exc}"
        if nb is None and found is None:
            status = "not run"
            error = error or f"{stem}.ipynb is not in the run folder"
        elif error:
            status = "failed"
        else:
            status = "succeeded"
        states.append(PhaseState(phase, f"{stem}.ipynb", status, source, found or (), error,
                                 tuple(sorted((k, v) for k, v in scraps.items() if k != "findings"))))
    return states


def read_coverage(run_dir: Path) -> pd.DataFrame | None:
    path = Path(run_dir) / "snapshot" / "coverage.parquet"
    if not path.exists():
        return None
    try:
        return pd.read_parquet(path)
    except Exception:  # noqa: BLE001 - shown as missing coverage rather than a crash
        return None


def scope_of(params: Any) -> tuple[tuple[str, str], ...]:
    """What the run was asked to assess, in words an auditor reads."""
    accounts = ", ".join(f"{a.id} ({a.name})" for a in params.accounts)
    trail = params.cloudtrail.source + (f": s3://{params.cloudtrail.bucket}/{params.cloudtrail.prefix}"
                                        if params.cloudtrail.source == "s3" and params.cloudtrail.bucket else "")
    return (
        ("accounts", accounts), ("regions", ", ".join(params.aws.regions)),
        ("CloudTrail source", f"{trail}; review {params.cloudtrail.review_days} days after a "
                              f"{params.cloudtrail.baseline_days}-day baseline"),
        ("datasets scored", ", ".join(d.name for d in params.datasets) or "none"),
        ("fail-on severity", params.thresholds.fail_on),
    )


def run_date(run_dir: Path) -> dt.date:
    when = exports.run_time(run_dir)
    return when.date() if when else dt.datetime.now(dt.timezone.utc).date()


# -- the control view -----------------------------------------------------------

def _check_state(items: list[Finding]) -> str:
    statuses = {f.status for f in items}
    for status in ("FAIL", "EXCEPTED", "NOT_ASSESSED", "PASS"):
        if status in statuses:
            return status
    return "NO_EVIDENCE"


def control_view(findings: list[Finding]) -> pd.DataFrame:
    """One row per (framework, requirement): the checks behind it and their state."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    requirements: dict[tuple[str, str], list[str]] = {}
    for meta in catalogue.load().values():
        for fw in catalogue.FRAMEWORKS:
            for ref in meta.controls.get(fw, ()):
                requirements.setdefault((catalogue.FRAMEWORK_LABELS[fw], ref), []).append(meta.id)
    rows = []
    fw_order = {catalogue.FRAMEWORK_LABELS[fw]: i for i, fw in enumerate(catalogue.FRAMEWORKS)}
    for (framework, ref), checks in sorted(requirements.items(), key=lambda kv: (fw_order[kv[0][0]], kv[0][1])):
        states = {c: _check_state(by_check.get(c, [])) for c in sorted(checks)}
        items = [f for c in checks for f in by_check.get(c, [])]
        counts = {s: sum(1 for f in items if f.status == s) for s in STATUS_ORDER}
        if counts["FAIL"]:
            state = "FAIL"
        elif counts["EXCEPTED"]:
            state = "EXCEPTED"
        elif counts["NOT_ASSESSED"] or (items and any(v == "NO_EVIDENCE" for v in states.values())):
            state = "PARTIAL" if counts["PASS"] else "NOT_ASSESSED"
        elif counts["PASS"]:
            state = "PASS"
        else:
            state = "NO_EVIDENCE"
        rows.append({
            "framework": framework, "requirement": ref, "state": state,
            "checks": ", ".join(f"{c} ({s})" for c, s in states.items()),
            "fail": counts["FAIL"], "excepted": counts["EXCEPTED"],
            "not_assessed": counts["NOT_ASSESSED"], "pass": counts["PASS"],
        })
    return pd.DataFrame(rows, columns=["framework", "requirement", "state", "checks", "fail", "excepted",
                                       "not_assessed", "pass"])


# -- building the report --------------------------------------------------------------

def build_report(run_dir: Path, params: Any, params_path: str | Path, *, today: dt.date | None = None,
                 previous: Path | None | bool = True) -> Report:
    """Everything the summary shows; ``previous=True`` finds the previous run itself."""
    run_dir = Path(run_dir)
    today = today or run_date(run_dir)
    phases = collect_phases(run_dir)
    gathered = [f for p in phases for f in p.findings]
    path = exc_mod.exceptions_path(params, params_path)
    risk_exceptions = exc_mod.load_exceptions(path) if path else []
    tags = exc_mod.resource_tags_from_snapshot(run_dir / "snapshot") if any(e.tags for e in risk_exceptions) else {}
    outcome = exc_mod.apply_exceptions(gathered, risk_exceptions, today, tags)
    combined = findings_mod.sort_findings([*outcome.findings, *outcome.exception_findings])
    prev_dir = diff_mod.previous_run(run_dir, params.label) if previous is True else (previous or None)
    change = None
    if prev_dir is not None:
        change = diff_mod.diff_findings(diff_mod.run_findings(prev_dir), combined, Path(prev_dir).name, run_dir.name)
    countdown = None
    if params.evidence.audit_date:
        open_high = tuple(findings_mod.at_or_above(combined, "high"))
        countdown = AuditCountdown(params.evidence.audit_date, today, open_high)
    return Report(
        run_name=run_dir.name, label=params.label, estate=params.estate, today=today, phases=tuple(phases),
        findings=tuple(combined), exception_findings=tuple(outcome.exception_findings),
        exceptions_file=str(path) if path else None, coverage=read_coverage(run_dir),
        previous_run=Path(prev_dir).name if prev_dir else None, diff=change, countdown=countdown,
        scope=scope_of(params),
    )


# -- tables -----------------------------------------------------------------------

def _short(data: Any, limit: int = 240) -> str:
    text = json.dumps(data, sort_keys=True, default=str) if not isinstance(data, str) else data
    return text if len(text) <= limit else text[: limit - 1] + "…"


def findings_table(items: list[Finding], with_evidence: bool = True) -> pd.DataFrame:
    rows = []
    for f in sorted(items, key=lambda f: (-SEVERITY_ORDER[f.severity], f.phase, f.check_id, f.resource)):
        row = {"id": f.id, "severity": f.severity, "status": f.status, "phase": f.phase, "check": f.check_id,
               "resource": f.resource, "account": f.account or "", "environment": f.environment or ""}
        if with_evidence:
            row["detail"] = f.reason or (f"exception {f.exception.get('id')} ({f.exception.get('owner')}, "
                                         f"until {f.exception.get('expires')})" if f.exception else _short(f.evidence))
        rows.append(row)
    return pd.DataFrame(rows)


def phases_table(report: Report) -> pd.DataFrame:
    return pd.DataFrame([{
        "phase": p.phase, "notebook": p.notebook, "status": p.status, "findings from": p.source or "-",
        "findings": len(p.findings), "fail": sum(1 for f in p.findings if f.status == "FAIL"),
        "not assessed": sum(1 for f in p.findings if f.status == "NOT_ASSESSED"), "error": p.error or "",
    } for p in report.phases])


def coverage_table(report: Report) -> pd.DataFrame | None:
    """Every collection unit (account × region × service) with its status and error."""
    cov = report.coverage
    if cov is None or cov.empty:
        return None
    cols = [c for c in ("account", "region", "service", "status", "resources", "error") if c in cov.columns]
    return cov[cols].sort_values([c for c in ("account", "region", "service") if c in cols]).reset_index(drop=True)


def coverage_summary(report: Report) -> pd.DataFrame | None:
    """Per service: how many account/region units ended in each status."""
    cov = report.coverage
    if cov is None or cov.empty or not {"service", "status"} <= set(cov.columns):
        return None
    table = cov.groupby(["service", "status"]).size().unstack(fill_value=0)
    return table.reset_index().rename_axis(columns=None)


def _as_list(value: Any) -> list[Any]:
    """detail_errors as stored: a list/array, a JSON string of a list, or nothing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return [value] if value.strip() else []
        return list(parsed) if isinstance(parsed, list) else [parsed]
    return list(value)


def coverage_gaps(report: Report) -> pd.DataFrame | None:
    """Units not fully assessed: a unit-level status other than assessed, or errors on single resources."""
    cov = report.coverage
    if cov is None or cov.empty:
        return None
    rows = []
    for rec in cov.to_dict("records"):
        details = _as_list(rec.get("detail_errors"))
        if rec.get("status") not in ("assessed", "ok") or details:
            rows.append({"account": rec.get("account"), "region": rec.get("region"), "service": rec.get("service"),
                         "status": rec.get("status"),
                         "why": "; ".join(str(x) for x in [rec.get("error"), *details] if x)})
    rows.sort(key=lambda r: (str(r["account"]), str(r["region"]), str(r["service"])))
    return pd.DataFrame(rows, columns=["account", "region", "service", "status", "why"])


def not_assessed_table(report: Report) -> pd.DataFrame:
    rows: dict[tuple[str, str, str], int] = {}
    for f in report.by_status("NOT_ASSESSED"):
        key = (f.phase, f.check_id, f.reason or "")
        rows[key] = rows.get(key, 0) + 1
    return pd.DataFrame([{"phase": p, "check": c, "reason": r, "resources": n} for (p, c, r), n in sorted(rows.items())],
                        columns=["phase", "check", "reason", "resources"])


def leak_table(report: Report) -> pd.DataFrame:
    """Leak scores per dataset: the phase's scrap ``leak_scores`` when glued, else the leak findings."""
    leak = next((p for p in report.phases if p.phase == "leak"), None)
    scrap = leak.scrap("leak_scores") if leak else None
    if isinstance(scrap, list) and all(isinstance(r, dict) for r in scrap):
        return pd.DataFrame(scrap)
    if isinstance(scrap, dict):
        return pd.DataFrame([{"dataset": k, **(v if isinstance(v, dict) else {"score": v})} for k, v in scrap.items()])
    rows = []
    for f in report.findings:
        if f.phase != "leak":
            continue
        score = next((f.evidence.get(k) for k in ("score", "leak_score") if k in f.evidence), None)
        rows.append({"dataset": f.evidence.get("dataset", f.resource), "check": f.check_id, "status": f.status,
                     "severity": f.severity, "score": score,
                     "detail": f.reason or _short({k: v for k, v in f.evidence.items() if k not in ("score", "dataset")})})
    return pd.DataFrame(rows, columns=["dataset", "check", "status", "severity", "score", "detail"])


def diff_table(report: Report) -> pd.DataFrame:
    if report.diff is None:
        return pd.DataFrame(columns=["category", "status", "severity", "check", "resource"])
    return pd.DataFrame([{
        "category": c.category,
        "status": f"{c.before.status if c.before else '-'} → {c.after.status if c.after else '-'}",
        "severity": (c.after or c.before).severity, "check": c.check_id, "resource": c.resource,
        "changed": ", ".join(c.fields),
    } for c in report.diff.changes if c.category != "persisting"])


# -- figures ------------------------------------------------------------------------

def figures(report: Report) -> dict[str, Any]:
    """Plotly figures of the summary, keyed by a stable name."""
    import plotly.graph_objects as go

    figs: dict[str, Any] = {}
    items = list(report.findings)

    def stacked(dimension: str, values: list[str], title: str) -> Any:
        fig = go.Figure()
        for status in STATUS_ORDER:
            counts = [sum(1 for f in items if f.status == status and (getattr(f, dimension) or "unknown") == v)
                      for v in values]
            fig.add_bar(name=status, x=values, y=counts, marker_color=STATUS_COLOURS[status])
        fig.update_layout(barmode="stack", title=title, height=360, margin={"t": 50, "b": 40, "l": 40, "r": 10},
                          legend={"orientation": "h"})
        return fig

    figs["by_severity"] = stacked("severity", list(SEVERITIES), "Findings by severity")
    phases = [p for p, _ in PHASE_NOTEBOOKS] + [SUMMARY_PHASE]
    figs["by_phase"] = stacked("phase", phases, "Findings by phase")
    envs = sorted({f.environment or "unknown" for f in items}) or ["unknown"]
    figs["by_environment"] = stacked("environment", envs, "Findings by environment")
    view = control_view(items)
    if not view.empty:
        states = ["FAIL", "EXCEPTED", "PARTIAL", "NOT_ASSESSED", "PASS", "NO_EVIDENCE"]
        frameworks = list(dict.fromkeys(view["framework"]))
        fig = go.Figure()
        for state in states:
            fig.add_bar(name=state, x=frameworks,
                        y=[int(((view["framework"] == fw) & (view["state"] == state)).sum()) for fw in frameworks],
                        marker_color=STATUS_COLOURS.get(state, "#e67e22"))
        fig.update_layout(barmode="stack", title="Requirements by state", height=360,
                          margin={"t": 50, "b": 40, "l": 40, "r": 10}, legend={"orientation": "h"})
        figs["controls"] = fig
    leak = leak_table(report)
    if not leak.empty and "score" in leak.columns and pd.to_numeric(leak["score"], errors="coerce").notna().any():
        scored = leak.assign(score=pd.to_numeric(leak["score"], errors="coerce")).dropna(subset=["score"])
        fig = go.Figure(go.Bar(x=scored["dataset"].astype(str).tolist(), y=scored["score"].tolist(),
                               marker_color="#d35400"))
        fig.update_layout(title="Leak score by dataset (0 = no leak, 100 = copy)", height=340,
                          margin={"t": 50, "b": 40, "l": 40, "r": 10})
        figs["leak"] = fig
    return figs


# -- HTML ------------------------------------------------------------------------------

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


# -- the whole phase ------------------------------------------------------------------

def finalize_run(run_dir: Path, params: Any, params_path: str | Path, *, today: dt.date | None = None,
                 previous: Path | None | bool = True) -> Report:
    """What runbook 06 and ``synthaudit summary`` do: report, exports, summary.html."""
    run_dir = Path(run_dir)
    report = build_report(run_dir, params, params_path, today=today, previous=previous)
    findings_mod.write_json(report.exception_findings, findings_mod.phase_findings_path(run_dir, SUMMARY_PHASE))
    exports.write_exports(run_dir, report.findings, params)
    (run_dir / "summary.html").write_text(render_html(report))
    return report
