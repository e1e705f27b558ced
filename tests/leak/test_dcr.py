"""The exact DCR engine: equal to SDMetrics, to a brute-force definition, and across kernels."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from synthaudit.leak import dcr

KINDS = {"age": "numerical", "income": "numerical", "flat": "numerical", "sex": "categorical",
         "race": "categorical", "birth": "datetime", "allnan": "numerical"}


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.integers(0, 90, n).astype(float), "income": rng.normal(5e4, 1e4, n), "flat": np.full(n, 3.0),
        "sex": rng.choice(["F", "M"], n), "race": rng.choice(list("abcde"), n).astype(object),
        "birth": pd.to_datetime("1950-01-01") + pd.to_timedelta(rng.integers(0, 20000, n), unit="D"),
        "allnan": np.full(n, np.nan),
    })
    df.loc[rng.random(n) < 0.15, "income"] = np.nan
    df.loc[rng.random(n) < 0.15, "race"] = None
    df.loc[rng.random(n) < 0.1, "flat"] = np.nan
    return df


def brute_force(query: pd.DataFrame, ref: pd.DataFrame, kinds: dict[str, str]) -> np.ndarray:
    """SDMetrics' definition written out pair by pair (slow, obvious)."""
    out = []
    ranges = {}
    for c, k in kinds.items():
        if k != "categorical":
            v = ref[c] if k == "numerical" else ref[c].astype("int64") / 1e9
            ranges[c] = v.max() - v.min()
    for _, q in query.iterrows():
        best = np.inf
        for _, r in ref.iterrows():
            total = 0.0
            for c, k in kinds.items():
                a, b = q[c], r[c]
                if pd.isna(a) and pd.isna(b):
                    d = 0.0
                elif pd.isna(a) or pd.isna(b):
                    d = 1.0
                elif k == "categorical":
                    d = float(a != b)
                else:
                    diff = abs((a - b).total_seconds()) if k == "datetime" else abs(a - b)
                    rng_ = ranges[c]
                    d = float(diff > 0) if (rng_ == 0 or pd.isna(rng_)) else min(diff / rng_, 1.0)
                total += d
            best = min(best, total / len(kinds))
        out.append(best)
    return np.array(out)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_equals_brute_force_definition(engine):
    if engine == "numba" and dcr.engine_name("auto") != "numba":
        pytest.skip("numba not installed")
    q, r = frame(25, 1), frame(40, 2)
    got = dcr.distance_to_closest(q, r, KINDS, engine=engine)
    assert np.allclose(got.dcr, brute_force(q, r, KINDS), atol=1e-12, rtol=0)


def test_kernels_agree_on_distance_index_and_second():
    if dcr.engine_name("auto") != "numba":
        pytest.skip("numba not installed: only the numpy kernel exists")
    q, r = frame(300, 3), frame(500, 4)
    enc = dcr.encode(q, r, KINDS)
    a, b = dcr.nearest(enc, engine="numpy", block_pairs=5000), dcr.nearest(enc, engine="numba")
    assert np.allclose(a.dcr, b.dcr, atol=1e-12)
    assert np.allclose(a.second, b.second, atol=1e-12)
    assert (a.nearest == b.nearest).all()


def test_equals_sdmetrics_to_1e9():
    dcr_utils = pytest.importorskip("sdmetrics.single_table.privacy.dcr_utils",
                                    reason="sdmetrics not installed (pip install -e '.[peers]')")
    q, r = frame(120, 5), frame(150, 6)
    meta = {"columns": {c: {"sdtype": k} for c, k in KINDS.items()}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = dcr_utils.calculate_dcr(q, r, meta).to_numpy()
    ours = dcr.distance_to_closest(q, r, KINDS).dcr
    assert np.max(np.abs(ours - theirs)) <= 1e-9


def test_exact_copy_has_zero_distance_and_nndr_zero_for_duplicates():
    r = frame(30, 7)
    q = r.iloc[[3]].reset_index(drop=True)
    res = dcr.distance_to_closest(q, r, KINDS)
    assert res.dcr[0] == 0.0 and res.nearest[0] == 3
    dup = pd.concat([r, r.iloc[[3]]], ignore_index=True)
    assert dcr.distance_to_closest(q, dup, KINDS).nndr[0] == 0.0


def test_single_reference_row_has_infinite_second_and_nndr_one():
    r = frame(1, 8)
    q = frame(3, 9)
    res = dcr.distance_to_closest(q, r, {"age": "numerical", "sex": "categorical"})
    assert np.isinf(res.second).all() and (res.nndr == 1.0).all()


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="no columns"):
        dcr.encode(frame(2, 1), frame(2, 2), {})
    with pytest.raises(ValueError, match="kind"):
        dcr.encode(frame(2, 1), frame(2, 2), {"age": "ordinal"})
    with pytest.raises(ValueError, match="no rows"):
        dcr.distance_to_closest(frame(2, 1), frame(0, 2), {"age": "numerical"})


from hypothesis import given, settings, strategies as st  # noqa: E402

cell_num = st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.5, -3.0, 10.0, 1e6]))
cell_cat = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
rows = st.lists(st.tuples(cell_num, cell_num, cell_cat), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(rows, rows)
def test_property_kernels_equal_definition(qrows, rrows):
    """Any small table, missing values anywhere: both kernels equal the pair-by-pair definition."""
    kinds = {"x": "numerical", "y": "numerical", "c": "categorical"}
    q = pd.DataFrame(qrows, columns=["x", "y", "c"]).astype({"x": float, "y": float, "c": object})
    r = pd.DataFrame(rrows, columns=["x", "y", "c"]).astype({"x": float, "y": float, "c": object})
    want = brute_force(q, r, kinds)
    for engine in ("numpy", "numba") if dcr.engine_name("auto") == "numba" else ("numpy",):
        got = dcr.distance_to_closest(q, r, kinds, engine=engine)
        assert np.allclose(got.dcr, want, atol=1e-12), engine
