"""One event, one count: new-behaviour findings link to the specific finding of the same event;
CloudTrail findings carry their resource's environment; errors name objects, not temp paths."""
from synthaudit import catalogue
from synthaudit.cloudtrail import linking
from synthaudit.cloudtrail.ingest import _without_local_paths

ROLE = "arn:aws:iam::210987654321:role/prod-dba-admin"
FLOW_LOG = "arn:aws:ec2:us-east-1:210987654321:vpc-flow-log/fl-1"


def _ct(check, resource, events, n=None, disc="t"):
    return catalogue.finding(check, resource, "FAIL", account="210987654321", region="us-east-1",
                             evidence={"event_ids": events, "events": n or len(events)}, discriminator=disc)


def test_event_reported_by_a_specific_detector_is_linked_not_counted_again():
    specific = _ct("CT_FLOW_LOGS_DELETED", FLOW_LOG, ["e1"])
    action = _ct("CT_NEW_PRINCIPAL_ACTION", ROLE, ["e1"])
    resource = _ct("CT_NEW_PRINCIPAL_RESOURCE", FLOW_LOG, ["e1"])
    out = {f.check_id: f for f in linking.link_new_behaviour([specific, action, resource])}
    assert out["CT_FLOW_LOGS_DELETED"].status == "FAIL"
    for check in ("CT_NEW_PRINCIPAL_ACTION", "CT_NEW_PRINCIPAL_RESOURCE"):
        f = out[check]
        assert f.status == "EXCEPTED" and f.exception["id"] == "rule:reported-by-specific-detector"
        assert {"check_id": "CT_FLOW_LOGS_DELETED", "finding_id": specific.id} in f.evidence["also_reported_by"]
    assert sum(f.status == "FAIL" for f in out.values()) == 1


def test_partly_reported_row_stays_a_failure_with_its_link():
    specific = _ct("CT_FLOW_LOGS_DELETED", FLOW_LOG, ["e1"])
    action = _ct("CT_NEW_PRINCIPAL_ACTION", ROLE, ["e1", "e2"])
    truncated = _ct("CT_NEW_PRINCIPAL_SOURCE", ROLE, ["e1"], n=500)  # more events than ids listed
    out = {f.check_id: f for f in linking.link_new_behaviour([specific, action, truncated])}
    assert out["CT_NEW_PRINCIPAL_ACTION"].status == "FAIL"
    assert out["CT_NEW_PRINCIPAL_ACTION"].evidence["also_reported_by"][0]["check_id"] == "CT_FLOW_LOGS_DELETED"
    assert out["CT_NEW_PRINCIPAL_SOURCE"].status == "FAIL"


def test_new_behaviour_detectors_link_to_each_other_in_order():
    action = _ct("CT_NEW_PRINCIPAL_ACTION", ROLE, ["e9"])
    resource = _ct("CT_NEW_PRINCIPAL_RESOURCE", FLOW_LOG, ["e9"])
    out = {f.check_id: f for f in linking.link_new_behaviour([resource, action])}
    assert out["CT_NEW_PRINCIPAL_ACTION"].status == "FAIL"
    assert out["CT_NEW_PRINCIPAL_RESOURCE"].status == "EXCEPTED"


def test_environment_from_classification():
    tables = {"environment": [(ROLE, "210987654321", "production", "prod-dba-admin")],
              "accounts": [("310000000003", "synthetic")]}
    lookup = linking.environment_lookup(tables)
    other = "arn:aws:iam::310000000003:role/x"
    org = "arn:aws:organizations::100000000001:account/o-x/310000000003"
    found = linking.fill_environments([_ct("CT_NEW_PRINCIPAL_ACTION", r, ["e"]) for r in (ROLE, other, org)], lookup)
    assert [f.environment for f in found] == ["production", "synthetic", "synthetic"]
    bucket = linking.environment_lookup({"environment": [("arn:aws:s3:::trail", "4", "shared", "trail")]})
    assert bucket("arn:aws:s3:::trail/AWSLogs/x.json.gz", None) == "shared"
    assert linking.fill_environments([_ct("CT_NEW_PRINCIPAL_ACTION", "arn:aws:iam::999999999999:role/y", ["e"])],
                                     lookup)[0].environment is None


def test_error_messages_name_the_object_not_the_staging_folder():
    msg = "IO Error: Unexpected end of GZIP stream: /tmp/synthaudit-ct-abc/batch0/AWSLogs/x.json.gz"
    out = _without_local_paths(msg, {"/tmp/synthaudit-ct-abc/batch0/AWSLogs/x.json.gz": "AWSLogs/x.json.gz"})
    assert out == "IO Error: Unexpected end of GZIP stream: AWSLogs/x.json.gz" and "/tmp" not in out
