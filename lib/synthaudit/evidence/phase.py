"""Phase 06 as a step: the report of every earlier phase, its exports and summary.html."""
from __future__ import annotations

from typing import TYPE_CHECKING

from synthaudit.phase import PhaseResult

if TYPE_CHECKING:  # pragma: no cover
    from synthaudit.runbook import RunContext


def summary_step(ctx: RunContext) -> PhaseResult:
    """``finalize_run``; the phase's own findings are the exception-file findings it raises."""
    from synthaudit.evidence import summary

    report = summary.finalize_run(ctx.run_dir, ctx.params, ctx.params_path)
    failed = [p for p in report.phases if p.status == "failed"]
    return PhaseResult(
        findings=tuple(report.exception_findings),
        scraps={"summary": report.counts()},
        details={"report": report},
        problem="; ".join(f"phase {p.phase} failed: {p.error}" for p in failed) or None,
    )
