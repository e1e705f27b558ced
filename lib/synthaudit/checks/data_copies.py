"""Data copies: production snapshots shared out, synthetic resources whose data came
from production through any chain of snapshots, copies, images and restores (the
lineage graph), and unencrypted production snapshots."""
from __future__ import annotations

from typing import Any

from synthaudit import rotation
from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.lineage import LINEAGE_KINDS, Lineage
from synthaudit.checks.rows import RowRule, fail_if, in_environments, unknown

FAMILY = "data_copies"
SNAPSHOT_KINDS = ("ec2_snapshots", "rds_snapshots", "rds_cluster_snapshots")
# Accounts a production snapshot may be shared with without leaving production control.
SAFE_SHARE_ENVIRONMENTS = ("production", "shared")
production = in_environments("production")


def _shared_out(ctx: CheckContext, row: dict[str, Any]):
    """Shared with a member account outside production control, or publicly. Accounts outside the
    organisation are EXTERNAL_ACCESS_TO_RESOURCE's (named in evidence here, not counted twice)."""
    shared_with = sorted(row.get("shared_with") or [])
    envs = {acct: ctx.account_environment(acct) for acct in shared_with if acct != "all"}
    offending = sorted(a for a, env in envs.items() if env not in SAFE_SHARE_ENVIRONMENTS + ("external",))
    public = bool(row.get("public")) or "all" in shared_with
    evidence: dict[str, Any] = {"shared_with": envs, "public": public}
    if offending or public:
        evidence["edges"] = [{"source": ctx.account_arn(a), "target": row["arn"], "via": "snapshot share"}
                             for a in offending]
    return fail_if(bool(offending) or public, evidence)


def _unencrypted(ctx: CheckContext, row: dict[str, Any]):
    if row.get("encrypted") is None:
        return unknown("snapshot encryption not reported")
    return fail_if(row.get("encrypted") is not True, {"encrypted": row.get("encrypted"), "kms_key_id": row.get("kms_key_id")})


def _with_subject(decide):
    """The verdict's evidence names what an automated snapshot is a snapshot of (rotation.py):
    run-to-run diffs match rotating snapshots by it."""
    def wrapped(ctx: CheckContext, row: dict[str, Any]):
        status, evidence, reason = decide(ctx, row)
        subject = rotation.snapshot_of(_kind_of(row), row)
        return status, ({**evidence, "snapshot_of": subject} if subject else evidence), reason
    wrapped.__doc__ = decide.__doc__
    return wrapped


def _kind_of(row: dict[str, Any]) -> str:
    arn = str(row.get("arn") or "")
    if ":cluster-snapshot:" in arn:
        return "rds_cluster_snapshots"
    return "rds_snapshots" if ":rds:" in arn else "ec2_snapshots"


ROW_RULES = (
    RowRule("SNAPSHOT_SHARED_WITH_SYNTHETIC", FAMILY, SNAPSHOT_KINDS, production, _with_subject(_shared_out)),
    RowRule("PRODUCTION_SNAPSHOT_UNENCRYPTED", FAMILY, SNAPSHOT_KINDS, production, _with_subject(_unencrypted)),
)


# --- restored from production -----------------------------------------------------------
def _restored(ctx: CheckContext) -> list[Finding]:
    """Every synthetic resource in the lineage graph: FAIL when any ancestor, at any depth and in
    any account, is production, with the whole chain from that origin as evidence."""
    graph = Lineage(ctx)
    out = []
    for kind in LINEAGE_KINDS:
        for row in ctx.rows_or_empty(kind):
            if row.get("environment") != "synthetic":
                continue
            trace = graph.trace(row["arn"])
            sources = [{"source": p.ref, "via": p.via, "found": p.arn} for p in graph.parents(row["arn"])]
            evidence: dict[str, Any] = {"sources": sources, "ancestors": len(trace.ancestors)}
            if subject := rotation.snapshot_of(kind, row):  # a rotating name is matched by what it copies
                evidence["snapshot_of"] = subject
            if trace.from_production:
                evidence.update(chain=list(trace.chain), steps=graph.steps(trace), depth=len(trace.chain) - 1,
                                edges=[{"source": child, "target": parent, "via": via} for parent, child, via
                                       in zip(trace.chain, trace.chain[1:], trace.vias)])
                out.append(ctx.finding(RESTORED, row, "FAIL", evidence=evidence))
            elif trace.unresolved:
                evidence["unresolved"] = list(trace.unresolved)
                missing = ", ".join(sorted({u["source"] for u in trace.unresolved}))
                out.append(ctx.finding(RESTORED, row, "NOT_ASSESSED", evidence=evidence,
                                       reason=f"source {missing} is not in the snapshot (owner account not read?)"))
            else:
                out.append(ctx.finding(RESTORED, row, "PASS", evidence=evidence))
    return out


RESTORED = "SYNTHETIC_RESTORED_FROM_PRODUCTION"
CHECKS: tuple[Check, ...] = (
    *(rule.as_check() for rule in ROW_RULES),
    Check(RESTORED, FAMILY, LINEAGE_KINDS, _restored, judges=LINEAGE_KINDS),
)
