"""Snapshot files: write the tables, coverage and raw JSON; read them back with ``Snapshot``.

Phases 02 and 03 only ever read a snapshot through ``Snapshot`` so the layout
(docs/architecture.md) lives in one place. Tables always have every column of
``schema.TABLES`` in schema order, also when empty.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthaudit.inventory.schema import COVERAGE_COLUMNS, TABLES, Table
from synthaudit.errors import SnapshotError

ARROW_TYPES = {"str": pa.string(), "json": pa.string(), "bool": pa.bool_(), "int": pa.int64()}
COVERAGE_SCHEMA = pa.schema([
    ("account", pa.string()), ("region", pa.string()), ("service", pa.string()), ("status", pa.string()),
    ("error", pa.string()), ("resources", pa.int64()), ("detail_errors", pa.string()),
])
_ACCOUNT_RE = re.compile(r"^\d{12}$")


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in table.columns])


def _cell(value: Any, type_: str) -> Any:
    if value is None:
        return None
    if type_ == "json":
        return dumps(value)
    if type_ == "bool":
        return bool(value)
    if type_ == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    return str(value)


def _sort_key(row: dict[str, Any], names: tuple[str, ...]) -> tuple[str, ...]:
    head = ("account", "region", "arn")
    return tuple("" if row.get(n) is None else str(row.get(n)) for n in head + tuple(n for n in names if n not in head))


def table_from_rows(kind: str, rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (dicts with Python values) -> an Arrow table with the schema's columns, sorted."""
    table = TABLES[kind]
    types = {c.name: c.type for c in table.columns}
    cleaned = []
    for row in rows:
        unknown = [k for k in row if k not in types and not k.startswith("_")]
        if unknown:
            raise ValueError(f"inventory table {kind}: columns {unknown} are not in inventory/schema.py")
        cleaned.append({name: _cell(row.get(name), type_) for name, type_ in types.items()})
    cleaned.sort(key=lambda r: _sort_key(r, table.names))
    return pa.Table.from_pylist(cleaned, schema=arrow_schema(table))


def write_snapshot(snapshot_dir: Path, tables: dict[str, list[dict[str, Any]]], coverage: list[dict[str, Any]],
                   organizations: dict[str, Any] | None, iam_raw: dict[str, Any],
                   resource_policies: list[dict[str, Any]], meta: dict[str, Any]) -> Path:
    snapshot_dir = Path(snapshot_dir)
    (snapshot_dir / "tables").mkdir(parents=True, exist_ok=True)
    (snapshot_dir / "raw" / "iam").mkdir(parents=True, exist_ok=True)
    for kind in TABLES:
        pq.write_table(table_from_rows(kind, tables.get(kind, [])), snapshot_dir / "tables" / f"{kind}.parquet")
    cov = sorted(coverage, key=lambda r: (r["account"], r["region"], r["service"]))
    cov_rows = [{**{c: r.get(c) for c in COVERAGE_COLUMNS}, "detail_errors": dumps(r.get("detail_errors") or [])}
                for r in cov]
    pq.write_table(pa.Table.from_pylist(cov_rows, schema=COVERAGE_SCHEMA), snapshot_dir / "coverage.parquet")
    _write_json(snapshot_dir / "raw" / "organizations.json", organizations or {})
    for account, raw in sorted(iam_raw.items()):
        _write_json(snapshot_dir / "raw" / "iam" / f"{account}.json", raw)
    policies = sorted(resource_policies, key=lambda p: (p["arn"], p["account"], p["region"], p["service"]))
    _write_json(snapshot_dir / "raw" / "resource_policies.json", policies)
    _write_json(snapshot_dir / "meta.json", meta)
    return snapshot_dir


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")


class Snapshot:
    """Read access to one snapshot folder (``<run>/snapshot``)."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if (path / "snapshot" / "tables").is_dir() and not (path / "tables").is_dir():
            path = path / "snapshot"  # a run folder was given
        self.path = path
        if not (path / "tables").is_dir():
            raise SnapshotError(
                f"{path}: not a snapshot folder (no tables/ inside); run phase 01 first: "
                f"synthaudit inventory --params FILE --out RUN_DIR")

    def kinds(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "tables").glob("*.parquet"))

    def table(self, kind: str, decode_json: bool = False) -> pd.DataFrame:
        """One table as a DataFrame; ``decode_json`` parses the json columns into Python objects."""
        file = self.path / "tables" / f"{kind}.parquet"
        if not file.exists():
            known = ", ".join(self.kinds()) or "none"
            raise SnapshotError(f"{file}: no table {kind!r} in this snapshot (tables: {known})")
        frame = pq.read_table(file).to_pandas(types_mapper=_types_mapper)
        if decode_json and kind in TABLES:
            for col in TABLES[kind].columns:
                if col.type == "json":
                    frame[col.name] = [json.loads(v) if isinstance(v, str) else None for v in frame[col.name]]
        return frame

    def coverage(self) -> pd.DataFrame:
        return pq.read_table(self.path / "coverage.parquet").to_pandas(types_mapper=_types_mapper)

    def _json(self, *parts: str) -> Any:
        file = self.path.joinpath("raw", *parts)
        if not file.exists():
            raise SnapshotError(f"{file}: missing from the snapshot")
        try:
            return json.loads(file.read_text())
        except ValueError as exc:
            raise SnapshotError(f"{file}: not valid JSON ({exc}); re-run phase 01") from None

    def organizations(self) -> dict[str, Any]:
        return self._json("organizations.json")

    def raw_iam(self, account: str) -> dict[str, Any]:
        if not _ACCOUNT_RE.match(str(account)):
            raise SnapshotError(f"raw_iam: {account!r} is not a 12-digit account id")
        return self._json("iam", f"{account}.json")

    def iam_accounts(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "raw" / "iam").glob("*.json"))

    def resource_policies(self) -> list[dict[str, Any]]:
        return self._json("resource_policies.json")

    def meta(self) -> dict[str, Any]:
        file = self.path / "meta.json"
        return json.loads(file.read_text()) if file.exists() else {}


def _types_mapper(arrow_type: pa.DataType) -> Any:
    """Nullable pandas dtypes, so an unknown bool stays <NA> instead of becoming False."""
    if arrow_type == pa.bool_():
        return pd.BooleanDtype()
    if arrow_type == pa.int64():
        return pd.Int64Dtype()
    return None
