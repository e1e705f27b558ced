"""`pytest --nbval-lax runbooks/`: run the runbooks, in order, on one simulated estate (a root conftest, so the packaged runbooks folder holds notebooks only).

The estate is reached just before the first notebook cell runs (so tests collected in the same
session never see its endpoint): the session's shared demo estate when tests/ runs in the same
pytest session (`make test`; tests/conftest.py registers it as a plugin), else a fresh one
started here. Kernels inherit its endpoint and the shared run folder from the environment,
so 02-06 read what 01 wrote (as they do under the runner).
"""
from __future__ import annotations

import os
import tempfile

import pytest

SHARED_ESTATE_PLUGIN = "synthaudit-shared-demo-estate"  # tests/conftest.py: SharedDemoEstate.NAME
_own_estate = None
_ready = False


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before nbval starts the first kernel: point the environment at the estate and a run folder."""
    global _own_estate, _ready
    if _ready or not str(item.fspath).endswith(".ipynb"):
        return
    from synthaudit.runbook import RUN_DIR_ENV

    shared = item.config.pluginmanager.get_plugin(SHARED_ESTATE_PLUGIN)
    if shared is not None:
        estate = shared.server()
    else:
        from synthaudit.demo import start_demo_estate

        estate = _own_estate = start_demo_estate()
    from synthaudit.workspace import WORKSPACE_ENV

    os.environ.update(estate.env())
    os.environ[RUN_DIR_ENV] = tempfile.mkdtemp(prefix="synthaudit-nbval-")
    _preflight(os.environ[RUN_DIR_ENV])
    # the kernels run in the runbooks folder: without a workspace named, the CloudTrail cache would go there;
    # with the tests in the same session, the session's workspace (its cache is already filled)
    os.environ[WORKSPACE_ENV] = str(shared.workspace()) if shared is not None else tempfile.mkdtemp(
        prefix="synthaudit-nbval-workspace-")
    _ready = True


def _preflight(run_dir: str) -> None:
    """What the runner does before the first kernel: discover the organisation and the buckets'
    owners, and leave preflight.json in the run folder, where every runbook reads them."""
    from pathlib import Path

    from synthaudit.aws.preflight import run_preflight, write_preflight
    from synthaudit.config import load_params

    params, report = run_preflight(load_params(Path(__file__).parent / "params" / "demo.yaml"))
    write_preflight(Path(run_dir), params, report)


def pytest_sessionfinish(session, exitstatus):
    if _own_estate is not None:
        _own_estate.stop()
