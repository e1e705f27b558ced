"""Phase 03 as a step, and IAM's unused-grants step that phase 04 declares.

Unused grants compare what principals may do with what CloudTrail saw them do, so
they can only be judged once phase 04 has written ``cloudtrail/events.parquet``:
phase 03 reviews without them and phase 04 runs ``unused_grants_step`` after its
own review (runbook and ``synthaudit cloudtrail`` alike).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthaudit.config import Params
from synthaudit.phase import PhaseResult

if TYPE_CHECKING:  # pragma: no cover
    from synthaudit.runbook import RunContext

UNUSED_COLUMNS = ["status", "resource", "environment", "reason", "evidence"]


def review_result(store: Any, params: Params, run_dir: Path | None, *, include_unused: bool) -> PhaseResult:
    """``iam.review.review`` as a phase result: findings, the four tables, the scraps runbook 03 glues."""
    from synthaudit.iam.review import review

    result = review(store, run_dir=run_dir, review_days=params.cloudtrail.review_days,
                    regions=params.aws.regions, include_unused=include_unused)
    reach = result.reachability
    return PhaseResult(
        findings=tuple(result.findings),
        tables={"reachability": reach, "escalation_paths": result.escalation_paths,
                "trust_issues": result.trust_issues, "wildcard_grants": result.wildcard_grants},
        scraps={"iam_counts": result.counts(), "escalation_paths": len(result.escalation_paths),
                "synthetic_to_production": reach[["principal", "resource", "action", "outcome"]].to_dict("records")},
        details={"review": result, "store": store},
        warnings=tuple(result.store_errors),
    )


def review_step(ctx: RunContext) -> PhaseResult:
    """Phase 03: every check but unused grants (phase 04 judges those once it has read CloudTrail)."""
    from synthaudit.iam import PolicyStore

    store = PolicyStore.from_snapshot(ctx.snapshot_dir)
    return review_result(store, ctx.params, ctx.run_dir, include_unused=False)


def unused_grants(snapshot_dir: Path, run_dir: Path, review_days: int) -> PhaseResult:
    """IAM_UNUSED_GRANTS from ``run_dir/cloudtrail/events.parquet`` and suggested least-privilege policies."""
    import pandas as pd

    from synthaudit.iam import PolicyStore
    from synthaudit.iam.review import check_unused

    found, suggested = check_unused(PolicyStore.from_snapshot(snapshot_dir), run_dir, review_days)
    table = pd.DataFrame([f.to_dict() for f in found if f.status != "PASS"], columns=UNUSED_COLUMNS)
    return PhaseResult(findings=tuple(found), tables={"unused_grants": table},
                       scraps={"suggested_policies": suggested},
                       details={"unused_findings": tuple(found), "suggested_policies": suggested})


def unused_grants_step(ctx: RunContext) -> PhaseResult:
    return unused_grants(ctx.snapshot_dir, ctx.run_dir, ctx.params.cloudtrail.review_days)
