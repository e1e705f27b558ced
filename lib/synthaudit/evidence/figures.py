"""The summary's plotly figures: findings by severity, phase and environment, requirements
by state per framework, leak score per dataset."""
from __future__ import annotations

from typing import Any

import pandas as pd

from synthaudit.evidence.controls import control_view
from synthaudit.evidence.report import SEVERITIES, STATUS_COLOURS, STATUS_ORDER, SUMMARY_PHASE, Report
from synthaudit.evidence.tables import leak_table

LAYOUT_MARGIN = {"t": 50, "b": 40, "l": 40, "r": 10}
REQUIREMENT_STATES = ["FAIL", "EXCEPTED", "PARTIAL", "NOT_ASSESSED", "PASS", "NO_EVIDENCE"]


def figures(report: Report) -> dict[str, Any]:
    """Plotly figures of the summary, keyed by a stable name."""
    import plotly.graph_objects as go

    figs: dict[str, Any] = {}
    items = list(report.findings)

    def stacked(dimension: str, values: list[str], title: str) -> Any:
        fig = go.Figure()
        for status in STATUS_ORDER:
            counts = [sum(1 for f in items if f.status == status and (getattr(f, dimension) or "unknown") == v)
                      for v in values]
            fig.add_bar(name=status, x=values, y=counts, marker_color=STATUS_COLOURS[status])
        fig.update_layout(barmode="stack", title=title, height=360, margin=LAYOUT_MARGIN, legend={"orientation": "h"})
        return fig

    figs["by_severity"] = stacked("severity", list(SEVERITIES), "Findings by severity")
    phases = [p.phase for p in report.phases] + [SUMMARY_PHASE]
    figs["by_phase"] = stacked("phase", phases, "Findings by phase")
    envs = sorted({f.environment or "unknown" for f in items}) or ["unknown"]
    figs["by_environment"] = stacked("environment", envs, "Findings by environment")
    view = control_view(items)
    if not view.empty:
        frameworks = list(dict.fromkeys(view["framework"]))
        fig = go.Figure()
        for state in REQUIREMENT_STATES:
            fig.add_bar(name=state, x=frameworks,
                        y=[int(((view["framework"] == fw) & (view["state"] == state)).sum()) for fw in frameworks],
                        marker_color=STATUS_COLOURS.get(state, "#e67e22"))
        fig.update_layout(barmode="stack", title="Requirements by state", height=360, margin=LAYOUT_MARGIN,
                          legend={"orientation": "h"})
        figs["controls"] = fig
    leak = leak_table(report)
    if not leak.empty and "score" in leak.columns and pd.to_numeric(leak["score"], errors="coerce").notna().any():
        scored = leak.assign(score=pd.to_numeric(leak["score"], errors="coerce")).dropna(subset=["score"])
        fig = go.Figure(go.Bar(x=scored["dataset"].astype(str).tolist(), y=scored["score"].tolist(),
                               marker_color="#d35400"))
        fig.update_layout(title="Leak score by dataset (0 = no leak, 100 = copy)", height=340, margin=LAYOUT_MARGIN)
        figs["leak"] = fig
    return figs
