"""Phase 06: gather every phase's findings into one report, its exports and summary.html.

Reads the scrapbook scrap ``findings`` of each executed notebook in the run folder
(falling back to ``findings/<phase>.json``); a notebook that is missing or failed
is reported as such, never a crash. Applies the exceptions file, compares with the
previous run, maps findings onto the control frameworks of the catalogue, counts
down to the audit date, and renders one self-contained HTML page for an auditor
(no network, no plotly.js: it opens offline from the run folder).

This module is the phase: which notebooks it reads, building the report, writing
its files. The parts live beside it and are importable from here as before:
``gather`` (reading the run folder), ``report`` (the model), ``tables``,
``controls`` (the control view), ``figures`` (the notebook's charts), ``fixes`` (concrete
fixes and root causes), ``firstpage`` (the first screen's counts) and ``page`` (summary.html).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from synthaudit import findings as findings_mod
from synthaudit.evidence import diff as diff_mod
from synthaudit.evidence import exceptions as exc_mod
from synthaudit.evidence import exports, fixes, gather
from synthaudit.evidence.controls import control_view
from synthaudit.evidence.figures import figures
from synthaudit.evidence.gather import read_coverage, run_date, scope_of
from synthaudit.evidence.page import CSS, render_html
from synthaudit.evidence.report import (AUDIT_WARNING_DAYS, SEVERITIES, STATUS_COLOURS, STATUS_ORDER, SUMMARY_PHASE,
                                        AuditCountdown, PhaseState, Report)
from synthaudit.evidence.tables import (coverage_gaps, coverage_summary, coverage_table, diff_table, findings_table,
                                        leak_table, not_assessed_table, phases_table)
from synthaudit.phases import PHASES

__all__ = [
    "AUDIT_WARNING_DAYS", "CSS", "PHASE_NOTEBOOKS", "SEVERITIES", "STATUS_COLOURS", "STATUS_ORDER", "SUMMARY_PHASE",
    "AuditCountdown", "PhaseState", "Report", "build_report", "collect_phases", "control_view", "coverage_gaps",
    "coverage_summary", "coverage_table", "diff_table", "figures", "finalize_run", "findings_table", "leak_table",
    "not_assessed_table", "phases_table", "read_coverage", "render_html", "run_date", "scope_of",
]

# (phase, notebook stem) of every phase before this one, from the registry
PHASE_NOTEBOOKS = tuple((p.name, Path(p.notebook).stem) for p in PHASES if p.name != SUMMARY_PHASE)


def collect_phases(run_dir: Path) -> list[PhaseState]:
    """Each earlier phase's status and findings, from scraps first, then findings/<phase>.json."""
    return gather.collect_phases(run_dir, PHASE_NOTEBOOKS)


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
        scope=scope_of(params), organisation=fixes.estate_of(run_dir),
    )


def finalize_run(run_dir: Path, params: Any, params_path: str | Path, *, today: dt.date | None = None,
                 previous: Path | None | bool = True) -> Report:
    """What runbook 06 and ``synthaudit summary`` do: report, exports, summary.html."""
    run_dir = Path(run_dir)
    report = build_report(run_dir, params, params_path, today=today, previous=previous)
    findings_mod.write_json(report.exception_findings, findings_mod.phase_findings_path(run_dir, SUMMARY_PHASE))
    exports.write_exports(run_dir, report.findings, params)
    (run_dir / "summary.html").write_text(render_html(report))
    return report
