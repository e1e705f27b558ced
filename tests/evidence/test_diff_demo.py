"""Two inventories of the simulated estate with a changed estate between them: the diff of
their segregation findings holds exactly the fixed planted failure as resolved and the newly
broken clean twin as new. The answer key names the two buckets; the kit never reads it.
The estate is the session's shared one, changed for one inventory and then put back."""
from __future__ import annotations

from pathlib import Path

import boto3
from answer_key import load
from synthaudit.aws.preflight import run_preflight
from synthaudit.config import load_params
from synthaudit.evidence.diff import diff_findings
from synthaudit.findings import finding_id

REPO = Path(__file__).resolve().parents[2]
PARAMS_FILE = REPO / "params" / "demo.yaml"
PROD = "210987654321"
# The S3 configuration checks: they cover both changes and skip the IAM engine (the diff itself is
# what is under test here).
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


def test_fixing_one_planted_failure_and_breaking_one_twin(tmp_path, monkeypatch, demo_estate, demo_snapshot_dir):
    """Before: the session's snapshot of the shared demo estate. The two changes are undone
    afterwards, and the test proves they were, since later tests read the same estate."""
    from synthaudit.aws.session import SessionFactory
    from synthaudit.checks import run_all
    from synthaudit.inventory import run_inventory

    fixed_arn = planted("S3_PRODUCTION_NO_SSE_KMS", "FAIL")            # SSE-S3 only
    twin_arn = planted("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", "PASS")  # all four PAB settings on
    fixed, twin = fixed_arn.split(":::")[1], twin_arn.split(":::")[1]
    for key, value in demo_estate.env().items():
        monkeypatch.setenv(key, value)
    params, _ = run_preflight(load_params(PARAMS_FILE))   # the organisation's accounts, discovered
    before = run_all(demo_snapshot_dir, params, only=S3_CHECKS)

    s3 = prod_s3(demo_estate.endpoint_url)
    original = (s3.get_bucket_encryption(Bucket=fixed)["ServerSideEncryptionConfiguration"],
                s3.get_public_access_block(Bucket=twin)["PublicAccessBlockConfiguration"])
    try:
        key_source = "phi-claims-prod"  # the clean twin's customer-managed key, reused for the fix
        rule = s3.get_bucket_encryption(Bucket=key_source)["ServerSideEncryptionConfiguration"]
        s3.put_bucket_encryption(Bucket=fixed, ServerSideEncryptionConfiguration=rule)
        s3.delete_public_access_block(Bucket=twin)
        run_inventory(params, SessionFactory(params), tmp_path / "after" / "snapshot")
    finally:
        s3.put_bucket_encryption(Bucket=fixed, ServerSideEncryptionConfiguration=original[0])
        s3.put_public_access_block(Bucket=twin, PublicAccessBlockConfiguration=original[1])
    assert (s3.get_bucket_encryption(Bucket=fixed)["ServerSideEncryptionConfiguration"],
            s3.get_public_access_block(Bucket=twin)["PublicAccessBlockConfiguration"]) == original
    after = run_all(tmp_path / "after" / "snapshot", params, only=S3_CHECKS)

    result = diff_findings(before, after)
    assert [c.id for c in result.resolved] == [finding_id("S3_PRODUCTION_NO_SSE_KMS", fixed_arn)]
    assert [c.id for c in result.new] == [finding_id("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", twin_arn)]
    # other checks on the broken twin may see it differently (evidence), but nothing else changed
    assert {c.resource for c in result.changed} <= {twin_arn}
    assert all(c.after.status != "FAIL" for c in result.changed)
    assert result.persisting  # the other planted S3 failures are still there
    assert len({f.resource for f in before}) > 10  # every production bucket was examined, not just the two
