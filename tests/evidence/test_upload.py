"""WORM upload on a real moto server: every object under COMPLIANCE retention, deletes refused."""
from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from evidence.fabricate import write_params
from synthaudit.aws.guard import ReadOnlyViolation
from synthaudit.cli import main
from synthaudit.config import load_params
from synthaudit.evidence.manifest import write_manifest
from synthaudit.evidence.upload import RECEIPT_SUFFIX, UploadError, upload_run, upload_session

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def s3(aws_env):
    return boto3.client("s3", endpoint_url=aws_env.endpoint_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def locked_bucket(s3, request):
    name = f"evidence-{request.node.name.replace('_', '-')[:40].lower()}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


@pytest.fixture
def params_file(tmp_path, aws_env):
    return write_params(tmp_path / "params.yaml", aws={"regions": ["us-east-1"], "endpoint_url": aws_env.endpoint_url},
                        evidence={"retention_days": 30})


@pytest.fixture
def sealed_run(tmp_path):
    run = tmp_path / "outputs" / "2026-11-25T0200Z_demo"
    (run / "findings").mkdir(parents=True)
    (run / "findings" / "segregation.json").write_text("[]\n")
    (run / "summary.html").write_text("<html></html>\n")
    write_manifest(run, {"params": {"label": "demo"}})
    return run


def test_every_file_uploaded_with_compliance_retention_and_locked(s3, locked_bucket, params_file, sealed_run):
    before = sorted(p.name for p in sealed_run.rglob("*"))
    receipt, path = upload_run(sealed_run, load_params(params_file), locked_bucket, now=NOW)
    expected_until = NOW + dt.timedelta(days=30)
    files = sorted(p.relative_to(sealed_run).as_posix() for p in sealed_run.rglob("*") if p.is_file())
    assert [o.path for o in receipt.objects] == files
    for obj in receipt.objects:
        head = s3.head_object(Bucket=locked_bucket, Key=obj.key, VersionId=obj.version_id)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"] == expected_until
        assert obj.key == f"{sealed_run.name}/{obj.path}"
        with pytest.raises(ClientError) as err:
            s3.delete_object(Bucket=locked_bucket, Key=obj.key, VersionId=obj.version_id)
        assert err.value.response["Error"]["Code"] == "AccessDenied"
    # the receipt sits beside the run folder (the sealed folder is unchanged) and is locked too
    assert path == sealed_run.parent / f"{sealed_run.name}{RECEIPT_SUFFIX}"
    assert sorted(p.name for p in sealed_run.rglob("*")) == before
    saved = json.loads(path.read_text())
    assert saved["retain_until"] == "2026-12-25T03:00:00Z" and len(saved["objects"]) == len(files)
    head = s3.head_object(Bucket=locked_bucket, Key=f"{sealed_run.name}{RECEIPT_SUFFIX}")
    assert head["ObjectLockMode"] == "COMPLIANCE"


def test_bucket_without_object_lock_is_refused_before_any_write(s3, params_file, sealed_run):
    s3.create_bucket(Bucket="evidence-unlocked")
    with pytest.raises(UploadError, match="evidence-unlocked has no Object Lock"):
        upload_run(sealed_run, load_params(params_file), "evidence-unlocked", now=NOW)
    assert s3.list_objects_v2(Bucket="evidence-unlocked").get("KeyCount") == 0


def test_unsealed_run_is_refused(params_file, sealed_run, locked_bucket):
    (sealed_run / "manifest.json").unlink()
    with pytest.raises(UploadError, match="no manifest.json"):
        upload_run(sealed_run, load_params(params_file), locked_bucket)


def test_run_that_no_longer_matches_its_manifest_is_refused(s3, params_file, sealed_run, locked_bucket):
    (sealed_run / "summary.html").write_text("<html>edited</html>\n")
    with pytest.raises(UploadError, match="changed: summary.html"):
        upload_run(sealed_run, load_params(params_file), locked_bucket)
    assert s3.list_objects_v2(Bucket=locked_bucket).get("KeyCount") == 0


def test_upload_session_allows_put_object_and_nothing_else(params_file, locked_bucket):
    client = upload_session(load_params(params_file)).base_client("s3")
    client.put_object(Bucket=locked_bucket, Key="probe", Body=b"x")
    for call in (lambda: client.delete_object(Bucket=locked_bucket, Key="probe"),
                 lambda: client.put_object_retention(Bucket=locked_bucket, Key="probe", Retention={"Mode": "GOVERNANCE"}),
                 lambda: client.delete_bucket(Bucket=locked_bucket)):
        with pytest.raises(ReadOnlyViolation):
            call()


def test_cli_upload(params_file, sealed_run, locked_bucket, s3, capsys):
    assert main(["upload", str(sealed_run), "--bucket", locked_bucket, "--params", str(params_file)]) == 0
    assert "COMPLIANCE" in capsys.readouterr().out
    s3.create_bucket(Bucket="evidence-cli-unlocked")
    assert main(["upload", str(sealed_run), "--bucket", "evidence-cli-unlocked", "--params", str(params_file)]) == 2
    assert "no Object Lock" in capsys.readouterr().err
