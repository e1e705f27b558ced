"""Phase 03 checks on the hand-built estate: each has a failing case, a clean twin and a missing-data case."""
import json

import pandas as pd
import pytest

from fixtures import estate as fx
from synthaudit.iam import PolicyStore
from synthaudit.iam.review import review

S, P = fx.S, fx.P


def role(account, name):
    return f"arn:aws:iam::{account}:role/{name}"


@pytest.fixture
def result(snapshot):
    return review(PolicyStore.from_snapshot(snapshot), run_dir=snapshot.parent)


def status(result, check, resource):
    found = [f for f in result.findings if f.check_id == check and f.resource == resource]
    assert len(found) == 1, f"{check} on {resource}: {len(found)} findings"
    return found[0]


def test_synthetic_reaches_production_with_granting_statements(result):
    f = status(result, "IAM_SYNTHETIC_REACHES_PRODUCTION", role(S, "synth-generator"))
    assert f.status == "FAIL"
    # RDS has no resource-based policy: an identity grant in another account cannot reach the cluster
    assert set(f.evidence["production_resources"]) == {fx.PHI_BUCKET, fx.PROD_KEY}
    by = {(p["resource"], p["action"]): p for p in f.evidence["paths"]}
    read = by[(fx.PHI_BUCKET, "s3:GetObject")]
    sids = {(s["kind"], s["sid"]) for s in read["statements"]}
    assert sids == {("identity", "ReadPhi"), ("resource", "GeneratorReads")}
    assert any(s.get("statement_resource") == f"{fx.PHI_BUCKET}/*" for s in read["statements"])
    assert (fx.PROD_KEY, "kms:Decrypt") in by
    assert status(result, "IAM_SYNTHETIC_REACHES_PRODUCTION", role(S, "synth-evaluator")).status == "PASS"


def test_cross_account_grant_without_bucket_policy_is_not_reach(estate_data, tmp_path):
    estate_data["resource_policies"][0]["policy"] = None  # remove the PHI bucket policy
    res = review(PolicyStore.from_snapshot(fx.write_snapshot(tmp_path, estate_data)))
    f = status(res, "IAM_SYNTHETIC_REACHES_PRODUCTION", role(S, "synth-generator"))
    assert fx.PHI_BUCKET not in f.evidence["production_resources"]


def test_synthetic_notebook_with_s3_star_reaches_only_via_resource_policy(result):
    # s3:* on * in the synthetic account does not open a production bucket in another account by itself
    f = status(result, "IAM_SYNTHETIC_REACHES_PRODUCTION", role(S, "synth-notebook"))
    assert f.status == "PASS"


def test_escalation_paths_and_clean_twins(result):
    deployer = status(result, "IAM_PRIVILEGE_ESCALATION", role(S, "synth-deployer"))
    assert deployer.status == "FAIL"
    routes = {(p["route"], t) for p in deployer.evidence["paths"] for t in p["targets"]}
    assert ("PassRole to lambda", role(S, "synth-lambda-worker")) in routes
    assert all(p["targets_total"] == len(p["targets"]) for p in deployer.evidence["paths"])
    # the table spreads each path over its targets, one row each
    rows = result.escalation_paths[result.escalation_paths["principal"] == role(S, "synth-deployer")]
    assert set(zip(rows["route"], rows["target"])) == routes
    bot = status(result, "IAM_PRIVILEGE_ESCALATION", f"arn:aws:iam::{S}:user/synth-ops-bot")
    assert bot.status == "FAIL"
    assert {p["route"] for p in bot.evidence["paths"]} == {"CreatePolicyVersion", "SetDefaultPolicyVersion"}
    assert status(result, "IAM_PRIVILEGE_ESCALATION", role(S, "synth-publisher")).status == "PASS"
    assert status(result, "IAM_PRIVILEGE_ESCALATION", f"arn:aws:iam::{S}:user/synth-reader").status == "PASS"
    # CreateAccessKey on ${aws:username} is self-service, not credentials for others
    assert status(result, "IAM_PRIVILEGE_ESCALATION", f"arn:aws:iam::{S}:user/synth-self-service").status == "PASS"


def test_trust_findings(result):
    trust = "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD"
    assert status(result, trust, role(S, "synth-share")).status == "FAIL"
    vendor = status(result, trust, role(S, "synth-vendor"))
    assert vendor.status == "FAIL" and "ExternalId" in vendor.evidence["issues"][0]["problem"]
    # a synthetic role that reaches no production data: low, whatever trusts it
    assert vendor.severity == "low" and vendor.evidence["reaches_production_data"] == []
    bridge = status(result, trust, role(P, "prod-bridge"))
    assert bridge.status == "FAIL" and "synthetic" in bridge.evidence["issues"][0]["problem"]
    assert bridge.severity == "high" and fx.PHI_BUCKET in bridge.evidence["reaches_production_data"]
    assert status(result, trust, role(P, "prod-admin")).status == "PASS"


def test_trust_narrowed_by_conditions_is_reported_with_them_lower(result):
    trust = "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD"
    guarded = status(result, trust, role(S, "synth-vendor-guarded"))
    assert guarded.status == "FAIL" and guarded.severity == "low"
    issue = guarded.evidence["issues"][0]
    assert issue["state"] == "narrowed" and issue["conditions"] == ['StringEquals sts:ExternalId "x-1"']
    mfa = status(result, trust, role(P, "prod-bridge-mfa"))
    assert mfa.status == "FAIL" and mfa.severity == "medium"          # reaches PHI: high, one step lower
    assert mfa.evidence["issues"][0]["conditions"] == ['Bool aws:MultiFactorAuthPresent "true"']


@pytest.mark.parametrize("name", ["synth-vendor-orgid", "synth-share-org"])
def test_organisation_id_condition_closes_the_outside_path(result, name):
    f = status(result, "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", role(S, name))
    assert f.status == "PASS"
    closed = f.evidence["closed_by_condition"][0]
    assert closed["state"] == "closed" and "aws:PrincipalOrgID" in closed["conditions"][0]


def test_wildcard_findings(result):
    nb = status(result, "IAM_WILDCARD_GRANT", role(S, "synth-notebook"))
    assert nb.status == "FAIL"
    assert {g["kind"] for g in nb.evidence["grants"]} == {"service_wildcard", "data_on_any_resource",
                                                         "permissions_on_any_resource"}  # s3:PutBucketPolicy
    assert status(result, "IAM_WILDCARD_GRANT", role(S, "synth-evaluator")).status == "PASS"
    admin = status(result, "IAM_WILDCARD_GRANT", role(P, "prod-admin"))
    assert admin.status == "FAIL" and admin.severity == "high"


def test_service_linked_roles_are_not_reviewed(result):
    assert not [f for f in result.findings if "aws-service-role" in f.resource]


def test_unused_grants_not_assessed_without_cloudtrail(result):
    f = status(result, "IAM_UNUSED_GRANTS", role(S, "synth-evaluator"))
    assert f.status == "NOT_ASSESSED" and "events.parquet" in f.reason


def _events(run_dir, rows):
    (run_dir / "cloudtrail").mkdir(exist_ok=True)
    pd.DataFrame(rows, columns=["event_time", "event_source", "event_name", "principal_arn", "account",
                                "error_code"]).to_parquet(run_dir / "cloudtrail" / "events.parquet")


def test_unused_grants_with_cloudtrail(snapshot):
    run = snapshot.parent
    session = f"arn:aws:sts::{S}:assumed-role/synth-evaluator/i-123"
    _events(run, [
        ("2026-11-01T10:00:00Z", "s3.amazonaws.com", "GetObject", session, S, None),
        ("2026-11-02T10:00:00Z", "s3.amazonaws.com", "ListObjectsV2", session, S, None),
        ("2026-11-02T10:00:00Z", "s3.amazonaws.com", "GetObject", f"arn:aws:sts::{S}:assumed-role/synth-generator/x", S, None),
        ("2026-11-02T11:00:00Z", "s3.amazonaws.com", "PutObject", f"arn:aws:sts::{S}:assumed-role/synth-generator/x", S,
         "AccessDenied"),
    ])
    res = review(PolicyStore.from_snapshot(snapshot), run_dir=run)
    assert status(res, "IAM_UNUSED_GRANTS", role(S, "synth-evaluator")).status == "PASS"
    gen = status(res, "IAM_UNUSED_GRANTS", role(S, "synth-generator"))
    assert gen.status == "FAIL"
    assert "kms:Decrypt" in gen.evidence["unused_sample"]
    suggested = gen.evidence["suggested_policy"]
    assert suggested["Statement"] and all(s["Action"] == ["s3:GetObject"] for s in suggested["Statement"])
    resources = {r for s in suggested["Statement"] for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])}
    assert f"{fx.PHI_BUCKET}/*" in resources


def test_review_without_unused_grants_skips_the_check(snapshot):
    run = snapshot.parent
    _events(run, [("2026-11-01T10:00:00Z", "s3.amazonaws.com", "GetObject",
                   f"arn:aws:sts::{S}:assumed-role/synth-generator/x", S, None)])
    full = review(PolicyStore.from_snapshot(snapshot), run_dir=run)
    assert any(f.check_id == "IAM_UNUSED_GRANTS" for f in full.findings) and full.suggested_policies
    res = review(PolicyStore.from_snapshot(snapshot), run_dir=run, include_unused=False)
    assert not [f for f in res.findings if f.check_id == "IAM_UNUSED_GRANTS"]
    assert res.suggested_policies == {}
    assert [f for f in res.findings if f.check_id != "IAM_UNUSED_GRANTS"] == \
        [f for f in full.findings if f.check_id != "IAM_UNUSED_GRANTS"]


def test_unreadable_events_table_is_not_assessed(snapshot):
    (snapshot.parent / "cloudtrail").mkdir()
    (snapshot.parent / "cloudtrail" / "events.parquet").write_text("not parquet")
    res = review(PolicyStore.from_snapshot(snapshot), run_dir=snapshot.parent)
    f = status(res, "IAM_UNUSED_GRANTS", role(S, "synth-evaluator"))
    assert f.status == "NOT_ASSESSED" and "re-run phase 04" in f.reason


def test_malformed_policy_is_not_assessed_and_others_still_reviewed(estate_data, tmp_path):
    gen = estate_data["iam"][S]["RoleDetailList"][0]
    gen["RolePolicyList"][0]["PolicyDocument"]["Statement"][1]["Effect"] = "Permit"
    res = review(PolicyStore.from_snapshot(fx.write_snapshot(tmp_path, estate_data)))
    f = status(res, "IAM_SYNTHETIC_REACHES_PRODUCTION", role(S, "synth-generator"))
    assert f.status == "NOT_ASSESSED" and "statement DecryptProd" in f.reason
    assert status(res, "IAM_SYNTHETIC_REACHES_PRODUCTION", role(S, "synth-evaluator")).status == "PASS"


def test_review_is_deterministic(snapshot):
    a = review(PolicyStore.from_snapshot(snapshot), run_dir=snapshot.parent)
    b = review(PolicyStore.from_snapshot(snapshot), run_dir=snapshot.parent)
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]
    json.dumps([f.to_dict() for f in a.findings])  # JSON-ready evidence


def test_broken_snapshot_file_is_a_clear_error(snapshot):
    from synthaudit.iam import SnapshotError

    (snapshot / "raw" / "organizations.json").write_text("{broken")
    with pytest.raises(SnapshotError, match="organizations.json: not valid JSON"):
        PolicyStore.from_snapshot(snapshot)
