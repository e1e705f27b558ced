"""Near copies: distance to closest record (DCR), overfitting against a holdout, and NNDR.

* DCR of each synthetic row to the production (training) rows, exact (see dcr.py).
* With a holdout: DCR of each synthetic row to the holdout, the share of synthetic
  rows strictly closer to training than to holdout (SDMetrics'
  DCROverfittingProtection: ~0.5 when the generator did not memorise), and the
  holdout rows' own DCR to training (what "close" looks like for unseen real rows).
* NNDR: nearest / second-nearest distance to training rows; near 0 means a row
  sits on one specific production record.

A near copy is a synthetic row with DCR <= ``near_copy_distance`` that (when a
holdout is given) is strictly closer to training than to the holdout. The part
FAILs when near copies exceed both ``near_copy_max_share`` of the synthetic rows
and the chance level: the share of holdout rows (real, unseen) that lie within
the same distance of training, times the synthetic row count.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from synthaudit.leak import dcr as dcr_mod
from synthaudit.leak.parts import MAX_EXAMPLES, NEAR_COPIES, PartResult

PART = NEAR_COPIES
QUANTILES = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 1.0)


def _quantiles(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    return {f"p{int(q * 100)}": float(np.quantile(values, q)) for q in QUANTILES}


def near_copies(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None,
                kinds: dict[str, str], *, near_copy_distance: float, max_share: float,
                exact_rows: tuple[int, ...] = (), engine: str = "auto", workers: int | None = None) -> PartResult:
    if not kinds:
        return PART.not_assessed("no quasi-identifier, sensitive or other column to compare")
    if len(real) == 0 or len(synthetic) == 0:
        return PART.not_assessed("production or synthetic table has no rows")
    used_engine = dcr_mod.engine_name(engine)
    enc = dcr_mod.encode(synthetic, real, kinds)
    to_train = dcr_mod.nearest(enc, engine=engine, workers=workers)
    d_train, nndr = to_train.dcr, to_train.nndr
    metrics: dict = {"synthetic_rows": len(synthetic), "dcr_synthetic_to_production": _quantiles(d_train),
                     "nndr": _quantiles(nndr)}
    arrays = {"dcr_synthetic_to_production": d_train, "nndr": nndr, "nearest_production_row": to_train.nearest}
    near = d_train <= near_copy_distance
    if holdout is not None and len(holdout):
        d_hold = dcr_mod.nearest(dcr_mod.encode(synthetic, holdout, kinds), engine=engine, workers=workers).dcr
        own = dcr_mod.nearest(dcr_mod.encode(holdout, real, kinds), engine=engine, workers=workers).dcr
        closer = float(np.mean(d_train < d_hold))
        metrics.update({
            "dcr_synthetic_to_holdout": _quantiles(d_hold),
            "dcr_holdout_to_production": _quantiles(own),
            "share_closer_to_production_than_holdout": closer,
            "sdmetrics_dcr_overfitting_protection": min((1.0 - closer) * 2, 1.0),
            "holdout_rows_within_near_copy_distance": int(np.sum(own <= near_copy_distance)),
        })
        arrays.update({"dcr_synthetic_to_holdout": d_hold, "dcr_holdout_to_production": own})
        near = near & (d_train < d_hold)
        chance = float(np.mean(own <= near_copy_distance)) * len(synthetic)
    else:
        chance = None
    rows = np.flatnonzero(near)
    exact = set(exact_rows)
    n = len(synthetic)
    share = len(rows) / n
    limit = max(max_share * n, chance or 0.0)
    metrics["chance_level_from_holdout"] = chance
    metrics.update({"near_copies": int(len(rows)), "near_copies_not_exact": int(sum(1 for r in rows if r not in exact)),
                    "share": share})
    order = rows[np.lexsort((rows, d_train[rows]))] if len(rows) else rows
    worst = np.argsort(d_train, kind="stable")[:MAX_EXAMPLES]
    examples = tuple({"synthetic_row": int(r), "production_row": int(to_train.nearest[r]),
                      "dcr": round(float(d_train[r]), 6), "nndr": round(float(nndr[r]), 6),
                      "near_copy": bool(near[r])} for r in worst)
    return PART.result(
        "FAIL" if len(rows) and len(rows) > limit else "PASS",
        metrics=metrics,
        parameters={"columns": kinds, "ranges": enc.ranges, "near_copy_distance": near_copy_distance,
                    "max_share": max_share, "definition": "SDMetrics DCR (numeric |a-b|/range clipped at 1, categorical 0/1, "
                    "one missing 1, both missing 0; mean over columns)", "exact": True, "engine": used_engine,
                    "holdout_rule": "near copy must be strictly closer to production than to holdout" if holdout is not None else None},
        rows=tuple(int(r) for r in order), examples=examples, arrays=arrays,
    )
