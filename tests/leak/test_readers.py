"""Readers: CSV and Parquet with provenance, clear errors naming the input."""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from synthaudit.leak.readers import InputError, Reader, resource_of, sibling


def test_csv_and_parquet_with_provenance(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    csv, pq = tmp_path / "t.csv", tmp_path / "t.parquet"
    df.to_csv(csv, index=False)
    df.to_parquet(pq)
    for path in (csv, pq):
        table = Reader().read_table(str(path))
        assert table.rows == 2 and table.columns == ("a", "b")
        assert table.provenance.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert table.provenance.size == path.stat().st_size and table.provenance.version_id is None


@pytest.mark.parametrize("content,message", [
    (b"", "empty"), (b"\xff\xfe\x00bad", "UTF-8"), (b"a,a\n1,2\n", "duplicate column"),
    (b"PAR1garbage", "Parquet"),
])
def test_bad_input_names_the_file(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        Reader().read_table(str(path))
    assert str(path) in str(err.value)


def test_missing_file_and_s3_without_sessions(tmp_path):
    with pytest.raises(InputError, match="not found"):
        Reader().read_table(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match="AWS access"):
        Reader().read_table("s3://bucket/key.csv")
    with pytest.raises(InputError, match="s3://bucket/key"):
        Reader().read_table("s3://bucket-only")


def test_resource_and_sibling_paths():
    assert resource_of("s3://b/k/t.csv") == "arn:aws:s3:::b/k/t.csv"
    assert sibling("s3://b/k/t.csv", "img/1.png") == "s3://b/k/img/1.png"
    assert sibling("/d/t.csv", "img/1.png") == "/d/img/1.png"


def test_empty_synthetic_table_is_not_assessed(tmp_path):
    from synthaudit.config import LeakThresholds
    from synthaudit.leak.score import DatasetSpec, score_dataset

    real, syn = tmp_path / "real.csv", tmp_path / "syn.csv"
    real.write_text("zip,sex\n68101,F\n")
    syn.write_text("zip,sex\n")
    res = score_dataset(DatasetSpec("e", str(real), str(syn)), LeakThresholds(), Reader())
    assert res.verdict == "NOT_ASSESSED" and "no rows" in res.reason
