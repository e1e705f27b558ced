"""Every segregation check on small snapshot fixtures: a failing and a passing case for
each (a table of cases, not copies), plus missing-data cases for every registered check."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from synthaudit.checks import checks, run_all
from synthaudit.inventory.schema import TABLES

from .builders import (PARAMS, PARTNER, PROD, REGION, SHARED, SYNTH, FakeStore, bucket, ec2, key, key_arn, rds, role,
                      role_arn, row, sg_rule, trail, write)

PB = "arn:aws:s3:::phi-claims"                       # a production bucket
SYN_ROLE = role_arn("synth-generator")
PROFILE = f"arn:aws:iam::{SYNTH}:instance-profile/synth-generator"
LAMBDA = f"arn:aws:lambda:{REGION}:{SYNTH}:function:synth-transform"
NOTEBOOK = f"arn:aws:sagemaker:{REGION}:{SYNTH}:notebook-instance/synth-nb"
JOB = f"arn:aws:sagemaker:{REGION}:{SYNTH}:training-job/synth-train"
GLUE_JOB = f"arn:aws:glue:{REGION}:{SYNTH}:job/synth-etl"
GLUE_CONN = f"arn:aws:glue:{REGION}:{SYNTH}:connection/claims-jdbc"
SFN = f"arn:aws:states:{REGION}:{SYNTH}:stateMachine:synth-pipeline"
PROD_TABLE = f"arn:aws:glue:{REGION}:{PROD}:table/claims/members"
ORG = "arn:aws:organizations::100000000001:account/o-test/"
OUTSIDER = "310000000009"  # an organisation member that params do not list


def _grant(principal, condition=None, action="s3:GetObject") -> dict:
    stmt = {"Sid": "Grant", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": f"{PB}/*"}
    if condition:
        stmt["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [stmt]}


def _allow(principal, action: str, resource: str, condition=None) -> dict:
    """A one-statement resource policy (Glue catalog, SQS queue, SNS topic)."""
    return {"Version": "2012-10-17", "Statement": [{"Sid": "Grant", "Effect": "Allow", "Principal": principal,
                                                    "Action": action, "Resource": resource,
                                                    **({"Condition": condition} if condition else {})}]}


AMI = f"arn:aws:ec2:{REGION}::image/ami-1"   # as AWS writes an AMI's ARN: no account (the row's is the owner)
CATALOG = f"arn:aws:glue:{REGION}:{PROD}:catalog"
QUEUE = f"arn:aws:sqs:{REGION}:{PROD}:claims-events"
TOPIC = f"arn:aws:sns:{REGION}:{PROD}:claims-ready"
OUR_ORG = "arn:aws:organizations::100000000001:organization/o-test"
OTHER_OU = "arn:aws:organizations::123412341234:ou/o-partner/ou-ab12-cdef3456"


def ami(**cols: Any):
    return row("ec2_images", AMI, PROD, "ami-1", image_id="ami-1", **{"public": False, **cols})


def queue(**cols: Any):
    return row("sqs_queues", QUEUE, PROD, "claims-events", **{"detail_errors": {}, **cols})


def topic(**cols: Any):
    return row("sns_topics", TOPIC, PROD, "claims-ready", **{"detail_errors": {}, **cols})


def _objects(prefix: str, *tags: dict) -> dict:
    """One prefix of a bucket's object-tag sample (the inventory's object_tag_sample shape)."""
    return {"prefix": prefix, "objects": len(tags), "tags": list(tags)}


@dataclass
class Case:
    check: str
    label: str
    rows: list
    expect: dict[str, str]                     # resource -> status
    grants: list = field(default_factory=list)  # FakeStore grants
    denies: list = field(default_factory=list)  # FakeStore explicit denies
    severity: dict = field(default_factory=dict)  # resource -> the severity its finding must carry
    evidence: dict = field(default_factory=dict)  # resource -> items its finding's evidence must hold

    @property
    def id(self) -> str:
        return f"{self.check}-{self.label}"


def synth_role(name: str = "synth-generator", **cols: Any):
    return role(name, **cols)


def prod_sg(group_id: str = "sg-db", vpc: str = "vpc-prod"):
    return ec2("ec2_security_groups", "security-group", group_id, PROD, group_id=group_id, vpc_id=vpc)


def vpc(vpc_id: str, account: str, cidr: str):
    return ec2("ec2_vpcs", "vpc", vpc_id, account, vpc_id=vpc_id, cidr_block=cidr, cidr_blocks=[cidr])


def subnet(subnet_id: str, vpc_id: str, account: str, cidr: str):
    return ec2("ec2_subnets", "subnet", subnet_id, account, subnet_id=subnet_id, vpc_id=vpc_id, cidr_block=cidr)


NETWORKS = [vpc("vpc-prod", PROD, "10.0.0.0/16"), subnet("subnet-prod-a", "vpc-prod", PROD, "10.0.1.0/24"),
            vpc("vpc-synth", SYNTH, "10.1.0.0/16"), subnet("subnet-synth-a", "vpc-synth", SYNTH, "10.1.1.0/24")]
NOTEBOOK_OK = dict(notebook_name="synth-nb", role_arn=SYN_ROLE, kms_key_id="k1", direct_internet_access="Disabled",
                   root_access="Disabled")
LINEAGE = {"SourceDataset": "claims", "Generator": "ctgan", "GeneratorRun": "r1"}


def notebook(**cols: Any):
    return row("sagemaker_notebooks", NOTEBOOK, SYNTH, "synth-nb", **{**NOTEBOOK_OK, **cols})


def state_machine(definition: dict, **cols: Any):
    return row("stepfunctions_state_machines", SFN, SYNTH, "synth-pipeline",
               **{"definition": definition, "tracing_enabled": True, **cols})


def scp(content: dict, targets: list[str]):
    return row("org_policies", "arn:aws:organizations::100000000001:policy/o-test/service_control_policy/p-1",
               "100000000001", "fence", region="global", type="SERVICE_CONTROL_POLICY", content=content, targets=targets)


def ebs(rtype: str, ident: str, account: str) -> str:
    return f"arn:aws:ec2:{REGION}:{account}:{rtype}/{ident}"


# production snapshot -> copy in the shared account -> copy in the synthetic account -> volume there
LINEAGE_CHAIN = [
    ec2("ec2_volumes", "volume", "vol-p", PROD, volume_id="vol-p"),
    ec2("ec2_snapshots", "snapshot", "snap-p", PROD, snapshot_id="snap-p", volume_id="vol-p"),
    ec2("ec2_snapshots", "snapshot", "snap-c1", SHARED, snapshot_id="snap-c1", volume_id="vol-ffffffff",
        source_snapshot_id="snap-p", source_region=REGION),
    ec2("ec2_snapshots", "snapshot", "snap-c2", SYNTH, snapshot_id="snap-c2", volume_id="vol-ffffffff",
        source_snapshot_id="snap-c1", source_region=REGION),
    ec2("ec2_volumes", "volume", "vol-9", SYNTH, volume_id="vol-9", snapshot_id="snap-c2"),
]
# the twin: the same shape, from a synthetic volume
SYNTHETIC_CHAIN = [
    ec2("ec2_volumes", "volume", "vol-s", SYNTH, volume_id="vol-s"),
    ec2("ec2_snapshots", "snapshot", "snap-s", SYNTH, snapshot_id="snap-s", volume_id="vol-s"),
    ec2("ec2_snapshots", "snapshot", "snap-s1", SHARED, snapshot_id="snap-s1", source_snapshot_id="snap-s"),
    ec2("ec2_snapshots", "snapshot", "snap-s2", SYNTH, snapshot_id="snap-s2", source_snapshot_id="snap-s1"),
    ec2("ec2_volumes", "volume", "vol-s9", SYNTH, volume_id="vol-s9", snapshot_id="snap-s2"),
]
SYNTH_A, SYNTH_B, PROD_B = "310000000005", "310000000006", "210000000007"
OU_ARN = "arn:aws:organizations::100000000001:ou/o-test/"


def _org_account(account: str, env: str, ous: list[str]):
    return row("org_accounts", ORG + account, account, account, environment=env, region="global", account_id=account,
               parent_id=ous[-1], ou_ids=ous, in_params=False, in_organization=True)


def _ou(ou_id: str, parent: str, env: str):
    return row("org_units", OU_ARN + ou_id, "100000000001", ou_id, environment=env, region="global", ou_id=ou_id,
               parent_id=parent)


# Workloads holds production and synthetic accounts; its Synthetic OU only synthetic ones (one nested deeper)
OU_TREE = [_ou("ou-work", "r-root", "shared"), _ou("ou-synth", "ou-work", "synthetic"),
           _ou("ou-trials", "ou-synth", "synthetic"), _ou("ou-prod", "ou-work", "production"),
           _org_account(SYNTH_A, "synthetic", ["ou-work", "ou-synth"]),
           _org_account(SYNTH_B, "synthetic", ["ou-work", "ou-synth", "ou-trials"]),
           _org_account(PROD_B, "production", ["ou-work", "ou-prod"])]
def catalog(account: str = PROD, **cols: Any):
    settings = dict(catalog_id=account, encryption_at_rest="SSE-KMS", encryption_kms_key_id=key_arn("cat", account),
                    connection_password_encrypted=True, connection_password_kms_key_id=key_arn("cat", account))
    return row("glue_catalogs", f"arn:aws:glue:{REGION}:{account}:catalog", account, f"catalog {account}",
               **{**settings, **cols})


# two synthetic VPCs peered, the route sending the peer's whole /16 where one /24 subnet is needed
SAME_ENV_PEERING = NETWORKS + [
    vpc("vpc-synth2", SYNTH, "10.2.0.0/16"), subnet("subnet-synth2-a", "vpc-synth2", SYNTH, "10.2.1.0/24"),
    ec2("ec2_vpc_peering", "vpc-peering-connection", "pcx-2", SYNTH, peering_id="pcx-2", requester_account=SYNTH,
        requester_vpc_id="vpc-synth", accepter_account=SYNTH, accepter_vpc_id="vpc-synth2"),
    ec2("ec2_routes", "route-table", "rtb-s", SYNTH, route_table_id="rtb-s", vpc_id="vpc-synth",
        destination="10.2.0.0/16", target_type="vpc_peering", target_id="pcx-2")]
FENCE = {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringEquals": {"aws:ResourceAccount": [PROD]}}}]}
NO_FENCE = {"Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}
CLASSIFIED = {"StartAt": "ClassifyInput", "States": {
    "ClassifyInput": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Transform"},
    "Transform": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": True}}}
UNCLASSIFIED = {"StartAt": "Extract", "States": {
    "Extract": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "Next": "Publish"},
    "Publish": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}}}
CLASSIFIED_BEFORE_RELEASE = {"StartAt": "Extract", "States": {
    "Extract": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "Next": "Check"},
    "Check": {"Type": "Parallel", "Next": "Gate", "Branches": [{"StartAt": "PhiScan", "States": {
        "PhiScan": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "phi-scan-v2"}, "End": True}}}]},
    "Gate": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Publish"}],
             "Default": "Reject"},
    "Reject": {"Type": "Fail"},
    "Publish": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}}}
CHOICE_BYPASS = {"StartAt": "Route", "States": {
    "Route": {"Type": "Choice", "Choices": [{"Variable": "$.fast", "BooleanEquals": True, "Next": "Transform"}],
              "Default": "ValidatePHI"},
    "ValidatePHI": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Transform"},
    "Transform": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": True}}}
DELEGATING = {"Statement": [{"Sid": "NamedReaders", "Effect": "Allow", "Principal": {"AWS": [SYN_ROLE]},
                             "Action": ["s3:GetObject"], "Resource": f"{PB}/*"}]}
S3_SELECTOR = [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::phi-claims/"]}]}]
LAMBDA_ADVANCED = [{"Name": "fn", "FieldSelectors": [
    {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]}]

CASES = [
    # --- S3 -----------------------------------------------------------------------------
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "synthetic-role-reads", [bucket("phi-claims"), synth_role()],
         {PB: "FAIL"}, grants=[(SYN_ROLE, "s3:GetObject", "arn:aws:s3:::phi-claims/*")]),
    # data paths: SSE-KMS objects need kms:Decrypt on the bucket's key too
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "sse-kms-read-without-decrypt-is-partial",
         [key("k-phi-claims"), bucket("phi-claims"), synth_role()], {PB: "FAIL"},
         grants=[(SYN_ROLE, "s3:GetObject", f"{PB}/*")], severity={PB: "high"},
         evidence={PB: {"reach": "partial", "missing": f"kms:Decrypt on {key_arn('k-phi-claims')}"}}),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "sse-kms-read-with-decrypt-is-full",
         [key("k-phi-claims"), bucket("phi-claims"), synth_role()], {PB: "FAIL"},
         grants=[(SYN_ROLE, "s3:GetObject", f"{PB}/*"), (SYN_ROLE, "kms:Decrypt", key_arn("k-phi-claims"))],
         severity={PB: "critical"}),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "sse-kms-key-by-alias-without-decrypt",
         [key("k1"), row("kms_aliases", f"arn:aws:kms:{REGION}:{PROD}:alias/phi", PROD, "alias/phi",
                         target_key_arn=key_arn("k1")),
          bucket("phi-claims", kms_key_id="alias/phi"), synth_role()], {PB: "FAIL"},
         grants=[(SYN_ROLE, "s3:*", f"{PB}/*")], severity={PB: "high"},
         evidence={PB: {"missing": [f"kms:Decrypt on {key_arn('k1')}", f"kms:GenerateDataKey on {key_arn('k1')}"]}}),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "sse-s3-needs-no-key",
         [bucket("phi-claims", sse_algorithm="AES256", kms_key_id=None), synth_role()], {PB: "FAIL"},
         grants=[(SYN_ROLE, "s3:GetObject", f"{PB}/*")], severity={PB: "critical"}),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "key-outside-snapshot-is-undecided-not-missing",
         [bucket("phi-claims"), synth_role()], {PB: "FAIL"},
         grants=[(SYN_ROLE, "s3:GetObject", f"{PB}/*")], severity={PB: "critical"}),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "no-grant", [bucket("phi-claims"), synth_role()], {PB: "PASS"},
         grants=[(role_arn("prod-etl", PROD), "s3:GetObject", "*")]),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "delegated-by-bucket-policy",
         [bucket("phi-claims", policy=DELEGATING), synth_role()], {PB: "FAIL"}),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "delegation-fenced-by-explicit-deny",
         [bucket("phi-claims", policy=DELEGATING), synth_role()], {PB: "PASS"},
         denies=[(SYN_ROLE, "s3:*", "*")]),
    Case("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "own-account-root-is-not-delegation",
         [bucket("phi-claims", policy={"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"},
                                                      "Action": "s3:*", "Resource": f"{PB}/*"}]}),
          synth_role(), role("synth-imaging-sampler", PROD, env="synthetic")], {PB: "PASS"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "both-prefixes",
         [bucket("staging", SHARED, key_prefixes=["prod-extract/", "synthetic/"])], {"arn:aws:s3:::staging": "FAIL"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "conflicting-tags",
         [bucket("staging", SHARED, tags={"Environment": "synthetic", "DataClass": "phi"})], {"arn:aws:s3:::staging": "FAIL"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "one-world",
         [bucket("staging", SHARED, key_prefixes=["synthetic/", "synthetic-v2/"], key_sample=["synthetic/a.csv"])],
         {"arn:aws:s3:::staging": "PASS"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "keys-unreadable",
         [bucket("staging", SHARED, key_prefixes=["synthetic/"],
                 detail_errors={"ListObjectsV2": "access_denied: AccessDenied"})],
         {"arn:aws:s3:::staging": "NOT_ASSESSED"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "production-bucket-objects-tagged-synthetic",
         [bucket("phi-claims", tags={"Environment": "production"}, key_prefixes=["claims/"],
                 object_tag_sample=[_objects("claims/", {"DataClass": "phi"}, {"DataClass": "synthetic"})])],
         {PB: "FAIL"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "production-account-bucket-objects-tagged-synthetic",
         [bucket("claims-landing", key_prefixes=["2026/"],
                 object_tag_sample=[_objects("2026/", {"DataClass": "synthetic"})])],
         {"arn:aws:s3:::claims-landing": "FAIL"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "synthetic-bucket-objects-tagged-phi",
         [bucket("synth-out", SYNTH, key_prefixes=["cohorts/"],
                 object_tag_sample=[_objects("cohorts/", {"DataClass": "synthetic"}, {"DataClass": "phi"})])],
         {"arn:aws:s3:::synth-out": "FAIL"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "synthetic-named-file-in-production-folder",
         [bucket("phi-claims", key_prefixes=["production/", "claims/"],
                 key_sample=["production/synth_lookup.csv", "claims/synthetic-cohort-report.pdf"],
                 object_tag_sample=[_objects("claims/", {"DataClass": "phi"}),
                                    _objects("production/", {"DataClass": "phi"})])],
         {PB: "PASS"}),
    Case("S3_MIXED_ENVIRONMENT_DATA", "object-tags-unreadable",
         [bucket("phi-claims", key_prefixes=["claims/"], object_tag_sample=[_objects("claims/")],
                 detail_errors={"GetObjectTagging": "access_denied: AccessDenied"})],
         {PB: "NOT_ASSESSED"}),
    Case("S3_PRODUCTION_NO_SSE_KMS", "encryption-unreadable",
         [bucket("phi-claims", sse_algorithm=None, detail_errors={"GetBucketEncryption": "access_denied: AccessDenied"})],
         {PB: "NOT_ASSESSED"}),
    Case("S3_PRODUCTION_NO_SSE_KMS", "aes256", [bucket("phi-claims", sse_algorithm="AES256")], {PB: "FAIL"}),
    Case("S3_PRODUCTION_NO_SSE_KMS", "kms", [bucket("phi-claims")], {PB: "PASS"}),
    Case("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", "partial", [bucket("phi-claims", block_public_policy=False)], {PB: "FAIL"}),
    Case("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", "full", [bucket("phi-claims")], {PB: "PASS"}),
    Case("S3_PRODUCTION_PUBLIC_WRITE", "policy",
         [bucket("phi-claims", restrict_public_buckets=False, policy={"Statement": [
             {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{PB}/*"}]})], {PB: "FAIL"}),
    Case("S3_PRODUCTION_PUBLIC_WRITE", "acl", [bucket("phi-claims", ignore_public_acls=False, acl_public_write=True)],
         {PB: "FAIL"}),
    Case("S3_PRODUCTION_PUBLIC_WRITE", "org-bounded",
         [bucket("phi-claims", restrict_public_buckets=False, policy={"Statement": [
             {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": f"{PB}/*",
              "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-test"}}}]})], {PB: "PASS"}),
    # --- KMS ------------------------------------------------------------------------------
    Case("KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", "both-worlds",
         [key("k1"), bucket("phi-claims", kms_key_id=key_arn("k1")),
          bucket("synth-out", SYNTH, kms_key_id=key_arn("k1"))], {key_arn("k1"): "FAIL"}),
    Case("KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", "via-alias",
         [key("k1"), row("kms_aliases", f"arn:aws:kms:{REGION}:{PROD}:alias/phi", PROD, "alias/phi",
                         target_key_id="k1", target_key_arn=key_arn("k1")),
          bucket("phi-claims", kms_key_id="alias/phi"),
          ec2("ec2_volumes", "volume", "vol-1", SYNTH, volume_id="vol-1", kms_key_id=key_arn("k1"))],
         {key_arn("k1"): "FAIL"}),
    Case("KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", "one-world",
         [key("k1"), bucket("phi-claims", kms_key_id=key_arn("k1")), bucket("phi-img", kms_key_id="k1")],
         {key_arn("k1"): "PASS"}),
    Case("KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", "decrypt", [key("k1"), synth_role()], {key_arn("k1"): "FAIL"},
         grants=[(SYN_ROLE, "kms:Decrypt", key_arn("k1"))]),
    Case("KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", "no-decrypt", [key("k1"), synth_role()], {key_arn("k1"): "PASS"},
         grants=[(SYN_ROLE, "kms:Decrypt", key_arn("k2"))]),
    # --- external exposure ---------------------------------------------------------------------
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "partner-in-bucket-policy",
         [bucket("phi-claims", policy=_grant({"AWS": f"arn:aws:iam::{PARTNER}:role/acme-uploader"}))], {PB: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "unlisted-outside-account-in-bucket-policy",
         [bucket("phi-claims", policy=_grant({"AWS": "123412341234"}))], {PB: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "member-accounts-only",
         [bucket("phi-claims", policy=_grant({"AWS": [f"arn:aws:iam::{PROD}:root", SYN_ROLE]}))], {PB: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "star-bounded-to-the-organisation",
         [bucket("phi-claims", restrict_public_buckets=False,
                 policy=_grant("*", {"StringEquals": {"aws:PrincipalOrgID": "o-test"}}))], {PB: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "star-bounded-to-another-organisation",
         [bucket("phi-claims", restrict_public_buckets=False,
                 policy=_grant("*", {"StringEquals": {"aws:PrincipalOrgID": "o-partner"}}))], {PB: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "star-bounded-to-a-vpc-endpoint",
         [bucket("phi-claims", restrict_public_buckets=False,
                 policy=_grant("*", {"StringEquals": {"aws:SourceVpce": "vpce-1"}}))], {PB: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "star-with-a-negated-vpce-condition",
         [bucket("phi-claims", restrict_public_buckets=False,
                 policy=_grant("*", {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}))], {PB: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "star-with-a-non-bounding-condition",
         [bucket("phi-claims", restrict_public_buckets=False,
                 policy=_grant("*", {"Bool": {"aws:SecureTransport": "true"}}))], {PB: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "star-fenced-by-an-organisation-deny",
         [bucket("phi-claims", restrict_public_buckets=False, policy={"Statement": [
             *_grant("*")["Statement"],
             {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [PB, f"{PB}/*"],
              "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-test"}}}]})], {PB: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "star-neutralised-by-restrict-public-buckets",
         [bucket("phi-claims", policy=_grant("*"))], {PB: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "public-acl",
         [bucket("phi-claims", ignore_public_acls=False, acl_grants=[
             {"grantee": "http://acs.amazonaws.com/groups/global/AllUsers", "type": "Group", "permission": "READ"}])],
         {PB: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "policy-unparseable",
         [bucket("phi-claims", policy={"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]})],
         {PB: "NOT_ASSESSED"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "key-policy-admits-partner",
         [key("k1", policy=_grant({"AWS": f"arn:aws:iam::{PARTNER}:root"}, action="kms:Decrypt"))],
         {key_arn("k1"): "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "key-policy-own-account",
         [key("k1", policy=_grant({"AWS": f"arn:aws:iam::{PROD}:root"}, action="kms:*"))], {key_arn("k1"): "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ebs-snapshot-shared-outside",
         [ec2("ec2_snapshots", "snapshot", "snap-1", PROD, snapshot_id="snap-1", shared_with=[PARTNER], public=False)],
         {f"arn:aws:ec2:{REGION}:{PROD}:snapshot/snap-1": "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "rds-snapshot-shared-inside",
         [rds("rds_snapshots", "snapshot", "s", PROD, snapshot_id="s", shared_with=[SHARED], public=False)],
         {f"arn:aws:rds:{REGION}:{PROD}:snapshot:s": "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "lake-formation-grant-outside",
         [row("lakeformation_permissions", PROD_TABLE, PROD, f"{PARTNER} -> claims.members", principal=PARTNER,
              permissions=["SELECT"]),
          row("lakeformation_permissions", PROD_TABLE, PROD, "role -> claims.members",
              principal=role_arn("prod-etl", PROD), permissions=["SELECT"])], {PROD_TABLE: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "lake-formation-grant-inside",
         [row("lakeformation_permissions", PROD_TABLE, PROD, "role -> claims.members",
              principal=role_arn("prod-etl", PROD), permissions=["SELECT"])], {PROD_TABLE: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ebs-snapshot-shared-inside",
         [ec2("ec2_snapshots", "snapshot", "snap-1", PROD, snapshot_id="snap-1", shared_with=[SYNTH], public=False)],
         {f"arn:aws:ec2:{REGION}:{PROD}:snapshot/snap-1": "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ebs-snapshot-sharing-unread",
         [ec2("ec2_snapshots", "snapshot", "snap-1", PROD, snapshot_id="snap-1", shared_with=None, public=None)],
         {f"arn:aws:ec2:{REGION}:{PROD}:snapshot/snap-1": "NOT_ASSESSED"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "rds-snapshot-public",
         [rds("rds_snapshots", "snapshot", "s", PROD, snapshot_id="s", shared_with=[], public=True)],
         {f"arn:aws:rds:{REGION}:{PROD}:snapshot:s": "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "rds-cluster-snapshot-shared-outside",
         [rds("rds_cluster_snapshots", "cluster-snapshot", "c", PROD, snapshot_id="c", shared_with=[PARTNER]),
          rds("rds_cluster_snapshots", "cluster-snapshot", "d", PROD, snapshot_id="d", shared_with=[SHARED])],
         {f"arn:aws:rds:{REGION}:{PROD}:cluster-snapshot:c": "FAIL",
          f"arn:aws:rds:{REGION}:{PROD}:cluster-snapshot:d": "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "lambda-policy-outside-and-service",
         [row("lambda_functions", f"arn:aws:lambda:{REGION}:{PROD}:function:{n}", PROD, n, policy=_allow(
             p, "lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{PROD}:function:{n}"))
          for n, p in (("prod-a", {"AWS": PARTNER}), ("prod-b", {"Service": "s3.amazonaws.com"}))],
         {f"arn:aws:lambda:{REGION}:{PROD}:function:prod-a": "FAIL",
          f"arn:aws:lambda:{REGION}:{PROD}:function:prod-b": "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ami-launch-permission-outside",
         [ami(shared_with=[PARTNER])], {AMI: "FAIL"}, severity={AMI: "high"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ami-public", [ami(shared_with=[], public=True)], {AMI: "FAIL"},
         severity={AMI: "critical"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ami-shared-with-another-organisations-ou",
         [ami(shared_with=[OTHER_OU])], {AMI: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ami-shared-inside-the-organisation",
         [ami(shared_with=[OUR_ORG, SHARED])], {AMI: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "ami-launch-permission-unread", [ami(shared_with=None)], {AMI: "NOT_ASSESSED"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "glue-catalog-policy-admits-partner",
         [catalog(policy=_allow({"AWS": f"arn:aws:iam::{PARTNER}:root"}, "glue:GetTable*", f"{CATALOG}*"),
                  detail_errors={})], {CATALOG: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "glue-catalog-policy-admits-a-member",
         [catalog(policy=_allow({"AWS": f"arn:aws:iam::{SYNTH}:root"}, "glue:GetTable*", f"{CATALOG}*"),
                  detail_errors={})], {CATALOG: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "glue-catalog-without-policy", [catalog(policy=None, detail_errors={})],
         {CATALOG: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "glue-catalog-policy-unread",
         [catalog(policy=None, detail_errors={"glue:GetResourcePolicy": "access_denied: AccessDeniedException"})],
         {CATALOG: "NOT_ASSESSED"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "sqs-queue-open-to-everyone",
         [queue(policy=_allow("*", "sqs:ReceiveMessage", QUEUE))], {QUEUE: "FAIL"}, severity={QUEUE: "critical"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "sqs-queue-star-bounded-to-a-member-topic",
         [queue(policy=_allow("*", "sqs:SendMessage", QUEUE, {"ArnEquals": {"aws:SourceArn": TOPIC}}))],
         {QUEUE: "PASS"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "sqs-queue-attributes-unread",
         [queue(policy=None, detail_errors={"sqs:GetQueueAttributes claims-events": "access_denied: AccessDenied"})],
         {QUEUE: "NOT_ASSESSED"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "sns-topic-partner-may-subscribe",
         [topic(policy=_allow({"AWS": PARTNER}, "sns:Subscribe", TOPIC))], {TOPIC: "FAIL"}),
    Case("EXTERNAL_ACCESS_TO_RESOURCE", "sns-topic-default-policy",
         [topic(policy=_allow({"AWS": "*"}, "sns:Publish", TOPIC, {"StringEquals": {"AWS:SourceOwner": PROD}}))],
         {TOPIC: "PASS"}),
    # --- data copies -------------------------------------------------------------------------
    Case("SNAPSHOT_SHARED_WITH_SYNTHETIC", "rds-shared",
         [rds("rds_snapshots", "snapshot", "claims-snap", PROD, snapshot_id="claims-snap", shared_with=[SYNTH])],
         {f"arn:aws:rds:{REGION}:{PROD}:snapshot:claims-snap": "FAIL"}),
    Case("SNAPSHOT_SHARED_WITH_SYNTHETIC", "ebs-public",
         [ec2("ec2_snapshots", "snapshot", "snap-1", PROD, snapshot_id="snap-1", shared_with=[], public=True)],
         {f"arn:aws:ec2:{REGION}:{PROD}:snapshot/snap-1": "FAIL"}),
    Case("SNAPSHOT_SHARED_WITH_SYNTHETIC", "shared-with-backup",
         [rds("rds_cluster_snapshots", "cluster-snapshot", "c-snap", PROD, snapshot_id="c-snap", shared_with=[SHARED])],
         {f"arn:aws:rds:{REGION}:{PROD}:cluster-snapshot:c-snap": "PASS"}),
    Case("SNAPSHOT_SHARED_WITH_SYNTHETIC", "outside-account-is-external-exposure",
         [rds("rds_snapshots", "snapshot", "p-snap", PROD, snapshot_id="p-snap", shared_with=[PARTNER])],
         {f"arn:aws:rds:{REGION}:{PROD}:snapshot:p-snap": "PASS"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "ebs-volume",
         [ec2("ec2_snapshots", "snapshot", "snap-1", PROD, snapshot_id="snap-1"),
          ec2("ec2_volumes", "volume", "vol-1", SYNTH, volume_id="vol-1", snapshot_id="snap-1")],
         {f"arn:aws:ec2:{REGION}:{SYNTH}:volume/vol-1": "FAIL"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "rds-copy-by-arn",
         [rds("rds_snapshots", "snapshot", "copy", SYNTH, snapshot_id="copy",
              source_snapshot=f"arn:aws:rds:{REGION}:{PROD}:snapshot:claims-snap")],
         {f"arn:aws:rds:{REGION}:{SYNTH}:snapshot:copy": "FAIL"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "synthetic-source",
         [ec2("ec2_snapshots", "snapshot", "snap-2", SYNTH, snapshot_id="snap-2"),
          ec2("ec2_volumes", "volume", "vol-2", SYNTH, volume_id="vol-2", snapshot_id="snap-2"),
          ec2("ec2_volumes", "volume", "vol-3", SYNTH, volume_id="vol-3")],
         {f"arn:aws:ec2:{REGION}:{SYNTH}:volume/vol-2": "PASS", f"arn:aws:ec2:{REGION}:{SYNTH}:volume/vol-3": "PASS"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "unknown-source",
         [ec2("ec2_volumes", "volume", "vol-4", SYNTH, volume_id="vol-4", snapshot_id="snap-gone")],
         {f"arn:aws:ec2:{REGION}:{SYNTH}:volume/vol-4": "NOT_ASSESSED"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "copied-twice-across-accounts", LINEAGE_CHAIN,
         {ebs("volume", "vol-9", SYNTH): "FAIL", ebs("snapshot", "snap-c2", SYNTH): "FAIL"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "synthetic-origin-copied", SYNTHETIC_CHAIN,
         {ebs("volume", "vol-s9", SYNTH): "PASS", ebs("snapshot", "snap-s2", SYNTH): "PASS"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "copy-cycle",
         [ec2("ec2_snapshots", "snapshot", "snap-x", SYNTH, snapshot_id="snap-x", source_snapshot_id="snap-y"),
          ec2("ec2_snapshots", "snapshot", "snap-y", SYNTH, snapshot_id="snap-y", source_snapshot_id="snap-x"),
          ec2("ec2_volumes", "volume", "vol-x", SYNTH, volume_id="vol-x", snapshot_id="snap-x")],
         {ebs("volume", "vol-x", SYNTH): "PASS", ebs("snapshot", "snap-y", SYNTH): "PASS"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "copy-cycle-through-production",
         [ec2("ec2_snapshots", "snapshot", "snap-x", SYNTH, snapshot_id="snap-x", source_snapshot_id="snap-y"),
          ec2("ec2_snapshots", "snapshot", "snap-y", PROD, snapshot_id="snap-y", source_snapshot_id="snap-x")],
         {ebs("snapshot", "snap-x", SYNTH): "FAIL"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "instance-from-ami-of-production-snapshot",
         [ec2("ec2_snapshots", "snapshot", "snap-p", PROD, snapshot_id="snap-p"),
          ec2("ec2_images", "image", "ami-1", SHARED, image_id="ami-1", block_device_snapshot_ids=["snap-p"]),
          ec2("ec2_instances", "instance", "i-1", SYNTH, instance_id="i-1", image_id="ami-1", image_owner=SHARED)],
         {ebs("instance", "i-1", SYNTH): "FAIL"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "instance-from-public-image",
         [ec2("ec2_instances", "instance", "i-2", SYNTH, instance_id="i-2", image_id="ami-pub", image_owner="amazon"),
          ec2("ec2_instances", "instance", "i-3", SYNTH, instance_id="i-3", image_id="ami-gone")],
         {ebs("instance", "i-2", SYNTH): "PASS", ebs("instance", "i-3", SYNTH): "NOT_ASSESSED"}),
    Case("SYNTHETIC_RESTORED_FROM_PRODUCTION", "cluster-snapshot-copied-twice",
         [rds("rds_cluster_snapshots", "cluster-snapshot", "c0", PROD, snapshot_id="c0"),
          rds("rds_cluster_snapshots", "cluster-snapshot", "c1", SHARED, snapshot_id="c1",
              source_snapshot=f"arn:aws:rds:{REGION}:{PROD}:cluster-snapshot:c0"),
          rds("rds_cluster_snapshots", "cluster-snapshot", "c2", SYNTH, snapshot_id="c2",
              source_snapshot=f"arn:aws:rds:{REGION}:{SHARED}:cluster-snapshot:c1"),
          rds("rds_clusters", "cluster", "replica", SYNTH, db_cluster_id="replica",
              replication_source=f"arn:aws:rds:{REGION}:{PROD}:cluster:claims")],
         {f"arn:aws:rds:{REGION}:{SYNTH}:cluster-snapshot:c2": "FAIL",
          f"arn:aws:rds:{REGION}:{SYNTH}:cluster:replica": "FAIL"}),
    Case("PRODUCTION_SNAPSHOT_UNENCRYPTED", "plain",
         [ec2("ec2_snapshots", "snapshot", "snap-1", PROD, snapshot_id="snap-1", encrypted=False)],
         {f"arn:aws:ec2:{REGION}:{PROD}:snapshot/snap-1": "FAIL"}),
    Case("PRODUCTION_SNAPSHOT_UNENCRYPTED", "encrypted",
         [rds("rds_snapshots", "snapshot", "s", PROD, snapshot_id="s", encrypted=True)],
         {f"arn:aws:rds:{REGION}:{PROD}:snapshot:s": "PASS"}),
    Case("GLUE_CATALOG_NOT_ENCRYPTED", "disabled", [catalog(encryption_at_rest="DISABLED")], {f"arn:aws:glue:{REGION}:{PROD}:catalog": "FAIL"}),
    Case("GLUE_CATALOG_NOT_ENCRYPTED", "passwords-plain", [catalog(connection_password_encrypted=False)], {f"arn:aws:glue:{REGION}:{PROD}:catalog": "FAIL"}),
    Case("GLUE_CATALOG_NOT_ENCRYPTED", "kms-both", [catalog()], {f"arn:aws:glue:{REGION}:{PROD}:catalog": "PASS"}),
    Case("GLUE_CATALOG_NOT_ENCRYPTED", "settings-unreadable",
         [catalog(encryption_at_rest=None, settings_error="access denied: AccessDeniedException")],
         {f"arn:aws:glue:{REGION}:{PROD}:catalog": "NOT_ASSESSED"}),
    Case("GLUE_CATALOG_NOT_ENCRYPTED", "shared-account-catalog-holding-a-production-table",
         [catalog(SHARED, encryption_at_rest="DISABLED"), catalog(SYNTH, encryption_at_rest="DISABLED"),
          row("glue_tables", f"arn:aws:glue:{REGION}:{SHARED}:table/claims/members", SHARED, "members",
              environment="production", database_name="claims", table_name="members")],
         {f"arn:aws:glue:{REGION}:{SHARED}:catalog": "FAIL"}),
    # --- compute -------------------------------------------------------------------------------
    Case("EC2_PROFILE_REACHES_PRODUCTION", "rds-read",
         [row("iam_instance_profiles", PROFILE, SYNTH, "synth-generator", region="global", role_arns=[SYN_ROLE]),
          synth_role(), rds("rds_clusters", "cluster", "claims", PROD, db_cluster_id="claims")],
         {PROFILE: "FAIL"}, grants=[(SYN_ROLE, "rds-data:ExecuteStatement", f"arn:aws:rds:{REGION}:{PROD}:cluster:claims")]),
    Case("EC2_PROFILE_REACHES_PRODUCTION", "rds-db-connect-without-iam-auth-is-partial",
         [row("iam_instance_profiles", PROFILE, SYNTH, "synth-generator", region="global", role_arns=[SYN_ROLE]),
          synth_role(), rds("rds_clusters", "cluster", "claims", PROD, db_cluster_id="claims",
                            iam_database_authentication_enabled=False)],
         {PROFILE: "FAIL"}, grants=[(SYN_ROLE, "rds-db:connect", "*")], severity={PROFILE: "high"},
         evidence={PROFILE: {"missing": "IAM database authentication enabled on "
                                        f"arn:aws:rds:{REGION}:{PROD}:cluster:claims"}}),
    Case("EC2_PROFILE_REACHES_PRODUCTION", "rds-db-connect-with-iam-auth-is-full",
         [row("iam_instance_profiles", PROFILE, SYNTH, "synth-generator", region="global", role_arns=[SYN_ROLE]),
          synth_role(), rds("rds_clusters", "cluster", "claims", PROD, db_cluster_id="claims",
                            iam_database_authentication_enabled=True)],
         {PROFILE: "FAIL"}, grants=[(SYN_ROLE, "rds-db:connect", "*")], severity={PROFILE: "critical"}),
    Case("EC2_PROFILE_REACHES_PRODUCTION", "synthetic-only",
         [row("iam_instance_profiles", PROFILE, SYNTH, "synth-generator", region="global", role_arns=[SYN_ROLE]),
          synth_role(), rds("rds_clusters", "cluster", "claims", PROD, db_cluster_id="claims"), bucket("synth-out", SYNTH)],
         {PROFILE: "PASS"}, grants=[(SYN_ROLE, "s3:GetObject", "arn:aws:s3:::synth-out/*")]),
    Case("LAMBDA_ROLE_REACHES_PRODUCTION", "s3-read",
         [row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform", role_arn=SYN_ROLE),
          synth_role(), bucket("phi-claims")], {LAMBDA: "FAIL"}, grants=[(SYN_ROLE, "s3:GetObject", f"{PB}/*")]),
    Case("LAMBDA_ROLE_REACHES_PRODUCTION", "s3-read-one-bucket-full-one-partial",
         [row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform", role_arn=SYN_ROLE),
          synth_role(), key("k-phi-claims"), key("k-phi-img"), bucket("phi-claims"), bucket("phi-img")],
         {LAMBDA: "FAIL"}, grants=[(SYN_ROLE, "s3:GetObject", "arn:aws:s3:::phi-*/*"),
                                   (SYN_ROLE, "kms:Decrypt", key_arn("k-phi-img"))], severity={LAMBDA: "critical"}),
    Case("LAMBDA_ROLE_REACHES_PRODUCTION", "no-grant",
         [row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform", role_arn=SYN_ROLE),
          synth_role(), bucket("phi-claims")], {LAMBDA: "PASS"}),
    Case("GLUE_JOB_ROLE_REACHES_PRODUCTION", "kms-decrypt",
         [row("glue_jobs", GLUE_JOB, SYNTH, "synth-etl", job_name="synth-etl", role_arn=SYN_ROLE), synth_role(), key("k1")],
         {GLUE_JOB: "FAIL"}, grants=[(SYN_ROLE, "kms:Decrypt", key_arn("k1"))]),
    Case("GLUE_JOB_ROLE_REACHES_PRODUCTION", "no-grant",
         [row("glue_jobs", GLUE_JOB, SYNTH, "synth-etl", job_name="synth-etl", role_arn=SYN_ROLE), synth_role(), key("k1")],
         {GLUE_JOB: "PASS"}),
    Case("SAGEMAKER_ROLE_REACHES_PRODUCTION", "notebook-s3",
         [notebook(), synth_role(), bucket("phi-claims")], {NOTEBOOK: "FAIL"},
         grants=[(SYN_ROLE, "s3:GetObject", f"{PB}/*")]),
    Case("SAGEMAKER_ROLE_REACHES_PRODUCTION", "training-job-clean",
         [row("sagemaker_training_jobs", JOB, SYNTH, "synth-train", role_arn=SYN_ROLE), synth_role(), bucket("phi-claims")],
         {JOB: "PASS"}),
    Case("GLUE_CONNECTION_TO_PRODUCTION", "aurora-endpoint",
         [rds("rds_clusters", "cluster", "claims", PROD, db_cluster_id="claims",
              endpoint="claims.cluster-abc.us-east-1.rds.amazonaws.com"),
          row("glue_connections", GLUE_CONN, SYNTH, "claims-jdbc", connection_type="JDBC",
              jdbc_url="jdbc:postgresql://claims.cluster-abc.us-east-1.rds.amazonaws.com:5432/claims")],
         {GLUE_CONN: "FAIL"}),
    Case("GLUE_CONNECTION_TO_PRODUCTION", "synthetic-db",
         [rds("rds_clusters", "cluster", "claims", PROD, db_cluster_id="claims",
              endpoint="claims.cluster-abc.us-east-1.rds.amazonaws.com"),
          row("glue_connections", GLUE_CONN, SYNTH, "claims-jdbc", connection_type="JDBC",
              host="synth-db.cluster-xyz.us-east-1.rds.amazonaws.com", port=5432)],
         {GLUE_CONN: "PASS"}),
    Case("SAGEMAKER_NOTEBOOK_NO_KMS", "none", [notebook(kms_key_id=None)], {NOTEBOOK: "FAIL"}),
    Case("SAGEMAKER_NOTEBOOK_NO_KMS", "kms", [notebook()], {NOTEBOOK: "PASS"}),
    Case("SAGEMAKER_NOTEBOOK_DIRECT_INTERNET", "enabled", [notebook(direct_internet_access="Enabled")], {NOTEBOOK: "FAIL"}),
    Case("SAGEMAKER_NOTEBOOK_DIRECT_INTERNET", "disabled", [notebook()], {NOTEBOOK: "PASS"}),
    Case("SAGEMAKER_NOTEBOOK_ROOT_ACCESS", "enabled", [notebook(root_access="Enabled")], {NOTEBOOK: "FAIL"}),
    Case("SAGEMAKER_NOTEBOOK_ROOT_ACCESS", "disabled", [notebook()], {NOTEBOOK: "PASS"}),
    Case("SAGEMAKER_NOTEBOOK_ROOT_ACCESS", "not-reported", [notebook(root_access=None)], {NOTEBOOK: "NOT_ASSESSED"}),
    Case("SAGEMAKER_TRAINING_UNENCRYPTED_OUTPUT", "plain-bucket",
         [row("sagemaker_training_jobs", JOB, SYNTH, "synth-train", output_s3_path="s3://synth-models/out/"),
          bucket("synth-models", SYNTH, sse_algorithm=None)], {JOB: "FAIL"}),
    Case("SAGEMAKER_TRAINING_UNENCRYPTED_OUTPUT", "kms-bucket",
         [row("sagemaker_training_jobs", JOB, SYNTH, "synth-train", output_s3_path="s3://synth-models/out/"),
          bucket("synth-models", SYNTH)], {JOB: "PASS"}),
    # --- pipelines ----------------------------------------------------------------------------------
    Case("STEPFUNCTIONS_NO_CLASSIFICATION_STEP", "none", [state_machine(UNCLASSIFIED)], {SFN: "FAIL"}),
    Case("STEPFUNCTIONS_NO_CLASSIFICATION_STEP", "choice-bypass", [state_machine(CHOICE_BYPASS)], {SFN: "FAIL"}),
    Case("STEPFUNCTIONS_NO_CLASSIFICATION_STEP", "classify-first", [state_machine(CLASSIFIED)], {SFN: "PASS"}),
    Case("STEPFUNCTIONS_NO_CLASSIFICATION_STEP", "scan-branch-and-gate-before-release",
         [state_machine(CLASSIFIED_BEFORE_RELEASE)], {SFN: "PASS"}),
    Case("STEPFUNCTIONS_NO_TRACING", "off", [state_machine(CLASSIFIED, tracing_enabled=False)], {SFN: "FAIL"}),
    Case("STEPFUNCTIONS_NO_TRACING", "on", [state_machine(CLASSIFIED)], {SFN: "PASS"}),
    Case("SYNTHETIC_OUTPUT_NOT_LABELLED", "untagged", [bucket("synth-out", SYNTH)], {"arn:aws:s3:::synth-out": "FAIL"}),
    Case("SYNTHETIC_OUTPUT_NOT_LABELLED", "tagged", [bucket("synth-out", SYNTH, tags={"DataClass": "synthetic"})],
         {"arn:aws:s3:::synth-out": "PASS"}),
    Case("SYNTHETIC_OUTPUT_NOT_LABELLED", "table-parameter",
         [row("glue_tables", f"arn:aws:glue:{REGION}:{SYNTH}:table/synth/claims", SYNTH, "claims",
              database_name="synth", table_name="claims", parameters={"DataClass": "synthetic"})],
         {f"arn:aws:glue:{REGION}:{SYNTH}:table/synth/claims": "PASS"}),
    Case("SYNTHETIC_DATASET_NO_LINEAGE", "no-run", [bucket("synth-out", SYNTH, tags={"SourceDataset": "c", "Generator": "g"},
                                                        key_sample=["cohort/part-0.parquet"])],
         {"arn:aws:s3:::synth-out": "FAIL"}),
    Case("SYNTHETIC_DATASET_NO_LINEAGE", "complete", [bucket("synth-out", SYNTH, tags=LINEAGE,
                                                          key_sample=["images/img0.dcm"])],
         {"arn:aws:s3:::synth-out": "PASS"}),
    Case("SYNTHETIC_DATASET_NO_LINEAGE", "glue-table-location",
         [bucket("synth-tables", SYNTH), row("glue_tables", f"arn:aws:glue:{REGION}:{SYNTH}:table/synth/claims", SYNTH,
                                             "claims", database_name="synth", table_name="claims",
                                             location="s3://synth-tables/claims/", parameters=LINEAGE)],
         {"arn:aws:s3:::synth-tables": "FAIL", f"arn:aws:glue:{REGION}:{SYNTH}:table/synth/claims": "PASS"}),
    Case("SYNTHETIC_DATASET_NO_LINEAGE", "unlistable",
         [bucket("synth-locked", SYNTH, detail_errors={"ListObjectsV2": "AccessDenied"})],
         {"arn:aws:s3:::synth-locked": "NOT_ASSESSED"}),
    # --- network -------------------------------------------------------------------------------------
    Case("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", "instance",
         NETWORKS + [ec2("ec2_instances", "instance", "i-1", SYNTH, instance_id="i-1", vpc_id="vpc-prod",
                         subnet_id="subnet-prod-a")], {f"arn:aws:ec2:{REGION}:{SYNTH}:instance/i-1": "FAIL"}),
    Case("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", "lambda-subnet",
         NETWORKS + [row("lambda_functions", LAMBDA, SYNTH, "synth-transform", subnet_ids=["subnet-prod-a"])],
         {LAMBDA: "FAIL"}),
    Case("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", "own-vpc",
         NETWORKS + [ec2("ec2_instances", "instance", "i-2", SYNTH, instance_id="i-2", vpc_id="vpc-synth",
                         subnet_id="subnet-synth-a")], {f"arn:aws:ec2:{REGION}:{SYNTH}:instance/i-2": "PASS"}),
    Case("SG_SYNTHETIC_TO_PRODUCTION_DB_PORT", "synthetic-group",
         NETWORKS + [prod_sg(), ec2("ec2_security_groups", "security-group", "sg-synth", SYNTH, group_id="sg-synth"),
                     sg_rule("sg-db", PROD, 5432, "sg-synth", "group")],
         {f"arn:aws:ec2:{REGION}:{PROD}:security-group/sg-db": "FAIL"}),
    Case("SG_SYNTHETIC_TO_PRODUCTION_DB_PORT", "synthetic-cidr",
         NETWORKS + [prod_sg(), sg_rule("sg-db", PROD, 3306, "10.1.0.0/16")],
         {f"arn:aws:ec2:{REGION}:{PROD}:security-group/sg-db": "FAIL"}),
    Case("SG_SYNTHETIC_TO_PRODUCTION_DB_PORT", "own-app-subnet",
         NETWORKS + [prod_sg(), sg_rule("sg-db", PROD, 5432, "10.0.1.0/24"), sg_rule("sg-db", PROD, 443, "10.1.0.0/16")],
         {f"arn:aws:ec2:{REGION}:{PROD}:security-group/sg-db": "PASS"}),
    Case("VPC_PEERING_ROUTES_TOO_WIDE", "whole-vpc",
         NETWORKS + [ec2("ec2_vpc_peering", "vpc-peering-connection", "pcx-1", SYNTH, peering_id="pcx-1",
                         requester_account=SYNTH, requester_vpc_id="vpc-synth", accepter_account=PROD,
                         accepter_vpc_id="vpc-prod"),
                     ec2("ec2_routes", "route-table", "rtb-s", SYNTH, route_table_id="rtb-s", vpc_id="vpc-synth",
                         destination="10.0.0.0/16", target_type="vpc_peering", target_id="pcx-1")],
         {f"arn:aws:ec2:{REGION}:{SYNTH}:vpc-peering-connection/pcx-1": "FAIL"}),
    Case("VPC_PEERING_ROUTES_TOO_WIDE", "one-subnet",
         NETWORKS + [ec2("ec2_vpc_peering", "vpc-peering-connection", "pcx-1", SYNTH, peering_id="pcx-1",
                         requester_account=SYNTH, requester_vpc_id="vpc-synth", accepter_account=PROD,
                         accepter_vpc_id="vpc-prod"),
                     ec2("ec2_routes", "route-table", "rtb-s", SYNTH, route_table_id="rtb-s", vpc_id="vpc-synth",
                         destination="10.0.1.0/24", target_type="vpc_peering", target_id="pcx-1")],
         {f"arn:aws:ec2:{REGION}:{SYNTH}:vpc-peering-connection/pcx-1": "PASS"}),
    Case("VPC_PEERING_ROUTES_TOO_WIDE", "same-environment-whole-vpc", SAME_ENV_PEERING,
         {f"arn:aws:ec2:{REGION}:{SYNTH}:vpc-peering-connection/pcx-2": "FAIL"}),
    Case("SG_OPEN_ADMIN_PORT", "ssh-anywhere", [prod_sg("sg-bastion"), sg_rule("sg-bastion", PROD, 22, "0.0.0.0/0")],
         {f"arn:aws:ec2:{REGION}:{PROD}:security-group/sg-bastion": "FAIL"}),
    Case("SG_OPEN_ADMIN_PORT", "ssh-corporate", [prod_sg("sg-bastion"), sg_rule("sg-bastion", PROD, 22, "192.168.0.0/16"),
                                                 sg_rule("sg-bastion", PROD, 443, "0.0.0.0/0")],
         {f"arn:aws:ec2:{REGION}:{PROD}:security-group/sg-bastion": "PASS"}),
    Case("VPC_ENDPOINT_POLICY_NOT_ORG_RESTRICTED", "default-policy",
         [ec2("ec2_vpc_endpoints", "vpc-endpoint", "vpce-1", PROD, endpoint_id="vpce-1", endpoint_type="Gateway",
              policy={"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})],
         {f"arn:aws:ec2:{REGION}:{PROD}:vpc-endpoint/vpce-1": "FAIL"}),
    Case("VPC_ENDPOINT_POLICY_NOT_ORG_RESTRICTED", "org-bounded",
         [ec2("ec2_vpc_endpoints", "vpc-endpoint", "vpce-1", PROD, endpoint_id="vpce-1", endpoint_type="Gateway",
              policy={"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-test"}}}]})],
         {f"arn:aws:ec2:{REGION}:{PROD}:vpc-endpoint/vpce-1": "PASS"}),
    # --- governance ----------------------------------------------------------------------------------
    Case("SCP_NO_SYNTHETIC_PRODUCTION_DENY", "no-fence", [scp(NO_FENCE, ["r-root"])], {ORG + SYNTH: "FAIL"}),
    Case("SCP_NO_SYNTHETIC_PRODUCTION_DENY", "fence-on-root", [scp(FENCE, ["r-root"])], {ORG + SYNTH: "PASS"}),
    Case("SCP_NO_SYNTHETIC_PRODUCTION_DENY", "fence-elsewhere", [scp(FENCE, [PROD])], {ORG + SYNTH: "FAIL"}),
    Case("SCP_NO_SYNTHETIC_PRODUCTION_DENY", "fence-missing-on-an-all-synthetic-ou", OU_TREE + [scp(NO_FENCE, ["r-root"])],
         {OU_ARN + "ou-synth": "FAIL", ORG + SYNTH: "FAIL"}),
    Case("SCP_NO_SYNTHETIC_PRODUCTION_DENY", "fence-on-the-synthetic-ou", OU_TREE + [scp(FENCE, ["ou-synth"])],
         {ORG + SYNTH_A: "PASS", ORG + SYNTH_B: "PASS", ORG + SYNTH: "FAIL"}),
    Case("SCP_NO_SYNTHETIC_PRODUCTION_DENY", "no-synthetic-account",
         [row("org_accounts", ORG + SYNTH, SYNTH, SYNTH, environment="unknown", region="global", account_id=SYNTH,
              parent_id="r-root", ou_ids=[], in_params=True, in_organization=True), scp(FENCE, ["r-root"])],
         {ORG + "100000000001": "NOT_ASSESSED"}),
    Case("CONFIG_RECORDER_OFF", "stopped",
         [row("config_recorders", f"arn:aws:config:{REGION}:{SYNTH}:config-recorder/default", SYNTH, "default",
              recording=False)], {ORG + SYNTH: "FAIL", ORG + PROD: "FAIL"}),
    Case("CONFIG_RECORDER_OFF", "recording",
         [row("config_recorders", f"arn:aws:config:{REGION}:{SYNTH}:config-recorder/default", SYNTH, "default",
              recording=True)], {ORG + SYNTH: "PASS"}),
    Case("CONFIG_RECORDER_OFF", "org-member-not-inventoried",
         [row("org_accounts", ORG + OUTSIDER, OUTSIDER, OUTSIDER, environment="synthetic", region="global",
              account_id=OUTSIDER, in_params=False, in_organization=True)],
         {ORG + OUTSIDER: "NOT_ASSESSED"}),
    Case("CONFIG_REQUIRED_RULE_MISSING", "one-missing",
         [row("config_rules", f"arn:aws:config:{REGION}:{SYNTH}:config-rule/r1", SYNTH, "ssh-check",
              source_identifier="INCOMING_SSH_DISABLED")], {ORG + SYNTH: "FAIL"}),
    Case("CONFIG_REQUIRED_RULE_MISSING", "both",
         [row("config_rules", f"arn:aws:config:{REGION}:{SYNTH}:config-rule/r1", SYNTH, "ssh-check",
              source_identifier="INCOMING_SSH_DISABLED"),
          row("config_rules", f"arn:aws:config:{REGION}:{SYNTH}:config-rule/r2", SYNTH, "s3-bucket-public-write-prohibited")],
         {ORG + SYNTH: "PASS"}),
    Case("AUDIT_ROLE_NOT_READ_ONLY", "admin-role-named-as-audit-role",
         [role("OrganizationAccountAccessRole", PROD, audit_role_beyond_reading=["* (every action)"])],
         {role_arn("OrganizationAccountAccessRole", PROD): "FAIL"}),
    Case("AUDIT_ROLE_NOT_READ_ONLY", "the-kits-read-only-role",
         [role("SynthauditReadOnly", PROD, audit_role_beyond_reading=[]), role("etl", PROD)],
         {role_arn("SynthauditReadOnly", PROD): "PASS"}),
    Case("UNCLASSIFIED_RESOURCES", "a-bucket-no-rule-matches",
         [bucket("team-x-data", SHARED, env="unknown"), bucket("phi-claims")],
         {ORG + SHARED: "FAIL", ORG + PROD: "PASS"}),
    Case("UNCLASSIFIED_RESOURCES", "everything-classified",
         [bucket("phi-claims"), synth_role()], {ORG + PROD: "PASS", ORG + SYNTH: "PASS"}),
    Case("LAKEFORMATION_UNRESTRICTED_PHI_GRANT", "whole-table",
         [row("glue_tables", PROD_TABLE, PROD, "members", database_name="claims", table_name="members"),
          row("lakeformation_permissions", PROD_TABLE, PROD, "x", principal=SYN_ROLE, principal_environment="synthetic",
              resource_type="table", database_name="claims", table_name="members", permissions=["SELECT"])],
         {PROD_TABLE: "FAIL"}),
    Case("LAKEFORMATION_UNRESTRICTED_PHI_GRANT", "column-restricted",
         [row("glue_tables", PROD_TABLE, PROD, "members", database_name="claims", table_name="members"),
          row("lakeformation_permissions", PROD_TABLE, PROD, "x", principal=SYN_ROLE, principal_environment="synthetic",
              resource_type="table_with_columns", database_name="claims", table_name="members",
              column_names=["age_band"], permissions=["SELECT"])],
         {PROD_TABLE: "PASS"}),
    # --- logging ---------------------------------------------------------------------------------------
    Case("CLOUDTRAIL_NO_MULTI_REGION", "single-region", [trail("t", is_multi_region=False)], {ORG + PROD: "FAIL"}),
    Case("CLOUDTRAIL_NO_MULTI_REGION", "org-trail", [trail("t")], {ORG + PROD: "PASS", ORG + SYNTH: "PASS"}),
    Case("CLOUDTRAIL_LOG_VALIDATION_OFF", "off", [trail("t", log_file_validation_enabled=False)],
         {f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t": "FAIL"}),
    Case("CLOUDTRAIL_LOG_VALIDATION_OFF", "on", [trail("t")], {f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t": "PASS"}),
    Case("CLOUDTRAIL_NOT_KMS_ENCRYPTED", "sse-s3", [trail("t", kms_key_id=None)],
         {f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t": "FAIL"}),
    Case("CLOUDTRAIL_NOT_KMS_ENCRYPTED", "kms", [trail("t")], {f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t": "PASS"}),
    Case("CLOUDTRAIL_NO_S3_DATA_EVENTS", "management-only", [trail("t"), bucket("phi-claims")], {PB: "FAIL"}),
    Case("CLOUDTRAIL_NO_S3_DATA_EVENTS", "selector", [trail("t", event_selectors=S3_SELECTOR), bucket("phi-claims")],
         {PB: "PASS"}),
    Case("CLOUDTRAIL_NO_LAMBDA_DATA_EVENTS", "none",
         [trail("t", event_selectors=S3_SELECTOR),
          row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform")], {LAMBDA: "FAIL"}),
    Case("CLOUDTRAIL_NO_LAMBDA_DATA_EVENTS", "advanced",
         [trail("t", advanced_event_selectors=LAMBDA_ADVANCED),
          row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform")], {LAMBDA: "PASS"}),
    Case("CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS", "bucket-and-function-unlogged",
         [trail("t"), bucket("phi-claims"),
          row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform")],
         {f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t": "FAIL"}),
    Case("CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS", "everything-logged",
         [trail("t", event_selectors=S3_SELECTOR, advanced_event_selectors=LAMBDA_ADVANCED), bucket("phi-claims"),
          row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform")],
         {f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t": "PASS"}),
    Case("CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS", "another-trail-logs-them",
         [trail("t"), trail("data", event_selectors=S3_SELECTOR), bucket("phi-claims")],
         {f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t": "PASS"}),
    Case("CLOUDTRAIL_BUCKET_READABLE_BY_SYNTHETIC", "readable",
         [trail("t"), bucket("trail-logs", SHARED), synth_role()], {"arn:aws:s3:::trail-logs": "FAIL"},
         grants=[(SYN_ROLE, "s3:GetObject", "arn:aws:s3:::trail-logs/*")]),
    Case("CLOUDTRAIL_BUCKET_READABLE_BY_SYNTHETIC", "private",
         [trail("t"), bucket("trail-logs", SHARED), synth_role()], {"arn:aws:s3:::trail-logs": "PASS"}),
]


def test_lineage_looks_only_at_buckets_holding_datasets(tmp_path):
    """Log, config and script buckets are not datasets: not examined for lineage."""
    rows = [bucket("synth-logs", SYNTH, key_sample=["AWSLogs/1/x.log.gz", "config/app.yaml", "scripts/run.py"]),
            bucket("synth-empty", SYNTH), bucket("synth-data", SYNTH, key_sample=["x/part-0.csv.gz"])]
    found = run_case(tmp_path, Case("SYNTHETIC_DATASET_NO_LINEAGE", "mixed", rows, {}))
    assert {f.resource: f.status for f in found} == {"arn:aws:s3:::synth-data": "FAIL"}
    assert "part-0.csv.gz" in found[0].evidence["holds_datasets"]


def run_case(tmp_path, case: Case, **kwargs):
    snap = write(tmp_path, case.rows, **kwargs)
    return run_all(snap, PARAMS, store=FakeStore(case.grants, case.denies), only=[case.check])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_check_decides(tmp_path, case: Case):
    found = run_case(tmp_path, case)
    by_resource = {f.resource: f for f in found if not f.discriminator}
    for resource, status in case.expect.items():
        assert resource in by_resource, f"{case.check} examined {sorted(by_resource)}, not {resource}"
        finding = by_resource[resource]
        assert finding.status == status, (finding.status, finding.reason, finding.evidence)
        assert finding.check_id == case.check and finding.phase == "segregation"
        if resource in case.severity:
            assert finding.severity == case.severity[resource], (finding.severity, finding.evidence)
        for item, value in case.evidence.get(resource, {}).items():
            assert finding.evidence.get(item) == value, (item, finding.evidence)


def test_every_check_has_a_failing_and_a_passing_case():
    statuses: dict[str, set[str]] = {}
    for case in CASES:
        statuses.setdefault(case.check, set()).update(case.expect.values())
    for check in checks():
        assert {"FAIL", "PASS"} <= statuses.get(check.id, set()), f"{check.id} lacks a FAIL or PASS case"


FAIL_CASES = {c.check: c for c in reversed(CASES) if "FAIL" in c.expect.values()}


@pytest.mark.parametrize("check", sorted(FAIL_CASES))
def test_missing_table_is_not_assessed(tmp_path, check):
    """Without a table the check needs, it never passes: every finding is NOT_ASSESSED with a reason."""
    case = FAIL_CASES[check]
    needed = next(c for c in checks() if c.id == check).tables[0]
    found = run_case(tmp_path, case, missing=(needed,))
    assert found and all(f.status == "NOT_ASSESSED" and needed in f.reason for f in found)


@pytest.mark.parametrize("check", sorted(FAIL_CASES))
def test_coverage_gap_is_not_assessed(tmp_path, check):
    """Where the inventory could not read a service the check needs, that account is NOT_ASSESSED."""
    case = FAIL_CASES[check]
    spec = next(c for c in checks() if c.id == check)
    service = TABLES[spec.tables[0]].service
    region = "global" if service in ("iam", "s3", "organizations") else REGION
    found = run_case(tmp_path, case, coverage=[(SHARED, region, service, "access_denied")])
    gaps = [f for f in found if f.account == SHARED and f.status == "NOT_ASSESSED"]
    assert gaps and all("access denied" in f.reason for f in gaps)


def test_engine_missing_makes_reachability_not_assessed(tmp_path):
    case = CASES[0]
    snap = write(tmp_path, case.rows)

    def broken(_):
        raise RuntimeError("no engine")

    from synthaudit.checks.context import CheckContext
    from synthaudit.checks.registry import check_registry, run_check

    ctx = CheckContext(snap, PARAMS, store_factory=broken)
    found = run_check(ctx, check_registry()[case.check])
    assert [f.status for f in found] == ["NOT_ASSESSED"] and "IAM engine unavailable" in found[0].reason


def test_iam_gap_in_synthetic_account_turns_pass_into_not_assessed(tmp_path):
    case = next(c for c in CASES if c.id == "S3_SYNTHETIC_ACCESS_TO_PRODUCTION-no-grant")
    found = run_case(tmp_path, case, coverage=[(SYNTH, "global", "iam", "access_denied")])
    bucket_finding = next(f for f in found if f.resource == PB)
    assert bucket_finding.status == "NOT_ASSESSED" and SYNTH in bucket_finding.reason


JUDGING = {c.id: c for c in checks() if c.judges}


@pytest.mark.parametrize("check", sorted(JUDGING))
def test_unclassified_resource_is_not_assessed(tmp_path, check):
    """A resource the check would FAIL, left unclassified, is NOT_ASSESSED with the reason: the
    check selects by environment, so silence would hide it."""
    spec, case = JUDGING[check], FAIL_CASES[check]
    failed = {r for r, s in case.expect.items() if s == "FAIL"}
    rows = [(kind, {**data, "environment": "unknown"}) if kind in spec.judges and data["arn"] in failed else (kind, data)
            for kind, data in case.rows]
    unclassified = {data["arn"] for kind, data in rows if data.get("environment") == "unknown"}
    assert unclassified, f"{check}: its FAIL case has no resource in {spec.judges}"
    found = {f.resource: f for f in run_case(tmp_path, Case(case.check, "unclassified", rows, {}, case.grants, case.denies))
             if not f.discriminator}
    for arn in unclassified:
        assert found[arn].status == "NOT_ASSESSED" and "not classified" in found[arn].reason, found[arn]


def test_checks_that_select_by_environment_declare_it():
    """The spec tables derive ``judges`` from their selector; a production-only row rule must have it."""
    assert {"S3_PRODUCTION_NO_SSE_KMS", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "EC2_PROFILE_REACHES_PRODUCTION",
            "CLOUDTRAIL_NO_S3_DATA_EVENTS", "SG_SYNTHETIC_TO_PRODUCTION_DB_PORT"} <= set(JUDGING)
    assert "SG_OPEN_ADMIN_PORT" not in JUDGING  # judged on every row, whatever its class


@pytest.mark.parametrize("label,rows,severity", [
    ("partner-in-bucket-policy", [bucket("phi-claims", policy=_grant({"AWS": f"arn:aws:iam::{PARTNER}:root"}))], "high"),
    ("public-production", [bucket("phi-claims", restrict_public_buckets=False, policy=_grant("*"))], "critical"),
    ("partner-on-synthetic", [bucket("synth-out", SYNTH, policy=_grant({"AWS": PARTNER}))], "low"),
    ("public-synthetic", [bucket("synth-out", SYNTH, restrict_public_buckets=False, policy=_grant("*"))], "medium"),
])
def test_external_exposure_severity_follows_what_is_exposed(tmp_path, label, rows, severity):
    case = Case("EXTERNAL_ACCESS_TO_RESOURCE", label, rows, {})
    found = [f for f in run_case(tmp_path, case) if f.status == "FAIL"]
    assert [f.severity for f in found] == [severity]


def test_every_exposure_source_has_a_failing_and_a_passing_case():
    """Each resource kind EXTERNAL_ACCESS_TO_RESOURCE reads (its SOURCES table) is decided both ways."""
    from synthaudit.checks.exposure import SOURCES

    statuses: dict[str, set[str]] = {}
    for case in CASES:
        if case.check == "EXTERNAL_ACCESS_TO_RESOURCE":
            kinds = {data["arn"]: kind for kind, data in case.rows}
            for arn, status in case.expect.items():
                statuses.setdefault(kinds[arn], set()).add(status)
    missing = {s.kind for s in SOURCES if not {"FAIL", "PASS"} <= statuses.get(s.kind, set())}
    assert not missing, f"no FAIL or no PASS case for {sorted(missing)}"


def test_external_exposure_names_the_third_party_and_the_open_conditions(tmp_path):
    policy = _grant({"AWS": f"arn:aws:iam::{PARTNER}:role/acme-uploader"},
                    {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}, action="s3:PutObject")
    case = Case("EXTERNAL_ACCESS_TO_RESOURCE", "named", [bucket("phi-claims", policy=policy)], {})
    finding = next(f for f in run_case(tmp_path, case) if f.resource == PB)
    assert finding.status == "FAIL"
    [grant] = finding.evidence["exposed_to"]
    assert grant["grantee"] == PARTNER and grant["third_party"] == "acme-analytics" and grant["environment"] == "external"
    assert grant["conditions"] == ['StringEquals s3:x-amz-acl "bucket-owner-full-control"']


def test_mixed_evidence_says_what_was_sampled(tmp_path):
    rows = [bucket("phi-claims", tags={"Environment": "production"}, key_prefixes=["a/", "b/", "c/"],
                   object_tag_sample=[_objects("", {"DataClass": "phi"}),
                                      _objects("a/", {"DataClass": "phi"}, {"DataClass": "synthetic"})])]
    finding = next(f for f in run_case(tmp_path, Case("S3_MIXED_ENVIRONMENT_DATA", "evidence", rows, {}))
                   if f.resource == PB)
    assert finding.status == "FAIL"
    assert finding.evidence["object_tags_sampled"] == {"objects": 3, "prefixes": ["(root)", "a/"],
                                                       "prefixes_not_sampled": 2}
    assert finding.evidence["signals"]["synthetic"] == ["object tag:DataClass=synthetic under a/ (1 sampled)"]
