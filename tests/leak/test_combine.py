"""The combined leak score: sub-score formulas, monotonicity, verdict-score agreement, confirmed-leak floor."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthaudit.config import LeakThresholds
from synthaudit.leak.combine import BELOW_FAIL_MARGIN, combine, confirmed_score, publish, share_score
from synthaudit.leak.parts import PartResult, not_assessed
from synthaudit.leak.readers import Provenance, Reader, Table
from synthaudit.leak.score import DatasetSpec, score_tables

F, FLOOR = 20.0, 90.0
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


# --- the formulas -------------------------------------------------------------------------------------------------

@given(shares, shares, shares)
def test_share_score_is_monotone_and_bounded(s1, s2, t):
    lo, hi = sorted((s1, s2))
    assert 0.0 <= share_score(lo, t, F) <= share_score(hi, t, F) <= 100.0


@given(shares, shares)
def test_share_score_reaches_fail_score_iff_share_exceeds_tolerance(s, t):
    assert (share_score(s, t, F) >= F) == (s > t)


def test_share_score_anchor_points():
    assert share_score(0.0, 0.0, F) == 0.0
    assert share_score(0.01, 0.01, F) == pytest.approx(F - BELOW_FAIL_MARGIN)   # at tolerance: just under F
    assert share_score(0.005, 0.01, F) == pytest.approx((F - BELOW_FAIL_MARGIN) / 2)
    assert share_score(1.0, 0.0, F) == 100.0                                      # every row: total leak
    assert share_score(0.25, 0.0, F) == pytest.approx(F + (100 - F) * 0.5)
    assert share_score(1e-9, 0.0, F) > F                                           # zero tolerance: any share fails


@given(st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_publishing_never_moves_a_score_across_the_fail_line(score, fail_score):
    assert (publish(score, fail_score) >= fail_score) == (score >= fail_score)
    assert abs(publish(score, fail_score) - score) <= 1e-4 + 1e-12


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=F, max_value=100.0))
def test_confirmed_score_floor_and_monotone(count, floor):
    score = confirmed_score(count, floor)
    assert (score == 0.0) if count == 0 else (floor <= score <= 100.0)
    assert confirmed_score(count + 1, floor) >= score


# --- combining parts ----------------------------------------------------------------------------------------------

def _parts(n: int, exact: int, replays: int, ids: int, canary_rows: int, ci_low: float, dicom: int) -> list[PartResult]:
    return [
        PartResult("exact_copies", "LEAK_EXACT_COPIES", "FAIL" if exact else "PASS",
                   {"synthetic_rows": n, "copies": exact}, {"max_share": 0.0}),
        PartResult("qi_replay", "LEAK_QI_REPLAY", "FAIL" if replays > 0.01 * n else "PASS",
                   {"synthetic_rows": n, "replays": replays, "chance_level_from_holdout": None}, {"max_share": 0.01}),
        PartResult("identifier_overlap", "LEAK_IDENTIFIER_OVERLAP", "FAIL" if ids else "PASS",
                   {"synthetic_rows": n, "rows_with_production_identifiers": ids}),
        PartResult("canary", "LEAK_CANARY", "FAIL" if canary_rows else "PASS",
                   {"synthetic_rows": n, "rows_with_canary_traces": canary_rows}),
        PartResult("inference_risk", "LEAK_INFERENCE_RISK", "FAIL" if ci_low > 0.1 else "PASS",
                   {"risk": ci_low, "ci_low": ci_low, "ci_high": 1.0}, {"max_risk": 0.1}),
        PartResult("dicom_header_phi", "LEAK_DICOM_HEADER_PHI", "FAIL" if dicom else "PASS",
                   {"dicom_files": 10, "files_with_production_phi": dicom}),
        not_assessed("image_near_duplicate", "LEAK_IMAGE_NEAR_DUPLICATE", "no images"),
    ]


counts = st.fixed_dictionaries({
    "n": st.integers(min_value=1, max_value=500), "exact": st.integers(0, 500), "replays": st.integers(0, 500),
    "ids": st.integers(0, 500), "canary_rows": st.integers(0, 5), "ci_low": shares, "dicom": st.integers(0, 10)})


def _clip(c: dict) -> dict:
    return {k: (min(v, c["n"]) if k in ("exact", "replays", "ids", "canary_rows") else v) for k, v in c.items()}


@given(counts, st.sampled_from(["exact", "replays", "ids", "canary_rows", "ci_low", "dicom"]))
def test_more_leakage_in_any_part_never_lowers_the_score(c, which):
    before = _clip(c)
    after = dict(before)
    after[which] = min(after[which] + (0.05 if which == "ci_low" else 1), {"ci_low": 1.0, "dicom": 10}.get(which, before["n"]))
    s0 = combine(_parts(**before), before["n"], F, FLOOR).score
    s1 = combine(_parts(**after), after["n"], F, FLOOR).score
    assert s1 >= s0


@given(counts)
def test_verdict_agrees_with_score_and_with_failing_parts(c):
    c = _clip(c)
    parts = _parts(**c)
    res = combine(parts, c["n"], F, FLOOR)
    assert (res.verdict == "FAIL") == (res.score >= F)
    assert (res.verdict == "FAIL") == any(p.status == "FAIL" for p in parts)
    assert res.score == max(s for s in res.summary["part_scores"].values() if s is not None)
    for p in parts:
        sub = res.summary["part_scores"][p.part]
        assert sub is None if p.status == "NOT_ASSESSED" else (sub >= F) == (p.status == "FAIL"), p.part


def test_one_confirmed_leak_scores_the_floor():
    res = combine(_parts(n=300, exact=0, replays=0, ids=0, canary_rows=1, ci_low=0.0, dicom=0), 300, F, FLOOR)
    assert res.score == FLOOR and res.verdict == "FAIL" and res.summary["driving_part"] == "canary"
    res = combine(_parts(n=300, exact=0, replays=0, ids=0, canary_rows=0, ci_low=0.0, dicom=1), 300, F, 100.0)
    assert res.score == 100.0 and res.summary["confirmed_leak_floor"] == 100.0
    clean = combine(_parts(n=300, exact=0, replays=0, ids=0, canary_rows=0, ci_low=0.0, dicom=0), 300, F, FLOOR)
    assert clean.score == 0.0 and clean.verdict == "PASS" and clean.summary["driving_part"] is None


def test_nothing_assessed_is_not_assessed():
    res = combine([not_assessed("canary", "LEAK_CANARY", "no canaries")], 10, F, FLOOR)
    assert res.score is None and res.verdict == "NOT_ASSESSED" and res.summary["not_assessed_parts"] == ["canary"]


def test_floor_below_fail_score_is_rejected_with_both_keys_named():
    with pytest.raises(ValueError, match="confirmed_leak_floor.*fail_score"):
        LeakThresholds(fail_score=50, confirmed_leak_floor=40)


# --- end to end: replacing a clean synthetic row with a leaked one never lowers the score --------------------------

N_REAL, N_SYN = 40, 30
FIRST = ["Alma", "Bruno", "Celia", "Dario", "Edith", "Fabio", "Greta", "Hector", "Irene", "Julio"]
LAST = ["Abbott", "Barlow", "Castillo", "Dunmore", "Eastwood", "Fairbanks", "Goodwin", "Hartley"]


def _frame(rng: np.random.Generator, n: int, ssn_base: int, fresh_names: bool) -> pd.DataFrame:
    first = [f"Syn{chr(65 + i % 26)}{i}" for i in range(n)] if fresh_names else list(rng.choice(FIRST, n))
    last = [f"Gen{chr(75 + i % 10)}{i}" for i in range(n)] if fresh_names else list(rng.choice(LAST, n))
    return pd.DataFrame({
        "ssn": [f"{ssn_base + i:03d}-{10 + i % 80:02d}-{1000 + 37 * i:04d}" for i in range(n)],
        "first_name": first, "last_name": last,
        "birth_date": [str(np.datetime64("1940-01-01") + int(d)) for d in rng.integers(0, 25_000, n)],
        "zip": [f"{z:05d}" for z in rng.integers(10_000, 99_999, n)],
        "sex": list(rng.choice(["F", "M"], n)),
        "diagnosis": list(rng.choice(["E11", "I10", "J45", "K21"], n)),
        "a1c": [f"{v:.1f}" for v in rng.uniform(4.5, 11.0, n)],
        "note": ["follow-up in clinic, stable" for _ in range(n)],
    }).astype(str)


REAL = _frame(np.random.default_rng(1), N_REAL, 100, fresh_names=False)
CLEAN = _frame(np.random.default_rng(2), N_SYN, 500, fresh_names=True)
CANARY = {"ssn": REAL.loc[0, "ssn"], "first_name": REAL.loc[0, "first_name"], "last_name": REAL.loc[0, "last_name"]}
SPEC = DatasetSpec("prop", "real.csv", "synthetic.csv", canaries=(CANARY,), canary_pattern=r"\bCNRY-\d{6}\b")


def _leak(frame: pd.DataFrame, kind: str, pos: int, src: int) -> None:
    row = REAL.iloc[src]
    if kind == "exact_copy":
        frame.iloc[pos] = row.to_numpy()
    elif kind == "ssn":
        frame.loc[pos, "ssn"] = row["ssn"]
    elif kind == "name_in_note":
        frame.loc[pos, "note"] = f"seen with {row['first_name']} {row['last_name']} today"
    elif kind == "canary_pattern":
        frame.loc[pos, "note"] = "sample CNRY-004217 attached"
    elif kind == "qi_replay":
        for col in ("birth_date", "zip", "sex"):
            frame.loc[pos, col] = row[col]


EXPECTED_PART = {"exact_copy": "exact_copies", "ssn": "identifier_overlap", "name_in_note": "free_text_phi",
                 "canary_pattern": "canary", "qi_replay": "qi_replay"}


def _score(frame: pd.DataFrame):
    table = lambda f, loc: Table(f, Provenance(loc, 0, "0" * 64), len(f), tuple(f.columns))  # noqa: E731
    res = score_tables(SPEC, table(REAL, "real.csv"), table(frame, "synthetic.csv"), None, LeakThresholds(), Reader())
    assert (res.verdict == "FAIL") == (res.score >= LeakThresholds().fail_score)
    return res


leaks = st.lists(st.tuples(st.sampled_from(["exact_copy", "ssn", "name_in_note", "canary_pattern", "qi_replay"]),
                           st.integers(1, N_REAL - 1)), min_size=1, max_size=5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leaks, st.permutations(range(N_SYN)))
def test_replacing_a_clean_row_with_a_leaked_one_never_lowers_the_score(planted, positions):
    frame = CLEAN.copy()
    clean = _score(frame)
    previous = clean.score
    assert previous < LeakThresholds().fail_score and clean.verdict == "PASS"
    for (kind, src), pos in zip(planted, positions):
        _leak(frame, kind, pos, src)
        res = _score(frame)
        assert res.part(EXPECTED_PART[kind]).status == "FAIL" and pos in res.part(EXPECTED_PART[kind]).rows, kind
        current = res.score
        assert current >= previous, (kind, pos, src)
        assert current >= LeakThresholds().fail_score
        previous = current
    if any(kind in ("ssn", "name_in_note", "canary_pattern") for kind, _ in planted):
        assert previous >= LeakThresholds().confirmed_leak_floor
    assert not math.isnan(previous)
