"""Fixtures for the leak phase: the demo datasets on disk (generated once per session)."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from answer_key import load

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_data():
    from synthaudit.demo import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return datasets.generate()


@pytest.fixture(scope="session")
def demo_files(demo_data, tmp_path_factory):
    from synthaudit.demo import datasets

    return datasets.write_local(tmp_path_factory.mktemp("leakdemo"), demo_data)


@pytest.fixture(scope="session")
def demo_spec_factory(demo_data, demo_files):
    from synthaudit.demo import datasets
    from synthaudit.leak.score import DatasetSpec

    def make(which: str, holdout: bool = True) -> DatasetSpec:
        return DatasetSpec(which, str(demo_files["production"]), str(demo_files[which]),
                           str(demo_files["holdout"]) if holdout else None, None, None, datasets.COLUMNS,
                           tuple(datasets.canary_records(demo_data)), datasets.CANARY_PATTERN, (r"\bMRN\d{7}\b",))
    return make


@pytest.fixture(scope="session")
def demo_scores(demo_spec_factory):
    from synthaudit.config import LeakThresholds
    from synthaudit.leak.readers import Reader
    from synthaudit.leak.score import score_dataset

    return {w: score_dataset(demo_spec_factory(w), LeakThresholds(), Reader()) for w in ("clean", "leaky")}


@pytest.fixture(scope="session")
def answer_key():
    return load("leak")
