"""Detector SQL: catalogue coverage, Trino transpilation, and the detectors the demo cannot exercise."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
import pyarrow.parquet as pq
import sqlglot

from synthaudit.catalogue import load
from synthaudit.cloudtrail.athena import create_table_sql
from synthaudit.cloudtrail.detectors import load_detectors
from synthaudit.cloudtrail.engines import AthenaEngine, to_trino
from synthaudit.cloudtrail.review import review
from synthaudit.config import parse_params

SETTINGS = {"review_start": dt.datetime(2026, 10, 1), "review_end": dt.datetime(2026, 10, 30, 23),
            "baseline_start": dt.datetime(2026, 8, 1), "spike_mad": 5.0, "spike_min_events": 50,
            "min_baseline_days": 5, "denied_burst": 10, "min_profile_events": 50, "max_usual_hours": 16, "gap_hours": 4}


def test_every_detector_has_a_catalogue_entry_with_family():
    detectors = load_detectors()
    entries = {k: v for k, v in load().items() if v.phase == "cloudtrail"}
    assert {d.id for d in detectors} == set(entries)
    assert all(entries[d.id].family for d in detectors)


def test_every_detector_transpiles_and_parses_as_trino():
    engine = AthenaEngine(None, "security", "cloudtrail_logs",
                          {"accounts": [("210987654321", "production")], "admin_ports": [(22,), (3389,)]}, SETTINGS)
    for detector in load_detectors():
        query = engine.query_for(detector)
        tree = sqlglot.parse_one(query, read="trino")
        assert tree.find(sqlglot.exp.Select) is not None, detector.id
        assert "PERCENTILE_CONT" not in query and "[1]" not in query and "MEDIAN(" not in query.upper()


def test_trino_rewrites():
    assert "APPROX_PERCENTILE(x, 0.5)" in to_trino("SELECT median(x) FROM t")
    assert "ELEMENT_AT(resources, 1)" in to_trino("SELECT resources[1].arn FROM t")
    assert "JSON_FORMAT(JSON_EXTRACT(" in to_trino("SELECT CAST(json_extract(r, '$.a') AS VARCHAR) FROM t")


def test_athena_ddl_uses_partition_projection():
    ddl = create_table_sql("cloudtrail_logs", "trail-bucket", "", "o-abc", ["111111111111"], ["us-east-1"])
    assert "'projection.enabled' = 'true'" in ddl
    assert "s3://trail-bucket/AWSLogs/o-abc/${account}/CloudTrail/${region}/${day}" in ddl
    assert "PARTITIONED BY (account STRING, region STRING, day STRING)" in ddl


def _logs(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.json").write_text(json.dumps({"Records": records}))
    return folder


def _s3_event(day: int, bucket: str) -> dict:
    return {"eventTime": f"2026-10-{day:02d}T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
            "awsRegion": "us-east-1", "recipientAccountId": "210987654321",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::210987654321:user/etl", "accountId": "210987654321"},
            "requestParameters": {"bucketName": bucket}}


def _snapshot(folder: Path, buckets: list[str]) -> Path:
    tables = folder / "tables"
    tables.mkdir(parents=True)
    selectors = [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                  "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{b}/" for b in buckets]}]}]
    pq.write_table(pa.table({
        "arn": ["arn:aws:cloudtrail:us-east-1:100000000001:trail/org"], "account": ["100000000001"],
        "environment": ["shared"], "s3_bucket_name": ["trail-bucket"], "event_selectors": [json.dumps(selectors)]}),
        tables / "cloudtrail_trails.parquet")
    pq.write_table(pa.table({"arn": [f"arn:aws:s3:::{b}" for b in buckets], "account": ["210987654321"] * len(buckets),
                             "environment": ["production"] * len(buckets)}), tables / "s3_buckets.parquet")
    return folder


PARAMS = parse_params({"label": "t", "estate": "aws", "accounts": [
    {"id": "210987654321", "name": "prod", "environment": "production"},
    {"id": "310000000003", "name": "synth", "environment": "synthetic"}]})


def test_data_events_absent_fails_passes_and_needs_selectors(tmp_path):
    logs = _logs(tmp_path / "logs", [_s3_event(d, "phi-claims-prod") for d in range(1, 20)])
    snapshot = _snapshot(tmp_path / "snap", ["phi-claims-prod", "phi-imaging-prod"])
    result = review(PARAMS, tmp_path / "out", logs=logs, snapshot_dir=snapshot, cache_dir=tmp_path / "c",
                    start=dt.datetime(2026, 10, 1))
    fails = {f.resource for f in result.findings if f.check_id == "CT_DATA_EVENTS_ABSENT" and f.status == "FAIL"}
    assert fails == {"arn:aws:s3:::phi-imaging-prod"}  # claims has data events, imaging has none
    no_snapshot = review(PARAMS, tmp_path / "out2", logs=logs, cache_dir=tmp_path / "c", start=dt.datetime(2026, 10, 1))
    assert no_snapshot.detector_status["CT_DATA_EVENTS_ABSENT"] == "NOT_ASSESSED"


def test_lookup_without_session_is_not_assessed(tmp_path):
    params = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": "210987654321", "name": "p"}],
                           "cloudtrail": {"source": "lookup"}})
    result = review(params, tmp_path / "out", cache_dir=tmp_path / "c")
    assert {f.status for f in result.findings} == {"NOT_ASSESSED"}
    assert "lookup" in result.not_assessed_reason


def _varied_events(seed: int) -> list[dict]:
    """Six principals over 45 days with their own hours, actions, buckets and networks, a review
    window where some of them change habits, and an AWS service calling every hour but for a few
    hours on one review day: every baseline detector has work."""
    import random

    rng = random.Random(seed)
    actions = [("s3.amazonaws.com", "GetObject"), ("s3.amazonaws.com", "PutObject"), ("kms.amazonaws.com", "Decrypt"),
               ("ec2.amazonaws.com", "DescribeInstances"), ("sts.amazonaws.com", "AssumeRole")]
    records = []
    gap_day, gap_start = 32 + seed % 5, rng.randrange(3)   # a night without calls: only the service's
    for day in range(45):
        when = dt.datetime(2026, 8, 17) + dt.timedelta(days=day)
        records.extend({
            "eventTime": (when + dt.timedelta(hours=hour, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "config.amazonaws.com", "eventName": "PutEvaluations", "awsRegion": "us-east-1",
            "recipientAccountId": "210987654321", "sourceIPAddress": "config.amazonaws.com",
            "userIdentity": {"type": "AWSService", "invokedBy": "config.amazonaws.com"}}
            for hour in range(24) if not (day == gap_day and gap_start <= hour < gap_start + 6))
        for p in range(6):
            late = day >= 30 and day != gap_day and p % 2 == 0 and rng.random() < 0.4   # habits change in the review window
            for _ in range(rng.randrange(3, 40 if not late else 120)):
                hour = rng.choice((9, 10, 11, 14)) if not late else rng.randrange(24)
                source, name = actions[(p + (rng.randrange(5) if late else rng.randrange(2))) % len(actions)]
                records.append({
                    "eventTime": (when + dt.timedelta(hours=hour, minutes=rng.randrange(60))).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
                    "recipientAccountId": "210987654321",
                    "sourceIPAddress": f"10.{p}.{rng.randrange(3) if late else 0}.{rng.randrange(250)}",
                    "userAgent": rng.choice(["aws-cli/2.15", "Boto3/1.34"]) if late else "Boto3/1.34",
                    "errorCode": "AccessDenied" if late and rng.random() < 0.2 else None,
                    "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::210987654321:user/u{p}",
                                     "accountId": "210987654321"},
                    "requestParameters": {"bucketName": f"bucket-{p}-{rng.randrange(4) if late else 0}"}})
    return records


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hourly_rollup_gives_the_same_rows_as_every_single_event(tmp_path, seed):
    """The baseline detectors read `activity` (sql/activity.sql), classified events rolled up per
    hour. Replacing it by a 'rollup' of one row per event must not change a single row they return."""
    from synthaudit.cloudtrail.detectors import helper_sql
    from synthaudit.cloudtrail.engines import DuckDBEngine, strip_comments
    from synthaudit.cloudtrail.ingest import Cache, connect, ingest
    from synthaudit.cloudtrail.sources import LocalSource

    logs = _logs(tmp_path / "logs", _varied_events(seed))
    source = LocalSource(logs)
    cache = Cache(tmp_path / "cache", source.uri)
    con = connect()
    ingest(source, [o for o in source.list() if o.kind == "log"], cache, con)
    settings = {**SETTINGS, "review_start": dt.datetime(2026, 9, 16), "review_end": dt.datetime(2026, 9, 30, 23, 59),
                "baseline_start": dt.datetime(2026, 8, 17), "spike_min_events": 20, "min_profile_events": 20}
    engine = DuckDBEngine(con, cache.scan_sql(), {"accounts": [("210987654321", "production")]}, settings)
    readers = [d for d in load_detectors() if "activity" in d.sql or "settled_principals" in d.sql]
    assert len(readers) == 6
    def rows(d):  # event ids come comma-joined in any order; the anomaly sorts them
        return sorted(repr({**r, "event_ids": sorted((r["event_ids"] or "").split(","))}) for r in engine.run(d))

    rolled = {d.id: rows(d) for d in readers}
    assert con.execute("SELECT count(*) FROM activity").fetchone()[0] < con.execute("SELECT count(*) FROM classified").fetchone()[0]
    con.execute("""
        CREATE OR REPLACE TABLE activity AS
        SELECT principal_arn, principal_type, account, region, event_day, date_trunc('hour', event_time) AS hour_start,
               event_source, event_name, resource_arn, network, client, in_review,
               CAST(1 AS BIGINT) AS n, event_time AS first_time, CASE WHEN in_review THEN event_id END AS event_ids
        FROM classified
    """)
    con.execute(f"CREATE OR REPLACE TABLE settled_principals AS {strip_comments(helper_sql('settled_principals'))}")
    single = {d.id: rows(d) for d in readers}
    assert rolled == single
    assert all(rolled.values()), rolled   # every one of them had something to say


# --- the detector list: built from the SQL files and the catalogue, validated both ways ----------
def _entries():
    return {k: v for k, v in load().items() if v.phase == "cloudtrail"}


def _sql_dir(tmp_path: Path, *ids: str) -> Path:
    for check_id in ids:
        (tmp_path / f"{check_id.lower()}.sql").write_text("SELECT 1")
    return tmp_path


def test_detector_list_is_built_once_and_carries_its_preconditions():
    from synthaudit.cloudtrail import detectors as det

    assert det.detectors() is det.detectors()
    needs = {d.id: d.needs for d in det.detectors()}
    assert needs["CT_NEW_PRINCIPAL_ACTION"] == (det.NEEDS_BASELINE,)
    assert needs["CT_ROOT_ACTIVITY"] == ()


def test_a_sql_file_without_a_catalogue_entry_is_refused(tmp_path):
    from synthaudit.cloudtrail.detectors import build_detectors

    entries = {"CT_ROOT_ACTIVITY": _entries()["CT_ROOT_ACTIVITY"]}
    with pytest.raises(KeyError, match="CT_NO_SUCH"):
        build_detectors(_sql_dir(tmp_path, "CT_ROOT_ACTIVITY", "CT_NO_SUCH"), entries, {})


def test_a_catalogue_entry_without_sql_is_refused(tmp_path):
    from synthaudit.cloudtrail.detectors import build_detectors

    entries = {k: _entries()[k] for k in ("CT_ROOT_ACTIVITY", "CT_TRAIL_DELETED")}
    with pytest.raises(KeyError, match="CT_TRAIL_DELETED"):
        build_detectors(_sql_dir(tmp_path, "CT_ROOT_ACTIVITY"), entries, {})


def test_a_precondition_for_an_unknown_detector_is_refused(tmp_path):
    """A misspelt id would let that detector run without its precondition (pass instead of NOT_ASSESSED)."""
    from synthaudit.cloudtrail.detectors import NEEDS_BASELINE, build_detectors

    entries = {"CT_ROOT_ACTIVITY": _entries()["CT_ROOT_ACTIVITY"]}
    with pytest.raises(KeyError, match="CT_ROOT_ACTIVTY"):
        build_detectors(_sql_dir(tmp_path, "CT_ROOT_ACTIVITY"), entries, {"CT_ROOT_ACTIVTY": (NEEDS_BASELINE,)})
    with pytest.raises(ValueError, match="does not check"):
        build_detectors(_sql_dir(tmp_path, "CT_ROOT_ACTIVITY"), entries, {"CT_ROOT_ACTIVITY": ("a wish",)})
