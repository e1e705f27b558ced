"""`synthaudit run --params params/demo.yaml` (what `make demo` runs) starts the simulated estate
itself, hands its endpoint to every phase, and stops it afterwards, also when a phase fails; with
an endpoint in the params it starts none (how the test session shares one estate).

Fast: papermill, the estate and the preflight are stand-ins; the slow tier's full demo run
(tests/conftest.py, ``full_demo_run``) covers the real ones.
"""
from __future__ import annotations

import os
from pathlib import Path

import papermill
import pytest
import yaml

from synthaudit import runner
from synthaudit.aws.preflight import AccountCheck, PreflightReport
from synthaudit.cli import main
from synthaudit.demo.server import DUMMY_CREDENTIALS
from synthaudit.evidence.manifest import read_manifest
from synthaudit.evidence.verify import verify_run
from synthaudit.runbook import RUN_DIR_ENV

REPO = Path(__file__).resolve().parents[1]
ENDPOINT = "http://127.0.0.1:9"  # nothing listens there; nothing here may reach it


class StandInEstate:
    endpoint_url = ENDPOINT

    def __init__(self) -> None:
        self.stopped = False

    def env(self) -> dict[str, str]:
        return {**DUMMY_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint_url}

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def phases_seen(monkeypatch) -> list[dict]:
    """Each phase's notebook, parameters and environment; phase 04 fails."""
    seen: list[dict] = []

    def execute_notebook(source, output, parameters=None, **_):
        seen.append({"notebook": Path(source).name, "parameters": dict(parameters or {}),
                     "endpoint": os.environ.get("AWS_ENDPOINT_URL"), "run_dir": os.environ.get(RUN_DIR_ENV)})
        if Path(source).name.startswith("04_"):
            raise RuntimeError("stand-in failure")

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    def preflight(params, keep_going=False):
        checks = tuple(AccountCheck(a, "stand-in", True, identity=f"arn:aws:sts::{a}:assumed-role/r/s")
                       for a in params.account_ids())
        return params, PreflightReport("stand-in", checks, params.organization_id)

    monkeypatch.setattr(runner, "run_preflight", preflight)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv(RUN_DIR_ENV, raising=False)
    return seen


def test_demo_params_start_the_estate_and_stop_it_after_a_failed_phase(tmp_path, monkeypatch, phases_seen):
    estate = StandInEstate()
    monkeypatch.setattr("synthaudit.demo.start_demo_estate", lambda *a, **k: estate)
    code = main(["run", "--params", str(REPO / "params" / "demo.yaml"), "--outputs", str(tmp_path),
                 "--no-progress"])
    [run_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert code == 2
    # 04's failure stops only what reads its output (the summary); 05 reads none of it
    assert sorted(s["notebook"][:2] for s in phases_seen) == ["01", "02", "03", "04", "05"]
    assert {s["endpoint"] for s in phases_seen} == {ENDPOINT}
    assert {s["run_dir"] for s in phases_seen} == {str(run_dir)}
    assert all(s["parameters"]["run_dir"] == str(run_dir) for s in phases_seen)
    assert estate.stopped
    assert "AWS_ENDPOINT_URL" not in os.environ and RUN_DIR_ENV not in os.environ
    manifest = read_manifest(run_dir)
    assert manifest["simulated_estate"]["endpoint"] == ENDPOINT
    assert [p["status"] for p in manifest["phases"]] == ["succeeded"] * 3 + ["failed", "succeeded", "not_run"]
    assert verify_run(run_dir).ok  # a failed run's evidence is still hashed and verifiable


def test_an_endpoint_in_the_params_starts_no_estate(tmp_path, monkeypatch, phases_seen):
    def refuse(*a, **k):
        raise AssertionError("the runner started an estate although the params name an endpoint")

    monkeypatch.setattr("synthaudit.demo.start_demo_estate", refuse)
    params = yaml.safe_load((REPO / "params" / "demo.yaml").read_text())
    params["aws"]["endpoint_url"] = ENDPOINT
    (tmp_path / "demo.yaml").write_text(yaml.safe_dump(params))
    main(["run", "--params", str(tmp_path / "demo.yaml"), "--outputs", str(tmp_path / "out"), "--no-progress"])
    [run_dir] = list((tmp_path / "out").iterdir())
    assert "simulated_estate" not in read_manifest(run_dir)
    assert len(phases_seen) == 5
