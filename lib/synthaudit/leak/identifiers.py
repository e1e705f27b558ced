"""Identifier overlap: production direct-identifier values anywhere in the synthetic table.

Every synthetic cell of every column is looked up (canonical form) in the
production identifier index; names count when a production (first, last) pair
appears in one synthetic row (any two name-capable columns: direct identifiers
or other, never categories such as race, where "White" is not a surname) or as
one full-name cell. Values
also present in the holdout are excluded when a holdout is given (they are not
evidence that this sample was copied). Evidence shows each match's shape mask
(``***-**-••••``) and a salted-hash token an auditor holding the data can recompute.
"""
from __future__ import annotations

import pandas as pd

from synthaudit.leak.idindex import IdentifierIndex, canonical
from synthaudit.leak.parts import IDENTIFIER_OVERLAP, MAX_EXAMPLES, PartResult
from synthaudit.leak.redact import Redactor, mask

PART = IDENTIFIER_OVERLAP


def identifier_overlap(index: IdentifierIndex, synthetic: pd.DataFrame, skip_columns: list[str] = (),
                       name_columns: list[str] | None = None, redactor: Redactor | None = None) -> PartResult:
    """``name_columns``: synthetic columns that may hold name parts (not QI categories such as race)."""
    if index.size == 0:
        return PART.not_assessed("the production sample has no direct-identifier column "
                            "(give columns the role direct_identifier)")
    hits: dict[int, list[dict]] = {}
    per_kind: dict[str, set] = {}
    columns = [c for c in synthetic.columns if c not in set(skip_columns)]
    for col in columns:
        series = synthetic[col]
        for row, value in enumerate(series.tolist()):
            if value is None or (isinstance(value, float) and value != value):
                continue
            for kind, pcol, prow in index.lookup(str(value)):
                hit = {"synthetic_column": col, "kind": kind, "production_column": pcol, "production_row": prow,
                       "shape": mask(value)}
                if redactor is not None:
                    hit["token"] = redactor.token(canonical(kind, str(value)))
                hits.setdefault(row, []).append(hit)
                per_kind.setdefault(kind, set()).add(prow)
    if index.pairs:
        text_cols = [c for c in (name_columns if name_columns is not None else columns)
                     if c in columns and synthetic[c].dtype == object]
        for row, cells in enumerate(synthetic[text_cols].itertuples(index=False, name=None)):
            tokens = {canonical("first_name", v) for v in cells if isinstance(v, str) and v.strip()}
            if len(tokens) < 2:
                continue
            for first in tokens:
                for last in tokens:
                    if first != last and (first, last) in index.pairs:
                        for prow in index.pairs[(first, last)]:
                            hits.setdefault(row, []).append({"synthetic_column": "(two cells)", "kind": "name_pair",
                                                             "production_column": "first+last", "production_row": prow})
                            per_kind.setdefault("name_pair", set()).add(prow)
    rows = tuple(sorted(hits))
    examples = tuple({"synthetic_row": r, "matches": hits[r][:5]} for r in rows[:MAX_EXAMPLES])
    return PART.result(
        "FAIL" if rows else "PASS",
        metrics={"synthetic_rows": len(synthetic), "rows_with_production_identifiers": len(rows),
                 "production_records_exposed": len({h["production_row"] for r in rows for h in hits[r]}),
                 "by_kind": {k: len(v) for k, v in sorted(per_kind.items())},
                 "indexed_identifier_values": index.size},
        parameters={"identifier_columns": index.kinds, "columns_searched": columns, "name_pair_columns": name_columns,
                    "canonical_form": "digits only for ssn/phone/mrn, casefolded text otherwise; names as (first,last) pairs",
                    "holdout_values_excluded": True},
        rows=rows, examples=examples,
    )
