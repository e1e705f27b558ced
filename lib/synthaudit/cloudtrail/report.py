"""Tables and figures of runbook 04, built from what review() wrote (so they can be redrawn offline)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from synthaudit import arn as aws_arn
from synthaudit.cloudtrail.ingest import sql_str


def coverage_summary(out_dir: Path) -> pd.DataFrame:
    """Events, principals, active days and hours per account and region of the reviewed windows."""
    path = sql_str(str(Path(out_dir) / "events.parquet"))
    return duckdb.sql(f"""
        SELECT account, region, count(*) AS events, count(DISTINCT principal_arn) AS principals,
               count(DISTINCT event_day) AS active_days, count(DISTINCT date_trunc('hour', event_time)) AS active_hours,
               min(event_time) AS first_event, max(event_time) AS last_event
        FROM read_parquet({path}) GROUP BY account, region ORDER BY account, region
    """).df()


def activity_matrix(out_dir: Path, top: int = 40) -> pd.DataFrame:
    """Calls per principal and day for the ``top`` busiest non-service principals (rows) by day (columns)."""
    path = sql_str(str(Path(out_dir) / "events.parquet"))
    frame = duckdb.sql(f"""
        WITH p AS (
          SELECT principal_arn, count(*) AS n FROM read_parquet({path})
          WHERE principal_type <> 'AWSService' AND principal_arn IS NOT NULL
          GROUP BY principal_arn ORDER BY n DESC, principal_arn LIMIT {int(top)})
        SELECT e.principal_arn, e.event_day, count(*) AS calls
        FROM read_parquet({path}) e JOIN p USING (principal_arn)
        GROUP BY e.principal_arn, e.event_day ORDER BY e.principal_arn, e.event_day
    """).df()
    if frame.empty:
        return frame
    return frame.pivot(index="principal_arn", columns="event_day", values="calls").fillna(0)


def heatmap(out_dir: Path, anomalies: list[Any], top: int = 40):
    """Plotly heatmap of principal x day activity (log scale), anomalies marked on their cells."""
    import numpy as np
    import plotly.graph_objects as go

    matrix = activity_matrix(out_dir, top)
    fig = go.Figure()
    if matrix.empty:
        return fig
    days = [str(d) for d in matrix.columns]
    names = [parsed.resource if (parsed := aws_arn.parse(p)) else p for p in matrix.index]
    fig.add_trace(go.Heatmap(z=np.log10(matrix.values + 1), x=days, y=names, colorscale="Blues",
                             colorbar={"title": "log10 calls"}, hovertemplate="%{y}<br>%{x}<extra></extra>"))
    index = {p: names[i] for i, p in enumerate(matrix.index)}
    marks = [(str(a.time)[:10], index[a.principal], a.detector) for a in anomalies
             if a.principal in index and a.time]
    if marks:
        fig.add_trace(go.Scatter(x=[m[0] for m in marks], y=[m[1] for m in marks], mode="markers",
                                 marker={"symbol": "x", "size": 9, "color": "crimson"},
                                 text=[m[2] for m in marks], name="anomaly", hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(height=max(400, 18 * len(names)), margin={"l": 260}, title="Activity by principal and day")
    return fig


def family_tables(anomalies: list[Any]) -> dict[str, pd.DataFrame]:
    """One table per detector family; evidence is what the detectors keep (ARNs, counts, no payloads)."""
    rows = [{"family": a.family, "detector": a.detector, "time": a.time, "principal": a.principal,
             "action": a.action, "resource": a.resource, "account": a.account, "region": a.region,
             "detail": a.evidence.get("detail"), "events": a.evidence.get("events")} for a in anomalies]
    frame = pd.DataFrame(rows, columns=["family", "detector", "time", "principal", "action", "resource",
                                        "account", "region", "detail", "events"])
    return {family: group.drop(columns="family").reset_index(drop=True)
            for family, group in frame.groupby("family", sort=True)}
