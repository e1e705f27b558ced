"""The shared Synthea sample: copied whole it is a total leak; with columns shuffled, copies and replays vanish."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthaudit.config import LeakThresholds
from synthaudit.leak.readers import Reader
from synthaudit.leak.score import DatasetSpec, score_dataset

REPO = Path(__file__).resolve().parents[2]
PATIENTS = REPO.parent / "shared" / "data" / "synthea-sample" / "patients.csv"
pytestmark = pytest.mark.skipif(not PATIENTS.exists(), reason=f"shared Synthea sample not found at {PATIENTS}")


def test_copied_whole_is_a_total_leak():
    res = score_dataset(DatasetSpec("synthea", str(PATIENTS), str(PATIENTS)), LeakThresholds(), Reader())
    assert res.verdict == "FAIL" and res.score == 100.0
    n = res.provenance["rows"]["synthetic"]
    assert res.part("exact_copies").metrics["copies"] == n
    assert res.part("qi_replay").metrics["replays"] == n
    assert res.sub_score("exact_copies")["score"] == 100.0 and res.sub_score("qi_replay")["score"] == 100.0


def test_shuffled_columns_score_low_on_copies_and_replays(tmp_path):
    df = pd.read_csv(PATIENTS, dtype=str)
    rng = np.random.default_rng(7)
    for col in df.columns:
        df[col] = df[col].to_numpy()[rng.permutation(len(df))]
    shuffled = tmp_path / "shuffled.csv"
    df.to_csv(shuffled, index=False)
    res = score_dataset(DatasetSpec("synthea", str(PATIENTS), str(shuffled)), LeakThresholds(), Reader())
    n = len(df)
    assert res.part("exact_copies").metrics["copies"] == 0
    assert res.part("qi_replay").metrics["replays"] <= 0.02 * n
    assert res.part("near_copies").metrics["near_copies"] <= 0.02 * n
    fail_score = LeakThresholds().fail_score
    assert res.sub_score("exact_copies")["score"] == 0.0
    assert res.sub_score("qi_replay")["score"] < fail_score and res.sub_score("near_copies")["score"] < fail_score
    # Each SSN still belongs to a real (Synthea) record: identifier overlap rightly fails, and as a
    # confirmed leak it drives the combined score (which is why copies and replays are checked per part).
    assert res.part("identifier_overlap").status == "FAIL"
    assert res.parameters["summary"]["driving_part"] == "identifier_overlap" and res.score >= fail_score
