"""Two inventories of the simulated estate with a changed estate between them: the diff of
their segregation findings holds exactly the fixed planted failure as resolved and the newly
broken clean twin as new. The answer key names the two buckets; the kit never reads it."""
from __future__ import annotations

import os
from pathlib import Path

import boto3
import pytest
from answer_key import load
from synthaudit.config import load_params
from synthaudit.evidence.diff import diff_findings
from synthaudit.findings import finding_id

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
PARAMS_FILE = REPO / "params" / "demo.yaml"
PROD = "210987654321"
# The S3 configuration checks: they cover both changes and skip the IAM engine, which keeps this test
# at one estate build and two inventories (the diff itself is what is under test here).
S3_CHECKS = ("S3_PRODUCTION_NO_SSE_KMS", "S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", "S3_PRODUCTION_PUBLIC_WRITE",
             "S3_MIXED_ENVIRONMENT_DATA")


def planted(check: str, expect: str) -> str:
    [resource] = [e.resource for e in load("estate") if e.check == check and e.expect == expect]
    return resource


def prod_s3(endpoint: str):
    """A raw client inside the production account (tests may change the estate; the kit never does)."""
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{PROD}:role/SynthauditReadOnly", RoleSessionName="test-change")
    c = creds["Credentials"]
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])


def build_storage_estate(endpoint: str) -> None:
    """The demo builder's organisation, audit roles, planted IAM and KMS/S3 steps: what the S3 checks
    examine, in a quarter of the full build's time. Falls back to the full build if the steps move."""
    from synthaudit.demo import estate as builder

    try:
        from synthaudit.demo import estate_iam, estate_org, estate_storage
        from synthaudit.demo.estate_core import Estate
        steps = (estate_org.build_organisation, estate_iam.create_audit_roles, estate_iam.build_planted_iam,
                 estate_storage.build_storage)
    except (ImportError, AttributeError):
        builder.build_estate(endpoint)
        return
    builder.seed_moto(endpoint)
    estate = Estate.connect(endpoint)
    for step in steps:
        step(estate)


def test_fixing_one_planted_failure_and_breaking_one_twin(tmp_path):
    from synthaudit.aws.session import SessionFactory
    from synthaudit.checks import run_all
    from synthaudit.demo.server import DUMMY_CREDENTIALS, MotoServer
    from synthaudit.inventory import run_inventory

    fixed_arn = planted("S3_PRODUCTION_NO_SSE_KMS", "FAIL")            # SSE-S3 only
    twin_arn = planted("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", "PASS")  # all four PAB settings on
    params = load_params(PARAMS_FILE)
    saved = dict(os.environ)
    os.environ.update(DUMMY_CREDENTIALS)
    server = MotoServer().start()
    try:
        build_storage_estate(server.endpoint_url)
        os.environ.update(server.env())
        run_inventory(params, SessionFactory(params), tmp_path / "before" / "snapshot")
        before = run_all(tmp_path / "before" / "snapshot", params, only=S3_CHECKS)

        s3 = prod_s3(server.endpoint_url)
        key_source = "phi-claims-prod"  # the clean twin's customer-managed key, reused for the fix
        rule = s3.get_bucket_encryption(Bucket=key_source)["ServerSideEncryptionConfiguration"]
        s3.put_bucket_encryption(Bucket=fixed_arn.split(":::")[1], ServerSideEncryptionConfiguration=rule)
        s3.delete_public_access_block(Bucket=twin_arn.split(":::")[1])

        run_inventory(params, SessionFactory(params), tmp_path / "after" / "snapshot")
        after = run_all(tmp_path / "after" / "snapshot", params, only=S3_CHECKS)
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)

    result = diff_findings(before, after)
    assert [c.id for c in result.resolved] == [finding_id("S3_PRODUCTION_NO_SSE_KMS", fixed_arn)]
    assert [c.id for c in result.new] == [finding_id("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", twin_arn)]
    # other checks on the broken twin may see it differently (evidence), but nothing else changed
    assert {c.resource for c in result.changed} <= {twin_arn}
    assert all(c.after.status != "FAIL" for c in result.changed)
    assert result.persisting  # the other planted S3 failures are still there
    assert len({f.resource for f in before}) > 10  # every production bucket was examined, not just the two
