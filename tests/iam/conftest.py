import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import estate as fx  # noqa: E402


@pytest.fixture
def estate_data():
    return fx.estate()


@pytest.fixture
def snapshot(tmp_path, estate_data):
    return fx.write_snapshot(tmp_path, estate_data)
