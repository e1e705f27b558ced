"""Findings on the resource to change (the SCP gap on the OU or account to attach the deny to; a
trail's own finding naming what it misses) and the coverage gaps closed beside them."""
from __future__ import annotations

from synthaudit.checks import run_all

from .builders import PARAMS, REGION, SHARED, SYNTH, FakeStore, write


def test_scp_gap_sits_on_the_highest_all_synthetic_ou_and_names_its_accounts(tmp_path):
    from .test_cases import NO_FENCE, OU_ARN, OU_TREE, SYNTH_A, SYNTH_B, scp

    found = run_all(write(tmp_path, OU_TREE + [scp(NO_FENCE, ["r-root"])]), PARAMS, store=FakeStore(),
                    only=["SCP_NO_SYNTHETIC_PRODUCTION_DENY"])
    on_ou = next(f for f in found if f.resource == OU_ARN + "ou-synth")
    assert on_ou.status == "FAIL" and on_ou.evidence["affected_accounts"] == [SYNTH_A, SYNTH_B]
    assert not any(f.resource.endswith(("/ou-work", "/ou-trials")) for f in found)


def test_trail_finding_names_every_missed_bucket_and_function(tmp_path):
    from .builders import bucket, row, trail
    from .test_cases import LAMBDA

    rows = [trail("t"), bucket("phi-claims"), bucket("phi-imaging"), bucket("synth-out", SYNTH),
            row("lambda_functions", LAMBDA, SYNTH, "synth-transform", function_name="synth-transform")]
    found = run_all(write(tmp_path, rows), PARAMS, store=FakeStore(), only=["CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS"])
    (f,) = [f for f in found if f.resource == f"arn:aws:cloudtrail:{REGION}:{SHARED}:trail/t"]
    assert f.status == "FAIL" and f.evidence["missed"] == 3
    assert f.evidence["misses"] == {"AWS::Lambda::Function": [LAMBDA],
                                    "AWS::S3::Object": ["arn:aws:s3:::phi-claims", "arn:aws:s3:::phi-imaging"]}


def test_glue_catalog_of_a_synthetic_account_without_production_tables_is_not_examined(tmp_path):
    from .test_cases import catalog

    found = run_all(write(tmp_path, [catalog(SYNTH, encryption_at_rest="DISABLED")]), PARAMS, store=FakeStore(),
                    only=["GLUE_CATALOG_NOT_ENCRYPTED"])
    assert not [f for f in found if f.resource.endswith(":catalog")]


def test_wide_peering_route_is_high_between_environments_and_low_within_one(tmp_path):
    from .test_cases import CASES

    severities = {}
    for label in ("whole-vpc", "same-environment-whole-vpc"):
        case = next(c for c in CASES if c.id == f"VPC_PEERING_ROUTES_TOO_WIDE-{label}")
        (f,) = [f for f in run_all(write(tmp_path / label, case.rows), PARAMS, store=FakeStore(),
                                   only=[case.check]) if f.resource in case.expect]
        severities[label] = (f.status, f.severity, f.evidence["cross_environment"])
    assert severities == {"whole-vpc": ("FAIL", "high", True), "same-environment-whole-vpc": ("FAIL", "low", False)}
