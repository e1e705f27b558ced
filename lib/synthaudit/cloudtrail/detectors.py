"""The detector registry: one SQL file per detector, its metadata in catalogue/cloudtrail.yaml.

The list is data, built once and validated both ways: every SQL file has a catalogue
entry, every catalogue entry has a SQL file, and every precondition below names a
detector that exists (a misspelt id would silently let that detector pass unjudged).

A detector's SQL reads ``classified`` (events with environments, sql/classified.sql),
``activity`` (the same rolled up per hour, sql/activity.sql), ``settled_principals``
(principals with a baseline, sql/settled_principals.sql)
and the small tables below, and returns rows with the columns in ``OUTPUT_COLUMNS``:
``event_ids`` the comma-joined CloudTrail eventIDs of the row's events (NULL when the row is
about an absence), ``failed`` true when the action the row describes did not happen (every
event of it failed: an attempt), ``environment`` the environment of the resource it is about.
What each detector needs before its result means anything (a baseline, an
environment classification, digests, the trail's selectors) is declared here, so a
detector that cannot judge says NOT_ASSESSED instead of passing.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from synthaudit import catalogue

DETECTOR_DIR = Path(__file__).parent / "detectors"
SQL_DIR = Path(__file__).parent / "sql"
# Relations built once from `events` (sql/<name>.sql, each may name the ones before it) and
# read by the detectors: tables on DuckDB (stored, engines.DuckDBEngine.set_tables), CTEs on Athena.
DERIVED = ("classified", "activity", "settled_principals")
OUTPUT_COLUMNS = ("event_time", "principal", "action", "resource", "account", "region", "detail", "events",
                  "event_ids", "failed", "environment")
# An attempt that failed is reported one step below the deed (anomalies.row_severity).
ATTEMPT_SEVERITY = {"critical": "high", "high": "medium", "medium": "low", "low": "low", "info": "info"}
# Detectors that judge any resource but weigh a production one more (anomalies.row_severity).
SEVERITY_IN_PRODUCTION: dict[str, str] = {
    "CT_RESOURCE_POLICY_EXPOSED": "critical", "CT_DATABASE_MADE_PUBLIC": "critical",
    "CT_DATA_COPIED_TO_ANOTHER_ACCOUNT": "critical", "CT_ACCESS_LOGGING_REMOVED": "high",
}

# Small tables every engine provides (name -> columns with DuckDB types).
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "environment": (("arn", "VARCHAR"), ("account", "VARCHAR"), ("environment", "VARCHAR"), ("resource_id", "VARCHAR")),
    "accounts": (("account", "VARCHAR"), ("environment", "VARCHAR")),
    "trail_buckets": (("bucket", "VARCHAR"),),
    "admin_ports": (("port", "INTEGER"),),
    "integrity": (("event_time", "TIMESTAMP"), ("account", "VARCHAR"), ("region", "VARCHAR"),
                  ("object_uri", "VARCHAR"), ("problem", "VARCHAR"), ("detail", "VARCHAR")),
    "source_errors": (("object_uri", "VARCHAR"), ("status", "VARCHAR"), ("error", "VARCHAR")),
    "dropped_records": (("object_uri", "VARCHAR"), ("records", "INTEGER"), ("reason", "VARCHAR")),
    # who each policy-setting call admits, read by the IAM engine's parser (exposure.py)
    "exposure_grants": (("event_id", "VARCHAR"), ("grantee", "VARCHAR"), ("scope", "VARCHAR"), ("detail", "VARCHAR")),
    "data_event_scope": (("bucket_arn", "VARCHAR"), ("account", "VARCHAR"), ("trail_arn", "VARCHAR"),
                         ("environment", "VARCHAR")),
}
SETTINGS_TYPES = {
    "review_start": "TIMESTAMP", "review_end": "TIMESTAMP", "baseline_start": "TIMESTAMP",
    "spike_mad": "DOUBLE", "spike_min_events": "INTEGER", "min_baseline_days": "INTEGER",
    "denied_burst": "INTEGER", "min_profile_events": "INTEGER", "max_usual_hours": "INTEGER", "gap_hours": "INTEGER",
}

# Preconditions: a detector whose precondition fails is NOT_ASSESSED with this reason.
NEEDS_BASELINE = "no events in the baseline window before the review window: new-behaviour and volume detectors need one"
NEEDS_ENVIRONMENTS = "no principal or resource is classified synthetic and production: set classification in params or run phase 01 first"
NEEDS_DIGESTS = "the source holds no CloudTrail digest files (log file validation off, or digests not delivered here); integrity cannot be verified"
NEEDS_SELECTORS = "the trail's event selectors are unknown (no cloudtrail_trails table in the snapshot); cannot tell which buckets should have data events"
NEEDS_ACCOUNTS = "no account is listed in params; cannot tell which accounts must log"
NEEDS_POLICY_GRANTS = ("the policies in the events are read by the IAM engine's parser on the local engine only; "
                       "on Athena, run a local scan of the logs (--logs or cloudtrail.source s3) to judge them")
# Every precondition the review knows how to check (review._unmet_requirements, review_athena).
NEEDS = (NEEDS_BASELINE, NEEDS_ENVIRONMENTS, NEEDS_DIGESTS, NEEDS_SELECTORS, NEEDS_ACCOUNTS, NEEDS_POLICY_GRANTS)


@dataclass(frozen=True)
class Detector:
    id: str
    family: str
    severity: str
    title: str
    sql: str
    needs: tuple[str, ...] = ()


REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "CT_COVERAGE_GAP": (NEEDS_BASELINE,),
    "CT_ACCOUNT_NOT_LOGGING": (NEEDS_ACCOUNTS,),
    "CT_LOG_FILE_INTEGRITY": (NEEDS_DIGESTS,),
    "CT_DIGEST_MISSING": (NEEDS_DIGESTS,),
    "CT_DATA_EVENTS_ABSENT": (NEEDS_SELECTORS,),
    "CT_SYNTHETIC_READS_PRODUCTION_S3": (NEEDS_ENVIRONMENTS,),
    "CT_SYNTHETIC_USES_PRODUCTION_KMS": (NEEDS_ENVIRONMENTS,),
    "CT_SYNTHETIC_ACCESSES_PRODUCTION_RDS": (NEEDS_ENVIRONMENTS,),
    "CT_SYNTHETIC_RESTORED_FROM_PRODUCTION": (NEEDS_ENVIRONMENTS,),
    "CT_SNAPSHOT_COPIED_ACROSS_ACCOUNTS": (NEEDS_ENVIRONMENTS,),
    "CT_PRODUCTION_BUCKET_REPLICATED_OUT": (NEEDS_ENVIRONMENTS,),
    "CT_PRODUCTION_BUCKET_POLICY_OPENED": (NEEDS_ENVIRONMENTS, NEEDS_POLICY_GRANTS),
    "CT_RESOURCE_POLICY_EXPOSED": (NEEDS_POLICY_GRANTS,),
    "CT_DATA_COPIED_TO_ANOTHER_ACCOUNT": (NEEDS_ENVIRONMENTS,),  # bucket owners come from the inventory
    "CT_NEW_PRINCIPAL_ACTION": (NEEDS_BASELINE,),
    "CT_NEW_PRINCIPAL_RESOURCE": (NEEDS_BASELINE,),
    "CT_NEW_PRINCIPAL_SOURCE": (NEEDS_BASELINE,),
    "CT_ACTIVITY_SPIKE": (NEEDS_BASELINE,),
    "CT_OFF_HOURS_ACTIVITY": (NEEDS_BASELINE,),
}


def build_detectors(detector_dir: Path, entries: dict[str, catalogue.CheckMeta],
                    requirements: dict[str, tuple[str, ...]]) -> tuple[Detector, ...]:
    """Detectors from the SQL files in ``detector_dir`` and their catalogue ``entries``, in id
    order, each with its preconditions; a file, entry or precondition without its match fails."""
    found: list[Detector] = []
    for path in sorted(detector_dir.glob("*.sql")):
        check_id = path.stem.upper()
        if check_id not in entries:
            raise KeyError(f"{path.name}: detector {check_id} has no entry in catalogue/cloudtrail.yaml")
        meta = entries[check_id]
        found.append(Detector(check_id, meta.family or "other", meta.severity, meta.title, path.read_text(),
                              requirements.get(check_id, ())))
    ids = {d.id for d in found}
    missing = set(entries) - ids
    if missing:
        raise KeyError(f"catalogue/cloudtrail.yaml entries without a detector SQL file: {sorted(missing)}")
    stray = sorted(set(requirements) - ids)
    if stray:
        raise KeyError(f"detector preconditions for unknown detectors: {stray}")
    unknown_needs = sorted({n for needs in requirements.values() for n in needs} - set(NEEDS))
    if unknown_needs:
        raise ValueError(f"detector preconditions the review does not check: {unknown_needs}")
    return tuple(sorted(found, key=lambda d: d.id))


@functools.cache
def detectors() -> tuple[Detector, ...]:
    """Every detector, in id order (built and validated once per process)."""
    entries = {cid: meta for cid, meta in catalogue.load().items() if meta.phase == "cloudtrail"}
    return build_detectors(DETECTOR_DIR, entries, REQUIREMENTS)


def load_detectors() -> list[Detector]:
    """Every detector, in id order; each SQL file must have a catalogue entry and vice versa."""
    return list(detectors())


def helper_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


def referenced_columns(available: list[str], *texts: str) -> list[str]:
    """The event columns some detector (or one of ``texts``) names: the local engine loads only
    these, so payload-sized columns nobody reads (source file, event id) cost nothing. A name
    matched by accident only loads a column too many, never one too few."""
    words = set(re.findall(r"[a-z_][a-z0-9_]*", "\n".join(
        [d.sql for d in load_detectors()] + [helper_sql(name) for name in DERIVED] + [*texts]).lower()))
    return [c for c in available if c.lower() in words]
