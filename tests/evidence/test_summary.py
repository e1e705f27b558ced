"""Summary report: phases from scraps (failed/missing tolerated), control view, countdown, the HTML page."""
from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
import yaml

from evidence.fabricate import PROD, baseline_findings, make_run, seg, write_params
from synthaudit.cli import main
from synthaudit.config import load_params
from synthaudit.evidence import summary
from synthaudit.findings import read_json


def test_scraps_are_preferred_and_missing_or_failed_phases_are_reported(tmp_path):
    by_phase = baseline_findings()
    run = make_run(tmp_path, "2026-11-25T0200Z_demo", by_phase, failed=["cloudtrail"], missing=["leak"])
    # the findings file disagrees with the scrap: the scrap wins
    (run / "findings" / "iam.json").write_text("[]\n")
    (run / "00_corrupt.ipynb").write_text("{not json")
    states = {p.phase: p for p in summary.collect_phases(run)}
    assert states["iam"].source == "scrap" and len(states["iam"].findings) == 1
    assert states["cloudtrail"].status == "failed" and states["cloudtrail"].findings
    assert states["leak"].status == "not run" and "05_leak_scoring.ipynb" in states["leak"].error
    assert states["segregation"].status == "succeeded"


def test_findings_file_is_the_fallback_without_notebooks(tmp_path):
    run = make_run(tmp_path, "2026-11-25T0200Z_demo", baseline_findings(), notebooks=False)
    states = summary.collect_phases(run)
    assert {p.source for p in states} == {"file"}
    assert {p.status for p in states} == {"succeeded"}  # findings without a notebook: ran headless


def test_report_counts_exceptions_diff_and_files(tmp_path):
    outputs = tmp_path / "outputs"
    make_run(outputs, "2026-10-01T0200Z_demo", baseline_findings(), manifest_label="demo")
    now = baseline_findings()
    now["segregation"][1] = seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod", "PASS")
    now["segregation"].append(seg("S3_PRODUCTION_PUBLIC_WRITE", "phi-intake-prod"))
    run = make_run(outputs, "2026-11-25T0200Z_demo", now)
    (tmp_path / "exceptions.yaml").write_text(yaml.safe_dump({"exceptions": [
        {"id": "EX-IAM", "check": "IAM_*", "resource": "arn:aws:iam::*:role/synth-admin", "owner": "iam-team",
         "reason": "break-glass role, reviewed monthly", "approved": "2026-06-01", "expires": "2027-06-01"},
        {"id": "EX-OLD", "check": "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "owner": "data-eng",
         "reason": "temporary migration access", "approved": "2026-01-01", "expires": "2026-06-30"},
    ]}))
    params_path = write_params(tmp_path / "p.yaml", exceptions_file="exceptions.yaml",
                               evidence={"audit_date": "2027-01-15"})
    report = summary.finalize_run(run, load_params(params_path), params_path)
    counts = report.counts()
    assert counts["exceptions"] == {"excepted_findings": 1, "expired": 1}
    assert [f.check_id for f in report.by_status("EXCEPTED")] == ["IAM_WILDCARD_GRANT"]
    assert counts["diff"]["new"] == 2 and counts["diff"]["resolved"] == 1   # the public write + expired exception
    assert report.previous_run == "2026-10-01T0200Z_demo"
    written = read_json(run / "findings.json")
    assert {f.id for f in written} == {f.id for f in report.findings}
    expired = [f for f in written if f.check_id == "EXCEPTION_EXPIRED" and f.status == "FAIL"]
    assert [f.resource for f in expired] == ["synthaudit:exception/EX-OLD"]
    assert read_json(run / "findings" / "summary.json") == list(report.exception_findings)
    for name in ("findings.csv", "findings.ocsf.json", "findings.asff.json", "summary.html"):
        assert (run / name).stat().st_size > 0
    assert report.countdown.days_left == 51 and "still open 51 days before the audit" in report.countdown.warning


def test_excepted_finding_shows_in_report(tmp_path):
    run = make_run(tmp_path / "outputs", "2026-11-25T0200Z_demo", baseline_findings())
    (tmp_path / "ex.yaml").write_text(yaml.safe_dump([
        {"id": "EX-KMS", "check": "S3_PRODUCTION_NO_SSE_KMS", "resource": "arn:aws:s3:::phi-archive-prod",
         "account": PROD, "owner": "ciso", "reason": "legacy archive, migrating in Q1",
         "approved": "2026-10-01", "expires": "2027-03-31"}]))
    params_path = write_params(tmp_path / "p.yaml", exceptions_file="ex.yaml")
    report = summary.finalize_run(run, load_params(params_path), params_path)
    excepted = report.by_status("EXCEPTED")
    assert [f.resource for f in excepted] == ["arn:aws:s3:::phi-archive-prod"]
    page = (run / "summary.html").read_text()
    accepted = page.split('<section id="accepted">')[1].split("</section>")[0]
    assert "EX-KMS" in accepted and "legacy archive, migrating in Q1" in accepted and "phi-archive-prod" in accepted


@pytest.mark.parametrize("audit, open_high, warns", [
    ("2027-01-15", True, True),     # 51 days left, high finding open
    ("2027-01-15", False, False),   # inside the window, nothing open
    ("2027-06-01", True, False),    # outside the 90-day window
    ("2026-11-01", False, True),    # audit date passed
])
def test_audit_countdown(audit, open_high, warns):
    item = seg("S3_PRODUCTION_NO_SSE_KMS", "b", "FAIL" if open_high else "PASS", severity="high")
    cd = summary.AuditCountdown(dt.date.fromisoformat(audit), dt.date(2026, 11, 25),
                                (item,) if open_high else ())
    assert (cd.warning is not None) == warns


def test_control_view_states():
    items = [seg("S3_PRODUCTION_NO_SSE_KMS", "a", "PASS"), seg("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "b", "FAIL")]
    view = summary.control_view(items)
    assert set(view["framework"]) == {"HIPAA", "GDPR", "NIST AI RMF", "EU AI Act"}
    failing = view[view["checks"].str.contains(r"S3_SYNTHETIC_ACCESS_TO_PRODUCTION \(FAIL\)")]
    assert not failing.empty and set(failing["state"]) == {"FAIL"}
    untouched = view[~view["checks"].str.contains(r"\((?:FAIL|PASS)\)")]
    assert set(untouched["state"]) == {"NO_EVIDENCE"}


def test_control_view_has_one_named_row_per_framework_requirement():
    from synthaudit import catalogue

    view = summary.control_view([seg("S3_PRODUCTION_NO_SSE_KMS", "a", "PASS")])
    expected = [(fw.label, req.id) for fw in catalogue.load_frameworks() for req in fw.requirements]
    assert list(zip(view["framework"], view["requirement"])) == expected   # the framework files' order
    assert list(view.columns) == ["framework", "requirement", "name", "state", "worst", "checks", "fail", "excepted",
                                  "not_assessed", "pass"]
    row = view[(view["framework"] == "HIPAA") & (view["requirement"] == "164.312(a)(2)(iv)")].iloc[0]
    assert row["name"] == "Encryption and decryption"
    assert row["state"] == "PARTIAL" and "S3_PRODUCTION_NO_SSE_KMS (PASS)" in row["checks"]   # other checks: no evidence
    assert (row["pass"], row["fail"]) == (1, 0)


def test_leak_table_prefers_the_phase_scrap(tmp_path):
    by_phase = baseline_findings()
    run = make_run(tmp_path, "2026-11-25T0200Z_demo", by_phase,
                   extra_scraps={"leak": {"leak_scores": [{"dataset": "claims", "score": 12.5, "copies": 0.1}]}})
    report = summary.build_report(run, load_params(write_params(tmp_path / "p.yaml")), tmp_path / "p.yaml")
    table = summary.leak_table(report)
    assert table.to_dict("records") == [{"dataset": "claims", "score": 12.5, "copies": 0.1}]


def test_html_is_self_contained_and_complete(tmp_path):
    run = make_run(tmp_path / "outputs", "2026-11-25T0200Z_demo", baseline_findings(), missing=["leak"])
    cov = run / "snapshot"
    cov.mkdir()
    pd.DataFrame([{"account": PROD, "region": "us-east-1", "service": "s3", "status": "assessed", "error": None,
                   "detail_errors": '["GetBucketPolicy phi-x: access_denied: AccessDenied"]'},
                  {"account": PROD, "region": "us-east-1", "service": "kms", "status": "assessed", "error": None,
                   "detail_errors": "[]"},  # the inventory stores the list as JSON text
                  {"account": PROD, "region": "us-east-1", "service": "lakeformation", "status": "not_supported",
                   "error": "moto lacks GetDataLakeSettings", "detail_errors": "[]"}]).to_parquet(cov / "coverage.parquet")
    params_path = write_params(tmp_path / "p.yaml", evidence={"audit_date": "2027-01-15"})
    report = summary.finalize_run(run, load_params(params_path), params_path)
    gaps = summary.coverage_gaps(report)
    assert gaps["service"].tolist() == ["kms", "lakeformation", "s3"][1:] and "AccessDenied" in gaps["why"].iloc[1]
    assert summary.coverage_summary(report).set_index("service").loc["lakeformation", "not_supported"] == 1
    page = (run / "summary.html").read_text()
    markup = re.sub(r"(?s)<script[^>]*>.*?</script>", "<script></script>", page)  # the data blobs aside
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", markup), "external resource in summary.html"
    assert "<script src" not in page and "<link" not in page
    for text in ("arn:aws:s3:::phi-claims-prod", "moto lacks GetDataLakeSettings", "HIPAA", "GDPR", "NIST AI RMF",
                 "EU AI Act", "leak not run", "access_denied: AccessDenied", "CT_CROSS_ENVIRONMENT_ACCESS",
                 "51</b> days left", 'id="how-bad"', 'id="failing-requirements"', "210987654321 (production-phi)",
                 "us-east-1"):
        assert text in page or text in re.sub(r"</?span[^>]*>", "", page), text   # words kept whole by spans
    assert "plotly" not in page.lower() and len(page) < 200_000   # CSS bars, no charting library


def test_cli_summary_writes_then_refuses_to_touch_a_sealed_run(tmp_path, capsys):
    run = make_run(tmp_path / "outputs", "2026-11-25T0200Z_demo", baseline_findings())
    params_path = write_params(tmp_path / "p.yaml")
    assert main(["summary", str(run), "--params", str(params_path)]) == 1  # high FAILs open
    assert (run / "summary.html").exists()
    assert main(["summary", str(run), "--params", str(params_path), "--fail-on", "critical", "--json"]) == 1
    (run / "summary.html").unlink()
    (run / "manifest.json").write_text(json.dumps({"params": yaml.safe_load(params_path.read_text()),
                                                   "params_file": str(params_path)}))
    assert main(["summary", str(run)]) == 1
    assert not (run / "summary.html").exists()
    assert "sealed" in capsys.readouterr().err
