"""Shared fixtures, and the rule that splits the suite into a fast and a slow tier.

The tiering rule: a test is ``slow`` when it uses, directly or through another fixture, one of
``SLOW_FIXTURES`` (a moto server, the demo estate or its full run, Jupyter kernels), or when it
is a notebook cell collected by nbval. ``pytest_collection_modifyitems`` adds the marker from
that, so no list of slow tests is kept by hand (an explicit ``pytest.mark.slow`` still counts).
``make test-fast`` runs ``-m "not slow"``. A fast test that starts a moto server or a kernel
anyway fails and names the fixture to use, so the rule cannot rot silently.

The slow tier shares its expensive things across the session: one demo estate
(``demo_estate``), one phase-01 snapshot of it (``demo_snapshot_dir``) and one full
``synthaudit run`` on it (``full_demo_run``). The nbval pass over ``runbooks/`` reuses the same
estate when it runs in the same session (``make test``): ``runbooks/conftest.py`` finds it as
the plugin registered under ``SharedDemoEstate.NAME`` (the root conftest.py).

``isolated_aws`` gives a fast test an AWS environment of its own: dummy credentials, empty AWS
config files, no endpoint or profile from the developer's shell (use it with moto's ``mock_aws``).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from synthaudit.demo.server import DUMMY_CREDENTIALS, MotoServer

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DEMO_PARAMS = REPO / "params" / "demo.yaml"

SLOW_FIXTURES = frozenset({
    "moto_server", "aws_env", "plain_params",                    # a moto server on loopback
    "demo_estate", "demo_estate_build", "demo_snapshot_dir",    # the demo estate
    "full_demo_run",                                           # `synthaudit run` on it
    "run_notebook",                                            # papermill and a Jupyter kernel
})


def is_slow(item: pytest.Item) -> bool:
    """The tiering rule (see the module docstring)."""
    if str(item.fspath).endswith(".ipynb") or item.get_closest_marker("slow"):
        return True
    return bool(SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if is_slow(item) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    # an isolated slow test (its own estate, venv or run) goes first, so that under xdist one worker
    # starts it while the others take the fast tier (`make test`)
    items.sort(key=lambda item: not item.get_closest_marker("isolated"))


@pytest.fixture(autouse=True)
def _fast_tests_start_no_server_or_kernel(request, monkeypatch):
    """A fast test that starts a moto server or a Jupyter kernel is misfiled: fail it, naming the fix."""
    if request.node.get_closest_marker("slow"):
        return

    def refuse(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"a fast test started {what}: use one of the fixtures {sorted(SLOW_FIXTURES)} "
                               "(which marks it slow) or mock it (moto's mock_aws, fixture files)")
        return refused

    monkeypatch.setattr(MotoServer, "start", refuse("a moto server"))
    monkeypatch.setattr("jupyter_client.provisioning.local_provisioner.launch_kernel", refuse("a Jupyter kernel"))


# --- a plain moto server --------------------------------------------------------------------------

@pytest.fixture
def isolated_aws(monkeypatch, tmp_path) -> Path:
    """Dummy credentials and empty AWS config files (returned: the config file's path, to add profiles)."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    config = tmp_path / "aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    return config


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


# --- the demo estate, once per session ------------------------------------------------------------

@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a block, then put back exactly what was there."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class SharedDemoEstate:
    """The session's one demo estate, built on first use and stopped when pytest ends.

    A plugin object rather than a module global, so runbooks/conftest.py (the nbval pass) can
    find it through the plugin manager without importing this file."""

    NAME = "synthaudit-shared-demo-estate"

    def __init__(self) -> None:
        self._server: MotoServer | None = None
        self._build: Any = None
        self._workspace: Any = None

    def workspace(self) -> Path:
        """The session's one workspace (its CloudTrail cache is shared by the full demo run, the nbval
        pass and the tests that review the demo's trail: the first one fills it)."""
        if self._workspace is None:
            import tempfile

            from synthaudit.workspace import MARKER

            self._workspace = tempfile.TemporaryDirectory(prefix="synthaudit-test-workspace-")
            (Path(self._workspace.name) / MARKER).write_text("{}\n")
        return Path(self._workspace.name)

    def server(self) -> MotoServer:
        """Built as `synthaudit run` builds it: in the server's process (test_estate.py compares it with a
        build over HTTP)."""
        if self._server is None:
            import tempfile

            from synthaudit.demo.estate import BuildReport

            with tempfile.TemporaryDirectory() as tmp, environ(DUMMY_CREDENTIALS):
                report = Path(tmp) / "build.json"
                server = MotoServer(build_demo=True, build_report_path=report).start()
                try:
                    self._build = BuildReport.read(report)
                except BaseException:
                    server.stop()
                    raise
            self._server = server
        return self._server

    def build(self) -> Any:
        """The builder's handle (answer key, counts) of the estate in ``server()``."""
        self.server()
        return self._build

    def pytest_unconfigure(self, config) -> None:
        if self._server is not None:
            self._server.stop()
        if self._workspace is not None:
            self._workspace.cleanup()


def pytest_configure(config):
    if not config.pluginmanager.has_plugin(SharedDemoEstate.NAME):
        config.pluginmanager.register(SharedDemoEstate(), SharedDemoEstate.NAME)


@pytest.fixture(scope="session")
def demo_estate(pytestconfig) -> MotoServer:
    """The simulated estate, built once for the whole session (tests must leave it as they found it)."""
    return pytestconfig.pluginmanager.get_plugin(SharedDemoEstate.NAME).server()


@pytest.fixture(scope="session")
def demo_estate_build(pytestconfig, demo_estate):
    """The builder's handle on the session's estate: its answer key and resource counts."""
    return pytestconfig.pluginmanager.get_plugin(SharedDemoEstate.NAME).build()


@pytest.fixture(scope="session")
def demo_workspace(pytestconfig) -> Path:
    """The session's workspace folder (``SharedDemoEstate.workspace``)."""
    return pytestconfig.pluginmanager.get_plugin(SharedDemoEstate.NAME).workspace()


@pytest.fixture(scope="session")
def demo_snapshot_dir(full_demo_run, tmp_path_factory) -> Path:
    """The session's phase-01 snapshot of the demo estate (the full run's, copied), in a run folder
    that holds nothing else (no CloudTrail usage, so phase 03 sees a snapshot alone)."""
    import shutil

    snapshot = tmp_path_factory.mktemp("demo-run") / "snapshot"
    shutil.copytree(full_demo_run.run_dir / "snapshot", snapshot)
    return snapshot


@dataclass(frozen=True)
class DemoRun:
    exit_code: int
    run_dir: Path


@pytest.fixture(scope="session")
def full_demo_run(demo_estate, demo_workspace, tmp_path_factory) -> DemoRun:
    """``synthaudit run`` of the demo, every phase, once per session, on the session's estate.

    The params are params/demo.yaml with the estate's endpoint added, which is what stops the
    runner from building an estate of its own; tests read the run folder and must not change it."""
    from synthaudit.cli import main

    folder = tmp_path_factory.mktemp("full-demo-run")
    params = yaml.safe_load(DEMO_PARAMS.read_text())
    params["aws"]["endpoint_url"] = demo_estate.endpoint_url
    params_path = folder / "demo.yaml"
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    from synthaudit.workspace import WORKSPACE_ENV

    with environ({**demo_estate.env(), WORKSPACE_ENV: str(demo_workspace)}):
        code = main(["run", "--params", str(params_path), "--outputs", str(folder / "outputs"), "--no-progress"])
    [run_dir] = [p for p in (folder / "outputs").iterdir() if p.is_dir()]
    return DemoRun(code, run_dir)


# --- Jupyter kernels --------------------------------------------------------------------------------

@pytest.fixture
def run_notebook() -> Callable[..., Path]:
    """Execute a notebook with papermill in a fresh python3 kernel (from the repository folder)."""
    import papermill as pm

    def execute(notebook: Path, out: Path, **parameters: Any) -> Path:
        pm.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name="python3",
                            progress_bar=False, cwd=str(REPO))
        return out

    return execute
