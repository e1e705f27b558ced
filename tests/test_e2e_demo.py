"""End to end: a full demo run finds every planted failure and flags no clean twin.

The answer keys (tests/answer_keys/*.yaml) are read here, by the test only;
the kit never sees them. The run is the session's one `synthaudit run` of the demo
(``full_demo_run`` in tests/conftest.py), shared with every other test that reads a demo run.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from answer_key import load_all
from synthaudit import catalogue
from synthaudit.evidence.manifest import read_manifest
from synthaudit.evidence.verify import verify_run
from synthaudit.runner import PHASES



def test_demo_run_completes_with_findings(full_demo_run):
    code, run_dir = full_demo_run.exit_code, full_demo_run.run_dir
    manifest = read_manifest(run_dir)
    failed = [p for p in manifest["phases"] if p["status"] != "succeeded"]
    assert failed == [], failed
    assert code == 1  # the demo plants high-severity failures; --fail-on high reports them


def test_demo_evidence_is_complete_and_verifies(full_demo_run):
    run_dir = full_demo_run.run_dir
    for phase in PHASES:
        assert (run_dir / phase.notebook).exists()
        html = (run_dir / "html" / f"{Path(phase.notebook).stem}.auditor.html").read_text()
        assert "Plotly.newPlot" in html, f"{phase.notebook}: no chart in the auditor render"
    assert (run_dir / "summary.html").exists()
    assert (run_dir / "findings.json").exists()
    assert verify_run(run_dir).ok
    caches = [str(p.relative_to(run_dir)) for p in run_dir.rglob(".cloudtrail-cache")]
    assert caches == [], "the CloudTrail cache belongs to the workspace, never to the evidence"


def _findings(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "findings.json").read_text())


@pytest.mark.parametrize(("key", "entry"), load_all(), ids=lambda v: v if isinstance(v, str) else v.id)
def test_answer_key_entry(full_demo_run, key, entry):
    run_dir = full_demo_run.run_dir
    matching = [f for f in _findings(run_dir)
                if f["check_id"] == entry.check and f["resource"] == entry.resource]
    statuses = sorted({f["status"] for f in matching})
    if entry.expect == "FAIL":
        assert "FAIL" in statuses, f"{entry.id} not found: {entry.description} (got {statuses})"
        return
    assert "FAIL" not in statuses, f"clean twin {entry.id} flagged: {entry.description}"
    if catalogue.get(entry.check).phase == "cloudtrail":
        # Detectors report anomalies, not every quiet resource: the twin must stay quiet
        # while the detector itself ran (its own PASS or FAIL findings exist).
        ran = {f["status"] for f in _findings(run_dir) if f["check_id"] == entry.check}
        assert ran & {"PASS", "FAIL"}, f"detector {entry.check} did not run"
    else:
        assert statuses == ["PASS"], f"clean twin {entry.id} not examined: {entry.description} (got {statuses})"
