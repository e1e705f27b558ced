"""The scheduling examples: right schedule, escaped cron %, BashOperator DAG, exit codes passed through."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.fabricate import write_params
from synthaudit.evidence.exceptions import load_exceptions

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_timer_is_quarterly_and_persistent():
    timer = (EXAMPLES / "systemd" / "synthaudit.timer").read_text()
    assert "\nOnCalendar=*-01,04,07,10-05 02:00:00 UTC\n" in timer
    assert "\nPersistent=true\n" in timer
    service = (EXAMPLES / "systemd" / "synthaudit.service").read_text()
    assert "Type=oneshot" in service and "scheduled-run.sh" in service
    if "ProtectHome=read-only" in service:  # kernels cannot write ~/.local/share/jupyter then
        assert "Environment=JUPYTER_RUNTIME_DIR=/run/synthaudit/" in service and "RuntimeDirectory=synthaudit" in service


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_timer_calendar_expression_elapses_on_the_fifth_of_each_quarter():
    out = subprocess.run(["systemd-analyze", "calendar", "--iterations=4", "*-01,04,07,10-05 02:00:00 UTC"],
                         capture_output=True, text=True, check=True).stdout
    dates = re.findall(r"\d{4}-(\d{2})-(\d{2}) 02:00:00 UTC", out)
    assert sorted(m for m, d in dates) == ["01", "04", "07", "10"] and {d for _, d in dates} == {"05"}


def test_cron_line_escapes_every_percent():
    lines = [line for line in (EXAMPLES / "cron" / "synthaudit.cron").read_text().splitlines()
             if line.strip() and not line.startswith("#") and "=" not in line.split()[0]]
    assert len(lines) == 1 and lines[0].startswith("0 2 5 1,4,7,10 * ")
    assert "%" in lines[0] and not re.search(r"(?<!\\)%", lines[0])


def test_airflow_dag_calls_synthaudit_run_through_bash():
    tree = ast.parse((EXAMPLES / "airflow" / "synthaudit_dag.py").read_text())
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "BashOperator" in calls and "PapermillOperator" not in calls
    assert "scheduled-run.sh" in ast.unparse(tree)


def test_example_exceptions_file_is_valid():
    [entry] = load_exceptions(EXAMPLES / "exceptions.yaml")
    assert entry.id == "EX-2026-001" and entry.tags == (("Lifecycle", "legacy-*"),)


@pytest.fixture
def fake_home(tmp_path):
    """A kit checkout whose `synthaudit` is a stub: exits with $STUB_RC, logs its arguments."""
    home = tmp_path / "kit"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / "examples").mkdir()
    shutil.copy(EXAMPLES / "scheduled-run.sh", home / "examples" / "scheduled-run.sh")
    run = home / "outputs" / "2026-11-25T0200Z_demo"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text("{}")
    stub = home / ".venv" / "bin" / "synthaudit"
    stub.write_text(f'#!/bin/sh\necho "$@" >> "{home}/calls.log"\n'
                    f'[ "$1" = run ] && echo "{run}" && exit ${{STUB_RC:-0}}\nexit 0\n')
    python = home / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    for p in (stub, python, home / "examples" / "scheduled-run.sh"):
        p.chmod(0o755)
    return home


@pytest.mark.parametrize("rc, bucket, expect_upload", [(0, "evidence-b", True), (1, "evidence-b", True),
                                                        (2, "evidence-b", False), (0, None, False)])
def test_scheduled_run_passes_exit_code_and_uploads_sealed_runs(fake_home, tmp_path, rc, bucket, expect_upload):
    params = write_params(tmp_path / "p.yaml", evidence={"upload_bucket": bucket} if bucket else {})
    env = {**os.environ, "STUB_RC": str(rc), "SYNTHAUDIT_HOME": str(fake_home)}
    proc = subprocess.run([str(fake_home / "examples" / "scheduled-run.sh"), str(params), "critical"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == rc, proc.stderr
    calls = (fake_home / "calls.log").read_text().splitlines()
    assert calls[0] == f"run --params {params} --fail-on critical"
    assert any(c.startswith("upload ") for c in calls) == expect_upload
