"""The run's combined findings in the forms other tools read.

``findings.json`` / ``findings.csv`` are the kit's own record (stable ids from
synthaudit.findings). ``findings.ocsf.json`` is a list of OCSF Detection Findings
(class 2004) for a SIEM, ``findings.asff.json`` a list of AWS Security Finding
Format records for ``securityhub batch-import-findings``. Both validate against
the schemas in ``evidence/schemas``. Timestamps come from the run folder's name,
so the same run exports the same bytes every time.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

from synthaudit import arn as aws_arn
from synthaudit import findings as findings_mod
from synthaudit.findings import Finding

OCSF_VERSION = "1.5.0"
ASFF_SCHEMA_VERSION = "2018-10-08"
EXPORT_NAMES = ("findings.json", "findings.csv", "findings.ocsf.json", "findings.asff.json")
RUN_NAME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})Z_")

OCSF_SEVERITY = {"info": (1, "Informational"), "low": (2, "Low"), "medium": (3, "Medium"),
                 "high": (4, "High"), "critical": (5, "Critical")}
# status_id: 1 New, 3 Suppressed, 4 Resolved, 99 Other (OCSF Findings status enum).
OCSF_STATUS = {"FAIL": (1, "New"), "EXCEPTED": (3, "Suppressed"), "PASS": (4, "Resolved"),
               "NOT_ASSESSED": (99, "Not assessed")}
ASFF_SEVERITY = {"info": "INFORMATIONAL", "low": "LOW", "medium": "MEDIUM", "high": "HIGH", "critical": "CRITICAL"}
ASFF_COMPLIANCE = {"FAIL": "FAILED", "EXCEPTED": "FAILED", "PASS": "PASSED", "NOT_ASSESSED": "NOT_AVAILABLE"}
ASFF_WORKFLOW = {"FAIL": "NEW", "EXCEPTED": "SUPPRESSED", "PASS": "RESOLVED", "NOT_ASSESSED": "NEW"}
ASFF_TYPES = {
    "cloudtrail": "Unusual Behaviors/User",
    "leak": "Sensitive Data Identifications/PII",
}
ASFF_DEFAULT_TYPE = "Software and Configuration Checks/Industry and Regulatory Standards/HIPAA Controls"
# (service, resource-type prefix) -> ASFF resource type; anything else is "Other".
ASFF_RESOURCE_TYPES = (
    ("s3", "", "AwsS3Bucket"), ("iam", "role/", "AwsIamRole"), ("iam", "user/", "AwsIamUser"),
    ("iam", "policy/", "AwsIamPolicy"), ("iam", "group/", "AwsIamGroup"), ("kms", "key/", "AwsKmsKey"),
    ("ec2", "instance/", "AwsEc2Instance"), ("ec2", "volume/", "AwsEc2Volume"),
    ("ec2", "security-group/", "AwsEc2SecurityGroup"), ("ec2", "vpc/", "AwsEc2Vpc"),
    ("ec2", "subnet/", "AwsEc2Subnet"), ("ec2", "vpc-peering-connection/", "AwsEc2VpcPeeringConnection"),
    ("ec2", "vpc-endpoint/", "AwsEc2VpcEndpointService"), ("lambda", "function:", "AwsLambdaFunction"),
    ("rds", "db:", "AwsRdsDbInstance"), ("rds", "cluster:", "AwsRdsDbCluster"),
    ("rds", "snapshot:", "AwsRdsDbSnapshot"), ("rds", "cluster-snapshot:", "AwsRdsDbClusterSnapshot"),
    ("cloudtrail", "trail/", "AwsCloudTrailTrail"), ("sagemaker", "notebook-instance/", "AwsSageMakerNotebookInstance"),
    ("states", "stateMachine:", "AwsStepFunctionStateMachine"), ("organizations", "account/", "AwsAccount"),
    ("sqs", "", "AwsSqsQueue"), ("sns", "", "AwsSnsTopic"),
)


@dataclass(frozen=True)
class ExportContext:
    """What the exports need beyond the findings: when, which kit, whose accounts."""

    generated_at: dt.datetime
    kit_version: str
    account_names: Mapping[str, str]
    default_account: str
    default_region: str

    @property
    def epoch_ms(self) -> int:
        return int(self.generated_at.timestamp() * 1000)

    @property
    def iso(self) -> str:
        return self.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_time(run_dir: Path) -> dt.datetime | None:
    """The run's start time, from its folder name ``YYYY-MM-DDTHHMMZ_label``."""
    match = RUN_NAME_RE.match(Path(run_dir).name)
    if not match:
        return None
    day, hour, minute = match.groups()
    return dt.datetime.fromisoformat(f"{day}T{hour}:{minute}:00+00:00")


def kit_version() -> str:
    try:
        return metadata.version("synthaudit")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def context_for(run_dir: Path, params: Any = None) -> ExportContext:
    when = run_time(run_dir) or dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    names: dict[str, str] = {}
    default_account, default_region = "000000000000", "us-east-1"
    if params is not None:
        names = {a.id: a.name for a in params.accounts}
        default_account = params.management_account or (params.accounts[0].id if params.accounts else default_account)
        default_region = params.aws.regions[0]
    return ExportContext(when, kit_version(), names, default_account, default_region)


def _account_of(f: Finding, ctx: ExportContext) -> str:
    if f.account and re.fullmatch(r"\d{12}", f.account):
        return f.account
    parsed = aws_arn.parse(f.resource)
    if parsed and re.fullmatch(r"\d{12}", parsed.account):
        return parsed.account
    return ctx.default_account


def _region_of(f: Finding, ctx: ExportContext) -> str:
    """The finding's region; for a global resource (IAM, S3 bucket names, Organizations) the run's
    home region (the first of aws.regions), never "global"."""
    if f.region and f.region != "global":
        return f.region
    parsed = aws_arn.parse(f.resource)
    return parsed.region if parsed and parsed.region else ctx.default_region


def asff_resource_type(resource: str) -> str:
    parsed = aws_arn.parse(resource)
    if not parsed:
        return "Other"
    for svc, prefix, kind in ASFF_RESOURCE_TYPES:
        if svc == parsed.service and parsed.resource.startswith(prefix):
            return kind
    return "Other"


def _description(f: Finding) -> str:
    text = f"{f.title} ({f.check_id}) on {f.resource}: {f.status}."
    if f.reason:
        text += f" Reason: {f.reason}."
    if f.exception:
        text += f" {_exception_text(f.exception)}."
    return text[:1024]


def _exception_text(exception: Mapping[str, Any]) -> str:
    """An accepted risk (owner, expiry) or a built-in rule of the kit's (``kind: rule``)."""
    if exception.get("kind") == "rule":
        return f"Handled by rule {exception.get('id')}: {exception.get('reason')}"
    return f"Accepted risk {exception.get('id')} by {exception.get('owner')} until {exception.get('expires')}"


def to_ocsf(f: Finding, ctx: ExportContext) -> dict[str, Any]:
    severity_id, severity = OCSF_SEVERITY[f.severity]
    status_id, status = OCSF_STATUS[f.status]
    account = _account_of(f, ctx)
    region = _region_of(f, ctx)
    parsed = aws_arn.parse(f.resource)
    resource: dict[str, Any] = {
        "uid": f.resource, "type": asff_resource_type(f.resource), "region": region,
        "cloud_partition": parsed.partition if parsed else "aws",
        "labels": [f"environment:{f.environment or 'unknown'}"],
    }
    event: dict[str, Any] = {
        "activity_id": 1, "activity_name": "Create",
        "category_uid": 2, "category_name": "Findings",
        "class_uid": 2004, "class_name": "Detection Finding",
        "type_uid": 200401, "type_name": "Detection Finding: Create",
        "time": ctx.epoch_ms, "time_dt": ctx.iso,
        "severity_id": severity_id, "severity": severity,
        "status_id": status_id, "status": status, "status_code": f.status,
        "message": f.title,
        "finding_info": {
            "uid": f.id, "title": f.title, "desc": _description(f), "types": [f.check_id],
            "created_time": ctx.epoch_ms, "created_time_dt": ctx.iso,
        },
        "metadata": {
            "version": OCSF_VERSION, "uid": f.id, "event_code": f.check_id,
            "product": {"name": "synthaudit", "vendor_name": "synthaudit", "version": ctx.kit_version},
            "labels": list(f.controls),
        },
        "cloud": {
            "provider": "AWS", "region": region,
            "account": {"uid": account, "name": ctx.account_names.get(account, account),
                        "type_id": 10, "type": "AWS Account"},
        },
        "resources": [resource],
        "unmapped": {
            "phase": f.phase, "environment": f.environment, "controls": list(f.controls),
            "evidence": f.evidence, "exception": f.exception, "discriminator": f.discriminator,
        },
    }
    if f.reason:
        event["status_detail"] = f.reason
    elif f.exception:
        event["status_detail"] = f"accepted risk {f.exception.get('id')}: {f.exception.get('reason')}"
    if f.remediation:
        event["remediation"] = {"desc": f.remediation}
    return event


def to_asff(f: Finding, ctx: ExportContext) -> dict[str, Any]:
    account = _account_of(f, ctx)
    region = _region_of(f, ctx)
    parsed = aws_arn.parse(f.resource)
    record: dict[str, Any] = {
        "SchemaVersion": ASFF_SCHEMA_VERSION,
        "Id": f"synthaudit/{f.id}",
        "ProductArn": aws_arn.build("securityhub", region, account, f"product/{account}/default"),
        "ProductName": "synthaudit",
        "CompanyName": "synthaudit",
        "GeneratorId": f"synthaudit/{f.check_id}",
        "AwsAccountId": account,
        "Types": [ASFF_TYPES.get(f.phase, ASFF_DEFAULT_TYPE)],
        "CreatedAt": ctx.iso, "UpdatedAt": ctx.iso,
        "Severity": {"Label": ASFF_SEVERITY[f.severity], "Original": f.severity},
        # what the provider says (Security Hub keeps these apart from later customer updates)
        "FindingProviderFields": {"Severity": {"Label": ASFF_SEVERITY[f.severity], "Original": f.severity},
                                  "Types": [ASFF_TYPES.get(f.phase, ASFF_DEFAULT_TYPE)]},
        "Title": f.title[:256],
        "Description": _description(f),
        "Resources": [{
            "Type": asff_resource_type(f.resource), "Id": f.resource,
            "Partition": parsed.partition if parsed else "aws", "Region": region,
        }],
        "Compliance": {"Status": ASFF_COMPLIANCE[f.status]},
        "Workflow": {"Status": ASFF_WORKFLOW[f.status]},
        "RecordState": "ACTIVE",
        "ProductFields": {
            "synthaudit/check_id": f.check_id, "synthaudit/phase": f.phase,
            "synthaudit/status": f.status, "synthaudit/environment": f.environment or "unknown",
        },
    }
    if f.controls:
        record["Compliance"]["RelatedRequirements"] = list(f.controls)[:32]
    if f.remediation:
        record["Remediation"] = {"Recommendation": {"Text": f.remediation[:512]}}
    if f.exception:
        record["Note"] = {
            "Text": _exception_text(f.exception)[:512],
            "UpdatedBy": str(f.exception.get("owner") or "unknown")[:512],
            "UpdatedAt": ctx.iso,
        }
    return record


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"


def render_exports(findings: Iterable[Finding], ctx: ExportContext) -> dict[str, str]:
    """File name -> text of every export; deterministic for the same findings and context."""
    ordered = findings_mod.sort_findings(findings)
    return {
        "findings.json": findings_mod.dumps(ordered),
        "findings.csv": findings_mod.to_csv(ordered),
        "findings.ocsf.json": _dump([to_ocsf(f, ctx) for f in ordered]),
        "findings.asff.json": _dump([to_asff(f, ctx) for f in ordered]),
    }


def write_exports(run_dir: Path, findings: Iterable[Finding], params: Any = None,
                  ctx: ExportContext | None = None) -> dict[str, Path]:
    """Write the four exports into the run folder; returns name -> path."""
    run_dir = Path(run_dir)
    ctx = ctx or context_for(run_dir, params)
    written: dict[str, Path] = {}
    for name, text in render_exports(findings, ctx).items():
        path = run_dir / name
        path.write_text(text)
        written[name] = path
    return written
