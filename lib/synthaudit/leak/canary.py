"""Canaries: records planted in production before generation; any trace in the output is a confirmed leak.

Traces: a synthetic cell matching ``canary_pattern`` (search, any column); a
synthetic cell equal to, or (text of 6+ characters) containing, a value of a
canary record; a synthetic row within ``near_copy_distance`` (DCR over the canary
record's compared columns) of a canary record. Value traces use the canary
records' direct-identifier fields: their attributes (sex, ZIP, ...) are shared by
many real people and only count together, through the distance.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from synthaudit.leak import dcr as dcr_mod
from synthaudit.leak.normalise import normalise_series
from synthaudit.leak.parts import CANARY, MAX_EXAMPLES, PartResult

PART = CANARY


def canaries(synthetic: pd.DataFrame, records: tuple[dict, ...], pattern: str | None, kinds: dict[str, str],
             near_copy_distance: float, identifier_columns: list[str], engine: str = "auto") -> PartResult:
    """Value traces use the canary records' identifier fields only (attributes are matched by distance)."""
    if not records and not pattern:
        return PART.not_assessed("no canary records or canary_pattern configured for this dataset")
    rx = re.compile(pattern) if pattern else None
    hits: dict[int, set[str]] = {}
    values: dict[str, set[str]] = {}
    for i, rec in enumerate(records):
        for col, value in rec.items():
            if col not in identifier_columns:
                continue
            canon = normalise_series(pd.Series([value]))[0]
            if len(canon) >= 3:
                values.setdefault(canon, set()).add(f"canary[{i}].{col}")
    long_values = [v for v in values if len(v) >= 6]
    for col in synthetic.columns:
        canon_col = normalise_series(synthetic[col])
        raw = synthetic[col].tolist()
        for row, (canon, value) in enumerate(zip(canon_col.tolist(), raw)):
            if not canon:
                continue
            if rx is not None and rx.search(str(value)):
                hits.setdefault(row, set()).add(f"pattern in {col}")
            if canon in values:
                hits.setdefault(row, set()).add(f"value in {col}")
            elif any(v in canon for v in long_values):
                hits.setdefault(row, set()).add(f"value inside {col}")
    near_rows = 0
    if records:
        frame = pd.DataFrame(list(records))
        cols = {c: k for c, k in kinds.items() if c in frame.columns and c in synthetic.columns}
        if cols:
            res = dcr_mod.nearest(dcr_mod.encode(synthetic, frame, cols), engine=engine)
            for row in np.flatnonzero(res.dcr <= near_copy_distance).tolist():
                hits.setdefault(row, set()).add(f"near copy of canary[{int(res.nearest[row])}]")
                near_rows += 1
    rows = tuple(sorted(hits))
    return PART.result(
        "FAIL" if rows else "PASS",
        metrics={"synthetic_rows": len(synthetic), "rows_with_canary_traces": len(rows), "near_copies_of_canaries": near_rows,
                 "canary_records": len(records)},
        parameters={"canary_pattern_given": bool(pattern), "canary_records": len(records),
                    "near_copy_distance": near_copy_distance,
                    "value_columns": [c for c in identifier_columns if any(c in r for r in records)], "value_match": "canonical equality; containment for 6+ chars"},
        rows=rows, examples=tuple({"synthetic_row": r, "traces": sorted(hits[r])} for r in rows[:MAX_EXAMPLES]),
    )
