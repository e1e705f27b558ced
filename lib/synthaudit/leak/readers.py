"""Read dataset inputs (CSV or Parquet, local or s3://) and record where they came from.

Every read returns the bytes' provenance (location, size, SHA-256, and for S3 the
VersionId and ETag) so an auditor can show which object was scored. S3 reads go
through the guarded SessionFactory for the dataset's account. A file that cannot
be read raises ``InputError`` naming the location and what to do.
"""
from __future__ import annotations

import csv
import hashlib
import io
import posixpath
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from synthaudit import arn as aws_arn
from synthaudit.errors import InputError


@dataclass(frozen=True)
class Provenance:
    location: str
    size: int
    sha256: str
    version_id: str | None = None
    etag: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Blob:
    data: bytes
    provenance: Provenance


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    provenance: Provenance
    rows: int
    columns: tuple[str, ...]


def split_s3(location: str) -> tuple[str, str]:
    rest = location[len("s3://"):]
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise InputError(f"{location}: an S3 location must be s3://bucket/key")
    return bucket, key


def resource_of(location: str) -> str:
    """The finding resource for an input: the S3 object ARN, else the path as given."""
    if location.startswith("s3://"):
        bucket, key = split_s3(location)
        return aws_arn.s3_object(bucket, key)
    return location


def sibling(base: str, relative: str) -> str:
    """Resolve ``relative`` (a path stored in a table) against the table's own location."""
    if relative.startswith("s3://") or relative.startswith("/"):
        return relative
    if base.startswith("s3://"):
        bucket, key = split_s3(base)
        return f"s3://{bucket}/" + posixpath.normpath(posixpath.join(posixpath.dirname(key), relative))
    return str((Path(base).parent / relative).resolve())


class Reader:
    """Reads locations; ``sessions`` (a SessionFactory) and ``account`` are needed for s3:// only."""

    def __init__(self, sessions: Any = None, account: str | None = None, region: str | None = None) -> None:
        self.sessions = sessions
        self.account = account
        self.region = region
        self._client = None

    def _s3(self):
        if self._client is None:
            if self.sessions is None:
                raise InputError("an s3:// input needs AWS access: run through params (SessionFactory) with the dataset's account")
            if self.account:
                self._client = self.sessions.client(self.account, "s3", self.region)
            else:
                self._client = self.sessions.base_client("s3", self.region)
        return self._client

    def read_bytes(self, location: str) -> Blob:
        if location.startswith("s3://"):
            bucket, key = split_s3(location)
            resp = self._s3().get_object(Bucket=bucket, Key=key)
            data = resp["Body"].read()
            version = resp.get("VersionId")
            prov = Provenance(location, len(data), hashlib.sha256(data).hexdigest(),
                              None if version in (None, "null") else version, (resp.get("ETag") or "").strip('"') or None)
            return Blob(data, prov)
        path = Path(location).expanduser()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{location}: file not found (check the dataset path in params or on the command line)") from None
        except OSError as exc:
            raise InputError(f"{location}: cannot read ({exc.strerror})") from None
        return Blob(data, Provenance(str(location), len(data), hashlib.sha256(data).hexdigest()))

    def read_table(self, location: str) -> Table:
        blob = self.read_bytes(location)
        frame = parse_table(blob.data, location)
        return Table(frame, blob.provenance, len(frame), tuple(str(c) for c in frame.columns))


def parse_table(data: bytes, location: str) -> pd.DataFrame:
    """CSV (any text) or Parquet (by magic bytes); every value kept as read, strings as str."""
    if data[:4] == b"PAR1":
        try:
            return pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # pyarrow raises several types
            raise InputError(f"{location}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    if not data.strip():
        raise InputError(f"{location}: the file is empty; expected CSV with a header row or Parquet")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{location}: not UTF-8 text and not Parquet; export the table as UTF-8 CSV or Parquet") from None
    header = next(csv.reader(io.StringIO(text)), [])
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{location}: duplicate column names {dupes}; rename them")
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise InputError(f"{location}: not a readable CSV file ({type(exc).__name__}: {exc})") from None
