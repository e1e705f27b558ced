"""Phase 04 end to end: read the source, verify integrity, classify, run detectors, emit findings.

``review()`` is what the runbook and ``synthaudit cloudtrail scan`` call. It writes
into ``<run>/cloudtrail/``: ``sources.json`` (every source object read, with size,
ETag, SHA-256 and what became of it), ``integrity.json``, ``events.parquet`` (the
normalised events of the baseline and review windows, read by phase 03 for unused
grants) and ``anomalies.json``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from synthaudit import arn as aws_arn
from synthaudit import catalogue
from synthaudit.aws.errors import classify_error
from synthaudit.cloudtrail import detectors as det
from synthaudit.cloudtrail.anomalies import Anomaly, account_arn_factory, run_detectors
from synthaudit.cloudtrail.engines import AthenaEngine, DuckDBEngine
from synthaudit.cloudtrail.exposure import exposure_rows
from synthaudit.cloudtrail.ingest import Cache, CacheWriteError, LedgerEntry, connect, ingest, sql_str
from synthaudit.cloudtrail.integrity import IntegrityReport, load_public_keys, verify
from synthaudit.cloudtrail.sources import LocalSource, S3Source
from synthaudit.config import Params
from synthaudit.findings import Finding, sort_findings

PHASE = "cloudtrail"
PUBLIC_KEYS_ENV = "SYNTHAUDIT_CLOUDTRAIL_PUBLIC_KEYS"
DEFAULT_SETTINGS = {"spike_min_events": 50, "min_baseline_days": 5, "denied_burst": 10,
                    "min_profile_events": 50, "max_usual_hours": 16, "gap_hours": 4}
RUN_EVENT_COLUMNS = ("event_time", "event_day", "event_source", "event_name", "principal_arn", "principal_type",
                     "identity_arn", "account", "region", "resource_arn", "error_code", "source_ip", "user_agent",
                     "read_only")


@dataclass
class ReviewResult:
    source_uri: str
    window: dict[str, str | None]
    anomalies: list[Anomaly] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sources: list[LedgerEntry] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    integrity: IntegrityReport | None = None
    events: int = 0
    detector_status: dict[str, str] = field(default_factory=dict)
    not_assessed_reason: str | None = None

    def summary(self) -> dict[str, Any]:
        statuses = {s: sum(1 for f in self.findings if f.status == s) for s in ("PASS", "FAIL", "NOT_ASSESSED", "EXCEPTED")}
        return {
            "events": self.events, "source_files": len(self.sources),
            "unreadable_files": sum(1 for s in self.sources if s.status != "ok"),
            "skipped_files": len(self.skipped), "anomalies": len(self.anomalies),
            "detectors": len(self.detector_status), "findings": statuses,
        }


# -- environment --------------------------------------------------------------------------

def _resource_id(arn: str) -> str:
    return arn.replace(":", "/").rsplit("/", 1)[-1]


def environment_tables(params: Params | None, snapshot_dir: Path | None, con, events_ready: bool) -> dict[str, list[tuple]]:
    """environment (arn -> env) from the snapshot tables plus the ARNs seen in the events, and accounts."""
    env: dict[str, tuple] = {}
    accounts: dict[str, str] = {}
    data_scope: list[tuple] = []
    trail_buckets: set[str] = set()
    classifier = None
    if params is not None:
        from synthaudit.classify import Classifier

        org = None
        if snapshot_dir and (Path(snapshot_dir) / "raw" / "organizations.json").exists():
            org = json.loads((Path(snapshot_dir) / "raw" / "organizations.json").read_text())
        classifier = Classifier(params, org)
        for account_id in params.account_ids():
            accounts[account_id] = classifier.account(account_id).environment
        if params.cloudtrail.bucket:
            trail_buckets.add(params.cloudtrail.bucket)
    tables_dir = Path(snapshot_dir) / "tables" if snapshot_dir else None
    if tables_dir and tables_dir.is_dir():
        for path in sorted(tables_dir.glob("*.parquet")):
            cols = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_str(str(path))})").fetchall()]
            if not {"arn", "account", "environment"} <= set(cols):
                continue
            for arn, account, environment in con.execute(
                    f"SELECT arn, account, environment FROM read_parquet({sql_str(str(path))}) "
                    "WHERE arn IS NOT NULL AND environment IS NOT NULL AND environment <> 'unknown'").fetchall():
                env.setdefault(arn, (arn, account, environment, _resource_id(arn)))
        trails = tables_dir / "cloudtrail_trails.parquet"
        if trails.exists():
            for arn, account, bucket, selectors in con.execute(
                    f"SELECT arn, account, s3_bucket_name, event_selectors FROM read_parquet({sql_str(str(trails))})").fetchall():
                if bucket:
                    trail_buckets.add(bucket)
                for selector in json.loads(selectors or "[]") or []:
                    for resource in selector.get("DataResources", []):
                        if resource.get("Type") != "AWS::S3::Object":
                            continue
                        for value in resource.get("Values", []):
                            selected = aws_arn.parse(value)
                            if selected is not None and selected.service == "s3" and selected.bucket:
                                bucket_arn = aws_arn.s3_bucket(selected.bucket, partition=selected.partition)
                                known = env.get(bucket_arn)
                                data_scope.append((bucket_arn, known[1] if known else None, arn,
                                                   known[2] if known else "unknown"))
    if events_ready and classifier is not None:
        seen = con.execute("""
            SELECT DISTINCT arn FROM (
              SELECT principal_arn AS arn FROM events UNION SELECT resource_arn FROM events) WHERE arn LIKE 'arn:%'
        """).fetchall()
        for (arn,) in seen:
            if arn not in env:
                verdict = classifier.arn(arn)
                if verdict.environment != "unknown":
                    env[arn] = (arn, None, verdict.environment, _resource_id(arn))
        for (account_id,) in con.execute("SELECT DISTINCT account FROM events UNION SELECT DISTINCT principal_account FROM events").fetchall():
            if account_id and account_id not in accounts:
                verdict = classifier.account(account_id)
                if verdict.environment != "unknown":
                    accounts[account_id] = verdict.environment
    return {
        "environment": sorted(env.values()),
        "accounts": sorted(accounts.items()),
        "trail_buckets": sorted((b,) for b in trail_buckets),
        "data_event_scope": sorted(set(data_scope), key=lambda r: tuple(str(x) for x in r)),
        "_selectors_known": [(1,)] if tables_dir and (tables_dir / "cloudtrail_trails.parquet").exists() else [],
    }


# -- the review -----------------------------------------------------------------------------

def reading_account(params: Params) -> str:
    """The account whose session reads the trail: ``cloudtrail.account``, else the first listed."""
    if params.cloudtrail.account or params.accounts:
        return params.cloudtrail.account or params.account_ids()[0]
    raise ValueError("params cloudtrail.account: not set, and no account is listed (accounts are discovered): "
                     "set cloudtrail.account, or run the review through `synthaudit run`, whose preflight "
                     "finds the account that owns the trail bucket")


def open_source(params: Params | None, logs: str | Path | None, sessions=None):
    if logs:
        return LocalSource(logs)
    assert params is not None
    ct = params.cloudtrail
    if ct.source == "local":
        if not ct.local_path:
            raise ValueError("params cloudtrail.local_path: required when cloudtrail.source is 'local'")
        return LocalSource(ct.local_path)
    if ct.source == "s3":
        if not ct.bucket:
            raise ValueError("params cloudtrail.bucket: required when cloudtrail.source is 's3'")
        account = reading_account(params)
        client = sessions.client(account, "s3", params.aws.regions[0])
        return S3Source(client, ct.bucket, ct.prefix, params.aws.max_workers)
    return None


def _window(con, events: str, cache: Cache, params: Params | None, start: dt.datetime | None, end: dt.datetime | None):
    review_days = params.cloudtrail.review_days if params else 30
    baseline_days = params.cloudtrail.baseline_days if params else 60
    newest = con.execute(f"SELECT max(event_time) FROM {events}").fetchone()[0] if cache.has_events() else None
    review_end = end or newest
    if review_end is None:
        return None
    review_start = start or dt.datetime.combine(review_end.date() - dt.timedelta(days=review_days - 1), dt.time())
    baseline_start = review_start - dt.timedelta(days=baseline_days)
    return review_start, review_end, baseline_start


def _not_assessed_all(result: ReviewResult, resource: str, reason: str) -> ReviewResult:
    result.not_assessed_reason = reason
    for d in det.load_detectors():
        result.findings.append(catalogue.finding(d.id, resource, "NOT_ASSESSED", reason=reason))
        result.detector_status[d.id] = "NOT_ASSESSED"
    result.findings = sort_findings(result.findings)
    return result


def default_cache_dir() -> Path:
    """The workspace's cache (found from the current folder): never the kit's own package or checkout."""
    from synthaudit.workspace import Workspace, find_workspace

    return Workspace(find_workspace()).cloudtrail_cache


def review(params: Params | None, out_dir: Path, *, logs: str | Path | None = None, sessions=None,
           snapshot_dir: Path | None = None, start: dt.datetime | None = None, end: dt.datetime | None = None,
           cache_dir: Path | None = None, threads: int | None = None) -> ReviewResult:
    """Run the whole CloudTrail review; ``out_dir`` receives the phase's files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if params is not None and not logs and params.cloudtrail.source == "athena":
        return review_athena(params, out_dir, sessions=sessions, snapshot_dir=snapshot_dir, start=start, end=end)
    try:
        source = open_source(params, logs, sessions)
    except Exception as exc:  # unreadable source: every detector NOT_ASSESSED
        gap = classify_error(exc)
        return _not_assessed_all(ReviewResult(str(logs or ""), {}), _source_resource(params, logs), gap.reason)
    if source is None and params is not None and params.cloudtrail.source == "lookup":
        source, reason = _lookup_source(params, sessions, out_dir, end)
        if source is None:
            return _not_assessed_all(ReviewResult("lookup", {}), _source_resource(params, logs), reason)
    if source is None:
        reason = "no CloudTrail source configured (cloudtrail.source: none)"
        return _not_assessed_all(ReviewResult("none", {}), _source_resource(params, logs), reason)
    result = ReviewResult(source.uri, {})
    resource = _source_resource(params, logs)
    try:
        listed = list(source.list())
    except Exception as exc:
        return _not_assessed_all(result, resource, f"cannot list {source.uri}: {classify_error(exc).reason}")
    logs_objs = [o for o in listed if o.kind == "log"]
    result.skipped = [{"key": o.key, "reason": o.note} for o in listed if o.kind == "other"]
    cache_root = Path(cache_dir or (params.cloudtrail.cache_dir if params and params.cloudtrail.cache_dir else
                                    default_cache_dir()))
    cache = Cache(cache_root, source.uri)
    con = connect(threads=threads)
    # prune by key day before parsing: window from the newest delivery day when not given
    days = [o.day for o in logs_objs if o.day]
    if days and start is None:
        review_days = params.cloudtrail.review_days if params else 30
        baseline_days = params.cloudtrail.baseline_days if params else 60
        newest_day = (end.date() if end else max(days))
        first_day = newest_day - dt.timedelta(days=review_days + baseline_days + 1)
        logs_objs = [o for o in logs_objs if o.in_window(first_day, newest_day)]
    elif start is not None:
        baseline_days = params.cloudtrail.baseline_days if params else 60
        logs_objs = [o for o in logs_objs if o.in_window(start.date() - dt.timedelta(days=baseline_days + 1),
                                                         end.date() if end else None)]
    try:
        result.sources = ingest(source, logs_objs, cache, con)
    except CacheWriteError as exc:     # the logs were read; the cache folder is the problem
        return _not_assessed_all(result, resource, str(exc))
    except Exception as exc:
        return _not_assessed_all(result, resource, f"cannot read {source.uri}: {classify_error(exc).reason}")
    events = cache.scan_sql(only=Cache.register_keys(con, (e.key for e in result.sources)))
    window = _window(con, events, cache, params, start, end)
    if window is None:
        _write_sources(out_dir, result)
        return _not_assessed_all(result, resource, f"no readable CloudTrail events in {source.uri}")
    review_start, review_end, baseline_start = window
    result.window = {"baseline_start": baseline_start.isoformat(), "review_start": review_start.isoformat(),
                     "review_end": review_end.isoformat()}
    # integrity
    bucket = getattr(source, "bucket", None)
    uri_of = (lambda key: aws_arn.s3_object(bucket, key)) if bucket else (lambda key: f"{source.uri}/{key}")
    digests = [o for o in listed if o.kind == "digest" and o.in_window(baseline_start.date(), review_end.date())]
    keys_dir = os.environ.get(PUBLIC_KEYS_ENV)
    if not keys_dir and isinstance(source, LocalSource) and (source.root / "public-keys").is_dir():
        keys_dir = str(source.root / "public-keys")
    public_keys = load_public_keys(Path(keys_dir)) if keys_dir else _s3_public_keys(source)
    in_scope = [o for o in listed if o.kind == "log" and o.in_window(baseline_start.date(), review_end.date())]
    known = {e.key: e.content_sha256 for e in result.sources if e.content_sha256}  # "" in an older ledger
    result.integrity = verify(source, digests + in_scope, uri_of, public_keys, known_hashes=known,
                              workers=getattr(source, "max_workers", 8)) if digests else None
    settings = {"review_start": review_start, "review_end": review_end, "baseline_start": baseline_start,
                "spike_mad": params.thresholds.spike_mad if params else 5.0, **DEFAULT_SETTINGS}
    admin_ports = params.segregation.admin_ports if params else [22, 3389]
    tables: dict[str, list[tuple]] = {
        "admin_ports": [(p,) for p in admin_ports],
        "integrity": [i.row() for i in (result.integrity.issues if result.integrity else ())],
        "source_errors": [(uri_of(s.key), s.status, s.error) for s in result.sources if s.status != "ok"],
        "dropped_records": dropped_records(result.sources, uri_of),
    }
    # events first: classification reads their ARNs
    duck = DuckDBEngine(con, events, None, settings, keep_columns=RUN_EVENT_COLUMNS)
    env_tables = environment_tables(params, snapshot_dir, con, events_ready=True)
    selectors_known = bool(env_tables.pop("_selectors_known"))
    tables.update(env_tables)
    members = [account for account, env in tables.get("accounts", []) if env != "external"]
    tables["exposure_grants"] = exposure_rows(con, members, params.organization_id if params else None)
    duck.set_tables(tables, settings, store=cache)
    result.events = duck.count()
    _write_events(con, out_dir, cache, settings, events)
    unmet = _unmet_requirements(duck, tables, result, selectors_known)
    runner = duck
    org_ids = {o.org_id for o in listed if o.org_id}
    run_detectors(result, runner, unmet, resource, account_arn_factory(params, org_ids), tables)
    _write_outputs(out_dir, result)
    return result


def dropped_records(sources: list[LedgerEntry], uri_of) -> list[tuple]:
    """(file, records, reason) for records a readable file held but normalisation had to drop:
    counted and named, never dropped silently (files with no usable record are unreadable)."""
    rows: list[tuple] = []
    for entry in sources:
        if entry.status != "ok" or not entry.invalid_records:
            continue
        untimed = min(entry.records_without_time, entry.invalid_records)
        if untimed:
            rows.append((uri_of(entry.key), untimed, "no eventTime, or one that is not a time"))
        if entry.invalid_records - untimed:
            rows.append((uri_of(entry.key), entry.invalid_records - untimed, "no eventName or no eventSource"))
    return rows


def _lookup_source(params: Params, sessions, out_dir: Path, end: dt.datetime | None):
    """Event history through LookupEvents (management events only), staged as JSON lines."""
    from synthaudit.cloudtrail.sources import lookup_events_to_folder

    if sessions is None:
        return None, "not assessed: cloudtrail.source is 'lookup' but no AWS session was given"
    account = reading_account(params)
    end = end or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    start = end - dt.timedelta(days=min(90, params.cloudtrail.review_days + params.cloudtrail.baseline_days))
    try:
        clients = {region: sessions.client(account, "cloudtrail", region) for region in params.aws.regions}
        folder = lookup_events_to_folder(clients, start, end, out_dir / "lookup-events")
    except Exception as exc:
        gap = classify_error(exc)
        return None, f"{gap.reason} (LookupEvents; point cloudtrail.source at the trail bucket, a folder or Athena)"
    return LocalSource(folder), None


def _s3_public_keys(source) -> dict[str, Any]:
    """Public keys shipped next to the logs (``public-keys/<fingerprint>.pem`` under the prefix)."""
    if not isinstance(source, S3Source):
        return {}
    from cryptography.hazmat.primitives import serialization

    keys: dict[str, Any] = {}
    try:
        page = source.client.list_objects_v2(Bucket=source.bucket, Prefix=source.prefix + "public-keys/")
        for item in page.get("Contents", []):
            name = item["Key"].rsplit("/", 1)[-1]
            if name.endswith(".pem"):
                body = source.client.get_object(Bucket=source.bucket, Key=item["Key"])["Body"].read()
                keys[name[:-4]] = serialization.load_pem_public_key(body)
    except Exception:
        return {}
    return keys


def _source_resource(params: Params | None, logs) -> str:
    if logs:
        return Path(logs).expanduser().resolve().as_uri()
    if params and params.cloudtrail.source == "s3" and params.cloudtrail.bucket:
        return aws_arn.s3_bucket(params.cloudtrail.bucket)
    if params and params.cloudtrail.source == "athena" and params.cloudtrail.athena:
        return f"athena:{params.cloudtrail.athena.database}.{params.cloudtrail.athena.table}"
    if params and params.cloudtrail.local_path:
        return Path(params.cloudtrail.local_path).expanduser().resolve().as_uri()
    return "cloudtrail:none"


def _unmet_requirements(duck: DuckDBEngine, tables, result: ReviewResult, selectors_known: bool) -> set[str]:
    unmet: set[str] = set()
    if duck.count("NOT in_review") == 0:
        unmet.add(det.NEEDS_BASELINE)
    envs = {row[2] for row in tables.get("environment", [])} | {row[1] for row in tables.get("accounts", [])}
    if not {"production", "synthetic"} <= envs:
        unmet.add(det.NEEDS_ENVIRONMENTS)
    if result.integrity is None:
        unmet.add(det.NEEDS_DIGESTS)
    if not selectors_known:
        unmet.add(det.NEEDS_SELECTORS)
    if not tables.get("accounts"):
        unmet.add(det.NEEDS_ACCOUNTS)
    return unmet


def _write_events(con, out_dir: Path, cache: Cache, settings: dict[str, Any], events: str) -> None:
    """The window's events for the run folder; kept in the cache too, so a run over an unchanged
    cache and window copies the file instead of sorting and compressing every event again."""
    columns = ", ".join(RUN_EVENT_COLUMNS)
    window = f"{settings['baseline_start']:%Y-%m-%dT%H:%M:%S}/{settings['review_end']:%Y-%m-%dT%H:%M:%S}"
    kept = cache.derived_path("events", window, columns, events)
    if not kept.exists():
        partial = cache.partial_path(kept)
        con.execute(f"COPY (SELECT {columns} FROM classified ORDER BY event_time, event_source, event_name, principal_arn) "
                    f"TO {sql_str(str(partial))} (FORMAT parquet, COMPRESSION zstd)")
        cache.publish(partial, kept)
    shutil.copyfile(kept, out_dir / "events.parquet")


def _write_sources(out_dir: Path, result: ReviewResult) -> None:
    (out_dir / "sources.json").write_text(json.dumps({
        "source": result.source_uri,
        "objects": [asdict(s) for s in sorted(result.sources, key=lambda s: s.key)],
        "skipped": result.skipped,
    }, indent=2, sort_keys=True) + "\n")


def _write_outputs(out_dir: Path, result: ReviewResult) -> None:
    _write_sources(out_dir, result)
    anomalies = [dict(a.__dict__) for a in result.anomalies]
    (out_dir / "anomalies.json").write_text(json.dumps(anomalies, indent=2, sort_keys=True, default=str) + "\n")
    integ = result.integrity
    (out_dir / "integrity.json").write_text(json.dumps({
        "digests": integ.digests if integ else 0,
        "files_verified": integ.files_verified if integ else 0,
        "signatures_verified": integ.signatures_verified if integ else 0,
        "signatures_unchecked": integ.signatures_unchecked if integ else 0,
        "issues": [asdict(i) for i in integ.issues] if integ else [],
    }, indent=2, sort_keys=True, default=str) + "\n")
    (out_dir / "summary.json").write_text(json.dumps({"window": result.window, **result.summary()},
                                                     indent=2, sort_keys=True) + "\n")


def review_athena(params: Params, out_dir: Path, *, sessions=None, snapshot_dir: Path | None = None,
                  start: dt.datetime | None = None, end: dt.datetime | None = None, client=None) -> ReviewResult:
    """The same detectors on Athena over an existing CloudTrail table (see athena.py)."""
    athena = params.cloudtrail.athena
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    resource = _source_resource(params, None)
    result = ReviewResult(resource, {})
    if athena is None:
        return _not_assessed_all(result, resource, "cloudtrail.athena (database, table) is not set in params")
    if end is None:
        end = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    review_start = start or dt.datetime.combine(end.date() - dt.timedelta(days=params.cloudtrail.review_days - 1), dt.time())
    baseline_start = review_start - dt.timedelta(days=params.cloudtrail.baseline_days)
    result.window = {"baseline_start": baseline_start.isoformat(), "review_start": review_start.isoformat(),
                     "review_end": end.isoformat()}
    con = connect()
    tables = environment_tables(params, snapshot_dir, con, events_ready=False)
    selectors_known = bool(tables.pop("_selectors_known"))
    tables["admin_ports"] = [(p,) for p in params.segregation.admin_ports]
    settings = {"review_start": review_start, "review_end": end, "baseline_start": baseline_start,
                "spike_mad": params.thresholds.spike_mad, **DEFAULT_SETTINGS}
    if client is None:
        from synthaudit.aws.session import SessionFactory

        factory = SessionFactory(params, extra_allowed={("athena", "StartQueryExecution")})
        account = reading_account(params)
        client = factory.client(account, "athena", params.aws.regions[0])
    engine = AthenaEngine(client, athena.database, athena.table, tables, settings, athena.workgroup,
                          athena.output_location)
    unmet = {det.NEEDS_DIGESTS, det.NEEDS_POLICY_GRANTS}
    if not selectors_known:
        unmet.add(det.NEEDS_SELECTORS)
    envs = {row[2] for row in tables.get("environment", [])} | {row[1] for row in tables.get("accounts", [])}
    if not {"production", "synthetic"} <= envs:
        unmet.add(det.NEEDS_ENVIRONMENTS)
    run_detectors(result, engine, unmet, resource, account_arn_factory(params, set()), tables)
    _write_outputs(out_dir, result)
    return result
