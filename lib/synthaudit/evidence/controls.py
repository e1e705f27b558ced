"""The control view: each requirement of each compliance framework, with the checks that
test it and the state their findings put it in.

The requirements and their checks come from the framework files
(``synthaudit/catalogue/frameworks/``), so a row names the requirement, not just its number.
"""
from __future__ import annotations

import pandas as pd

from synthaudit import catalogue
from synthaudit.evidence.report import STATUS_ORDER
from synthaudit.findings import SEVERITY_ORDER, Finding

COLUMNS = ["framework", "requirement", "name", "state", "worst", "checks", "fail", "excepted", "not_assessed", "pass"]


def check_state(items: list[Finding]) -> str:
    """One check's state over its findings: the worst status, NO_EVIDENCE when it did not run."""
    statuses = {f.status for f in items}
    for status in ("FAIL", "EXCEPTED", "NOT_ASSESSED", "PASS"):
        if status in statuses:
            return status
    return "NO_EVIDENCE"


def requirement_state(counts: dict[str, int], check_states: dict[str, str], any_findings: bool) -> str:
    """FAIL > EXCEPTED > NOT_ASSESSED/PARTIAL > PASS; NO_EVIDENCE when no check behind it ran."""
    if counts["FAIL"]:
        return "FAIL"
    if counts["EXCEPTED"]:
        return "EXCEPTED"
    if counts["NOT_ASSESSED"] or (any_findings and "NO_EVIDENCE" in check_states.values()):
        return "PARTIAL" if counts["PASS"] else "NOT_ASSESSED"
    if counts["PASS"]:
        return "PASS"
    return "NO_EVIDENCE"


def worst_open(items: list[Finding]) -> str:
    """The highest severity among the FAIL findings ("" when none fails): a requirement failing
    only on low findings is not shown like one failing on a critical one."""
    fails = [f.severity for f in items if f.status == "FAIL"]
    return max(fails, key=SEVERITY_ORDER.get) if fails else ""


def control_view(findings: list[Finding]) -> pd.DataFrame:
    """One row per requirement, frameworks and requirements in their files' order."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    rows = []
    for fw in catalogue.load_frameworks():
        for req in fw.requirements:
            states = {c: check_state(by_check.get(c, [])) for c in sorted(req.checks)}
            items = [f for c in req.checks for f in by_check.get(c, [])]
            counts = {s: sum(1 for f in items if f.status == s) for s in STATUS_ORDER}
            rows.append({
                "framework": fw.label, "requirement": req.id, "name": req.name,
                "state": requirement_state(counts, states, bool(items)),
                "worst": worst_open(items),
                "checks": ", ".join(f"{c} ({s})" for c, s in states.items()),
                "fail": counts["FAIL"], "excepted": counts["EXCEPTED"],
                "not_assessed": counts["NOT_ASSESSED"], "pass": counts["PASS"],
            })
    return pd.DataFrame(rows, columns=COLUMNS)
