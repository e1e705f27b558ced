"""Fixtures of the CloudTrail tests: the public data sets and the demo's logs in a local folder."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from synthaudit.cloudtrail.review import review

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
STRATUS = SHARED_DATA / "cloudtrail-stratus-red-team"
OTRF = SHARED_DATA / "cloudtrail-otrf"
EVER = dt.datetime(2000, 1, 1)  # review window start that covers the detonation logs


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared public data sets sit beside the clone in CI)")
    return path


@pytest.fixture(scope="session")
def demo_params():
    from demo_params import resolved_demo_params

    return resolved_demo_params()


@pytest.fixture(scope="session")
def demo_logs(tmp_path_factory):
    """The demo's 90 days of logs, digests and public key, written to a local folder."""
    from synthaudit.demo import cloudtrail_logs

    folder = tmp_path_factory.mktemp("demo-trail")
    plants = cloudtrail_logs.write_local(folder)
    return folder, plants


@pytest.fixture(scope="session")
def demo_review(demo_logs, demo_params, tmp_path_factory):
    folder, _ = demo_logs
    out = tmp_path_factory.mktemp("demo-review")
    result = review(demo_params, out, logs=folder, cache_dir=tmp_path_factory.mktemp("demo-cache"))
    return result, out


@pytest.fixture(scope="session")
def stratus_review(tmp_path_factory):
    out = tmp_path_factory.mktemp("stratus")
    return review(None, out, logs=require(STRATUS), start=EVER, cache_dir=tmp_path_factory.mktemp("stratus-cache")), out
