"""Shared fixtures: a moto server on loopback, and params pointing at it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from synthaudit.demo.server import MotoServer

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def moto_server():
    """A plain (unseeded) moto server for tests that bring their own resources."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws_env(moto_server, monkeypatch):
    for key, value in moto_server.env().items():
        monkeypatch.setenv(key, value)
    return moto_server


@pytest.fixture
def plain_params(tmp_path, aws_env) -> Path:
    """Params for a two-account estate on the plain moto server (not the demo)."""
    data = {
        "label": "t",
        "estate": "aws",
        "accounts": [{"id": "210987654321", "name": "prod"}, {"id": "310000000003", "name": "synth"}],
        "aws": {"endpoint_url": aws_env.endpoint_url, "regions": ["us-east-1"]},
    }
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="session")
def demo_estate():
    """The simulated estate, built once for the whole session (tests must not change it)."""
    from synthaudit.demo import start_demo_estate
    from synthaudit.demo.server import DUMMY_CREDENTIALS

    saved = {k: os.environ.get(k) for k in DUMMY_CREDENTIALS}
    os.environ.update(DUMMY_CREDENTIALS)
    try:
        server = start_demo_estate()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_snapshot_dir(demo_estate, tmp_path_factory) -> Path:
    """Phase 01 over the session's demo estate, once; returns the snapshot folder of a run folder."""
    from synthaudit.aws.session import SessionFactory
    from synthaudit.config import load_params
    from synthaudit.inventory import run_inventory

    saved = dict(os.environ)
    os.environ.update(demo_estate.env())
    try:
        params = load_params(REPO / "params" / "demo.yaml")
        snapshot = tmp_path_factory.mktemp("demo-run") / "snapshot"
        run_inventory(params, SessionFactory(params), snapshot)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return snapshot
