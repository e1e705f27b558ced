"""Reading log files: the three shapes, gzip or not, bad files named, the ledger, the cache."""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthaudit.cloudtrail.ingest import Cache, connect, ingest
from synthaudit.cloudtrail.sources import LocalSource, describe_key


def record(name="GetObject", when="2026-11-01T10:00:00Z", **extra):
    base = {"eventVersion": "1.09", "eventTime": when, "eventSource": "s3.amazonaws.com", "eventName": name,
            "awsRegion": "us-east-1", "recipientAccountId": "210987654321",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::210987654321:user/alice", "accountId": "210987654321"},
            "requestParameters": {"bucketName": "phi-claims-prod", "key": "a.csv"}}
    base.update(extra)
    return base


def run_ingest(folder: Path, cache_root: Path):
    source = LocalSource(folder)
    objects = [o for o in source.list() if o.kind == "log"]
    cache = Cache(cache_root, source.uri)
    con = connect()
    entries = ingest(source, objects, cache, con)
    return {e.key: e for e in entries}, cache, con


def test_three_shapes_gzip_and_shipper_time(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    with gzip.open(logs / "envelope.json.gz", "wt") as handle:
        json.dump({"Records": [record(), record("PutObject")]}, handle)
    (logs / "array.json").write_text(json.dumps([record("ListBuckets")], indent=2))
    shipped = record("HeadObject")
    shipped.pop("eventTime")
    shipped["@timestamp"] = "2026-11-01T10:05:00.000Z"  # Logstash moved eventTime here
    (logs / "lines.jsonl").write_text(json.dumps(record("GetBucketAcl")) + "\n" + json.dumps(shipped) + "\n")
    entries, cache, con = run_ingest(logs, tmp_path / "cache")
    assert {k: (e.status, e.events) for k, e in entries.items()} == {
        "envelope.json.gz": ("ok", 2), "array.json": ("ok", 1), "lines.jsonl": ("ok", 2)}
    names = sorted(r[0] for r in con.execute(f"SELECT event_name FROM {cache.scan_sql()}").fetchall())
    assert names == ["GetBucketAcl", "GetObject", "HeadObject", "ListBuckets", "PutObject"]


def test_one_line_arrays_and_empty_envelopes_count_like_any_other_shape(tmp_path):
    """Batches are first read as one JSON object per line (a trail's shape); a one-line JSON array
    must not pass that way as one record-less object, and an envelope without records is one
    object with no events, not an unreadable file."""
    logs = tmp_path / "logs"
    logs.mkdir()
    with gzip.open(logs / "a-envelope.json.gz", "wt") as handle:
        handle.write(json.dumps({"Records": [record(), record("PutObject")]}))
    (logs / "b-array.json").write_text(json.dumps([record("ListBuckets"), record("HeadBucket")]))
    (logs / "c-empty.json").write_text(json.dumps({"Records": []}))
    (logs / "d-lines.jsonl").write_text(json.dumps(record("GetBucketAcl")) + "\n" + json.dumps(record("HeadObject")))
    entries, cache, con = run_ingest(logs, tmp_path / "cache")
    assert {k: (e.status, e.events, e.invalid_records) for k, e in entries.items()} == {
        "a-envelope.json.gz": ("ok", 2, 0), "b-array.json": ("ok", 2, 0), "c-empty.json": ("ok", 0, 0),
        "d-lines.jsonl": ("ok", 2, 0)}
    names = sorted(r[0] for r in con.execute(f"SELECT event_name FROM {cache.scan_sql()}").fetchall())
    assert names == ["GetBucketAcl", "GetObject", "HeadBucket", "HeadObject", "ListBuckets", "PutObject"]


def test_corrupt_files_are_named_and_the_rest_is_processed(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "good.json").write_text(json.dumps({"Records": [record()]}))
    (logs / "truncated.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [record()] * 50}).encode())[:60])
    (logs / "invalid.json").write_text('{"Records": [{"eventTime": ')
    (logs / "foreign.json").write_text(json.dumps({"hello": "world", "items": [1, 2]}))
    entries, *_ = run_ingest(logs, tmp_path / "cache")
    assert entries["good.json"].status == "ok" and entries["good.json"].events == 1
    assert entries["truncated.json.gz"].status == "corrupt" and "GZIP" in entries["truncated.json.gz"].error
    assert entries["invalid.json"].status == "corrupt" and "JSON" in entries["invalid.json"].error
    assert entries["foreign.json"].status == "not_cloudtrail"


def test_keys_differing_only_in_case_do_not_break_parsing(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    odd = record(requestParameters={"bucketName": "b", "Key": "x", "key": "y"},
                 responseElements={"ETag": "1", "etag": "2"})
    (logs / "case.json").write_text(json.dumps({"Records": [odd]}))
    entries, *_ = run_ingest(logs, tmp_path / "cache")
    assert entries["case.json"].status == "ok" and entries["case.json"].events == 1


def test_ledger_means_a_second_run_parses_only_new_files(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps({"Records": [record()]}))
    entries, cache, _ = run_ingest(logs, tmp_path / "cache")
    assert len(cache.ledger()) == 1
    (logs / "b.json").write_text(json.dumps({"Records": [record("PutObject")]}))
    source = LocalSource(logs)
    calls = []
    original = source.fetch
    source.fetch = lambda objs, staging: calls.append([o.key for o in objs]) or original(objs, staging)
    ingest(source, [o for o in source.list() if o.kind == "log"], cache, connect())
    assert calls == [["b.json"]]
    assert set(cache.ledger()) == {"a.json", "b.json"}
    assert all(len(e.sha256) == 64 for e in cache.ledger().values())


def test_non_json_files_are_reported_as_not_cloudtrail():
    assert describe_key("AWS_S3_HoneyBucketLogs.csv").kind == "other"
    assert "not CloudTrail" in describe_key("AWS_S3_HoneyBucketLogs.csv").note
    assert describe_key("meta.yaml").kind == "other"
    key = "AWSLogs/o-abc123/210987654321/CloudTrail/us-east-1/2026/11/01/210987654321_CloudTrail_us-east-1_20261101T0005Z_abcdefghijklmnop.json.gz"
    obj = describe_key(key)
    assert (obj.kind, obj.account, obj.region, str(obj.day), obj.org_id) == ("log", "210987654321", "us-east-1", "2026-11-01", "o-abc123")
    assert describe_key(key.replace("/CloudTrail/", "/CloudTrail-Digest/")).kind == "digest"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({
    "eventName": st.text(min_size=1, max_size=20), "sourceIPAddress": st.text(max_size=30),
    "requestParameters": st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=10), st.none()), max_size=4),
}), min_size=1, max_size=20))
def test_any_records_with_time_name_source_parse(tmp_path_factory, items):
    folder = tmp_path_factory.mktemp("prop")
    records = [{**item, "eventTime": "2026-11-01T10:00:00Z", "eventSource": "x.amazonaws.com"} for item in items]
    (folder / "f.json").write_text(json.dumps({"Records": records}))
    entries, cache, con = run_ingest(folder, folder.parent / (folder.name + "-cache"))
    assert entries["f.json"].status == "ok" and entries["f.json"].events == len(records)


def test_run_events_file_is_reused_while_the_ledger_is_unchanged_and_rebuilt_when_it_changes(tmp_path):
    import duckdb

    from synthaudit.cloudtrail.review import review

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps({"Records": [record(when=f"2026-11-{d:02d}T10:00:00Z") for d in range(1, 4)]}))
    cache_dir = tmp_path / "cache"
    first = review(None, tmp_path / "run1", logs=logs, cache_dir=cache_dir)
    second = review(None, tmp_path / "run2", logs=logs, cache_dir=cache_dir)
    assert first.events == second.events == 3
    assert (tmp_path / "run1" / "events.parquet").read_bytes() == (tmp_path / "run2" / "events.parquet").read_bytes()
    assert [a.__dict__ for a in first.anomalies] == [a.__dict__ for a in second.anomalies]
    (logs / "b.json").write_text(json.dumps({"Records": [record("PutObject", when="2026-11-04T10:00:00Z")]}))
    third = review(None, tmp_path / "run3", logs=logs, cache_dir=cache_dir)
    names = [r[0] for r in duckdb.sql(f"SELECT event_name FROM '{tmp_path / 'run3' / 'events.parquet'}'").fetchall()]
    assert third.events == 4 and names == ["GetObject", "GetObject", "GetObject", "PutObject"]
    assert len(list(cache_dir.rglob("derived/events-*.parquet"))) == 1  # the stale copy is gone


def test_stored_classification_follows_new_files_inside_an_unchanged_window(tmp_path):
    """A log file delivered late (its events fall before the newest one, so the window stays
    the same) must still reach the detectors: the stored classification is named by the
    ledger too, not only by the window and the environment."""
    from synthaudit.cloudtrail.review import review

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps({"Records": [record(when=f"2026-11-{d:02d}T10:00:00Z") for d in (1, 3)]}))
    cache_dir = tmp_path / "cache"
    first = review(None, tmp_path / "run1", logs=logs, cache_dir=cache_dir)
    stored = list(cache_dir.rglob("derived/classified-*.duckdb"))
    again = review(None, tmp_path / "run2", logs=logs, cache_dir=cache_dir)
    assert first.events == again.events == 2 and list(cache_dir.rglob("derived/classified-*.duckdb")) == stored
    (logs / "late.json").write_text(json.dumps({"Records": [record("DeleteObject", when="2026-11-02T10:00:00Z")]}))
    third = review(None, tmp_path / "run3", logs=logs, cache_dir=cache_dir)
    assert third.window == first.window
    assert third.events == 3
    now_stored = list(cache_dir.rglob("derived/classified-*.duckdb"))
    assert len(now_stored) == 1 and now_stored != stored  # rebuilt, and the stale file is gone


def test_engine_loads_the_columns_detectors_name_and_not_the_others():
    from synthaudit.cloudtrail.detectors import referenced_columns

    kept = referenced_columns(["event_time", "principal_arn", "request_parameters", "source_file", "event_id",
                               "additional_payload"])
    assert kept == ["event_time", "principal_arn", "request_parameters", "event_id"]  # anomalies cite event ids
    assert "source_file" in referenced_columns(["event_time", "source_file"], "SELECT source_file FROM classified")


def test_a_failed_classification_leaves_no_partial_file(tmp_path, monkeypatch):
    from synthaudit.cloudtrail import engines
    from synthaudit.cloudtrail.review import review

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps({"Records": [record()]}))
    real = engines.helper_sql
    monkeypatch.setattr(engines, "helper_sql", lambda name: "SELECT no_such_column FROM classified"
                        if name == "activity" else real(name))
    with pytest.raises(Exception, match="no_such_column"):
        review(None, tmp_path / "run", logs=logs, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").rglob("derived/classified-*")) == []
    monkeypatch.setattr(engines, "helper_sql", real)
    assert review(None, tmp_path / "run2", logs=logs, cache_dir=tmp_path / "cache").events == 1


@pytest.mark.parametrize("obstacle", ["file_where_a_partition_folder_goes", "folder_where_the_parquet_file_goes"])
def test_a_cache_write_failure_marks_no_log_file_and_leaves_no_cache_file(tmp_path, monkeypatch, obstacle):
    """Disk full or a broken cache folder is not a bad log file: nothing enters the ledger as
    corrupt (it would never be read again), the failed batch's partition files are removed, and
    the next run counts every event once."""
    from types import SimpleNamespace

    from synthaudit.cloudtrail import ingest as ingest_module
    from synthaudit.cloudtrail.ingest import CacheWriteError

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps({"Records": [record()]}))
    (logs / "b.json").write_text(json.dumps({"Records": [record(recipientAccountId="310000000003")]}))
    events = Cache(tmp_path / "cache", LocalSource(logs).uri).events_dir
    second = events / "account=310000000003"     # written after account=210987654321's partition
    if obstacle == "file_where_a_partition_folder_goes":
        events.mkdir(parents=True)
        second.write_text("in the way")
    else:   # DuckDB itself fails to write (what disk full looks like): the target path is a folder
        (second / "region=us-east-1" / "event_day=2026-11-01" / "bfixed.parquet").mkdir(parents=True)
        monkeypatch.setattr(ingest_module.uuid, "uuid4", lambda: SimpleNamespace(hex="fixed"))
    with pytest.raises(CacheWriteError, match="could not be written"):
        run_ingest(logs, tmp_path / "cache")
    cache = Cache(tmp_path / "cache", LocalSource(logs).uri)
    assert cache.ledger() == {}
    assert [p for p in events.rglob("*.parquet") if p.is_file()] == []
    monkeypatch.undo()
    if second.is_file():
        second.unlink()
    else:
        shutil.rmtree(second)
    entries, cache, con = run_ingest(logs, tmp_path / "cache")
    assert {k: (e.status, e.events) for k, e in entries.items()} == {"a.json": ("ok", 1), "b.json": ("ok", 1)}
    assert con.execute(f"SELECT count(*) FROM {cache.scan_sql()}").fetchone()[0] == 2


def test_events_of_objects_gone_from_the_source_do_not_count(tmp_path):
    """The cache keeps every object it parsed; a review counts only the objects the source lists
    now (a log expired by a lifecycle rule, or an estate rebuilt under new object names)."""
    from synthaudit.cloudtrail.review import review

    logs = tmp_path / "logs" / "AWSLogs" / "210987654321" / "CloudTrail" / "us-east-1" / "2026" / "11" / "01"
    logs.mkdir(parents=True)

    def write(name: str, n: int) -> Path:
        path = logs / name
        records = [record(when=f"2026-11-01T10:{i:02d}:00Z", eventID=f"{name}-{i}") for i in range(n)]
        path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
        return path

    kept = write("210987654321_CloudTrail_us-east-1_20261101T1000Z_keep.json.gz", 5)
    gone = write("210987654321_CloudTrail_us-east-1_20261101T1005Z_gone.json.gz", 7)
    first = review(None, tmp_path / "r1", logs=tmp_path / "logs", cache_dir=tmp_path / "cache")
    assert first.events == 12
    gone.unlink()
    again = review(None, tmp_path / "r2", logs=tmp_path / "logs", cache_dir=tmp_path / "cache")
    fresh = review(None, tmp_path / "r3", logs=tmp_path / "logs", cache_dir=tmp_path / "cache-fresh")
    assert again.events == fresh.events == 5 and kept.exists()
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in fresh.findings]
