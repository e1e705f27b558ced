"""The summary's tables (pandas), shared by runbook 06 and the HTML page: findings,
phases, collection coverage and its gaps, what was not assessed, leak scores, changes."""
from __future__ import annotations

import json
from typing import Any

import pandas as pd

from synthaudit.evidence.report import Report
from synthaudit.findings import SEVERITY_ORDER, Finding


def short(data: Any, limit: int = 240) -> str:
    """Evidence as one line of JSON, cut to ``limit`` characters for a table cell."""
    text = json.dumps(data, sort_keys=True, default=str) if not isinstance(data, str) else data
    return text if len(text) <= limit else text[: limit - 1] + "…"


def findings_table(items: list[Finding], with_evidence: bool = True) -> pd.DataFrame:
    rows = []
    for f in sorted(items, key=lambda f: (-SEVERITY_ORDER[f.severity], f.phase, f.check_id, f.resource)):
        row = {"id": f.id, "severity": f.severity, "status": f.status, "phase": f.phase, "check": f.check_id,
               "resource": f.resource, "account": f.account or "", "environment": f.environment or ""}
        if with_evidence:
            row["detail"] = f.reason or (f"exception {f.exception.get('id')} ({f.exception.get('owner')}, "
                                         f"until {f.exception.get('expires')})" if f.exception else short(f.evidence))
        rows.append(row)
    return pd.DataFrame(rows)


def phases_table(report: Report) -> pd.DataFrame:
    """Each phase's run state, and its findings counted from the report's one list by their
    ``phase`` (a notebook may publish findings of another phase: counted where they belong)."""
    def n(phase: str, *statuses: str) -> int:
        return sum(1 for f in report.findings if f.phase == phase and (not statuses or f.status in statuses))
    return pd.DataFrame([{
        "phase": p.phase, "notebook": p.notebook, "status": p.status, "findings from": p.source or "-",
        "findings": n(p.phase), "fail": n(p.phase, "FAIL"), "not assessed": n(p.phase, "NOT_ASSESSED"),
        "error": p.error or "",
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
                     "detail": f.reason or short({k: v for k, v in f.evidence.items() if k not in ("score", "dataset")})})
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
