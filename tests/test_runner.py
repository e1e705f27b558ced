"""The runner on stand-in runbooks: order, failure handling, kill + resume, evidence, chain."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from synthaudit.cli import main
from synthaudit.evidence.manifest import read_manifest
from synthaudit.evidence.verify import verify_run
from synthaudit.runner import PHASES

pytestmark = pytest.mark.slow

BODY = '''
from pathlib import Path
from synthaudit.runbook import open_run
from synthaudit.findings import Finding
import plotly.graph_objects as go
run = open_run(params_path, run_dir)
marker = Path(run.run_dir).parent / "{name}.kill"
if marker.exists():
    import os, signal
    os.kill(os.getpid(), signal.SIGKILL)
severity = (Path(run.run_dir).parent / "{name}.severity")
sev = severity.read_text().strip() if severity.exists() else "low"
run.write_findings("{name}", [Finding(check_id="T_{upper}", phase="{name}", status="FAIL", severity=sev,
                                      resource="arn:aws:s3:::b-{name}", title="stand-in")])
go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
'''


def make_runbooks(folder: Path) -> Path:
    folder.mkdir()
    for phase in PHASES:
        params = nbformat.v4.new_code_cell('params_path = "params/demo.yaml"\nrun_dir = None')
        params.metadata["tags"] = ["parameters"]
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell(f"# {phase.name}"), params,
            nbformat.v4.new_code_cell(BODY.format(name=phase.name, upper=phase.name.upper())),
        ])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / phase.notebook)
    return folder


def run_cli(tmp_path, params, *extra) -> tuple[int, Path]:
    outputs = tmp_path / "outputs"
    code = main(["run", "--params", str(params), "--outputs", str(outputs), "--no-progress",
                 "--runbooks", str(tmp_path / "runbooks"), "--cell-timeout", "120", *extra])
    runs = sorted(p for p in outputs.iterdir() if p.is_dir())
    return code, runs[-1]


@pytest.fixture
def runbooks(tmp_path):
    return make_runbooks(tmp_path / "runbooks")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, moto_server):
    """Two full runs in one outputs folder (the second chains to the first)."""
    tmp = tmp_path_factory.mktemp("two-runs")
    make_runbooks(tmp / "runbooks")
    params = tmp / "params.yaml"
    params.write_text(json.dumps({
        "label": "t", "estate": "aws",
        "accounts": [{"id": "210987654321", "name": "prod"}, {"id": "310000000003", "name": "synth"}],
        "aws": {"endpoint_url": moto_server.endpoint_url, "regions": ["us-east-1"]},
    }))
    saved = dict(os.environ)
    os.environ.update(moto_server.env())
    try:
        first_code, first = run_cli(tmp, params, "--fail-on", "high")
        second_code, second = run_cli(tmp, params)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"codes": (first_code, second_code), "first": first, "second": second}


def test_full_run_writes_evidence_and_chains(two_runs):
    first, second = two_runs["first"], two_runs["second"]
    assert two_runs["codes"] == (0, 0)
    manifest = read_manifest(first)
    assert [p["status"] for p in manifest["phases"]] == ["succeeded"] * 6
    for phase in PHASES:
        assert (first / phase.notebook).exists()
        full = (first / "html" / f"{Path(phase.notebook).stem}.html").read_text()
        auditor = (first / "html" / f"{Path(phase.notebook).stem}.auditor.html").read_text()
        # The chart is drawn from a local plotly.js, in both renders; code only in the full one.
        assert "Plotly.newPlot" in full and "Plotly.newPlot" in auditor
        assert "open_run" in full and "open_run" not in auditor
    assert (first / "html" / "plotly.min.js").stat().st_size > 1_000_000
    assert manifest["caller_identity"]["210987654321"]["Account"] == "210987654321"
    assert manifest["params"]["label"] == "t" and manifest["previous_manifest"] is None
    assert verify_run(first).ok
    assert read_manifest(second)["previous_manifest"]["run"] == first.name
    assert verify_run(second).runs_checked == (second.name, first.name)


def test_fail_on_counts_findings_at_or_above(tmp_path, runbooks, plain_params):
    (tmp_path / "outputs").mkdir()
    (tmp_path / "outputs" / "iam.severity").write_text("critical")
    code, _ = run_cli(tmp_path, plain_params, "--phases", "iam", "--fail-on", "critical")
    assert code == 1
    (tmp_path / "outputs" / "iam.severity").write_text("medium")
    code, _ = run_cli(tmp_path, plain_params, "--phases", "iam", "--fail-on", "high")
    assert code == 0


def test_killed_kernel_leaves_partial_notebook_and_resume_completes(tmp_path, runbooks, plain_params):
    (tmp_path / "outputs").mkdir()
    kill = tmp_path / "outputs" / "iam.kill"
    kill.write_text("")
    code, run_dir = run_cli(tmp_path, plain_params)
    assert code == 2
    manifest = read_manifest(run_dir)
    statuses = {p["name"]: p["status"] for p in manifest["phases"]}
    # Phases run side by side once their inputs succeeded: 04 and 05 do not read phase 03's output,
    # the summary reads everything and does not run.
    assert statuses == {"inventory": "succeeded", "segregation": "succeeded", "iam": "failed",
                        "cloudtrail": "succeeded", "leak": "succeeded", "summary": "not_run"}
    assert [p["name"] for p in manifest["phases"]] == [p.name for p in PHASES]
    assert manifest["phases"][-1]["error"] == "an earlier phase failed"
    failed = next(p for p in manifest["phases"] if p["name"] == "iam")
    assert "kernel died" in failed["error"]
    partial = nbformat.read(run_dir / "03_iam_review.ipynb", as_version=4)
    assert "This phase failed" in partial.cells[0].source
    assert partial.metadata.papermill["exception"] is True
    assert manifest["status"] == "failed"
    assert verify_run(run_dir).ok  # the failed run is still sealed evidence

    kill.unlink()
    before = (run_dir / "01_inventory.ipynb").stat().st_mtime_ns
    code = main(["run", "--params", str(plain_params), "--resume", str(run_dir), "--no-progress",
                 "--runbooks", str(runbooks), "--outputs", str(tmp_path / "outputs")])
    assert code == 0  # stand-in findings are "low", below the default --fail-on high
    manifest = read_manifest(run_dir)
    assert [p["status"] for p in manifest["phases"]] == ["succeeded"] * 6
    assert (run_dir / "01_inventory.ipynb").stat().st_mtime_ns == before  # not re-run
    assert "This phase failed" not in nbformat.read(run_dir / "03_iam_review.ipynb", as_version=4).cells[0].source
    assert verify_run(run_dir).ok


def test_failing_cell_stops_the_phases_that_read_it(tmp_path, runbooks, plain_params):
    nb = nbformat.read(runbooks / "01_inventory.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('boom in inventory')"))
    nbformat.write(nb, runbooks / "01_inventory.ipynb")
    code, run_dir = run_cli(tmp_path, plain_params)
    assert code == 2
    phases = {p["name"]: p for p in read_manifest(run_dir)["phases"]}
    assert phases["inventory"]["status"] == "failed" and "boom in inventory" in phases["inventory"]["error"]
    # 02-04 read the snapshot 01 writes and 06 reads everything: none of them runs; 05 reads only datasets.
    for name in ("segregation", "iam", "cloudtrail", "summary"):
        assert phases[name]["status"] == "not_run" and phases[name]["error"] == "an earlier phase failed"
    assert phases["leak"]["status"] == "succeeded"
    assert not (run_dir / "02_segregation.ipynb").exists() and not (run_dir / "06_evidence_summary.ipynb").exists()


@pytest.mark.parametrize("tamper", ["change", "delete", "add", "edit_previous"])
def test_verify_names_the_tampered_file(tmp_path, two_runs, tamper, capsys):
    shutil.copytree(two_runs["first"].parent, tmp_path / "outputs")
    first, second = (tmp_path / "outputs" / two_runs[k].name for k in ("first", "second"))
    target = second / "findings" / "leak.json"
    if tamper == "change":
        data = bytearray(target.read_bytes())
        data[5] ^= 1
        target.write_bytes(bytes(data))
        expect = "changed: findings/leak.json"
    elif tamper == "delete":
        target.unlink()
        expect = "missing: findings/leak.json"
    elif tamper == "add":
        (second / "html" / "extra.html").write_text("x")
        expect = "added: html/extra.html"
    else:
        manifest = first / "manifest.json"
        manifest.write_text(manifest.read_text().replace('"status": "succeeded"', '"status": "failed"', 1))
        expect = f"chain_broken: {first.name}/manifest.json"
    capsys.readouterr()
    assert main(["verify", str(second)]) == 2
    assert expect in capsys.readouterr().out
