"""Exports: findings.json/csv with stable ids, OCSF Detection Finding and ASFF that validate."""
from __future__ import annotations

import copy
import csv
import io
import json

import jsonschema
import pytest

from evidence.fabricate import baseline_findings, write_params
from synthaudit.config import load_params
from synthaudit.evidence import exports, schemas
from synthaudit.evidence.exceptions import apply_exceptions, parse_exceptions
from synthaudit.findings import read_json


@pytest.fixture
def items():
    flat = [f for v in baseline_findings().values() for f in v]
    rules = parse_exceptions([{"id": "EX-1", "check": "S3_PRODUCTION_NO_SSE_KMS", "resource": "*phi-archive*",
                               "owner": "ciso@example.org", "reason": "migrating to SSE-KMS next quarter",
                               "approved": "2026-10-01", "expires": "2027-01-31"}], "x.yaml")
    import datetime as dt
    return apply_exceptions(flat, rules, dt.date(2026, 11, 25)).findings


@pytest.fixture
def written(tmp_path, items):
    params = load_params(write_params(tmp_path / "p.yaml"))
    run = tmp_path / "2026-11-25T0200Z_demo"
    run.mkdir()
    return run, exports.write_exports(run, items, params), items


def test_all_four_exports_written_with_every_finding(written):
    run, paths, items = written
    assert sorted(paths) == sorted(exports.EXPORT_NAMES)
    assert [f.id for f in read_json(paths["findings.json"])] == [f.id for f in sorted(items, key=lambda f: f.sort_key())]
    rows = list(csv.DictReader(io.StringIO(paths["findings.csv"].read_text())))
    assert len(rows) == len(items) and {r["id"] for r in rows} == {f.id for f in items}
    assert any(r["status"] == "EXCEPTED" and "EX-1" in r["exception"] for r in rows)


def test_ocsf_validates_against_detection_finding_schema(written):
    _, paths, items = written
    data = json.loads(paths["findings.ocsf.json"].read_text())
    jsonschema.validate(data, schemas.ocsf_schema())
    assert len(data) == len(items)
    assert {d["class_uid"] for d in data} == {2004} and {d["type_uid"] for d in data} == {200401}
    excepted = next(d for d in data if d["status_code"] == "EXCEPTED")
    assert excepted["status_id"] == 3 and "EX-1" in excepted["status_detail"]
    import datetime as dt
    run_start = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.timezone.utc)  # from the run folder's name
    assert {d["time"] for d in data} == {int(run_start.timestamp() * 1000)}


def test_asff_validates_against_securityhub_schema(written):
    _, paths, items = written
    data = json.loads(paths["findings.asff.json"].read_text())
    jsonschema.validate(data, schemas.asff_schema())
    bucket = next(d for d in data if d["Resources"][0]["Id"] == "arn:aws:s3:::phi-claims-prod"
                  and d["GeneratorId"].endswith("S3_SYNTHETIC_ACCESS_TO_PRODUCTION"))
    assert bucket["Resources"][0]["Type"] == "AwsS3Bucket" and bucket["Compliance"]["Status"] == "FAILED"
    assert bucket["AwsAccountId"] == "210987654321"
    # findings with no account or non-ARN resources still get a 12-digit account (management)
    leak = next(d for d in data if d["Resources"][0]["Id"] == "dataset:claims")
    assert leak["AwsAccountId"] == "100000000001" and leak["Resources"][0]["Type"] == "Other"
    suppressed = next(d for d in data if d["Workflow"]["Status"] == "SUPPRESSED")
    assert suppressed["Note"]["UpdatedBy"] == "ciso@example.org"


@pytest.mark.parametrize("name, breaks", [
    ("findings.asff.json", lambda d: d[0].pop("AwsAccountId")),
    ("findings.asff.json", lambda d: d[0].update(AwsAccountId="12345")),
    ("findings.asff.json", lambda d: d[0]["Severity"].update(Label="SEVERE")),
    ("findings.asff.json", lambda d: d[0].update(Types=["Made Up/Category"])),
    ("findings.ocsf.json", lambda d: d[0].update(class_uid=2003)),
    ("findings.ocsf.json", lambda d: d[0]["metadata"].pop("version")),
    ("findings.ocsf.json", lambda d: d[0]["finding_info"].pop("uid")),
    ("findings.ocsf.json", lambda d: d[0].update(severity_id=7)),
])
def test_schemas_reject_broken_records(written, name, breaks):
    _, paths, _ = written
    data = json.loads(paths[name].read_text())
    broken = copy.deepcopy(data)
    breaks(broken)
    schema = schemas.asff_schema() if "asff" in name else schemas.ocsf_schema()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_exports_are_deterministic(tmp_path, items):
    params = load_params(write_params(tmp_path / "p.yaml"))
    run = tmp_path / "2026-11-25T0200Z_demo"
    run.mkdir()
    first = {k: p.read_bytes() for k, p in exports.write_exports(run, items, params).items()}
    second = {k: p.read_bytes() for k, p in exports.write_exports(run, list(reversed(items)), params).items()}
    assert first == second


def test_committed_asff_schema_matches_botocore_model():
    assert schemas.derive_asff_schema()["$defs"] == schemas.asff_schema()["$defs"]


def test_schemas_are_valid_json_schemas():
    jsonschema.Draft202012Validator.check_schema(schemas.asff_schema())
    jsonschema.Draft202012Validator.check_schema(schemas.ocsf_schema())


@pytest.mark.parametrize("arn, kind", [
    ("arn:aws:s3:::b", "AwsS3Bucket"), ("arn:aws:iam::210987654321:role/x", "AwsIamRole"),
    ("arn:aws:rds:us-east-1:210987654321:cluster-snapshot:s", "AwsRdsDbClusterSnapshot"),
    ("arn:aws:rds:us-east-1:210987654321:cluster:c", "AwsRdsDbCluster"),
    ("arn:aws:lambda:us-east-1:210987654321:function:f", "AwsLambdaFunction"),
    ("arn:aws:glue:us-east-1:210987654321:job/j", "Other"), ("dataset:claims", "Other"),
    ("arn:aws:sqs:us-east-1:210987654321:q", "AwsSqsQueue"), ("arn:aws:sns:us-east-1:210987654321:t", "AwsSnsTopic"),
])
def test_asff_resource_types(arn, kind):
    assert exports.asff_resource_type(arn) == kind
