"""Run the detector SQL: DuckDB on one machine, or Athena (Trino) for an organisation's trail.

Both engines build the same relations (``events`` -> ``DERIVED`` ones plus the small
tables in detectors.TABLES and one-row ``settings``) and run the same detector text.
For Athena the DuckDB SQL is transpiled with sqlglot, with the few rewrites Trino
needs (median -> approx_percentile, safe array indexing, JSON to text), and the small
tables travel inline as VALUES, so the kit only ever issues SELECTs there.
"""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any, Iterable

import duckdb
import sqlglot
from sqlglot import exp

from synthaudit.cloudtrail.detectors import (DERIVED, OUTPUT_COLUMNS, SETTINGS_TYPES, TABLES, Detector, helper_sql,
                                             referenced_columns)
from synthaudit.cloudtrail.ingest import NORMALIZE_SQL, Cache, sql_str

CLASSIFIED_INPUTS = ("environment", "accounts")  # the small tables classified.sql reads


def strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--")).strip()


def with_ctes(ctes: list[tuple[str, str]], body: str) -> str:
    """``body`` preceded by ``ctes`` (merged into body's own WITH when it has one)."""
    body = strip_comments(body)
    prefix = ",\n".join(f"{name} AS (\n{strip_comments(sql)}\n)" for name, sql in ctes)
    if body[:4].upper() == "WITH":
        return f"WITH {prefix},\n{body[4:].lstrip()}"
    return f"WITH {prefix}\n{body}"


def _literal(value: Any, type_: str) -> str:
    if value is None:
        return f"CAST(NULL AS {type_})"
    if type_ == "TIMESTAMP":
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'"
    if type_ in ("INTEGER", "DOUBLE"):
        return f"CAST({value!r} AS {type_})"
    return sql_str(str(value))


def settings_sql(settings: dict[str, Any]) -> str:
    return "SELECT " + ", ".join(f"{_literal(settings[k], t)} AS {k}" for k, t in SETTINGS_TYPES.items())


def values_sql(name: str, rows: Iterable[tuple]) -> str:
    """A small table as an inline query (an empty one keeps its column types)."""
    columns = TABLES[name]
    rows = list(rows)
    if not rows:
        return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns) + " WHERE 1 = 0"
    body = ",\n".join("(" + ", ".join(_literal(v, t) for v, (_, t) in zip(row, columns)) + ")" for row in rows)
    return f"SELECT * FROM (VALUES {body}) AS t({', '.join(c for c, _ in columns)})"


# -- Trino ------------------------------------------------------------------------------

def _trino_fixups(node: exp.Expression) -> exp.Expression:
    if isinstance(node, (exp.Median, exp.PercentileCont)):
        value = node.this
        return exp.ApproxQuantile(this=value, quantile=exp.Literal.number(0.5))
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        # sqlglot stores DuckDB's 1-based index 0-based; ELEMENT_AT is 1-based and NULL when out of range
        index = node.expressions[0]
        if isinstance(index, exp.Literal) and not index.is_string:
            index = exp.Literal.number(int(index.this) + 1)
        else:
            index = exp.Add(this=index, expression=exp.Literal.number(1))
        return exp.Anonymous(this="ELEMENT_AT", expressions=[node.this, index])
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.JSONExtract) and node.to.is_type("varchar", "text"):
        return exp.Anonymous(this="JSON_FORMAT", expressions=[node.this])
    if isinstance(node, exp.RegexpReplace) and node.args.get("modifiers") is not None:
        node = node.copy()
        node.set("modifiers", None)  # Trino replaces every match; it takes no flags
        return node
    return node


def to_trino(sql: str) -> str:
    """DuckDB SQL of this kit -> Trino/Athena SQL."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = tree.transform(_trino_fixups)
    return tree.sql(dialect="trino", pretty=True)


# -- DuckDB -------------------------------------------------------------------------------

class DuckDBEngine:
    """Detectors over the Parquet cache (or any relation of normalised events)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, events_relation: str, tables: dict[str, list[tuple]] | None,
                 settings: dict[str, Any], keep_columns: Iterable[str] = ()) -> None:
        """``keep_columns``: event columns needed besides those the detector SQL names."""
        self.con = con
        available = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {events_relation}").fetchall()]
        columns = ", ".join(f'"{c}"' for c in referenced_columns(available, " ".join(keep_columns)))
        # a view: the Parquet scan is materialised once, into `classified`, by set_tables()
        self.events_sql = f"""
            CREATE OR REPLACE TEMP VIEW events AS
            SELECT {columns} FROM {events_relation}
            WHERE event_day BETWEEN CAST({_literal(settings['baseline_start'], 'TIMESTAMP')} AS DATE)
                                AND CAST({_literal(settings['review_end'], 'TIMESTAMP')} AS DATE)
              AND event_time >= {_literal(settings['baseline_start'], 'TIMESTAMP')}
              AND event_time <= {_literal(settings['review_end'], 'TIMESTAMP')}
        """
        con.execute(self.events_sql)
        if tables is not None:
            self.set_tables(tables, settings)

    def set_tables(self, tables: dict[str, list[tuple]], settings: dict[str, Any], store: Cache | None = None) -> None:
        """(Re)load the small tables and rebuild the ``DERIVED`` relations (events stay loaded).

        Plain tables of the (private, in-memory) database, not TEMP ones: cursors of other
        threads see them, so detectors can run side by side (``parallelism``).

        With ``store`` (the events' cache), the ``DERIVED`` relations are written to a DuckDB
        file among its derived files, named by everything they are computed from (the ledger,
        the events view with its columns and window, the environment and account tables, the
        settings, the SQL). A later run over the same cache with the same inputs attaches that
        file instead of classifying a million events again; any change of input gives a new
        name. Writing to the file costs about 10 % more than building the tables in memory,
        and keeps them out of RAM."""
        for name in TABLES:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {values_sql(name, tables.get(name, []))}")
        self.con.execute(f"CREATE OR REPLACE TABLE settings AS {settings_sql(settings)}")
        derived = [(name, strip_comments(helper_sql(name))) for name in DERIVED]
        if store is None:
            for name, sql in derived:
                self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
            return
        path = store.derived_path("classified", self.events_sql, settings_sql(settings), *(sql for _, sql in derived),
                                  *(values_sql(name, tables.get(name, [])) for name in CLASSIFIED_INPUTS),
                                  suffix=".duckdb")
        if not path.exists():
            self._build_derived_file(derived, store, path)
        alias = path.stem.replace("-", "_")
        attached = {row[0] for row in self.con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
        if alias not in attached:
            self.con.execute(f"ATTACH {sql_str(str(path))} AS {alias} (READ_ONLY)")
        for name, _ in derived:
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {alias}.{name}")

    def _build_derived_file(self, derived: list[tuple[str, str]], store: Cache, path: Path) -> None:
        partial = store.partial_path(path)
        self.con.execute(f"ATTACH {sql_str(str(partial))} AS building")
        try:
            for name, sql in derived:
                self.con.execute(f"CREATE TABLE building.{name} AS {sql}")
                # the next relation's SQL names this one: point the name at the table just built
                self.con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM building.{name}")
        except BaseException:
            self.con.execute("DETACH building")
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                leftover.unlink(missing_ok=True)
            raise
        finally:
            for name, _ in derived:
                self.con.execute(f"DROP VIEW IF EXISTS temp.{name}")
        self.con.execute("DETACH building")
        store.publish(partial, path)

    @property
    def parallelism(self) -> int:
        return int(self.con.execute("SELECT current_setting('threads')").fetchone()[0])

    def count(self, where: str = "TRUE") -> int:
        return self.con.execute(f"SELECT count(*) FROM classified WHERE {where}").fetchone()[0]

    def run(self, detector: Detector) -> list[dict[str, Any]]:
        """One detector, on a cursor of its own (safe from any thread)."""
        sql = strip_comments(detector.sql)
        with self.con.cursor() as cursor:
            rows = cursor.execute(f"SELECT {', '.join(OUTPUT_COLUMNS)} FROM ({sql}) AS detector_rows").fetchall()
        return [dict(zip(OUTPUT_COLUMNS, row)) for row in rows]


# -- Athena ---------------------------------------------------------------------------------

class AthenaEngine:
    """Detectors over an existing CloudTrail table in Athena (see athena.py for its DDL).

    The session must allow athena:StartQueryExecution (SessionFactory(...,
    extra_allowed={("athena", "StartQueryExecution")})): the only non-read call the
    kit makes there, and it only ever submits SELECT statements.
    """

    name = "athena"
    TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")

    def __init__(self, client: Any, database: str, table: str, tables: dict[str, list[tuple]],
                 settings: dict[str, Any], workgroup: str = "primary", output_location: str | None = None,
                 poll_seconds: float = 0.5, timeout_seconds: float = 900.0) -> None:
        self.client = client
        self.database = database
        self.table = table
        self.tables = tables
        self.settings = settings
        self.workgroup = workgroup
        self.output_location = output_location
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.executions: list[str] = []

    def query_for(self, detector: Detector) -> str:
        """The full Trino statement for one detector."""
        start: dt.datetime = self.settings["baseline_start"]
        end: dt.datetime = self.settings["review_end"]
        raw = (f'SELECT *, "$path" AS source_file FROM "{self.database}"."{self.table}" '
               f"WHERE day >= '{start:%Y/%m/%d}' AND day <= '{end + dt.timedelta(days=1):%Y/%m/%d}'")
        window = (f"SELECT * FROM normalised WHERE event_time >= {_literal(start, 'TIMESTAMP')} "
                  f"AND event_time <= {_literal(end, 'TIMESTAMP')}")
        ctes = [(name, values_sql(name, self.tables.get(name, []))) for name in TABLES]
        ctes += [("settings", settings_sql(self.settings)), ("raw", raw), ("normalised", NORMALIZE_SQL),
                 ("events", window), *((name, helper_sql(name)) for name in DERIVED)]
        body = f"SELECT {', '.join(OUTPUT_COLUMNS)} FROM ({strip_comments(detector.sql)}) AS detector_rows"
        return to_trino(with_ctes(ctes, body))

    def _wait(self, execution_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            state = self.client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
            if state["Status"]["State"] in self.TERMINAL:
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"Athena query {execution_id} still {state['Status']['State']} after {self.timeout_seconds:.0f}s")
            time.sleep(self.poll_seconds)

    def run(self, detector: Detector) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"QueryString": self.query_for(detector), "WorkGroup": self.workgroup,
                                  "QueryExecutionContext": {"Database": self.database}}
        if self.output_location:
            kwargs["ResultConfiguration"] = {"OutputLocation": self.output_location}
        execution_id = self.client.start_query_execution(**kwargs)["QueryExecutionId"]
        self.executions.append(execution_id)
        state = self._wait(execution_id)
        if state["Status"]["State"] != "SUCCEEDED":
            reason = state["Status"].get("StateChangeReason", state["Status"]["State"])
            raise RuntimeError(f"Athena query for {detector.id} ({execution_id}) failed: {reason}")
        rows: list[dict[str, Any]] = []
        header: list[str] | None = None
        for page in self.client.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id):
            for row in page["ResultSet"]["Rows"]:
                values = [cell.get("VarCharValue") for cell in row["Data"]]
                if header is None:
                    header = values
                    continue
                rows.append(_typed(dict(zip(header, values))))
        return rows


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """Athena returns text; give event_time, events and failed their types back."""
    out = {c: row.get(c) for c in OUTPUT_COLUMNS}
    if out["event_time"]:
        text = str(out["event_time"]).replace("T", " ").rstrip("Z")
        out["event_time"] = dt.datetime.fromisoformat(text[:19])
    out["events"] = int(float(out["events"])) if out["events"] not in (None, "") else 0
    out["failed"] = str(out["failed"]).lower() == "true"   # the text "false" is not an attempt
    return out
