"""KMS: keys used by both worlds, synthetic principals that can decrypt with production
keys, and production Glue Data Catalogs not encrypted with KMS."""
from __future__ import annotations

from typing import Any

from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.keys import key_resolver
from synthaudit.checks.reach import KMS_DECRYPT, StoreReach
from synthaudit.checks.rows import RowRule, fail_if, in_environments, unknown

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
    resolver = key_resolver(ctx)
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


# --- Glue Data Catalog encryption ---------------------------------------------------------
KMS_CATALOG_MODES = ("SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE")


def _production_catalog(ctx: CheckContext, row: dict[str, Any]) -> bool:
    """A catalog of a production account, or one that holds a production database or table."""
    if row.get("environment") == "production":
        return True
    return any(r["account"] == row["account"] and r["region"] == row["region"] and r.get("environment") == "production"
               for kind in ("glue_databases", "glue_tables") for r in ctx.rows_or_empty(kind))


def _catalog_encryption(ctx: CheckContext, row: dict[str, Any]):
    evidence = {k: row.get(k) for k in ("encryption_at_rest", "encryption_kms_key_id", "connection_password_encrypted",
                                        "connection_password_kms_key_id")}
    if row.get("encryption_at_rest") is None:
        return unknown(f"encryption settings not read: {row.get('settings_error') or 'not reported'}", evidence)
    missing = []
    if row.get("encryption_at_rest") not in KMS_CATALOG_MODES:
        missing.append("metadata encryption at rest with a KMS key")
    if row.get("connection_password_encrypted") is not True:
        missing.append("connection password encryption")
    return fail_if(bool(missing), {**evidence, "missing": missing})


CATALOG_RULE = RowRule("GLUE_CATALOG_NOT_ENCRYPTED", FAMILY, ("glue_catalogs",), _production_catalog,
                       _catalog_encryption, extra_tables=("glue_databases", "glue_tables"))

CHECKS: tuple[Check, ...] = (
    CATALOG_RULE.as_check(),
    Check("KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", FAMILY,
          ("kms_keys", "kms_aliases") + tuple(dict.fromkeys(k for k, _ in KEY_REFERENCES)), _shared_keys),
    StoreReach("KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", FAMILY, KMS_DECRYPT, in_environments("production")).as_check(),
)
