"""Phase 05 against the simulated estate's S3 (moto over HTTP, the session's demo estate, whose
dataset hook wrote the files) and runbook 05 as the session's full demo run executed it."""
from __future__ import annotations

from pathlib import Path

import pytest

from synthaudit.aws.preflight import run_preflight
from synthaudit.config import load_params, parse_params

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def estate_env(demo_estate, monkeypatch):
    for key, value in demo_estate.env().items():
        monkeypatch.setenv(key, value)
    return demo_estate


def test_params_datasets_from_s3_match_answer_key(estate_env, answer_key):
    from synthaudit.aws.session import SessionFactory
    from synthaudit.leak.phase import run_leak_phase

    params, _ = run_preflight(load_params(REPO / "params" / "demo.yaml"))  # the datasets' accounts, found
    run = run_leak_phase(params, SessionFactory(params))
    got = {(f.check_id, f.resource): f for f in run.findings}
    for entry in answer_key:
        f = got[(entry.check, entry.resource)]
        assert f.status == entry.expect, entry.id
        assert f.account == entry.account and f.phase == "leak"
    prov = run.scores[0].provenance["synthetic"]
    assert prov["version_id"] and prov["etag"] and len(prov["sha256"]) == 64
    assert prov["location"].startswith("s3://")


def test_missing_object_is_not_assessed_with_reason(estate_env):
    from synthaudit.aws.session import SessionFactory
    from synthaudit.leak.phase import run_leak_phase

    base = run_preflight(load_params(REPO / "params" / "demo.yaml"))[0].model_dump(mode="json")
    base["datasets"] = [dict(base["datasets"][0], name="gone",
                             synthetic="s3://synth-output-data/cohort-2026q3/nope/patients.csv")]
    params = parse_params(base)
    run = run_leak_phase(params, SessionFactory(params))
    assert {f.status for f in run.findings} == {"NOT_ASSESSED"}
    assert all("nope/patients.csv" in f.reason for f in run.findings)
    assert run.findings[0].resource == "arn:aws:s3:::synth-output-data/cohort-2026q3/nope/patients.csv"


def test_runbook_05_runs_and_its_folder_holds_no_phi(full_demo_run, demo_data):
    from synthaudit.demo.datasets import seeded_phi_values

    run_dir = full_demo_run.run_dir
    out_nb = run_dir / "05_leak_scoring.ipynb"
    assert (run_dir / "findings" / "leak.json").exists() and (run_dir / "leak" / "leak.json").exists()
    import scrapbook as sb

    scraps = sb.read_notebook(str(out_nb)).scraps
    assert scraps["leak_scores"].data["cohort-leaky"]["verdict"] == "FAIL"
    assert scraps["leak_scores"].data["cohort-clean"]["verdict"] == "PASS"
    assert len(scraps["findings"].data) == 20
    values = seeded_phi_values(demo_data)
    written = [out_nb, run_dir / "findings" / "leak.json", *(run_dir / "leak").rglob("*"),
               *(run_dir / "html").glob("05_leak_scoring*.html")]
    assert len(written) >= 5
    hits = [(p.name, v) for p in written if p.is_file()
            for v in values if v in p.read_bytes().decode("utf-8", errors="ignore")]
    assert hits == []
