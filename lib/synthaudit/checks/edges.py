"""The estate's cross-environment edges, from the FAIL findings' evidence: which
synthetic principals, workloads and networks touch which production stores.

Checks that find a path put ``evidence["edges"] = [{"source", "target", "via"}]``;
this module only collects and draws them (runbook 02's figure)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from synthaudit import arn as aws_arn
from synthaudit.config import Params
from synthaudit.findings import Finding

from synthaudit.checks.context import CheckContext

COLUMNS = ("check_id", "source", "source_environment", "target", "target_environment", "via")
COLOURS = {"production": "#c0392b", "synthetic": "#2980b9", "shared": "#7f8c8d", "unknown": "#bdc3c7"}


def edge_table(findings: Iterable[Finding], snapshot_dir: str | Path, params: Params) -> pd.DataFrame:
    """One row per (check, source, target, via) edge of a FAIL finding, with both ends' environments."""
    ctx = CheckContext(snapshot_dir, params)
    rows = []
    for f in findings:
        if f.status != "FAIL":
            continue
        for edge in f.evidence.get("edges") or []:
            source, target = str(edge.get("source")), str(edge.get("target"))
            rows.append({
                "check_id": f.check_id, "source": source, "source_environment": _environment(ctx, source),
                "target": target, "target_environment": _environment(ctx, target), "via": str(edge.get("via", "")),
            })
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).drop_duplicates()
    return frame.sort_values(list(COLUMNS)).reset_index(drop=True)


def _environment(ctx: CheckContext, ident: str) -> str:
    parsed = aws_arn.parse(ident)
    if parsed is not None:
        if parsed.service == "organizations":
            return ctx.account_environments.get(parsed.name, "unknown")
        return ctx.environment_of(ident)
    for kind in ("ec2_security_groups", "ec2_vpcs", "ec2_subnets"):
        for row in ctx.rows_or_empty(kind):
            if ident in (row.get("group_id"), row.get("vpc_id"), row.get("subnet_id")):
                return row.get("environment") or "unknown"
    return "unknown"  # a CIDR or an id outside the snapshot


def short(ident: str) -> str:
    """A readable label: the last part of an ARN."""
    parsed = aws_arn.parse(ident)
    if parsed is None:
        return ident
    tail = parsed.resource
    return tail.split("/", 1)[-1] if "/" in tail else tail


def edge_figure(edges: pd.DataFrame, title: str = "Cross-environment edges found by phase 02"):
    """A Sankey diagram: sources (left) to production targets (right), coloured by environment."""
    import plotly.graph_objects as go

    nodes = sorted(set(edges["source"]) | set(edges["target"])) if len(edges) else []
    index = {n: i for i, n in enumerate(nodes)}
    env = {**dict(zip(edges["source"], edges["source_environment"])), **dict(zip(edges["target"], edges["target_environment"]))} if len(edges) else {}
    figure = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": [short(n) for n in nodes], "color": [COLOURS.get(env.get(n, "unknown"), "#bdc3c7") for n in nodes],
              "customdata": nodes, "hovertemplate": "%{customdata}<extra></extra>", "pad": 12},
        link={"source": [index[s] for s in edges["source"]] if len(edges) else [],
              "target": [index[t] for t in edges["target"]] if len(edges) else [],
              "value": [1] * len(edges),
              "label": [f"{c}: {v}" for c, v in zip(edges["check_id"], edges["via"])] if len(edges) else []},
    ))
    figure.update_layout(title=title, height=max(400, 22 * len(nodes)), font={"size": 11})
    return figure
