"""The public data sets: every CloudTrail file parses, and the stratus techniques are detected."""
from __future__ import annotations

import pytest

from synthaudit.cloudtrail.review import review
import datetime as dt
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
STRATUS = SHARED_DATA / "cloudtrail-stratus-red-team"
OTRF = SHARED_DATA / "cloudtrail-otrf"
EVER = dt.datetime(2000, 1, 1)


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared public data sets sit beside the clone in CI)")
    return path

TECHNIQUES = {
    "aws.defense-evasion.cloudtrail-stop.json": "CT_TRAIL_STOPPED",
    "aws.defense-evasion.cloudtrail-delete.json": "CT_TRAIL_DELETED",
    "aws.defense-evasion.cloudtrail-event-selectors.json": "CT_TRAIL_COVERAGE_REDUCED",
    "aws.defense-evasion.vpc-remove-flow-logs.json": "CT_FLOW_LOGS_DELETED",
    "aws.defense-evasion.organizations-leave.json": "CT_LEFT_ORGANIZATION",
    "aws.exfiltration.ec2-share-ebs-snapshot.json": "CT_SNAPSHOT_SHARED",
    "aws.exfiltration.ec2-share-ami.json": "CT_SNAPSHOT_SHARED",
    "aws.exfiltration.rds-share-snapshot.json": "CT_SNAPSHOT_SHARED",
    "aws.initial-access.console-login-without-mfa.json": "CT_CONSOLE_LOGIN_WITHOUT_MFA",
    "aws.exfiltration.ec2-security-group-open-port-22-ingress.json": "CT_SECURITY_GROUP_ADMIN_PORT_OPENED",
}


def test_every_stratus_file_parses_without_errors(stratus_review):
    result, _ = stratus_review
    json_files = sorted(p.name for p in STRATUS.glob("*.json"))
    assert sorted(s.key for s in result.sources) == json_files
    assert [s.key for s in result.sources if s.status != "ok"] == []
    assert sum(s.events for s in result.sources) == 310
    assert result.skipped == [{"key": "LICENSE", "reason": "not a JSON file (no extension), not CloudTrail"}]


@pytest.mark.parametrize("technique,detector", sorted(TECHNIQUES.items()))
def test_stratus_technique_detected(technique, detector, stratus_review, tmp_path):
    result = review(None, tmp_path / "out", logs=require(STRATUS) / technique, start=EVER, cache_dir=tmp_path / "c")
    assert detector in {a.detector for a in result.anomalies}, [a.detector for a in result.anomalies]


def test_stratus_without_baseline_or_digests_is_not_assessed_not_passed(stratus_review):
    result, _ = stratus_review
    status = result.detector_status
    for detector in ("CT_ACTIVITY_SPIKE", "CT_NEW_PRINCIPAL_ACTION", "CT_LOG_FILE_INTEGRITY", "CT_SYNTHETIC_READS_PRODUCTION_S3"):
        assert status[detector] == "NOT_ASSESSED"
    reasons = {f.check_id: f.reason for f in result.findings if f.status == "NOT_ASSESSED"}
    assert "baseline" in reasons["CT_ACTIVITY_SPIKE"] and "digest" in reasons["CT_LOG_FILE_INTEGRITY"]


def test_otrf_cloudtrail_parses_and_other_files_are_reported_not_cloudtrail(tmp_path):
    result = review(None, tmp_path / "out", logs=require(OTRF), start=EVER, cache_dir=tmp_path / "c")
    assert [(s.key, s.status, s.events) for s in result.sources] == [
        ("ec2_proxy_s3_exfiltration_2020-09-14011940.json", "ok", 103)]
    skipped = {s["key"]: s["reason"] for s in result.skipped}
    assert "CSV" in skipped["AWS_S3_HoneyBucketLogs.csv"] and "not CloudTrail" in skipped["AWS_S3_HoneyBucketLogs.csv"]
    assert {"SDAWS-200914011940.yaml", "SDAWS-2202181000.yaml", "LICENSE"} <= set(skipped)
    # clean data: every detector that can judge it passes (the passing case of the tampering detectors)
    assert result.detector_status["CT_TRAIL_STOPPED"] == "PASS"
    assert result.detector_status["CT_SNAPSHOT_SHARED"] == "PASS"
    assert result.anomalies == []


def test_csv_passed_alone_is_not_cloudtrail_not_a_parse_error(tmp_path):
    result = review(None, tmp_path / "out", logs=require(OTRF) / "AWS_S3_HoneyBucketLogs.csv", cache_dir=tmp_path / "c")
    assert result.sources == []
    assert "not CloudTrail" in result.skipped[0]["reason"]
    assert result.not_assessed_reason and "no readable CloudTrail events" in result.not_assessed_reason
    assert {f.status for f in result.findings} == {"NOT_ASSESSED"}
