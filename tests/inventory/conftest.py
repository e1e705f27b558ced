"""Fixtures: a moto server per test module, reached through AWS_ENDPOINT_URL."""
from __future__ import annotations

import os
from typing import Iterator

import pytest

from synthaudit.demo.server import MotoServer


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    with MotoServer() as srv:
        os.environ.update(srv.env())
        try:
            yield srv
        finally:
            for key in [k for k in os.environ if k.startswith("AWS_")]:
                del os.environ[key]
            os.environ.update(saved)
