"""What runbook 01 shows: counts by account/service/environment, coverage, and the
items an analyst should classify. Pure functions of a snapshot (no AWS)."""
from __future__ import annotations

from typing import Any

import pandas as pd

from synthaudit.inventory.schema import TABLES
from synthaudit.inventory.snapshot import Snapshot

ENV_COLORS = {"production": "#c0392b", "synthetic": "#2e86c1", "shared": "#7f8c8d", "unknown": "#f39c12"}
DERIVED_KINDS = {"ec2_security_group_rules", "ec2_routes", "kms_aliases"}  # parts of other rows, not resources


def counts(snapshot: Snapshot, include_derived: bool = False) -> pd.DataFrame:
    """One row per (account, service, kind, environment) with the number of rows."""
    frames = []
    for kind, table in TABLES.items():
        if kind in DERIVED_KINDS and not include_derived:
            continue
        frame = snapshot.table(kind)
        if frame.empty:
            continue
        grouped = frame.groupby(["account", "environment"], dropna=False).size().reset_index(name="count")
        grouped.insert(1, "service", table.service)
        grouped.insert(2, "kind", kind)
        frames.append(grouped)
    if not frames:
        return pd.DataFrame(columns=["account", "service", "kind", "environment", "count"])
    return pd.concat(frames, ignore_index=True).sort_values(
        ["account", "service", "kind", "environment"], ignore_index=True)


def summary(snapshot: Snapshot) -> dict[str, Any]:
    """Deterministic counts for the runbook's checked output and for scrapbook."""
    frame = counts(snapshot)
    cov = snapshot.coverage()
    return {
        "resources": int(frame["count"].sum()) if len(frame) else 0,
        "by_environment": {k: int(v) for k, v in frame.groupby("environment")["count"].sum().sort_index().items()},
        "by_service": {k: int(v) for k, v in frame.groupby("service")["count"].sum().sort_index().items()},
        "by_account": {k: int(v) for k, v in frame.groupby("account")["count"].sum().sort_index().items()},
        "coverage": {k: int(v) for k, v in cov.status.value_counts().sort_index().items()},
    }


def pivot(snapshot: Snapshot, by: str = "account") -> pd.DataFrame:
    """Resource counts with one column per environment, by account or service."""
    frame = counts(snapshot)
    table = frame.pivot_table(index=by, columns="environment", values="count", aggfunc="sum", fill_value=0)
    return table.reindex(columns=[e for e in ENV_COLORS if e in table.columns])


def counts_figure(snapshot: Snapshot, by: str = "account") -> Any:
    import plotly.express as px

    frame = counts(snapshot).groupby([by, "environment"], as_index=False)["count"].sum()
    fig = px.bar(frame, x=by, y="count", color="environment", color_discrete_map=ENV_COLORS,
                 category_orders={"environment": list(ENV_COLORS)},
                 title=f"Resources by {by} and environment")
    fig.update_layout(barmode="stack", legend_title_text="environment")
    return fig


def coverage_table(snapshot: Snapshot, gaps_only: bool = False) -> pd.DataFrame:
    cov = snapshot.coverage()
    if gaps_only:
        cov = cov[cov.status != "assessed"]
    return cov[["account", "region", "service", "status", "resources", "error", "detail_errors"]].reset_index(drop=True)


def coverage_matrix(snapshot: Snapshot) -> pd.DataFrame:
    """(account × service) grid: 'assessed' or the gap, regions joined."""
    cov = snapshot.coverage()
    cells = cov.groupby(["account", "service"]).status.agg(lambda s: "/".join(sorted(set(s)))).unstack("service")
    return cells.fillna("")


def unknown_items(snapshot: Snapshot) -> pd.DataFrame:
    """Everything classified 'unknown' (or decided by a conflict): what an analyst should settle in params."""
    rows = []
    for kind in TABLES:
        if kind in DERIVED_KINDS:
            continue
        frame = snapshot.table(kind)
        if frame.empty:
            continue
        pick = frame[(frame.environment == "unknown") | frame.environment_rule.str.contains("conflict", na=False)]
        for rec in pick[["account", "region", "arn", "name", "environment", "environment_rule", "tags"]].to_dict("records"):
            rows.append({"kind": kind, **rec})
    columns = ["kind", "account", "region", "arn", "name", "environment", "environment_rule", "tags"]
    return pd.DataFrame(rows, columns=columns).sort_values(["account", "kind", "arn"], ignore_index=True)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records (plain ints, None for missing) for scrapbook."""
    import json

    return json.loads(frame.to_json(orient="records"))


def crossovers(snapshot: Snapshot) -> pd.DataFrame:
    """Things classified into the other world than their account: a synthetic role or
    bucket inside a production account, or production data in a synthetic account.
    Not findings by themselves; where phase 02/03 findings about same-account leaks start."""
    accounts = snapshot.table("org_accounts")
    account_env = dict(zip(accounts.account, accounts.environment))
    opposite = {"production": "synthetic", "synthetic": "production"}
    rows = []
    for kind in TABLES:
        if kind in DERIVED_KINDS or kind.startswith("org_"):
            continue
        frame = snapshot.table(kind)
        for rec in frame[["account", "region", "arn", "name", "environment", "environment_rule"]].to_dict("records"):
            if opposite.get(account_env.get(rec["account"], "")) == rec["environment"]:
                rows.append({"kind": kind, "account_environment": account_env[rec["account"]], **rec})
    columns = ["kind", "account", "account_environment", "region", "arn", "name", "environment", "environment_rule"]
    return pd.DataFrame(rows, columns=columns).sort_values(["account", "kind", "arn"], ignore_index=True)
