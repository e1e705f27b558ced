"""Data copies: production snapshots shared out, synthetic resources restored from
production snapshots, and unencrypted production snapshots."""
from __future__ import annotations

from typing import Any

from synthaudit import rotation
from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.rows import RowRule, fail_if, in_environments, unknown

FAMILY = "data_copies"
SNAPSHOT_KINDS = ("ec2_snapshots", "rds_snapshots", "rds_cluster_snapshots")
# Accounts a production snapshot may be shared with without leaving production control.
SAFE_SHARE_ENVIRONMENTS = ("production", "shared")
production = in_environments("production")


def _shared_out(ctx: CheckContext, row: dict[str, Any]):
    shared_with = sorted(row.get("shared_with") or [])
    envs = {acct: ctx.account_environments.get(acct, "unknown") for acct in shared_with}
    offending = sorted(a for a, env in envs.items() if env not in SAFE_SHARE_ENVIRONMENTS)
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
class SourceIndex:
    """Finds the snapshot (or instance/cluster) a copy came from, by id or ARN, across accounts."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.ebs = {r.get("snapshot_id"): r for r in ctx.rows_or_empty("ec2_snapshots")}
        self.rds: dict[str, dict[str, Any]] = {}
        for kind, id_column in (("rds_snapshots", "snapshot_id"), ("rds_cluster_snapshots", "snapshot_id"),
                                ("rds_instances", "db_instance_id"), ("rds_clusters", "db_cluster_id")):
            for r in ctx.rows_or_empty(kind):
                self.rds.setdefault(r["arn"], r)
                if r.get(id_column):
                    self.rds.setdefault(f"{r['account']}/{r['region']}/{r[id_column]}", r)

    def environment(self, ref: str, row: dict[str, Any], kind: str) -> tuple[str | None, str]:
        """(environment of the source or None if unknown, how it was found)."""
        if kind == "ebs":
            source = self.ebs.get(ref)
            return (source.get("environment"), source["arn"]) if source else (None, ref)
        if ref.startswith("arn:"):
            source = self.rds.get(ref)
            if source:
                return source.get("environment"), source["arn"]
            return self.ctx.environment_of(ref), ref  # not in the snapshot: its account decides
        source = self.rds.get(f"{row['account']}/{row['region']}/{ref}")
        return (source.get("environment"), source["arn"]) if source else (None, ref)


# (table, column holding the source, source kind)
RESTORE_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("ec2_volumes", "snapshot_id", "ebs"),
    ("rds_snapshots", "source_snapshot", "rds"),
    ("rds_cluster_snapshots", "source_snapshot", "rds"),
    ("rds_instances", "read_replica_source", "rds"),
    ("rds_clusters", "replication_source", "rds"),
)


def _restored(ctx: CheckContext) -> list[Finding]:
    index = SourceIndex(ctx)
    out = []
    for kind, column, source_kind in RESTORE_SOURCES:
        for row in ctx.rows_or_empty(kind):
            if row.get("environment") != "synthetic":
                continue
            ref = row.get(column)
            subject = rotation.snapshot_of(kind, row)
            if not ref:
                out.append(ctx.finding("SYNTHETIC_RESTORED_FROM_PRODUCTION", row, "PASS",
                                       evidence={column: None, **({"snapshot_of": subject} if subject else {})}))
                continue
            env, source = index.environment(ref, row, source_kind)
            evidence = {column: ref, "source": source, "source_environment": env}
            if subject:
                evidence["snapshot_of"] = subject
            if env is None:
                out.append(ctx.finding("SYNTHETIC_RESTORED_FROM_PRODUCTION", row, "NOT_ASSESSED", evidence=evidence,
                                       reason=f"source {ref} is not in the snapshot (owner account not read?)"))
                continue
            if env == "production":
                evidence["edges"] = [{"source": row["arn"], "target": source, "via": "restored from"}]
            out.append(ctx.finding("SYNTHETIC_RESTORED_FROM_PRODUCTION", row,
                                   "FAIL" if env == "production" else "PASS", evidence=evidence))
    return out


CHECKS: tuple[Check, ...] = (
    *(rule.as_check() for rule in ROW_RULES),
    Check("SYNTHETIC_RESTORED_FROM_PRODUCTION", FAMILY,
          tuple(dict.fromkeys([k for k, _, _ in RESTORE_SOURCES] + list(SNAPSHOT_KINDS))), _restored),
)
