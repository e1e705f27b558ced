"""Tables runbook 02 shows: results per check family, and deterministic counts."""
from __future__ import annotations

from collections import Counter
from typing import Iterable

import pandas as pd

from synthaudit import catalogue
from synthaudit.findings import Finding

STATUS_ORDER = {"FAIL": 0, "NOT_ASSESSED": 1, "EXCEPTED": 2, "PASS": 3}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def family_of(check_id: str) -> str:
    return catalogue.get(check_id).family or "other"


def results_table(findings: Iterable[Finding], family: str | None = None, include_pass: bool = False) -> pd.DataFrame:
    """Findings as rows (FAIL first, then NOT_ASSESSED), optionally one family and without PASS."""
    rows = [
        {"status": f.status, "severity": f.severity, "check_id": f.check_id, "resource": f.resource,
         "account": f.account, "region": f.region, "environment": f.environment, "reason": f.reason or ""}
        for f in findings
        if (family is None or family_of(f.check_id) == family) and (include_pass or f.status != "PASS")
    ]
    frame = pd.DataFrame(rows, columns=["status", "severity", "check_id", "resource", "account", "region",
                                        "environment", "reason"])
    if frame.empty:
        return frame
    frame["_s"] = frame["status"].map(STATUS_ORDER)
    frame["_v"] = frame["severity"].map(SEVERITY_RANK)
    return frame.sort_values(["_s", "_v", "check_id", "resource"]).drop(columns=["_s", "_v"]).reset_index(drop=True)


def check_summary(findings: Iterable[Finding]) -> pd.DataFrame:
    """One row per check: family, severity and the count of each status."""
    counts: dict[str, Counter] = {}
    for f in findings:
        counts.setdefault(f.check_id, Counter())[f.status] += 1
    rows = []
    for check_id, meta in sorted(catalogue.load().items()):
        if meta.phase != "segregation":
            continue
        c = counts.get(check_id, Counter())
        rows.append({"family": meta.family, "check_id": check_id, "severity": meta.severity,
                     "FAIL": c["FAIL"], "NOT_ASSESSED": c["NOT_ASSESSED"], "PASS": c["PASS"]})
    return pd.DataFrame(rows).sort_values(["family", "check_id"]).reset_index(drop=True)


def status_counts(findings: Iterable[Finding]) -> dict[str, int]:
    c = Counter(f.status for f in findings)
    return {s: c.get(s, 0) for s in ("FAIL", "NOT_ASSESSED", "PASS")}
