"""Exact copies: synthetic rows equal to a production row after normalisation, by hashing (O(n))."""
from __future__ import annotations

import numpy as np
import pandas as pd

from synthaudit.leak.normalise import normalise_frame, row_hashes
from synthaudit.leak.parts import EXACT_COPIES, MAX_EXAMPLES, PartResult

PART = EXACT_COPIES


def exact_copies(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str], max_share: float = 0.0) -> PartResult:
    """Rows whose canonical cells over ``columns`` equal a production row's (hash, then verify)."""
    if not columns:
        return PART.not_assessed("no column in common between production and synthetic")
    real_norm, syn_norm = normalise_frame(real, columns), normalise_frame(synthetic, columns)
    real_h, syn_h = row_hashes(real_norm), row_hashes(syn_norm)
    first_pos: dict[int, int] = {}
    for pos, h in enumerate(real_h.tolist()):
        first_pos.setdefault(h, pos)
    real_tuples = real_norm.to_numpy()
    syn_tuples = syn_norm.to_numpy()
    matches: list[tuple[int, int]] = []
    for pos in np.flatnonzero(pd.Series(syn_h).isin(first_pos).to_numpy()).tolist():  # hash lookups: O(n)
        cand = first_pos[int(syn_h[pos])]
        if (real_tuples[cand] == syn_tuples[pos]).all():  # a hash collision is not a copy
            matches.append((pos, cand))
    n = len(synthetic)
    share = len(matches) / n if n else 0.0
    status = "FAIL" if matches and share > max_share else "PASS"
    return PART.result(
        status,
        metrics={"synthetic_rows": n, "copies": len(matches), "share": share,
                 "distinct_production_rows_copied": len({c for _, c in matches})},
        parameters={"columns": columns, "normalisation": "casefold, whitespace collapsed, numbers canonical, ISO midnight dates as dates",
                    "hash": "pandas hash_pandas_object (64-bit), verified cell by cell", "max_share": max_share},
        rows=tuple(p for p, _ in matches),
        examples=tuple({"synthetic_row": p, "production_row": c, "columns_equal": len(columns)}
                       for p, c in matches[:MAX_EXAMPLES]),
    )
