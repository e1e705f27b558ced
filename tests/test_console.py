"""The console and the command line: plain help, a closed pipe ends quietly, progress lines
(one per phase, one per inventory unit) and no kernel noise on a run that succeeds, --quiet."""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.fabricate import baseline_findings, make_run
from synthaudit import progress
from synthaudit.cli import build_parser
from synthaudit.helptext import plain

LIB = str(Path(__file__).resolve().parents[1] / "lib")
RST = re.compile(r"``|:\w+:`|`[^`]+`_")


def _parsers(parser, path=("synthaudit",)):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_every_help_text_is_plain():
    seen = 0
    for path, parser in _parsers(build_parser()):
        text = parser.format_help()
        seen += 1
        assert not RST.search(text), f"{' '.join(path)} --help shows markup: {RST.search(text).group(0)}"
    assert seen > 20
    assert plain("``--params F`` and :func:`synthaudit.run` and `docs`_") == "--params F and synthaudit.run and docs"


def _env():
    return {**os.environ, "PYTHONPATH": LIB + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_a_closed_pipe_ends_quietly(tmp_path):
    items = baseline_findings()
    items["segregation"] = items["segregation"] * 1
    run = make_run(tmp_path, "2026-10-01T0200Z_demo", items)
    # many lines, so the writer is still writing when head has gone
    big = {"segregation": [f for f in items["segregation"]] + [
        __import__("dataclasses").replace(items["segregation"][0], resource=f"arn:aws:s3:::b{i}") for i in range(3000)]}
    other = make_run(tmp_path, "2026-11-01T0200Z_demo", big)
    cmd = f"{sys.executable} -m synthaudit.cli diff {run} {other} | head -2"
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=_env(), timeout=120)
    assert len(done.stdout.splitlines()) == 2
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_progress_lines_go_to_the_process_console_only_when_on(monkeypatch, capfd):
    monkeypatch.delenv(progress.ENV, raising=False)
    progress.report("inventory 1/2: account 1 s3")
    assert capfd.readouterr().err == ""
    monkeypatch.setenv(progress.ENV, "1")
    progress.report("inventory 1/2: account 1 s3")
    assert capfd.readouterr().err == "synthaudit: inventory 1/2: account 1 s3\n"


def test_inventory_reports_each_account_and_service(monkeypatch, capfd):
    from synthaudit.config import parse_params
    from synthaudit.inventory import collect

    params = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": "210987654321", "name": "p"},
                                                                      {"id": "310000000003", "name": "s"}]}, "t")
    monkeypatch.setenv(progress.ENV, "1")
    monkeypatch.setattr(collect, "_run_unit", lambda unit, *a: collect.UnitResult(unit, "assessed", None, None))
    monkeypatch.setattr(collect, "assemble", lambda *a, **k: type("I", (), {"api_retries": 0})())
    collect.collect_inventory(params, sessions=None)
    lines = [x for x in capfd.readouterr().err.splitlines() if x.startswith("synthaudit: inventory ")]
    units = collect.plan_units(params)
    assert len(lines) == len(units) and any("account 310000000003 s3" in x for x in lines)


@pytest.mark.slow
def test_a_run_shows_one_line_per_phase_and_no_kernel_noise(tmp_path, moto_server):
    from test_runner import make_runbooks

    make_runbooks(tmp_path / "runbooks")
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({
        "label": "t", "estate": "aws", "accounts": [{"id": "210987654321", "name": "prod"}],
        "aws": {"endpoint_url": moto_server.endpoint_url, "regions": ["us-east-1"]}}))
    base = [sys.executable, "-m", "synthaudit.cli", "run", "--params", str(params), "--outputs",
            str(tmp_path / "out"), "--runbooks", str(tmp_path / "runbooks"), "--no-progress"]
    env = {**_env(), **moto_server.env()}
    done = subprocess.run(base, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    phase_lines = [x for x in done.stderr.splitlines() if re.match(r"synthaudit: phase \d/6 \w+ …$", x)]
    assert len(phase_lines) == 6 and "synthaudit: phase 2/6 segregation …" in phase_lines
    for noise in ("without encryption", "KeyboardInterrupt", "[IPKernelApp]"):
        assert noise not in done.stderr, done.stderr
    quiet = subprocess.run([*base, "--quiet", "--phases", "5"], capture_output=True, text=True, env=env, timeout=600)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    assert quiet.stdout.strip().endswith(tuple(p.name for p in (tmp_path / "out").iterdir()))
