"""Parse CloudTrail log files with DuckDB into the Parquet cache, once per file.

``read_json_objects`` (any of the three shapes: S3 envelope, JSON array, JSON lines,
gzip or not) + one ``json_transform`` per top-level object to the explicit schema in
schema.py (``TOP_LEVEL``: envelope or bare record) + unnest, then
``sql/normalize.sql``, written to ``<cache>/events/account=/region=/event_day=/``.
A ledger (key, size, ETag, SHA-256, status, events) remembers what was ingested, so
a later run parses only new or changed files. A file DuckDB cannot read (truncated
gzip, invalid JSON) or whose JSON is not CloudTrail is named in the ledger with the
error, and the rest of its batch is still processed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import quote

import duckdb

from synthaudit.cloudtrail import schema
from synthaudit.cloudtrail.integrity import content_sha256
from synthaudit.cloudtrail.sources import SourceObject, staging_dir
from synthaudit.errors import CacheWriteError

SQL_DIR = Path(__file__).parent / "sql"
NORMALIZE_SQL = (SQL_DIR / "normalize.sql").read_text()
MAX_OBJECT_BYTES = 64 * 1024 * 1024  # one uncompressed log file; bigger ones are reported unreadable
BATCH_BYTES = 4 * 1024 * 1024  # compressed; ~10x that as text while a batch is parsed
BATCH_FILES = 2000
FILE_IN_ERROR_RE = re.compile(r'file "([^"]+)"')
CACHE_FORMAT = hashlib.sha256((NORMALIZE_SQL + schema.json_type(schema.TOP_LEVEL)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LedgerEntry:
    """What became of one source object; the run folder lists these for every object read."""

    key: str
    size: int
    etag: str
    sha256: str
    status: str  # ok | corrupt | not_cloudtrail | skipped
    events: int = 0
    invalid_records: int = 0   # records dropped: no (parseable) eventTime, no eventName or no eventSource
    error: str = ""
    records_without_time: int = 0  # of invalid_records: eventTime missing or not a time
    content_sha256: str = ""  # of the uncompressed content, as a digest lists it ("" for older ledgers)


def sql_str(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


DEFAULT_MEMORY_MB = 1000
DEFAULT_MEMORY_LIMIT = f"{DEFAULT_MEMORY_MB}MB"  # DuckDB spills to a temp folder beyond this; keeps the phase under ~1.5 GB RSS


def connect(threads: int | None = None, memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {sql_str(memory_limit)}")
        # an in-memory database spills temp tables only when it has somewhere to put them
        con.execute(f"SET temp_directory = {sql_str(str(Path(tempfile.gettempdir()) / 'synthaudit-duckdb'))}")
    con.execute("SET preserve_insertion_order = false")
    return con


class Cache:
    """Parquet cache of normalised events for one source, plus its ledger."""

    def __init__(self, root: Path, source_uri: str) -> None:
        self.source_uri = source_uri
        # named by the source and the normalisation too: events cached by an older normalize.sql
        # or schema lack columns (or meanings) the detectors now read, so they are parsed again
        self.root = Path(root) / hashlib.sha256((source_uri + "\0" + CACHE_FORMAT).encode()).hexdigest()[:16]
        self.events_dir = self.root / "events"
        self.ledger_path = self.root / "ledger.jsonl"

    def ledger(self) -> dict[str, LedgerEntry]:
        entries: dict[str, LedgerEntry] = {}
        if self.ledger_path.exists():
            for line in self.ledger_path.read_text().splitlines():
                if line.strip():
                    entry = LedgerEntry(**json.loads(line))
                    entries[entry.key] = entry
        return entries

    def append(self, entries: Iterable[LedgerEntry]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "source.txt").write_text(self.source_uri + "\n")
        with open(self.ledger_path, "a") as handle:
            for entry in entries:
                handle.write(json.dumps(asdict(entry), sort_keys=True) + "\n")

    def derived_path(self, name: str, *inputs: str, suffix: str = ".parquet") -> Path:
        """Where a file computed from the cached events (and ``inputs``) is kept: named by a hash
        of the ledger and the inputs, so it is reused while both stay the same and rebuilt when
        new log files arrive or the inputs change."""
        digest = hashlib.sha256(self.ledger_path.read_bytes() if self.ledger_path.exists() else b"")
        for value in inputs:
            digest.update(b"\0" + value.encode())
        return self.root / "derived" / f"{name}-{digest.hexdigest()[:16]}{suffix}"

    @staticmethod
    def partial_path(path: Path) -> Path:
        """Where ``path`` is written before ``publish`` (unique per process and thread)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.partial")

    @staticmethod
    def publish(partial: Path, path: Path) -> None:
        """Move a finished derived file into place (atomic for concurrent readers) and remove the
        stale versions of the same name, computed from other ledgers or inputs."""
        os.replace(partial, path)
        name = path.name[:path.name.rindex("-")]
        for stale in path.parent.glob(f"{name}-*{path.suffix}"):
            if stale != path:
                stale.unlink(missing_ok=True)

    def has_events(self) -> bool:
        return self.events_dir.exists() and any(self.events_dir.rglob("*.parquet"))

    def scan_sql(self, only: tuple[str, str] | None = None) -> str:
        """A relation over the cached events (hive partitions typed so account ids keep their zeros).

        ``only`` = (table, digest): just the events of the log objects whose keys that table holds.
        The cache keeps every object it ever parsed; an object since deleted or renamed in the
        source (expired by a lifecycle rule, or a rebuilt estate) must not count. The digest of the
        keys is written into the relation so results derived from it are keyed by it too."""
        glob = sql_str(str(self.events_dir / "**" / "*.parquet"))
        scan = (f"read_parquet({glob}, hive_partitioning = true, "
                "hive_types = {'account': VARCHAR, 'region': VARCHAR, 'event_day': DATE})")
        if only is None:
            return scan
        table, digest = only
        return f"(SELECT * FROM {scan} WHERE source_file IN (SELECT key FROM {table}) /* keys {digest} */)"

    @staticmethod
    def register_keys(con: duckdb.DuckDBPyConnection, keys: Iterable[str], table: str = "listed_logs") -> tuple[str, str]:
        """The source's current log keys as a temp table, for ``scan_sql(only=...)``."""
        ordered = sorted(set(keys))
        digest = hashlib.sha256("\n".join(ordered).encode()).hexdigest()[:16]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT unnest(?::VARCHAR[]) AS key", [ordered]).fetchall()
        return table, digest


class _NotOneObjectPerLine(Exception):
    """A batch holds a file that is not one JSON object per line (a JSON array, pretty-printed JSON)."""


READ_ERRORS = (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException)


def _parse_batch(con: duckdb.DuckDBPyConnection, paths: dict[str, Path], out_dir: Path, root: Path,
                 one_object_per_line: bool = False) -> dict[str, tuple[int, int, int, int]]:
    """Parse files (each at ``root/<key>``) into ``out_dir``; returns key -> (objects, records, valid,
    records without a parseable time).
    Raises on an unreadable file. ``one_object_per_line``: read each line as one JSON object
    (what a trail delivers: the whole envelope on one line); raises _NotOneObjectPerLine, before
    anything is written, when a file is not like that."""
    for key, path in paths.items():
        if str(path) != f"{str(root).rstrip('/')}/{key}":
            raise ValueError(f"{path}: staged file is not at <root>/<key> ({root}, {key})")
    files = "[" + ", ".join(sql_str(str(p)) for p in paths.values()) + "]"
    # One parse per top-level object, fused with the file scan and the unnest: json_transform to
    # the explicit TOP_LEVEL struct reads an S3 envelope's Records and a bare record (JSON arrays,
    # JSON lines) alike, and its records land as flat rows, never as a table of per-object
    # structs. Each row says whether it is its object's first and whether it only stands for an
    # envelope without records, so objects and records are counted from the same rows. Batches
    # are small (BATCH_BYTES): a whole envelope is one wide struct while it is unnested (~10x its
    # gzip size). The source key is the file path minus the source's root.
    prefix = len(str(root).rstrip("/")) + 2
    shape = "'newline_delimited'" if one_object_per_line else "'auto'"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE records AS
        SELECT source_file, is_object, no_records, position = 1 AS first_of_object, rec.*
        FROM (SELECT source_file, is_object, no_records, unnest(listed) AS rec,
                     generate_subscripts(listed, 1) AS position
              FROM (SELECT substr(filename, {prefix}) AS source_file,
                           starts_with(json, '{{') AS is_object,
                           coalesce(len(t.Records) = 0, false) AS no_records,
                           CASE WHEN t.Records IS NULL THEN [{schema.record_struct_pack('t')}]
                                WHEN len(t.Records) = 0 THEN [NULL]
                                ELSE t.Records END AS listed
                    FROM (SELECT filename, json,
                                 json_transform(json, {sql_str(schema.json_type(schema.TOP_LEVEL))}) AS t
                          FROM read_json_objects({files}, format = {shape}, filename = true,
                                                 maximum_object_size = {MAX_OBJECT_BYTES}))))
    """)
    if one_object_per_line and con.execute("SELECT count(*) FROM records WHERE NOT is_object").fetchone()[0]:
        # a line holding a JSON array would transform to an all-NULL struct: let 'auto' unpack it
        raise _NotOneObjectPerLine()
    # Logstash-style records carry the time in @timestamp; other ISO forms are made canonical.
    con.execute("""
        CREATE OR REPLACE TEMP VIEW raw AS
        SELECT * EXCLUDE (is_object, no_records, first_of_object) REPLACE (
            CASE WHEN try_strptime(eventTime, '%Y-%m-%dT%H:%M:%SZ') IS NULL
                 THEN strftime(timezone('UTC', try_cast(coalesce(eventTime, "@timestamp") AS TIMESTAMPTZ)),
                               '%Y-%m-%dT%H:%M:%SZ')
                 ELSE eventTime END AS eventTime)
        FROM records
        WHERE NOT no_records
    """)
    counts = con.execute("""
        SELECT source_file, count(*) FILTER (WHERE first_of_object), count(*) FILTER (WHERE NOT no_records)
        FROM records GROUP BY source_file
    """).fetchall()
    untimed = dict(con.execute("SELECT source_file, count(*) FROM raw WHERE eventTime IS NULL GROUP BY source_file").fetchall())
    con.execute(f"CREATE OR REPLACE TEMP TABLE normalised AS {NORMALIZE_SQL}")
    valid = dict(con.execute("SELECT source_file, count(*) FROM normalised GROUP BY source_file").fetchall())
    stats: dict[str, tuple[int, int, int, int]] = {k: (0, 0, 0, 0) for k in paths}
    for key, objects, records in counts:
        stats[key] = (objects, int(records or 0), valid.get(key, 0), untimed.get(key, 0))
    if valid:
        _write_partitions(con, out_dir)
    for statement in ("DROP VIEW IF EXISTS raw", "DROP TABLE IF EXISTS normalised", "DROP TABLE IF EXISTS records"):
        con.execute(statement)
    return stats


def _write_partitions(con: duckdb.DuckDBPyConnection, out_dir: Path) -> None:
    """Write ``normalised`` into ``out_dir/account=/region=/event_day=/`` as one new file per
    partition. One plain COPY per partition, not COPY ... PARTITION_BY: batches hold files in
    (account, region, delivery day) order (see ``_batches``), so a real trail's batch (a file
    every few minutes) touches one or two partitions, and DuckDB's partitioned writer costs more
    per row (measured: 0.85 s against 0.39 s per 200k events in one or two partitions, 0.43 s
    against 0.30 s per 100k events in 52). Values are percent-encoded in the path, as DuckDB's
    hive reader expects. A failed write removes the files the batch wrote and raises CacheWriteError."""
    partitions = con.execute("SELECT DISTINCT account, region, event_day FROM normalised").fetchall()
    written: list[Path] = []
    try:
        for account, region, day in partitions:
            folder = out_dir / "/".join(f"{name}={quote(str(value), safe='')}" for name, value in
                                        (("account", account), ("region", region), ("event_day", day)))
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"b{uuid.uuid4().hex}.parquet"
            written.append(target)
            where = (f"account = {sql_str(account)} AND region = {sql_str(region)} "
                     f"AND event_day = CAST({sql_str(str(day))} AS DATE)")
            con.execute(f"""
                COPY (SELECT * EXCLUDE (account, region, event_day) FROM normalised WHERE {where})
                TO {sql_str(str(target))} (FORMAT parquet)
            """)
    except (duckdb.Error, OSError) as exc:
        for path in written:
            if not path.is_dir():      # a folder in the target's place is not ours
                path.unlink(missing_ok=True)
        reason = str(exc).split("\n")[0][:300]
        raise CacheWriteError(f"{out_dir}: the event cache could not be written ({reason}); free space or "
                              "fix the folder, then run again (the batch's log files stay unread)") from exc


def _parse_resilient(con, paths: dict[str, Path], out_dir: Path, errors: dict[str, str], root: Path) -> dict[str, tuple[int, int, int, int]]:
    """Parse a batch; on a DuckDB error, set the named (or bisected) bad file aside and go on.

    First as one JSON object per line, the shape of every file a trail delivers: DuckDB's 'auto'
    format looks for object boundaries in a pass of its own, which costs as much as the
    transform (measured: 0.78 against 0.51 CPU-s per 100k events, parse and transform). Any
    batch that does not read that way (a JSON array, pretty-printed or corrupt file) is read
    again with 'auto', which handles every shape and names the bad file."""
    try:
        return _parse_batch(con, paths, out_dir, root, one_object_per_line=True)
    except (_NotOneObjectPerLine, *READ_ERRORS):
        pass
    pending = dict(paths)
    while pending:
        try:
            return _parse_batch(con, pending, out_dir, root)
        except READ_ERRORS as exc:
            by_path = {str(p): k for k, p in pending.items()}
            message = _without_local_paths(str(exc).split("\n")[0], by_path)[:300]
            named = [by_path[m] for m in FILE_IN_ERROR_RE.findall(str(exc)) if m in by_path]
            named = named or [key for path, key in by_path.items() if path in str(exc)]
            if named:
                errors[named[0]] = message
                pending.pop(named[0])
                continue
            if len(pending) == 1:
                key = next(iter(pending))
                errors[key] = message
                return {}
            keys = list(pending)
            half = len(keys) // 2
            first = _parse_resilient(con, {k: pending[k] for k in keys[:half]}, out_dir, errors, root)
            second = _parse_resilient(con, {k: pending[k] for k in keys[half:]}, out_dir, errors, root)
            return {**first, **second}
    return {}


def _without_local_paths(message: str, by_path: dict[str, str]) -> str:
    """The error with each staged file's local path replaced by its source key: evidence names
    the object, never a temporary folder of this machine (runs must diff to nothing)."""
    for path in sorted(by_path, key=len, reverse=True):
        message = message.replace(path, by_path[path])
    return message


def _batches(objects: list[SourceObject]) -> Iterable[list[SourceObject]]:
    """Objects grouped into batches of about BATCH_BYTES, in (account, region, delivery day)
    order, so that a batch's events fall in few cache partitions."""
    def locality(obj: SourceObject) -> tuple:
        return (obj.account or "", obj.region or "", obj.day or dt.date.min, obj.key)

    batch: list[SourceObject] = []
    size = 0
    for obj in sorted(objects, key=locality):
        if batch and (size + obj.size > BATCH_BYTES or len(batch) >= BATCH_FILES):
            yield batch
            batch, size = [], 0
        batch.append(obj)
        size += obj.size
    if batch:
        yield batch


def _ingest_batch(source, batch: list[SourceObject], staging: Path, cache: Cache,
                  con: duckdb.DuckDBPyConnection) -> list[LedgerEntry]:
    """Fetch, parse and account for one batch of objects; the ledger entries in batch order."""
    paths = source.fetch(batch, staging)
    errors: dict[str, str] = {}
    stats = _parse_resilient(con, paths, cache.events_dir, errors, source.staging_root(staging))
    entries: list[LedgerEntry] = []
    for obj in batch:
        raw = paths[obj.key].read_bytes()
        sha, content_sha = hashlib.sha256(raw).hexdigest(), content_sha256(raw)
        if obj.key in errors:
            entry = LedgerEntry(obj.key, obj.size, obj.etag, sha, "corrupt", error=errors[obj.key])
        else:
            objects_n, records, valid, untimed = stats.get(obj.key, (0, 0, 0, 0))
            if objects_n == 0:
                entry = LedgerEntry(obj.key, obj.size, obj.etag, sha, "not_cloudtrail",
                                    error="no JSON value in the file")
            elif valid == 0 and records > 0:
                entry = LedgerEntry(obj.key, obj.size, obj.etag, sha, "not_cloudtrail", invalid_records=records,
                                    error="JSON without CloudTrail records (no eventTime/eventName/eventSource)")
            else:
                entry = LedgerEntry(obj.key, obj.size, obj.etag, sha, "ok", events=valid,
                                    invalid_records=records - valid, records_without_time=untimed)
        entries.append(replace(entry, content_sha256=content_sha))
    if source.__class__.__name__ == "S3Source":
        for path in paths.values():
            path.unlink(missing_ok=True)
    return entries


def ingest(source, objects: list[SourceObject], cache: Cache, con: duckdb.DuckDBPyConnection,
           progress: Callable[[int, int], None] | None = None) -> list[LedgerEntry]:
    """Ingest the log objects the ledger does not hold yet; returns the ledger entry of every object given.

    Batches run side by side, one single-threaded DuckDB database per thread ``con`` is
    allowed (each with its share of the memory limit): one batch's statements leave cores
    idle (single-file tails, the partitioned write), and cursors of one multi-threaded
    database oversubscribe the cores (measured ~20 % more CPU). Results keep batch order.

    Every batch that finished is in the ledger even when another failed (its cache files are
    written): a failing batch leaves no cache files behind, and the error is raised after."""
    ledger = cache.ledger()
    fresh = [o for o in objects if not (o.key in ledger and ledger[o.key].size == o.size and ledger[o.key].etag == o.etag)]
    batches = list(_batches(fresh))
    workers = max(1, min(len(batches), int(con.execute("SELECT current_setting('threads')").fetchone()[0])))
    local = threading.local()
    opened: list[duckdb.DuckDBPyConnection] = []

    def run(numbered: tuple[int, list[SourceObject]]) -> list[LedgerEntry]:
        if not hasattr(local, "con"):
            local.con = connect(threads=1, memory_limit=f"{DEFAULT_MEMORY_MB // workers}MB")
            opened.append(local.con)
        number, batch = numbered
        return _ingest_batch(source, batch, Path(tmp) / f"batch{number}", cache, local.con)

    new_entries: list[LedgerEntry] = []
    failure: Exception | None = None
    try:
        with staging_dir() as tmp, ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run, numbered) for numbered in enumerate(batches)]
            for future in futures:
                if failure is not None and future.cancel():
                    continue                   # not started: nothing of it was written
                try:
                    entries = future.result()
                except Exception as exc:       # noqa: BLE001 - raised below, once finished batches are recorded
                    failure = failure or exc
                    continue
                new_entries.extend(entries)
                if progress:
                    progress(len(new_entries), len(fresh))
    finally:
        for worker_con in opened:
            worker_con.close()
        cache.append(new_entries)
    if failure is not None:
        raise failure
    merged = {**ledger, **{e.key: e for e in new_entries}}
    return [merged[o.key] for o in objects]


def window_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    return start.date(), end.date()
