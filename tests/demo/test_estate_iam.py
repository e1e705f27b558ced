"""The audit role's policy (lib/synthaudit/aws/audit_role_policy.json) stays least-privilege:
reads only, no wildcard actions, object reads only on the buckets the kit must read."""
from __future__ import annotations

import json
from importlib import resources

from synthaudit.demo.estate_iam import audit_role_policy_document

READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "BatchGet", "Search")
# Reads in effect that do not start with a read verb, each with its reason.
NON_VERB_READS = {
    "iam:GenerateServiceLastAccessedDetails",  # starts a last-accessed report (needed for unused grants)
    "athena:StartQueryExecution", "athena:StopQueryExecution",  # CloudTrail review on Athena
}
OBJECT_READS = {"s3:GetObject"}


def _statements():
    doc = json.loads(audit_role_policy_document())
    assert doc["Version"] == "2012-10-17"
    return doc["Statement"]


def test_policy_file_ships_with_the_package():
    assert resources.files("synthaudit.aws").joinpath("audit_role_policy.json").is_file()


def test_allowed_actions_are_reads_without_wildcards():
    offending = []
    for stmt in _statements():
        if stmt["Effect"] != "Allow":
            continue
        for action in stmt["Action"]:
            service, _, op = action.partition(":")
            if "*" in action or not (op.startswith(READ_PREFIXES) or action in NON_VERB_READS):
                offending.append(action)
    assert offending == []


def test_object_reads_are_limited_to_named_buckets():
    for stmt in _statements():
        if stmt["Effect"] == "Allow" and OBJECT_READS & set(stmt["Action"]):
            resources_ = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
            assert "*" not in resources_
            assert all(r.startswith("arn:aws:s3:::") and r != "arn:aws:s3:::*" for r in resources_)


def test_inventory_essentials_are_allowed_and_secrets_denied():
    allowed = {a for s in _statements() if s["Effect"] == "Allow" for a in s["Action"]}
    denied = {a for s in _statements() if s["Effect"] == "Deny" for a in s["Action"]}
    for needed in ("iam:GetAccountAuthorizationDetails", "s3:GetBucketPolicy", "kms:GetKeyPolicy",
                   "organizations:ListPoliciesForTarget", "cloudtrail:GetEventSelectors",
                   "rds:DescribeDBSnapshotAttributes", "ec2:DescribeSnapshotAttribute", "lakeformation:ListPermissions",
                   "s3:ListBucket", "s3:GetObjectTagging"):  # key sample and object-level data classes
        assert needed in allowed, needed
    assert {"secretsmanager:GetSecretValue", "ssm:GetParameter"} <= denied
