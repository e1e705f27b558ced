"""Who a policy-setting call admits (exposure.py) and how rows become findings (anomalies.py)."""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

from synthaudit.cloudtrail import anomalies
from synthaudit.cloudtrail.detectors import load_detectors
from synthaudit.cloudtrail.exposure import grants_of

KNOWN = {"111122223333"}


def _policy(principal, condition=None):
    stmt = {"Sid": "S", "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "*"}
    if condition:
        stmt["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [stmt]}


def _s3(policy) -> list:
    return grants_of("s3.amazonaws.com", "PutBucketPolicy", json.dumps({"bucketName": "b", "bucketPolicy": policy}), KNOWN)


def test_everyone_unless_a_condition_bounds_it():
    assert [g[1] for g in _s3(_policy("*"))] == ["everyone"]
    assert [g[1] for g in _s3(_policy({"AWS": "*"}))] == ["everyone"]
    assert _s3(_policy("*", {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})) == []
    assert _s3(_policy("*", {"StringEquals": {"aws:SourceVpce": "vpce-1"}})) == []
    # a condition on something else does not bound who is admitted
    assert [g[1] for g in _s3(_policy("*", {"Bool": {"aws:SecureTransport": "true"}}))] == ["everyone"]


def test_named_accounts_are_outside_or_known():
    assert _s3(_policy({"AWS": "arn:aws:iam::999988887777:root"}))[0][:2] == ("999988887777", "outside")
    assert _s3(_policy({"AWS": "111122223333"}))[0][:2] == ("111122223333", "known")
    assert _s3(_policy({"Service": "cloudtrail.amazonaws.com"})) == []
    assert _s3({"Statement": "not a list of statements"}) == []   # unparseable: names nobody


def test_policies_of_other_services_are_found_where_cloudtrail_logs_them():
    doc = json.dumps(_policy("*"))
    assert grants_of("sqs.amazonaws.com", "SetQueueAttributes", json.dumps({"attributes": {"Policy": doc}}), KNOWN)
    assert grants_of("sns.amazonaws.com", "SetTopicAttributes",
                     json.dumps({"attributeName": "Policy", "attributeValue": doc}), KNOWN)
    assert not grants_of("sns.amazonaws.com", "SetTopicAttributes",
                         json.dumps({"attributeName": "DisplayName", "attributeValue": doc}), KNOWN)
    assert grants_of("kms.amazonaws.com", "PutKeyPolicy", json.dumps({"keyId": "k", "policy": doc}), KNOWN)
    assert grants_of("es.amazonaws.com", "UpdateDomainConfig", json.dumps({"accessPolicies": doc}), KNOWN)
    assert grants_of("glue.amazonaws.com", "PutResourcePolicy", json.dumps({"policyInJson": doc}), KNOWN)
    acl = {"AccessControlPolicy": {"AccessControlList": {"Grant": [{"Grantee": {
        "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}}}
    assert grants_of("s3.amazonaws.com", "PutBucketAcl", json.dumps(acl), KNOWN)[0][1] == "everyone"
    assert grants_of("s3.amazonaws.com", "PutBucketAcl", json.dumps({"x-amz-acl": ["public-read"]}), KNOWN)
    assert not grants_of("s3.amazonaws.com", "PutBucketAcl", json.dumps({"x-amz-acl": ["private"]}), KNOWN)
    lf = {"entries": [{"principal": {"dataLakePrincipalIdentifier": "999988887777"}, "permissions": ["SELECT"]}]}
    assert grants_of("lakeformation.amazonaws.com", "BatchGrantPermissions", json.dumps(lf), KNOWN)[0][1] == "outside"


class _Runner:
    name, parallelism = "fake", 1

    def __init__(self, rows):
        self.rows = rows

    def run(self, detector):
        return self.rows.get(detector.id, [])


def _row(**over):
    row = {"event_time": dt.datetime(2026, 10, 5, 10), "principal": "arn:aws:iam::111122223333:user/ops",
           "action": "StopLogging", "resource": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t", "account": "111122223333",
           "region": "us-east-1", "detail": "logging stopped", "events": 1, "event_ids": "b,a,a", "failed": False,
           "environment": "unknown"}
    return {**row, **over}


def test_attempts_are_their_own_lower_severity_findings_and_cite_their_events():
    result = SimpleNamespace(findings=[], anomalies=[], detector_status={}, events=2, window={})
    rows = {"CT_TRAIL_STOPPED": [_row(), _row(failed=True, detail="logging stopped (error AccessDenied)")],
            "CT_RESOURCE_POLICY_EXPOSED": [_row(action="SetQueueAttributes", environment="production", event_ids="c")]}
    anomalies.run_detectors(result, _Runner(rows), set(), "file:///logs")
    stopped = [f for f in result.findings if f.check_id == "CT_TRAIL_STOPPED"]
    severity = next(d.severity for d in load_detectors() if d.id == "CT_TRAIL_STOPPED")
    done = next(f for f in stopped if not f.evidence.get("attempted"))
    tried = next(f for f in stopped if f.evidence.get("attempted"))
    assert done.severity == severity and tried.severity == anomalies.det.ATTEMPT_SEVERITY[severity] != severity
    assert tried.evidence["detail"].startswith("attempted, failed:") and done.id != tried.id
    assert done.evidence["event_ids"] == ["a", "b"]
    exposed = next(f for f in result.findings if f.check_id == "CT_RESOURCE_POLICY_EXPOSED")
    assert exposed.severity == "critical" and exposed.environment == "production"
    assert exposed.evidence["event_ids"] == ["c"]
