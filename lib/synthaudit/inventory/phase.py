"""Phase 01 as a step: collect every account and region into ``snapshot/`` (no findings)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from synthaudit.phase import PhaseResult

if TYPE_CHECKING:  # pragma: no cover
    from synthaudit.runbook import RunContext


def inventory_step(ctx: RunContext) -> PhaseResult:
    """Collect, write the snapshot, and return its summary views; inventory judges nothing."""
    from synthaudit.inventory import Snapshot, views
    from synthaudit.inventory.collect import run_inventory

    inventory = run_inventory(ctx.params, ctx.sessions, ctx.snapshot_dir)
    snap = Snapshot(ctx.snapshot_dir)
    summary = views.summary(snap)
    counts, coverage = views.counts(snap), views.coverage_table(snap)
    return PhaseResult(
        tables={"counts": counts, "coverage": coverage},
        scraps={"inventory_summary": summary, "inventory_counts": views.records(counts),
                "coverage": views.records(coverage)},
        details={"inventory": inventory, "snapshot": snap, "summary": summary},
    )
