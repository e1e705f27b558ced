"""A moto server per estate module (the name ``moto_server`` marks the tests slow)."""
from __future__ import annotations

from typing import Iterator

import pytest

from synthaudit.demo.server import MotoServer


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server
