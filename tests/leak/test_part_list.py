"""The leak parts are one explicit list (leak.parts.PARTS): each part's name and check id,
in the order a dataset is scored; the report, the score and the catalogue agree with it."""
from __future__ import annotations

import pandas as pd
import pytest

from synthaudit import catalogue
from synthaudit.config import LeakThresholds
from synthaudit.leak.combine import sub_score
from synthaudit.leak.parts import PARTS, SCORE_CHECK, PartResult
from synthaudit.leak.readers import Provenance, Reader, Table
from synthaudit.leak.report import PART_CHECKS, dataset_findings
from synthaudit.leak.score import DatasetScore, DatasetSpec, score_tables


def test_names_and_check_ids_are_unique_and_in_the_leak_catalogue():
    assert len({p.name for p in PARTS}) == len({p.check_id for p in PARTS}) == len(PARTS)
    leak_ids = {cid for cid, meta in catalogue.load().items() if meta.phase == "leak"}
    assert {p.check_id for p in PARTS} | {SCORE_CHECK} == leak_ids


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.name)
def test_every_part_has_a_sub_score_rule(part):
    assessed = sub_score(part.not_assessed("why"), 10, 50.0, 75.0)
    assert assessed.kind == "not_assessed" and assessed.part == part.name



def test_a_part_outside_the_list_has_no_sub_score_rule():
    with pytest.raises(ValueError, match="no sub-score rule"):
        sub_score(PartResult("not_a_part", "X", "PASS"), 10, 50.0, 75.0)


def test_a_dataset_is_scored_part_by_part_in_list_order():
    frame = pd.DataFrame({"first_name": ["Ann", "Bob", "Cy"], "zip": ["68101", "68102", "68103"]})
    table = Table(frame, Provenance("t.csv", 0, "0" * 64), len(frame), tuple(frame.columns))
    spec = DatasetSpec("d", "real.csv", "synthetic.csv", columns={"first_name": "direct_identifier",
                                                                   "zip": "quasi_identifier"})
    scored = score_tables(spec, table, table, None, LeakThresholds(), Reader())
    assert [(p.part, p.check_id) for p in scored.parts] == [(p.name, p.check_id) for p in PARTS]


def test_an_unreadable_dataset_reports_every_part_and_the_score():
    ds = DatasetScore("d", "s3://b/k", None, "NOT_ASSESSED", None, reason="input unreadable")
    found = dataset_findings(ds)
    assert [f.check_id for f in found] == [*PART_CHECKS.values(), SCORE_CHECK]
    assert list(PART_CHECKS) == [p.name for p in PARTS]
