"""A fabricated run with a previous run beside it, for the summary page's tests (count and browser)."""
from __future__ import annotations

from pathlib import Path

from evidence.fabricate import PROD, SYNTH, baseline_findings, loose, make_run, seg, write_params
from synthaudit.config import load_params
from synthaudit.evidence import summary

LOG_OBJECT = (f"arn:aws:s3:::org-cloudtrail-logs-410000000004/AWSLogs/o-synthaudit/{PROD}/CloudTrail/us-east-1/"
              f"2026/11/08/{PROD}_CloudTrail_us-east-1_20261108T0005Z_R8jlzN809ZU1tRjH.json.gz")


def current_findings() -> dict:
    """The baseline, plus findings with long words (an object ARN), many low ones and a regression."""
    by_phase = baseline_findings()
    by_phase["segregation"] = [*by_phase["segregation"], seg("S3_PRODUCTION_NO_SSE_KMS", "phi-lab-prod"),
                               seg("S3_PRODUCTION_NO_SSE_KMS", "phi-imaging-prod", evidence={"sse_algorithm": "AES256"})]
    by_phase["iam"] = [*by_phase["iam"], *(
        loose("iam", "IAM_UNUSED_GRANTS", f"arn:aws:iam::{SYNTH}:role/synth-worker-{i}", severity="low", account=SYNTH,
              environment="synthetic", evidence={"unused_actions": [f"s3:PutObject{i}"]}) for i in range(12))]
    by_phase["cloudtrail"] = [*by_phase["cloudtrail"],
                              loose("cloudtrail", "CT_LOG_FILE_INTEGRITY", LOG_OBJECT, severity="critical", account=PROD,
                                    evidence={"action": "log_missing", "detail": "listed in a digest, not in the source"})]
    return by_phase


def previous_findings() -> dict:
    by_phase = baseline_findings()
    by_phase["segregation"] = [*by_phase["segregation"], seg("S3_PRODUCTION_NO_SSE_KMS", "phi-lab-prod", "PASS"),
                               seg("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", "phi-old-prod")]
    return by_phase


def build(root: Path) -> Path:
    """The run folder, with summary.html written; its previous run is beside it."""
    outputs = root / "outputs"
    params_path = write_params(root / "p.yaml", evidence={"audit_date": "2027-01-15"})
    before = make_run(outputs, "2026-10-01T0200Z_demo", previous_findings(), manifest_label="demo")
    summary.finalize_run(before, load_params(params_path), params_path, previous=None)
    run = make_run(outputs, "2026-11-25T0200Z_demo", current_findings())
    summary.finalize_run(run, load_params(params_path), params_path)
    return run
