"""Every detector on its own FAIL and PASS cases (and, where the action can fail, an attempt).

``cases/<detector>.fail.jsonl`` must give the detector at least one row, ``.pass.jsonl``
none, ``.attempt.jsonl`` rows that are all attempts (``failed``). A case is JSON lines in
the CloudTrail record format, ingested as a trail's file would be; a line
``{"_table": name, ...}`` is a row of one of the small tables (detectors.TABLES), and
``{"_settings": {...}}`` overrides the review window or thresholds for that case.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from synthaudit.cloudtrail.detectors import TABLES, load_detectors
from synthaudit.cloudtrail.engines import DuckDBEngine
from synthaudit.cloudtrail.exposure import exposure_rows
from synthaudit.cloudtrail.ingest import Cache, connect, ingest
from synthaudit.cloudtrail.review import DEFAULT_SETTINGS, dropped_records
from synthaudit.cloudtrail.sources import LocalSource

CASES = Path(__file__).parent / "cases"
KINDS = ("fail", "pass", "attempt")
SETTINGS = {"review_start": dt.datetime(2026, 10, 1), "review_end": dt.datetime(2026, 10, 30, 23),
            "baseline_start": dt.datetime(2026, 8, 1), "spike_mad": 5.0, **DEFAULT_SETTINGS}
# Detectors whose rows are about an absence or a file, not about events: they cite no event ids.
ABOUT_ABSENCES = {"CT_ACCOUNT_NOT_LOGGING", "CT_COVERAGE_GAP", "CT_DATA_EVENTS_ABSENT", "CT_DIGEST_MISSING",
                  "CT_LOG_FILE_INTEGRITY", "CT_LOG_FILE_UNREADABLE", "CT_RECORDS_DROPPED"}


def _cases() -> list[Path]:
    return sorted(CASES.glob("*.jsonl"))


def test_every_detector_has_a_fail_and_a_pass_case_and_every_case_a_detector():
    ids = {d.id for d in load_detectors()}
    named = {}
    for path in _cases():
        detector, kind = path.name[:-len(".jsonl")].rsplit(".", 1)
        assert kind in KINDS, path.name
        named.setdefault(detector.upper(), set()).add(kind)
    assert set(named) <= ids, sorted(set(named) - ids)
    lacking = sorted(i for i in ids if not {"fail", "pass"} <= named.get(i, set()))
    assert not lacking, f"detectors without a FAIL and a PASS case: {lacking}"


def run_case(path: Path, tmp_path: Path) -> tuple[list[dict], set[str]]:
    """The detector's rows over the case, and the eventIDs of the case's records."""
    records, tables, settings = [], {name: [] for name in TABLES}, dict(SETTINGS)
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if "_table" in item:
            tables[item["_table"]].append(tuple(item.get(column) for column, _ in TABLES[item["_table"]]))
        elif "_settings" in item:
            settings.update({k: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
                             for k, v in item["_settings"].items()})
        else:
            records.append(item)
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "case.json").write_text("".join(json.dumps(r) + "\n" for r in records))
    source = LocalSource(logs)
    cache = Cache(tmp_path / "cache", source.uri)
    con = connect(threads=1)
    entries = ingest(source, [o for o in source.list() if o.kind == "log"], cache, con)
    tables["dropped_records"] += dropped_records(entries, lambda key: f"file:///case/{key}")
    tables["admin_ports"] = tables["admin_ports"] or [(22,), (3389,)]   # the review's default
    engine = DuckDBEngine(con, cache.scan_sql(), None, settings)
    tables["exposure_grants"] = exposure_rows(con, [row[0] for row in tables["accounts"]])
    engine.set_tables(tables, settings)
    detector = next(d for d in load_detectors() if d.id == path.name.split(".")[0].upper())
    return engine.run(detector), {r["eventID"] for r in records if r.get("eventID")}


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.name)
def test_case(path, tmp_path):
    rows, event_ids = run_case(path, tmp_path)
    detector, kind = path.name[:-len(".jsonl")].rsplit(".", 1)
    if kind == "pass":
        assert rows == [], rows
        return
    assert rows, f"{path.name}: the detector found nothing"
    assert all(bool(r["failed"]) == (kind == "attempt") for r in rows), rows
    if detector.upper() not in ABOUT_ABSENCES:
        for row in rows:   # every anomaly names its events, and only events of the case
            cited = set((row["event_ids"] or "").split(",")) - {""}
            assert cited and cited <= event_ids, row


def test_dropped_records_are_counted_and_named(tmp_path):
    rows, _ = run_case(CASES / "ct_records_dropped.fail.jsonl", tmp_path)
    assert [(r["events"], r["detail"]) for r in rows] == [(2, "2 records dropped: no eventTime, or one that is not a time")]
    assert rows[0]["resource"] == "file:///case/case.json"


def test_copy_between_buckets_the_inventory_does_not_list_is_judged_from_the_events_resources(tmp_path):
    """A plain --logs scan knows no bucket owners: the accounts the events' resources blocks name stand in."""
    rows, _ = run_case(CASES / "ct_data_copied_to_another_account.fail.jsonl", tmp_path)
    details = {r["resource"]: r["detail"] for r in rows}
    assert details["arn:aws:s3:::clinic-exports"] == (
        "objects copied from clinic-exports (account 111122223333) into vendor-landing (account 444455556666)")
