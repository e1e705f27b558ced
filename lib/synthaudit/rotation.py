"""Resources that rotate by name, and what they stand for across runs.

An automated RDS snapshot is named ``rds:<db>-YYYY-MM-DD-HH-MM``: the next backup has another
name and ARN, yet it is the same thing to an auditor, the backup of ``<db>``. EBS snapshots
made by Data Lifecycle Manager or AWS Backup say so in their description and get new ids
each time. Findings on them carry ``snapshot_of`` (what they are a snapshot of) in their
evidence, and run-to-run diffs key them by that (evidence/diff.py), so a rotation alone is
never a new and a resolved finding.
"""
from __future__ import annotations

import re
from typing import Any

from synthaudit import arn as aws_arn

# rds:<identifier>-YYYY-MM-DD-HH-MM, inside an ARN or alone
AUTOMATED_RDS = re.compile(r"(?P<head>(?:cluster-)?snapshot:rds:|^rds:)(?P<db>[A-Za-z0-9-]+?)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}\b")
# descriptions AWS writes on snapshots it makes on a schedule
AUTOMATED_EBS_DESCRIPTIONS = (re.compile(r"^Created for policy: ", re.I), re.compile(r"AWS Backup", re.I),
                              re.compile(r"^Created by CreateImage\(", re.I))


def stable_name(text: str) -> str:
    """``text`` with every automated RDS snapshot name replaced by what it is a snapshot of."""
    return AUTOMATED_RDS.sub(lambda m: f"{m['head']}{m['db']}", text) if "rds:" in text else text


def stable(data: Any) -> Any:
    """Evidence with rotating names made stable (strings, lists and dict values, recursively)."""
    if isinstance(data, str):
        return stable_name(data)
    if isinstance(data, dict):
        return {k: stable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [stable(v) for v in data]
    return data


def snapshot_of(kind: str, row: dict[str, Any]) -> str | None:
    """What an automated snapshot row is a snapshot of (an ARN), or None for a snapshot that
    keeps its name (manual ones: they are matched by their own ARN)."""
    account, region = str(row.get("account") or ""), str(row.get("region") or "")
    if kind in ("rds_snapshots", "rds_cluster_snapshots"):
        automated = row.get("snapshot_type") == "automated" or str(row.get("snapshot_id") or "").startswith("rds:")
        source = row.get("db_instance_id") if kind == "rds_snapshots" else row.get("db_cluster_id")
        if automated and source:
            what = "db" if kind == "rds_snapshots" else "cluster"
            return aws_arn.build("rds", region, account, f"{what}:{source}")
    if kind == "ec2_snapshots":
        description = str(row.get("description") or "")
        if row.get("volume_id") and any(p.search(description) for p in AUTOMATED_EBS_DESCRIPTIONS):
            return aws_arn.build("ec2", region, account, f"volume/{row['volume_id']}")
    return None
