"""The files of a snapshot the IAM engine reads, read and checked; no IAM logic here.

raw/iam/<account>.json (GetAccountAuthorizationDetails), raw/organizations.json,
raw/resource_policies.json, and the arn/account/environment/tags columns of every
table. A missing or unreadable file is a SnapshotError that names it and says to
re-run phase 01.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthaudit.errors import SnapshotError


@dataclass(frozen=True)
class SnapshotFiles:
    authorization_details: list[dict]
    organizations: Any
    resource_policies: list
    rows: list[dict]
    iam_dir: Path


def read_snapshot(snapshot_dir: str | Path) -> SnapshotFiles:
    snap = Path(snapshot_dir)
    raw = snap / "raw"
    if not snap.is_dir():
        raise SnapshotError(f"{snap}: snapshot folder not found (run phase 01 inventory first)")
    rows = _table_rows(snap / "tables")
    organizations = _read_json(raw / "organizations.json") if (raw / "organizations.json").exists() else None
    rp_path = raw / "resource_policies.json"
    resource_policies = _read_json(rp_path) if rp_path.exists() else []
    if not isinstance(resource_policies, list):
        raise SnapshotError(f"{rp_path}: expected a JSON list of {{arn, account, policy}}")
    details = []
    iam_dir = raw / "iam"
    for path in sorted(iam_dir.glob("*.json")) if iam_dir.is_dir() else []:
        doc = _read_json(path)
        if not isinstance(doc, dict):
            raise SnapshotError(f"{path}: expected the GetAccountAuthorizationDetails object")
        details.append(doc)
    return SnapshotFiles(details, organizations, resource_policies, rows, iam_dir)


def tags_of(raw: Any) -> tuple[tuple[str, str], ...]:
    """Tags in any shape the snapshot holds them (dict, [{Key, Value}], JSON text), sorted."""
    if isinstance(raw, dict):
        return tuple(sorted((str(k), str(v)) for k, v in raw.items()))
    if isinstance(raw, list):
        return tuple(sorted((str(t.get("Key")), str(t.get("Value", ""))) for t in raw if isinstance(t, dict)))
    if isinstance(raw, str) and raw.strip():
        try:
            return tags_of(json.loads(raw))
        except json.JSONDecodeError:
            return ()
    return ()


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); re-run phase 01") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read ({exc.strerror})") from None


# what a data path needs to know of a store (iam/data_path.py): its encryption key, its settings
DATA_PATH_COLUMNS: dict[str, tuple[str, ...]] = {
    "s3_buckets": ("sse_algorithm", "kms_key_id"),
    "rds_instances": ("iam_database_authentication_enabled",),
    "rds_clusters": ("iam_database_authentication_enabled", "http_endpoint_enabled"),
    "kms_keys": ("key_id",),
    "kms_aliases": ("name", "target_key_id", "target_key_arn"),
}


def _table_rows(tables: Path) -> list[dict]:
    """arn/account/environment/tags of every snapshot table row (any table that has them), and
    the data-path columns of the stores and keys (``DATA_PATH_COLUMNS``)."""
    if not tables.is_dir():
        return []
    import pyarrow.parquet as pq

    rows: list[dict] = []
    for path in sorted(tables.glob("*.parquet")):
        try:
            schema = pq.read_schema(path)
        except Exception as exc:  # noqa: BLE001 - a broken table must not stop the IAM phase
            raise SnapshotError(f"{path}: not a readable Parquet table ({exc}); re-run phase 01") from None
        wanted = ("arn", "account", "region", "environment", "environment_rule", "tags") + DATA_PATH_COLUMNS.get(path.stem, ())
        cols = [c for c in wanted if c in schema.names]
        if "arn" not in cols:
            continue
        table = pq.read_table(path, columns=cols).to_pylist()
        for row in table:
            row["_kind"] = path.stem
            rows.append(row)
    return rows
