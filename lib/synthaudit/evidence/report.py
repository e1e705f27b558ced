"""The summary's report model: each earlier phase as this run saw it, the audit countdown,
and the report that tables, figures and the HTML page are drawn from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from synthaudit.evidence import diff as diff_mod
from synthaudit.evidence.fixes import Estate
from synthaudit.findings import SEVERITY_ORDER, Finding

SUMMARY_PHASE = "summary"
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
    organisation: Estate = Estate()            # accounts and OUs by environment (fills remediation placeholders)

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
