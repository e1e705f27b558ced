"""Where CloudTrail log files come from: a trail bucket in S3 or a local folder.

Both list *source objects* (key, size, ETag) and hand back a local file to parse.
Keys follow the layout CloudTrail delivers
(``AWSLogs/[<org-id>/]<account>/CloudTrail[-Digest]/<region>/YYYY/MM/DD/…``); files
outside it (a JSON array or JSON lines exported elsewhere) are read too, their
account, region and day taken from the records. Non-JSON files (CSV, YAML, text)
are reported as "not CloudTrail", never as parse errors.
"""
from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

KEY_RE = re.compile(
    r"AWSLogs/(?:(?P<org>o-[a-z0-9]+)/)?(?P<account>\d{12})/(?P<kind>CloudTrail|CloudTrail-Digest)/"
    r"(?P<region>[a-z0-9-]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
)
JSON_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
NOT_CLOUDTRAIL_HINTS = {
    ".csv": "CSV (e.g. S3 server access logs or a flattened export), not CloudTrail JSON",
    ".yaml": "YAML (dataset metadata), not CloudTrail JSON",
    ".yml": "YAML (dataset metadata), not CloudTrail JSON",
    ".md": "text, not CloudTrail JSON",
    ".txt": "text, not CloudTrail JSON",
    ".parquet": "Parquet, not CloudTrail JSON (point the kit at the raw log files)",
    ".signature": "digest signature (read with its digest)",
    ".pem": "public key (used to verify digest signatures)",
}


@dataclass(frozen=True)
class SourceObject:
    """One file of the source as listed (no content read yet)."""

    key: str
    size: int
    etag: str
    kind: str  # log | digest | meta (signatures, public keys) | other
    account: str | None = None
    region: str | None = None
    day: dt.date | None = None
    org_id: str | None = None
    note: str = ""  # why an "other" object is skipped

    def in_window(self, start: dt.date | None, end: dt.date | None) -> bool:
        """Whether the key's delivery day can hold events in [start, end] (files arrive up to a day late)."""
        if self.day is None:
            return True
        if start and self.day < start:
            return False
        return not (end and self.day > end + dt.timedelta(days=1))


def describe_key(key: str, size: int = 0, etag: str = "") -> SourceObject:
    lowered = key.lower()
    if lowered.endswith((".signature", ".pem", ".der")):
        return SourceObject(key, size, etag, "meta", note="digest signature or public key, read with the digests")
    match = KEY_RE.search(key)
    if match:
        kind = "digest" if match["kind"] == "CloudTrail-Digest" else "log"
        day = dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        if not lowered.endswith(JSON_SUFFIXES):
            return SourceObject(key, size, etag, "other", note="not a .json(.gz) file in the CloudTrail layout")
        return SourceObject(key, size, etag, kind, match["account"], match["region"], day, match["org"])
    if lowered.endswith(JSON_SUFFIXES):
        return SourceObject(key, size, etag, "log")
    suffix = Path(lowered).suffix
    note = NOT_CLOUDTRAIL_HINTS.get(suffix, f"not a JSON file ({suffix or 'no extension'}), not CloudTrail")
    return SourceObject(key, size, etag, "other", note=note)


class LocalSource:
    """A folder (or single file) of log files, in the S3 layout or not."""

    def __init__(self, path: str | Path) -> None:
        self.root = Path(path).expanduser().resolve()
        if not self.root.exists():
            raise FileNotFoundError(f"{self.root}: no such file or folder of CloudTrail logs")

    @property
    def uri(self) -> str:
        return self.root.as_uri()

    def list(self) -> Iterator[SourceObject]:
        files = [self.root] if self.root.is_file() else sorted(p for p in self.root.rglob("*") if p.is_file())
        for path in files:
            key = path.name if path == self.root else path.relative_to(self.root).as_posix()
            stat = path.stat()
            yield describe_key(key, stat.st_size, f"{stat.st_size}-{stat.st_mtime_ns}")

    def local_path(self, obj: SourceObject) -> Path:
        return self.root if self.root.is_file() else self.root / obj.key

    def read_bytes(self, obj: SourceObject) -> bytes:
        return self.local_path(obj).read_bytes()

    def metadata(self, obj: SourceObject) -> dict[str, str]:
        """S3 keeps a digest's signature in object metadata; a local copy keeps it in ``<digest>.signature``."""
        sidecar = self.local_path(obj).with_name(self.local_path(obj).name + ".signature")
        return {"signature": sidecar.read_text().strip()} if sidecar.exists() else {}

    def read_with_metadata(self, obj: SourceObject) -> tuple[bytes, dict[str, str]]:
        return self.read_bytes(obj), self.metadata(obj)

    def fetch(self, objects: Iterable[SourceObject], staging: Path) -> dict[str, Path]:
        return {obj.key: self.local_path(obj) for obj in objects}

    def staging_root(self, staging: Path) -> Path:
        """The folder every fetched file sits under at its key (here: the source itself)."""
        return self.root.parent if self.root.is_file() else self.root


class S3Source:
    """The trail bucket, read through a guarded session of the account that owns it."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", max_workers: int = 8) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.max_workers = max_workers

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def list(self) -> Iterator[SourceObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + "AWSLogs/"):
            for item in page.get("Contents", []):
                yield describe_key(item["Key"], int(item["Size"]), item.get("ETag", "").strip('"'))

    def read_bytes(self, obj: SourceObject) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=obj.key)["Body"].read()

    def read_with_metadata(self, obj: SourceObject) -> tuple[bytes, dict[str, str]]:
        """A digest and its signature (object metadata) in one GetObject."""
        response = self.client.get_object(Bucket=self.bucket, Key=obj.key)
        return response["Body"].read(), response.get("Metadata", {})

    def fetch(self, objects: Iterable[SourceObject], staging: Path) -> dict[str, Path]:
        """Download objects into ``staging`` (keeping their suffix, which tells DuckDB about gzip)."""
        from concurrent.futures import ThreadPoolExecutor

        staging.mkdir(parents=True, exist_ok=True)
        objects = list(objects)

        def one(obj: SourceObject) -> tuple[str, Path]:
            target = staging / obj.key  # keeps the suffix, which tells DuckDB about gzip
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.read_bytes(obj))
            return obj.key, target

        with ThreadPoolExecutor(self.max_workers) as pool:
            return dict(pool.map(one, objects))

    def staging_root(self, staging: Path) -> Path:
        return staging


def staging_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="synthaudit-ct-")


def lookup_events_to_folder(clients: dict[str, Any], start: dt.datetime, end: dt.datetime, folder: Path) -> Path:
    """Management events from the LookupEvents API (90 days of event history, no trail bucket
    needed) written as JSON lines, one file per region, so they take the same path as log files.
    Raises what the API raises (moto has no event history: the caller turns that into NOT_ASSESSED)."""
    folder.mkdir(parents=True, exist_ok=True)
    for region, client in sorted(clients.items()):
        lines = []
        for page in client.get_paginator("lookup_events").paginate(StartTime=start, EndTime=end):
            lines.extend(event["CloudTrailEvent"] for event in page.get("Events", []) if event.get("CloudTrailEvent"))
        (folder / f"lookup-events-{region}.jsonl").write_text("\n".join(lines) + "\n")
    return folder
