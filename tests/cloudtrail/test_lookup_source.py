"""``cloudtrail.source: lookup`` without moto (which has no event history): a botocore Stubber
plays LookupEvents page by page, so the pagination, the read-only guard and the path from event
history to detectors are exercised on the real client and its real service model."""
from __future__ import annotations

import datetime as dt
import json

import boto3
from botocore.stub import Stubber

from synthaudit.aws.guard import install_guard
from synthaudit.cloudtrail.review import review
from synthaudit.cloudtrail.sources import lookup_events_to_folder
from synthaudit.config import parse_params

ACCOUNT = "210987654321"
END = dt.datetime(2026, 11, 30)


def _event(n: int, name: str = "GetBucketAcl", source: str = "s3.amazonaws.com", **extra) -> dict:
    record = {"eventVersion": "1.08", "eventTime": f"2026-11-2{n % 9}T10:00:{n % 60:02d}Z",
              "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
              "eventID": f"00000000-0000-0000-0000-{n:012d}", "recipientAccountId": ACCOUNT,
              "userIdentity": {"type": "AssumedRole", "accountId": ACCOUNT,
                               "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/s"}, **extra}
    return {"EventId": record["eventID"], "EventName": name, "CloudTrailEvent": json.dumps(record)}


def _stubbed_client(pages: list[list[dict]]):
    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    install_guard(session)   # the guard the kit's sessions carry: LookupEvents must pass it
    client = session.client("cloudtrail")
    stub = Stubber(client)
    for i, events in enumerate(pages):
        response = {"Events": events}
        if i + 1 < len(pages):
            response["NextToken"] = f"t{i + 1}"
        expected = {"StartTime": END - dt.timedelta(days=30), "EndTime": END}
        if i:
            expected["NextToken"] = f"t{i}"
        stub.add_response("lookup_events", response, expected)
    stub.activate()
    return client, stub


def test_every_page_of_event_history_is_written(tmp_path):
    pages = [[_event(n) for n in range(k * 50, k * 50 + 50)] for k in range(3)]
    client, stub = _stubbed_client(pages)
    folder = lookup_events_to_folder({"us-east-1": client}, END - dt.timedelta(days=30), END, tmp_path / "ev")
    lines = (folder / "lookup-events-us-east-1.jsonl").read_text().splitlines()
    assert len(lines) == 150 and len({json.loads(x)["eventID"] for x in lines}) == 150
    stub.assert_no_pending_responses()


class _Sessions:
    """What review asks of a session factory: a client per account, service and region."""

    def __init__(self, client):
        self._client = client
        self.asked: list[tuple[str, str, str]] = []

    def client(self, account: str, service: str, region: str):
        self.asked.append((account, service, region))
        return self._client


def test_lookup_events_reach_the_detectors(tmp_path):
    stop = _event(7, name="StopLogging", source="cloudtrail.amazonaws.com",
                  requestParameters={"name": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org"})
    pages = [[_event(n) for n in range(40)], [stop]]
    params = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": ACCOUNT, "name": "p"}],
                           "cloudtrail": {"source": "lookup", "account": ACCOUNT,
                                          "review_days": 10, "baseline_days": 20}})
    client, stub = _stubbed_client(pages)
    sessions = _Sessions(client)
    result = review(params, tmp_path / "out", sessions=sessions, cache_dir=tmp_path / "cache", end=END)
    assert sessions.asked == [(ACCOUNT, "cloudtrail", "us-east-1")]
    assert not result.not_assessed_reason
    fails = [f for f in result.findings if f.status == "FAIL"]
    assert any(stop["EventId"] in json.dumps(f.evidence) for f in fails), [f.check_id for f in fails]
    stub.assert_no_pending_responses()
