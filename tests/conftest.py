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
