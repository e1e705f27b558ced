"""Unused grants: never an empty suggested policy; a principal with no recorded use is "unused:
review for removal"; AWS-reserved roles and the audit role are EXCEPTED by a built-in rule; a
principal whose account has no events in the window is NOT_ASSESSED (absence of logs is not disuse)."""
import pandas as pd
import pytest

from helpers import ACCT, OTHER, stmt, store
from synthaudit.iam.review import check_unused

S3_READ = stmt("Allow", ["s3:GetObject", "s3:PutObject", "kms:Decrypt"], "arn:aws:s3:::data/*")


def _events(run_dir, rows):
    (run_dir / "cloudtrail").mkdir(exist_ok=True)
    pd.DataFrame(rows, columns=["event_time", "event_source", "event_name", "principal_arn", "account",
                                "error_code"]).to_parquet(run_dir / "cloudtrail" / "events.parquet")


def _one(findings):
    [f] = findings
    return f


@pytest.fixture
def run(tmp_path):
    # someone else in the account was seen: the account logs
    _events(tmp_path, [("2026-11-01T10:00:00Z", "s3.amazonaws.com", "GetObject",
                        f"arn:aws:sts::{ACCT}:assumed-role/other/x", ACCT, None)])
    return tmp_path


def test_never_seen_is_review_for_removal_without_a_policy(run):
    found, suggested = check_unused(store([S3_READ]), run, 30)
    f = _one(found)
    assert f.status == "FAIL" and f.evidence["verdict"] == "unused: review for removal"
    assert "suggested_policy" not in f.evidence and suggested == {}
    assert "review for removal" in f.remediation and "suggested policy" not in f.remediation.lower()


def test_suggested_policy_holds_only_observed_actions(tmp_path):
    _events(tmp_path, [("2026-11-01T10:00:00Z", "s3.amazonaws.com", "GetObject",
                        f"arn:aws:sts::{ACCT}:assumed-role/app/i-1", ACCT, None)])
    f = _one(check_unused(store([S3_READ]), tmp_path, 30)[0])
    assert f.status == "FAIL" and f.evidence["verdict"].startswith("over-granted")
    [statement] = f.evidence["suggested_policy"]["Statement"]
    assert statement["Action"] == ["s3:GetObject"]


@pytest.mark.parametrize("path,name,rule", [
    ("/aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_Admin_0123", "rule:aws-reserved"),
])
def test_aws_reserved_roles_are_excepted_by_rule(run, path, name, rule):
    s = store([S3_READ], path=path)
    p = s.principal_records()[0]
    assert p.path == path
    f = _one(check_unused(s, run, 30)[0])
    assert f.status == "EXCEPTED" and f.exception["id"] == rule and f.exception["kind"] == "rule"
    assert f.reason.startswith("handled by rule")


def test_audit_role_is_excepted_by_rule(run):
    arn = f"arn:aws:iam::{ACCT}:role/app"
    s = store([S3_READ], resources=[{"arn": arn, "account": ACCT, "environment": "shared",
                                     "environment_rule": "audit-role"}])
    f = _one(check_unused(s, run, 30)[0])
    assert f.status == "EXCEPTED" and f.exception["id"] == "rule:audit-role"


def test_account_without_events_is_not_assessed(run):
    f = _one(check_unused(store([S3_READ], account=OTHER), run, 30)[0])
    assert f.status == "NOT_ASSESSED" and OTHER in f.reason
