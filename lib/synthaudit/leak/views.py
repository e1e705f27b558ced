"""Tables and figures runbook 05 shows: parts per dataset, DCR distributions, worst rows (positions only)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthaudit.leak.parts import SCORE_CHECK
from synthaudit.leak.score import DatasetScore


def summary(scores: list[DatasetScore]) -> list[dict[str, Any]]:
    """Deterministic per-dataset summary (counts and statuses only)."""
    return [{"dataset": ds.name, "verdict": ds.verdict, "score": ds.score,
             "parts": {p.part: {"status": p.status, "flagged_rows": len(p.rows)} for p in ds.parts},
             "reason": ds.reason} for ds in scores]


def parts_table(scores: list[DatasetScore]) -> pd.DataFrame:
    rows = []
    for ds in scores:
        part_scores = (ds.parameters.get("summary") or {}).get("part_scores", {})
        for p in ds.parts:
            rows.append({"dataset": ds.name, "part": p.part, "check": p.check_id, "status": p.status,
                         "flagged_rows": len(p.rows), "part_score": part_scores.get(p.part),
                         "reason": p.reason or ""})
        rows.append({"dataset": ds.name, "part": "combined", "check": SCORE_CHECK, "status": ds.verdict,
                     "flagged_rows": (ds.parameters.get("summary") or {}).get("rows_flagged"), "part_score": ds.score,
                     "reason": ds.reason or ""})
    return pd.DataFrame(rows)


def dcr_figure(ds: DatasetScore):
    """Histogram of DCR: synthetic->production, synthetic->holdout, holdout->production (its own)."""
    import plotly.graph_objects as go

    near = ds.part("near_copies")
    fig = go.Figure()
    if near is None or not near.arrays:
        fig.update_layout(title=f"{ds.name}: no DCR (near copies not assessed)")
        return fig
    labels = {"dcr_synthetic_to_production": "synthetic → production",
              "dcr_synthetic_to_holdout": "synthetic → holdout",
              "dcr_holdout_to_production": "holdout → production (real, unseen)"}
    for key, label in labels.items():
        values = near.arrays.get(key)
        if values is not None:
            fig.add_trace(go.Histogram(x=np.round(values, 6), name=label, opacity=0.6, histnorm="probability",
                                       xbins={"start": 0, "end": 1, "size": 0.01}))
    threshold = near.parameters.get("near_copy_distance")
    fig.add_vline(x=threshold, line_dash="dash", annotation_text=f"near copy ≤ {threshold}")
    fig.update_layout(barmode="overlay", title=f"{ds.name}: distance to closest record",
                      xaxis_title="DCR (mean per-column difference, 0-1)", yaxis_title="share of rows",
                      xaxis_range=[0, max(0.5, float(np.max(near.arrays["dcr_synthetic_to_production"])) + 0.02)])
    return fig


def worst_rows(ds: DatasetScore, limit: int = 15) -> pd.DataFrame:
    """Synthetic rows flagged by the most parts, then by smallest DCR: positions and part names, never values."""
    near = ds.part("near_copies")
    d = near.arrays.get("dcr_synthetic_to_production") if near is not None else None
    nearest = near.arrays.get("nearest_production_row") if near is not None else None
    flagged: dict[int, list[str]] = {}
    for p in ds.parts:
        for r in p.rows:
            flagged.setdefault(int(r), []).append(p.part)
    rows = [{"synthetic_row": r, "parts": ", ".join(sorted(parts)), "n_parts": len(parts),
             "dcr": round(float(d[r]), 4) if d is not None else None,
             "nearest_production_row": int(nearest[r]) if nearest is not None else None,
             "values": "hidden (see evidence tokens)"} for r, parts in flagged.items()]
    frame = pd.DataFrame(rows, columns=["synthetic_row", "parts", "n_parts", "dcr", "nearest_production_row", "values"])
    if frame.empty:
        return frame
    return frame.sort_values(["n_parts", "dcr", "synthetic_row"], ascending=[False, True, True]).head(limit).reset_index(drop=True)
