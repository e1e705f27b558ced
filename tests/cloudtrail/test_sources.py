"""Against a real moto server over HTTP: the trail bucket through the guarded session, and Athena."""
from __future__ import annotations

import datetime as dt
import json
import urllib.request

import pytest
from answer_key import load
from synthaudit.aws.guard import ReadOnlyViolation
from synthaudit.aws.preflight import run_preflight
from synthaudit.aws.session import SessionFactory
from synthaudit.cloudtrail.detectors import load_detectors
from synthaudit.cloudtrail.review import review, review_athena
from synthaudit.config import load_params, parse_params
from synthaudit.demo import ids
from synthaudit.workspace import Workspace

pytestmark = pytest.mark.slow
NEEDS_SNAPSHOT = {"CT_DATA_EVENTS_ABSENT"}  # judged from the trail selectors in the phase 01 snapshot (e2e test)


@pytest.fixture(scope="module")
def trail_bucket(demo_estate):
    """The demo's trail bucket in the logging account, seeded with the demo's logs (the session's
    demo estate, whose CloudTrail hook wrote them)."""
    return demo_estate


def test_s3_source_finds_every_plant_and_second_run_reads_nothing_new(trail_bucket, monkeypatch, tmp_path):
    for key, value in trail_bucket.env().items():
        monkeypatch.setenv(key, value)
    params, _ = run_preflight(load_params("params/demo.yaml"))  # discovery and the trail bucket's owner, for real
    assert params.cloudtrail.account == ids.LOGGING and len(params.accounts) == 5
    result = review(params, tmp_path / "run1", sessions=SessionFactory(params), cache_dir=tmp_path / "cache")
    fails = {(f.check_id, f.resource) for f in result.findings if f.status == "FAIL"}
    key = load("cloudtrail")
    missed = [e.id for e in key if e.check not in NEEDS_SNAPSHOT
              and ((e.check, e.resource) in fails) != (e.expect == "FAIL")]
    assert missed == []
    assert result.integrity.signatures_verified > 600  # public key shipped under public-keys/ in the bucket
    sources = json.loads((tmp_path / "run1" / "sources.json").read_text())
    assert sources["source"] == f"s3://{ids.TRAIL_BUCKET}/" and len(sources["objects"]) > 1000
    again = review(params, tmp_path / "run2", sessions=SessionFactory(params), cache_dir=tmp_path / "cache")
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in result.findings]


def test_missing_bucket_is_not_assessed(aws_env, tmp_path):
    params = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": "210987654321", "name": "p"}],
                           "aws": {"endpoint_url": aws_env.endpoint_url},
                           "cloudtrail": {"source": "s3", "bucket": "no-such-trail-bucket", "account": "210987654321"}})
    result = review(params, tmp_path / "out", sessions=SessionFactory(params), cache_dir=tmp_path / "c")
    assert {f.status for f in result.findings} == {"NOT_ASSESSED"}
    assert "NoSuchBucket" in result.not_assessed_reason


def test_lookup_events_unsupported_by_moto_is_not_assessed(aws_env, tmp_path):
    params = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": "210987654321", "name": "p"}],
                           "aws": {"endpoint_url": aws_env.endpoint_url},
                           "cloudtrail": {"source": "lookup", "account": "210987654321"}})
    result = review(params, tmp_path / "out", sessions=SessionFactory(params), cache_dir=tmp_path / "c")
    assert {f.status for f in result.findings} == {"NOT_ASSESSED"}
    assert "LookupEvents" in result.not_assessed_reason


def _athena_params(endpoint: str):
    return parse_params({"label": "t", "estate": "aws", "aws": {"endpoint_url": endpoint},
                         "accounts": [{"id": "210987654321", "name": "p", "environment": "production"},
                                      {"id": "310000000003", "name": "s", "environment": "synthetic"}],
                         "cloudtrail": {"source": "athena", "account": "210987654321",
                                        "athena": {"database": "security", "table": "cloudtrail_logs",
                                                   "output_location": "s3://athena-results/"}}})


def test_athena_engine_runs_every_detector_through_the_guarded_session(aws_env, tmp_path):
    params = _athena_params(aws_env.endpoint_url)
    from synthaudit.cloudtrail.detectors import NEEDS_DIGESTS, NEEDS_POLICY_GRANTS, NEEDS_SELECTORS, OUTPUT_COLUMNS

    unmet = {NEEDS_DIGESTS, NEEDS_SELECTORS, NEEDS_POLICY_GRANTS}   # on Athena, with this params and no snapshot
    detectors = [d for d in load_detectors() if not unmet & set(d.needs)]
    header = {"Data": [{"VarCharValue": c} for c in OUTPUT_COLUMNS]}
    stop = {"Data": [{"VarCharValue": v} for v in (
        "2026-11-01 03:12:00.000", "arn:aws:iam::210987654321:role/ops", "StopLogging",
        "arn:aws:cloudtrail:us-east-1:210987654321:trail/main", "210987654321", "us-east-1", "logging stopped", "1",
        "0f3c9a52-1b7e-4d2a-9c41-5e6f7a8b9c0d", "false", "unknown")]}
    results = [{"rows": [header, stop] if d.id == "CT_TRAIL_STOPPED" else [header]} for d in detectors]
    # moto runs no SQL; it hands out these results in order of the queries (moto-api static results)
    body = json.dumps({"account_id": "210987654321", "region": "us-east-1", "results": results}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{aws_env.endpoint_url}/moto-api/static/athena/query-results",
                                                  data=body, method="POST"), timeout=30).read()
    result = review_athena(params, tmp_path / "out", end=dt.datetime(2026, 11, 20))
    assert result.detector_status["CT_TRAIL_STOPPED"] == "FAIL"
    assert [a.resource for a in result.anomalies] == ["arn:aws:cloudtrail:us-east-1:210987654321:trail/main"]
    assert result.anomalies[0].time == "2026-11-01T03:12:00Z"
    assert result.anomalies[0].evidence["event_ids"] == ["0f3c9a52-1b7e-4d2a-9c41-5e6f7a8b9c0d"]
    assert "attempted" not in result.anomalies[0].evidence     # Athena's text "false" is no attempt
    assert result.detector_status["CT_RESOURCE_POLICY_EXPOSED"] == "NOT_ASSESSED"
    passed = [d for d, s in result.detector_status.items() if s == "PASS"]
    assert len(passed) == len(detectors) - 1
    assert result.detector_status["CT_LOG_FILE_INTEGRITY"] == "NOT_ASSESSED"


def test_athena_needs_the_widened_guard(aws_env):
    params = _athena_params(aws_env.endpoint_url)
    client = SessionFactory(params).client("210987654321", "athena")
    with pytest.raises(ReadOnlyViolation):
        client.start_query_execution(QueryString="SELECT 1")


def test_full_demo_estate_with_snapshot_finds_every_plant(tmp_path, monkeypatch, demo_estate, demo_snapshot_dir,
                                                          demo_workspace):
    """The whole estate (trail bucket seeded by its hook) plus the phase 01 snapshot: every
    entry of the answer key, including the one judged from the trail's selectors. The session's
    cache is warm by now (the full run filled it); the cold path is the test above."""
    for key, value in demo_estate.env().items():
        monkeypatch.setenv(key, value)
    params, _ = run_preflight(load_params("params/demo.yaml"))
    result = review(params, tmp_path / "cloudtrail", sessions=SessionFactory(params),
                    snapshot_dir=demo_snapshot_dir, cache_dir=Workspace(demo_workspace).cloudtrail_cache)
    fails = {(f.check_id, f.resource) for f in result.findings if f.status == "FAIL"}
    missed = [e.id for e in load("cloudtrail")
              if ((e.check, e.resource) in fails) != (e.expect == "FAIL")]
    assert missed == []
    assert "NOT_ASSESSED" not in result.detector_status.values()
