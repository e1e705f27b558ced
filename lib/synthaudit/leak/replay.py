"""Quasi-identifier replay: synthetic rows whose QI combination singles out a production record.

A production QI combination held by fewer than k production rows is rare (1 =
unique); a synthetic row carrying it points at those few real people. The chance
level is estimated from the holdout: how many synthetic rows hit a combination
that is rare in the holdout (scaled to the production size). A part FAILs when
replays exceed both ``qi_replay_max_share`` of the synthetic rows and that chance level.
"""
from __future__ import annotations

import pandas as pd

from synthaudit.leak.normalise import normalise_frame, row_hashes
from synthaudit.leak.parts import MAX_EXAMPLES, PartResult, QI_REPLAY

PART = QI_REPLAY


def _rare_matches(reference: pd.DataFrame, synthetic: pd.DataFrame, qis: list[str], k: int):
    ref_h = row_hashes(normalise_frame(reference, qis))
    syn_h = row_hashes(normalise_frame(synthetic, qis))
    counts = pd.Series(ref_h).value_counts()
    rare = counts[counts < k]
    hits = pd.Series(syn_h).map(rare)
    return hits, ref_h


def qi_replay(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None, qis: list[str],
              *, k: int, max_share: float) -> PartResult:
    qis = [c for c in qis if c in synthetic.columns and c in real.columns]
    if not qis:
        return PART.not_assessed("no quasi-identifier column in both production and synthetic "
                            "(name them with role quasi_identifier in the dataset's columns)")
    hits, ref_h = _rare_matches(real, synthetic, qis, k)
    flagged = hits.notna()
    rows = tuple(int(i) for i in flagged[flagged].index)
    unique = int((hits == 1).sum())
    n = len(synthetic)
    chance = None
    if holdout is not None and len(holdout):
        h_hits, _ = _rare_matches(holdout, synthetic, qis, k)
        chance = float(h_hits.notna().sum()) * len(real) / len(holdout)
    limit = max(max_share * n, chance or 0.0)
    status = "FAIL" if len(rows) > limit else "PASS"
    first_pos: dict[int, int] = {}
    for pos, h in enumerate(ref_h.tolist()):
        first_pos.setdefault(h, pos)
    syn_h = row_hashes(normalise_frame(synthetic, qis))
    examples = tuple({"synthetic_row": r, "production_row": first_pos[int(syn_h[r])],
                      "production_group_size": int(hits[r])} for r in rows[:MAX_EXAMPLES])
    groups = pd.Series(ref_h).value_counts()
    return PART.result(
        status,
        metrics={"synthetic_rows": n, "replays": len(rows), "replays_of_unique_records": unique,
                 "share": len(rows) / n if n else 0.0, "chance_level_from_holdout": chance,
                 "production_unique_combinations": int((groups == 1).sum()),
                 "production_rare_combinations": int((groups < k).sum())},
        parameters={"quasi_identifiers": qis, "k": k, "max_share": max_share,
                    "normalisation": "as exact copies"},
        rows=rows, examples=examples,
    )
