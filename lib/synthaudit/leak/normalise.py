"""Canonical forms of cell values, so copies are found despite cosmetic changes.

Case, surrounding and repeated whitespace, and number formats ("1,234.50",
"1234.5", "1.2345e3") are made equal; missing values become "". Row hashes are
64-bit hashes of the canonical cells: O(n), verified on the candidate pairs.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
DIGITS = re.compile(r"\D+")


def canonical_number(value: float) -> str:
    if np.isnan(value):
        return ""
    if float(value).is_integer() and abs(value) < 1e18:
        return str(int(value))
    return repr(float(value))


def normalise_series(series: pd.Series) -> pd.Series:
    """Canonical strings for one column (missing -> "")."""
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series.dt.strftime("%Y-%m-%dT%H:%M:%S").str.replace("T00:00:00", "", regex=False)
        return out.fillna("").astype(object)
    if pd.api.types.is_bool_dtype(series):
        return series.map(lambda v: "" if pd.isna(v) else ("true" if v else "false")).astype(object)
    if pd.api.types.is_numeric_dtype(series):
        return pd.Series([canonical_number(v) for v in series.to_numpy(dtype="float64", na_value=np.nan)],
                         index=series.index, dtype=object)
    text = series.astype(object).where(series.notna(), "").astype(str)
    text = text.str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)
    looks_numeric = text.str.match(NUMBER) & (text != "")
    if looks_numeric.any():
        numbers = pd.to_numeric(text[looks_numeric].str.replace(",", "", regex=False), errors="coerce")
        text = text.copy()
        text[looks_numeric] = [canonical_number(v) for v in numbers.to_numpy(dtype="float64", na_value=np.nan)]
    # Dates written as ISO with a midnight time are the same date.
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2})[ t]00:00(:00)?$", r"\1", regex=True)
    return text.astype(object)


def normalise_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: normalise_series(frame[c]) for c in columns}, index=range(len(frame)))


def row_hashes(normalised: pd.DataFrame) -> np.ndarray:
    """One uint64 per row of an already-normalised frame."""
    if normalised.shape[1] == 0:
        return np.zeros(len(normalised), dtype=np.uint64)
    return pd.util.hash_pandas_object(normalised, index=False).to_numpy()


def digits_only(value: str) -> str:
    return DIGITS.sub("", value)
