"""Phase 03 on the simulated estate (a real moto server, inventoried by phase 01): every
planted IAM failure is found and no clean twin is. The answer key is read here, never by the kit."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from answer_key import Plant, for_phase
from synthaudit.config import load_params
from synthaudit.iam import PolicyStore
from synthaudit.iam.review import review

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PARAMS_FILE = REPO / "params" / "demo.yaml"


def planted() -> tuple[Plant, ...]:
    return for_phase("iam")


@pytest.fixture(scope="module")
def demo_run(demo_snapshot_dir):
    """A run folder holding the demo estate's snapshot (inventoried once per test session)."""
    return demo_snapshot_dir.parent


@pytest.fixture(scope="module")
def result(demo_run):
    params = load_params(PARAMS_FILE)
    return review(PolicyStore.from_snapshot(demo_run / "snapshot"), run_dir=demo_run,
                  review_days=params.cloudtrail.review_days, regions=params.aws.regions)


def test_answer_key_has_iam_entries():
    assert {e.check for e in planted()} >= {"IAM_SYNTHETIC_REACHES_PRODUCTION", "IAM_PRIVILEGE_ESCALATION",
                                               "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", "IAM_WILDCARD_GRANT"}


@pytest.mark.parametrize("entry", planted(), ids=lambda e: f"{e.id}-{e.check}")
def test_planted_iam_entry(result, entry):
    found = [f for f in result.findings if f.check_id == entry.check and f.resource == entry.resource]
    assert found, f"{entry.id}: no {entry.check} finding on {entry.resource}"
    assert found[0].status == entry.expect, f"{entry.id} ({entry.description}): {found[0].evidence}"
    if entry.severity is not None:
        assert found[0].severity == entry.severity, f"{entry.id}: {found[0].severity} {found[0].evidence}"


def test_generator_paths_name_the_granting_statements(result):
    f = next(f for f in result.findings if f.check_id == "IAM_SYNTHETIC_REACHES_PRODUCTION"
             and f.resource.endswith(":role/synth-generator"))
    read = [p for p in f.evidence["paths"] if p["resource"] == "arn:aws:s3:::phi-claims-prod"
            and p["action"] == "s3:GetObject"]
    assert read and {s["kind"] for s in read[0]["statements"]} == {"identity", "resource"}
    assert any(s["sid"] == "ReadProductionClaims" for s in read[0]["statements"])


def test_no_store_errors_and_unused_grants_not_assessed_without_cloudtrail(result):
    assert result.store_errors == []
    unused = [f for f in result.findings if f.check_id == "IAM_UNUSED_GRANTS"]
    # judged by usage: NOT_ASSESSED without CloudTrail; the audit role and Identity Center roles are
    # handled by a built-in rule, which needs no usage
    assert {f.status for f in unused if not f.exception} == {"NOT_ASSESSED"}
    ruled = {f.resource.rsplit("/", 1)[-1].split("_")[0]: f.exception["id"] for f in unused if f.exception}
    assert ruled == {"SynthauditReadOnly": "rule:audit-role", "AWSReservedSSO": "rule:aws-reserved"}


def test_runbook_executes_and_writes_findings(full_demo_run):
    """Runbook 03 as the session's one full demo run executed it (tests/conftest.py)."""
    run = full_demo_run.run_dir
    assert (run / "03_iam_review.ipynb").exists()
    findings = json.loads((run / "findings" / "iam.json").read_text())
    assert any(f["check_id"] == "IAM_PRIVILEGE_ESCALATION" and f["status"] == "FAIL" for f in findings)
