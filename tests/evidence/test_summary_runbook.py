"""Runbook 06 under papermill on a fabricated run folder (one phase failed, one missing)."""
from __future__ import annotations

import json
from pathlib import Path

import scrapbook as sb

from evidence.fabricate import baseline_findings, make_run, seg, write_params
from synthaudit.findings import read_json

REPO = Path(__file__).resolve().parents[2]


def test_runbook_06_summarises_a_fabricated_run(tmp_path, run_notebook):
    outputs = tmp_path / "outputs"
    make_run(outputs, "2026-10-01T0200Z_demo", baseline_findings(), manifest_label="demo")
    now = baseline_findings()
    now["segregation"].append(seg("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "phi-new-prod"))
    run = make_run(outputs, "2026-11-25T0200Z_demo", now, failed=["cloudtrail"], missing=["leak"])
    params_path = write_params(tmp_path / "p.yaml", evidence={"audit_date": "2027-01-15"})
    out = run / "06_evidence_summary.ipynb"
    run_notebook(REPO / "runbooks" / "06_evidence_summary.ipynb", out, params_path=str(params_path), run_dir=str(run))
    counts = sb.read_notebook(str(out)).scraps["summary"].data
    assert counts["phases"] == {"inventory": "succeeded", "segregation": "succeeded", "iam": "succeeded",
                                "cloudtrail": "failed", "leak": "not run"}
    assert counts["diff"]["new"] == 1 and counts["days_to_audit"] == 51
    combined = read_json(run / "findings.json")
    assert "arn:aws:s3:::phi-new-prod" in {f.resource for f in combined}
    assert not any(f.phase == "leak" for f in combined)
    for name in ("findings.csv", "findings.ocsf.json", "findings.asff.json", "summary.html"):
        assert (run / name).exists(), name
    nb = json.loads(out.read_text())
    assert not nb["metadata"]["papermill"].get("exception")
