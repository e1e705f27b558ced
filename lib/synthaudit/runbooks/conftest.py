"""`pytest --nbval-lax runbooks/`: run the runbooks, in order, on a fresh simulated estate.

The estate is started once, after collection and only when notebooks were
collected; kernels inherit its endpoint and the shared run folder from the
environment, so 02–06 read what 01 wrote (as they do under the runner).
"""
from __future__ import annotations

import atexit
import os
import tempfile

_estate = None


def pytest_collection_modifyitems(session, config, items):
    global _estate
    if _estate is not None or not any(str(item.fspath).endswith(".ipynb") for item in items):
        return
    from synthaudit.demo import start_demo_estate
    from synthaudit.runbook import RUN_DIR_ENV

    _estate = start_demo_estate()
    atexit.register(_estate.stop)
    os.environ.update(_estate.env())
    os.environ[RUN_DIR_ENV] = tempfile.mkdtemp(prefix="synthaudit-nbval-")


def pytest_sessionfinish(session, exitstatus):
    if _estate is not None:
        _estate.stop()
