"""Phase 02 as a step: every segregation check over the snapshot, with its display tables."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from synthaudit.config import Params
from synthaudit.phase import PhaseResult

if TYPE_CHECKING:  # pragma: no cover
    from synthaudit.runbook import RunContext


def segregation_result(snapshot_dir: str | Path, params: Params, *, only: Iterable[str] | None = None,
                       edges: bool = True) -> PhaseResult:
    """Findings of ``run_all``; with ``edges``, the cross-environment edge table too (runbook, run folder)."""
    from synthaudit.checks import run_all
    from synthaudit.checks.edges import edge_table
    from synthaudit.checks.report import check_summary, status_counts

    findings = run_all(snapshot_dir, params, only=only)
    scraps = {"segregation_counts": status_counts(findings)}
    tables = {"checks": check_summary(findings)}
    if edges:
        tables["edges"] = edge_table(findings, snapshot_dir, params)
        scraps["cross_environment_edges"] = tables["edges"].to_dict("records")
    return PhaseResult(findings=tuple(findings), tables=tables, scraps=scraps)


def segregation_step(ctx: RunContext) -> PhaseResult:
    return segregation_result(ctx.snapshot_dir, ctx.params)
