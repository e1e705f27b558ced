"""The demo's leak datasets: every planted leak found at its rows, the clean twin clean, no PHI in outputs."""
from __future__ import annotations

import pytest

import json
import subprocess
import sys
from pathlib import Path


from synthaudit.leak.report import all_findings, write_leak_json

LEAKY_ARN = "arn:aws:s3:::synth-output-data/cohort-2026q3/leaky/patients.csv"
CLEAN_ARN = "arn:aws:s3:::synth-output-data/cohort-2026q3/clean/patients.csv"
PART_OF = {"exact_copies": "exact_copies", "near_copies": "near_copies", "qi_replay": "qi_replay",
           "identifier_overlap": "identifier_overlap", "free_text_phi": "free_text_phi", "canary": "canary",
           "dicom_header_phi": "dicom_header_phi", "image_near_duplicate": "image_near_duplicate"}


def test_every_planted_row_is_flagged_by_its_part(demo_data, demo_scores):
    leaky = demo_scores["leaky"]
    for what, rows in demo_data.planted.items():
        part = leaky.part(PART_OF[what])
        assert part.status == "FAIL", what
        assert set(rows) <= set(part.rows), (what, rows, part.rows)


def test_clean_twin_passes_every_part(demo_scores):
    clean = demo_scores["clean"]
    assert clean.verdict == "PASS" and clean.score < 1.0
    assert {p.part: p.status for p in clean.parts if p.status != "PASS"} == {}


def test_leaky_dataset_scores_high_because_of_its_confirmed_leaks(demo_scores):
    """Canary traces, production identifiers and a copied DICOM header are real patients: the floor applies."""
    from synthaudit.config import LeakThresholds

    th, leaky = LeakThresholds(), demo_scores["leaky"]
    assert leaky.verdict == "FAIL" and leaky.score >= th.confirmed_leak_floor
    for part in ("canary", "identifier_overlap", "dicom_header_phi", "free_text_phi"):
        sub = leaky.sub_score(part)
        assert sub["kind"] == "confirmed" and sub["score"] >= th.confirmed_leak_floor, part
    summary = leaky.parameters["summary"]
    assert leaky.score == max(summary["part_scores"].values())
    assert summary["confirmed_leak_floor"] == th.confirmed_leak_floor and summary["fail_score"] == th.fail_score


def test_every_part_sub_score_agrees_with_its_status(demo_scores):
    from synthaudit.config import LeakThresholds

    fail_score = LeakThresholds().fail_score
    for ds in demo_scores.values():
        assert (ds.verdict == "FAIL") == (ds.score >= fail_score), ds.name
        for p in ds.parts:
            sub = ds.sub_score(p.part)
            assert 0.0 <= sub["score"] <= 100.0 and sub["formula"], (ds.name, p.part)
            assert (sub["score"] >= fail_score) == (p.status == "FAIL"), (ds.name, p.part, sub)


def test_answer_key_matches_findings(demo_scores, answer_key):
    """Local files stand in for the S3 objects: findings keyed by check and dataset."""
    findings = all_findings(list(demo_scores.values()))
    by_name = {("cohort-leaky" if "leaky" in f.resource else "cohort-clean", f.check_id): f.status for f in findings}
    for entry in answer_key:
        name = "cohort-leaky" if entry.resource == LEAKY_ARN else "cohort-clean"
        assert entry.resource in (LEAKY_ARN, CLEAN_ARN)
        assert by_name[(name, entry.check)] == entry.expect, entry.id


def test_same_inputs_same_findings(demo_spec_factory, demo_scores):
    from synthaudit.config import LeakThresholds
    from synthaudit.leak.readers import Reader
    from synthaudit.leak.score import score_dataset

    again = score_dataset(demo_spec_factory("leaky"), LeakThresholds(), Reader())
    first = [f.to_dict() for f in all_findings([demo_scores["leaky"]])]
    assert [f.to_dict() for f in all_findings([again])] == first


def test_no_holdout_gives_not_assessed_inference(demo_spec_factory):
    from synthaudit.config import LeakThresholds
    from synthaudit.leak.readers import Reader
    from synthaudit.leak.score import score_dataset

    res = score_dataset(demo_spec_factory("leaky", holdout=False), LeakThresholds(), Reader())
    assert res.part("inference_risk").status == "NOT_ASSESSED" and "holdout" in res.part("inference_risk").reason


def scan_for_phi(folder: Path, values: list[str]) -> list[tuple[str, str]]:
    hits = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="ignore")
        hits.extend((str(path), v) for v in values if v in text)
    return hits


def test_leak_json_and_findings_hold_no_phi(demo_scores, demo_data, tmp_path):
    from synthaudit.demo.datasets import seeded_phi_values
    from synthaudit.findings import write_json

    scores = list(demo_scores.values())
    write_leak_json(tmp_path / "leak.json", scores, {})
    write_json(all_findings(scores), tmp_path / "findings" / "leak.json")
    values = seeded_phi_values(demo_data)
    assert len(values) > 1000
    assert scan_for_phi(tmp_path, values) == []
    doc = json.loads((tmp_path / "leak.json").read_text())
    assert {d["name"] for d in doc["datasets"]} == {"clean", "leaky"}
    leaky = next(d for d in doc["datasets"] if d["name"] == "leaky")
    assert leaky["parts"]["canary"]["sub_score"]["kind"] == "confirmed"
    assert leaky["parameters"]["summary"]["sub_scores"]["exact_copies"]["tolerance"] == 0.0
    assert leaky["parameters"]["thresholds"]["confirmed_leak_floor"] == leaky["parameters"]["summary"]["confirmed_leak_floor"]
    prov = doc["datasets"][0]["provenance"]["real"]
    assert len(prov["sha256"]) == 64 and prov["size"] > 0


def test_phi_scan_would_catch_a_leak(tmp_path, demo_data):
    from synthaudit.demo.datasets import seeded_phi_values

    value = seeded_phi_values(demo_data)[0]
    (tmp_path / "oops.json").write_text(json.dumps({"x": value}))
    assert scan_for_phi(tmp_path, [value])


@pytest.mark.slow  # three CLI processes, each importing the kit
def test_cli_exit_codes(demo_files, tmp_path):
    cmd = [sys.executable, "-m", "synthaudit.cli", "leak", "score", "--real", str(demo_files["production"])]
    leaky = subprocess.run(cmd + ["--synthetic", str(demo_files["leaky"]), "--holdout", str(demo_files["holdout"]),
                                  "--out", str(tmp_path / "a")], capture_output=True, text=True)
    assert leaky.returncode == 1, leaky.stderr
    doc = json.loads((tmp_path / "a" / "leak.json").read_text())
    assert doc["datasets"][0]["verdict"] == "FAIL" and "thresholds" in doc["parameters"]
    assert set(doc["datasets"][0]["parts"]) >= {"exact_copies", "near_copies", "qi_replay", "inference_risk"}
    clean = subprocess.run(cmd + ["--synthetic", str(demo_files["clean"]), "--out", str(tmp_path / "b")],
                           capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    bad = subprocess.run(cmd + ["--synthetic", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "c")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "missing.csv" in bad.stderr
