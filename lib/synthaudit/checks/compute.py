"""Compute: synthetic-environment roles reaching production data, Glue connections into
production databases, and SageMaker notebook / training job posture."""
from __future__ import annotations

import ipaddress
from typing import Any

from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.reach import ComputeReach
from synthaudit.checks.rows import RowRule, every_row, fail_if, unknown

FAMILY = "compute"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _role(row: dict[str, Any]) -> list[str]:
    return [row["role_arn"]] if row.get("role_arn") else []


def _profile_roles(row: dict[str, Any]) -> list[str]:
    return list(row.get("role_arns") or [])


REACH = (
    ComputeReach("EC2_PROFILE_REACHES_PRODUCTION", FAMILY, ("iam_instance_profiles",), _profile_roles),
    ComputeReach("LAMBDA_ROLE_REACHES_PRODUCTION", FAMILY, ("lambda_functions",), _role),
    ComputeReach("GLUE_JOB_ROLE_REACHES_PRODUCTION", FAMILY, ("glue_jobs",), _role),
    ComputeReach("SAGEMAKER_ROLE_REACHES_PRODUCTION", FAMILY, ("sagemaker_notebooks", "sagemaker_training_jobs"), _role),
)


# --- Glue connections into production --------------------------------------------------
def production_endpoints(ctx: CheckContext) -> dict[str, str]:
    """Host name (lower case) -> ARN of the production database it belongs to."""
    hosts: dict[str, str] = {}
    for kind, columns in (("rds_clusters", ("endpoint", "reader_endpoint")), ("rds_instances", ("endpoint_address",))):
        for row in ctx.rows_or_empty(kind):
            if row.get("environment") == "production":
                for col in columns:
                    if row.get(col):
                        hosts.setdefault(str(row[col]).lower().rstrip("."), row["arn"])
    return hosts


def production_networks(ctx: CheckContext) -> list[tuple[ipaddress.IPv4Network, str]]:
    nets = []
    for row in ctx.rows_or_empty("ec2_vpcs"):
        if row.get("environment") == "production":
            for cidr in row.get("cidr_blocks") or [row.get("cidr_block")]:
                if cidr:
                    nets.append((ipaddress.ip_network(cidr, strict=False), row["arn"]))
    return nets


def _host_of(row: dict[str, Any]) -> str | None:
    if row.get("host"):
        return str(row["host"]).lower().rstrip(".")
    url = row.get("jdbc_url") or ""
    if "//" in url:
        rest = url.split("//", 1)[1]
        return rest.split("/", 1)[0].split(";", 1)[0].rsplit(":", 1)[0].lower() or None
    return None


def _glue_connections(ctx: CheckContext) -> list[Finding]:
    hosts = production_endpoints(ctx)
    nets = production_networks(ctx)
    out = []
    for row in ctx.rows_or_empty("glue_connections"):
        if row.get("environment") == "production":
            continue
        host = _host_of(row)
        target = hosts.get(host or "")
        if host and target is None:
            try:
                address = ipaddress.ip_address(host)
                target = next((arn for net, arn in nets if address in net), None)
            except ValueError:
                pass
        evidence: dict[str, Any] = {"host": host, "port": row.get("port"), "connection_type": row.get("connection_type")}
        if target:
            evidence["production_target"] = target
            evidence["edges"] = [{"source": row["arn"], "target": target, "via": f"JDBC {host}:{row.get('port')}"}]
        out.append(ctx.finding("GLUE_CONNECTION_TO_PRODUCTION", row, "FAIL" if target else "PASS", evidence=evidence))
    return out


GLUE_CONNECTION = Check("GLUE_CONNECTION_TO_PRODUCTION", FAMILY,
                        ("glue_connections", "rds_clusters", "rds_instances", "ec2_vpcs"), _glue_connections)


# --- SageMaker posture -------------------------------------------------------------------
def _setting_is(column: str, bad: str):
    """FAIL when ``column`` equals ``bad``; NOT_ASSESSED when the service did not report it."""
    def decide(ctx: CheckContext, row: dict[str, Any]):
        value = row.get(column)
        if value is None:
            return unknown(f"{column} not reported for this notebook")
        return fail_if(str(value).lower() == bad.lower(), {column: value})
    return decide


def _no_kms(ctx: CheckContext, row: dict[str, Any]):
    return fail_if(not row.get("kms_key_id"), {"kms_key_id": row.get("kms_key_id")})


def _bucket_of(uri: str | None) -> str | None:
    if not uri or not uri.startswith("s3://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def _training_output(ctx: CheckContext, row: dict[str, Any]):
    if row.get("output_kms_key_id"):
        return fail_if(False, {"output_kms_key_id": row["output_kms_key_id"]})
    bucket_name = _bucket_of(row.get("output_s3_path"))
    buckets = {b["name"]: b for b in ctx.rows_or_empty("s3_buckets")}
    bucket = buckets.get(bucket_name or "")
    evidence = {"output_s3_path": row.get("output_s3_path"), "output_kms_key_id": None}
    if bucket is None:
        return unknown(f"output bucket {bucket_name!r} is not in the snapshot", evidence)
    evidence["bucket_sse_algorithm"] = bucket.get("sse_algorithm")
    return fail_if(bucket.get("sse_algorithm") not in KMS_ALGORITHMS, evidence)


ROW_RULES = (
    RowRule("SAGEMAKER_NOTEBOOK_NO_KMS", FAMILY, ("sagemaker_notebooks",), every_row, _no_kms),
    RowRule("SAGEMAKER_NOTEBOOK_DIRECT_INTERNET", FAMILY, ("sagemaker_notebooks",), every_row,
            _setting_is("direct_internet_access", "Enabled")),
    RowRule("SAGEMAKER_NOTEBOOK_ROOT_ACCESS", FAMILY, ("sagemaker_notebooks",), every_row,
            _setting_is("root_access", "Enabled")),
    RowRule("SAGEMAKER_TRAINING_UNENCRYPTED_OUTPUT", FAMILY, ("sagemaker_training_jobs",), every_row,
            _training_output, extra_tables=("s3_buckets",)),
)

CHECKS: tuple[Check, ...] = (
    *(spec.as_check() for spec in REACH + ROW_RULES),
    GLUE_CONNECTION,
)
