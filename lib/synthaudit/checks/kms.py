"""KMS: keys used by both worlds, and synthetic principals that can decrypt with production keys."""
from __future__ import annotations

from typing import Any

from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.keys import KeyResolver
from synthaudit.checks.reach import KMS_DECRYPT, StoreReach
from synthaudit.checks.rows import in_environments

FAMILY = "kms"

# Where resources name the key that encrypts them: (table, column).
KEY_REFERENCES: tuple[tuple[str, str], ...] = (
    ("s3_buckets", "kms_key_id"),
    ("ec2_volumes", "kms_key_id"),
    ("ec2_snapshots", "kms_key_id"),
    ("rds_instances", "kms_key_id"),
    ("rds_clusters", "kms_key_id"),
    ("rds_snapshots", "kms_key_id"),
    ("rds_cluster_snapshots", "kms_key_id"),
    ("lambda_functions", "kms_key_arn"),
    ("sagemaker_notebooks", "kms_key_id"),
    ("sagemaker_training_jobs", "output_kms_key_id"),
    ("sagemaker_training_jobs", "volume_kms_key_id"),
    ("cloudtrail_trails", "kms_key_id"),
)
SEGREGATED = ("production", "synthetic")


def key_users(ctx: CheckContext) -> dict[str, dict[str, list[str]]]:
    """Key ARN -> environment -> ARNs of resources encrypted with it."""
    resolver = KeyResolver(ctx)
    users: dict[str, dict[str, set[str]]] = {}
    for kind, column in KEY_REFERENCES:
        for row in ctx.rows_or_empty(kind):
            region = row.get("home_region") or row.get("region")
            key = resolver.resolve(row.get(column), row["account"], region)
            if key:
                users.setdefault(key, {}).setdefault(row.get("environment") or "unknown", set()).add(row["arn"])
    return {k: {env: sorted(arns) for env, arns in sorted(v.items())} for k, v in users.items()}


def _shared_keys(ctx: CheckContext) -> list[Finding]:
    users = key_users(ctx)
    out = []
    for key in ctx.rows_or_empty("kms_keys"):
        if (key.get("key_manager") or "CUSTOMER") != "CUSTOMER":
            continue
        by_env = users.get(key["arn"], {})
        shared = all(by_env.get(env) for env in SEGREGATED)
        evidence: dict[str, Any] = {"used_by": {env: arns[:20] for env, arns in by_env.items()}}
        if shared:
            evidence["edges"] = [{"source": arn, "target": key["arn"], "via": "encrypts with"}
                                 for arn in by_env["synthetic"][:20]]
        out.append(ctx.finding("KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", key, "FAIL" if shared else "PASS",
                               evidence=evidence))
    return out


CHECKS: tuple[Check, ...] = (
    Check("KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", FAMILY,
          ("kms_keys", "kms_aliases") + tuple(dict.fromkeys(k for k, _ in KEY_REFERENCES)), _shared_keys),
    StoreReach("KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", FAMILY, KMS_DECRYPT, in_environments("production")).as_check(),
)
