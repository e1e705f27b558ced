"""Phase 04's own step: the CloudTrail review into ``<run>/cloudtrail/``.

The phase also declares IAM's unused-grants step (``synthaudit.phases``), which reads
the events table this step writes.
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthaudit.config import Params
from synthaudit.phase import PhaseResult

if TYPE_CHECKING:  # pragma: no cover
    from synthaudit.runbook import RunContext

OUT_FOLDER = "cloudtrail"


def review_result(params: Params | None, out_dir: Path, **options: Any) -> PhaseResult:
    """``cloudtrail.review.review`` as a phase result (options as ``review`` takes them)."""
    from synthaudit.cloudtrail.review import review

    result = review(params, out_dir, **options)
    return PhaseResult(
        findings=tuple(result.findings),
        scraps={"anomalies": [asdict(a) for a in result.anomalies], "cloudtrail_summary": result.summary()},
        details={"review": result, "out": Path(out_dir)},
        problem=result.not_assessed_reason,
    )


# Sources read through AWS (the trail bucket, LookupEvents, Athena); local folders need no session.
AWS_SOURCES = ("s3", "lookup", "athena")


def review_step(ctx: RunContext) -> PhaseResult:
    from synthaudit.workspace import Workspace, find_workspace

    sessions = ctx.sessions if ctx.params.cloudtrail.source in AWS_SOURCES else None
    snapshot = ctx.snapshot_dir if ctx.snapshot_dir.exists() else None
    cache = None if ctx.params.cloudtrail.cache_dir else Workspace(find_workspace(ctx.params_path)).cloudtrail_cache
    return review_result(ctx.params, ctx.run_dir / OUT_FOLDER, sessions=sessions, snapshot_dir=snapshot,
                         cache_dir=cache)
