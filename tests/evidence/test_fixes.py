"""Concrete fixes: placeholders filled from the finding's resource, evidence and the classified
estate, left marked when the kit cannot know them; root causes group one check's findings by fix."""
from __future__ import annotations

import re

import pandas as pd

from evidence.fabricate import PROD, SYNTH, seg
from synthaudit import catalogue
from synthaudit.evidence import fixes

SYNTH2 = "310000000005"
ESTATE = fixes.Estate(accounts=((PROD, "production"), (SYNTH, "synthetic"), (SYNTH2, "synthetic")),
                      ous=(("ou-prod", "production", "r-1"), ("ou-syn", "synthetic", "r-1"),
                           ("ou-syn-child", "synthetic", "ou-syn")))


def test_bucket_and_accounts_are_filled_from_the_finding():
    f = seg("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "phi-claims-prod",
            evidence={"edges": [{"source": f"arn:aws:iam::{SYNTH}:role/gen", "target": "arn:aws:s3:::phi-claims-prod"}]})
    fix = fixes.fill(f.remediation, f, ESTATE)
    assert "BUCKET" in f.remediation and "SYNTHETIC_ACCOUNT_ID" in f.remediation
    assert "arn:aws:s3:::phi-claims-prod/*" in fix.text and "--bucket phi-claims-prod" in fix.text
    assert f'["{SYNTH}"]' in fix.text and SYNTH2 not in fix.text   # the account the evidence names
    assert fix.unfilled == ()


def test_every_account_of_an_environment_fills_a_list_but_not_a_single_value():
    f = seg("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "phi-claims-prod")   # evidence names no account
    assert f'["{SYNTH}", "{SYNTH2}"]' in fixes.fill(f.remediation, f, ESTATE).text
    single = fixes.fill('"aws:PrincipalAccount": "SYNTHETIC_ACCOUNT_ID"', f, ESTATE)
    assert single.unfilled == ("SYNTHETIC_ACCOUNT_ID",)
    assert any(why and SYNTH in why and SYNTH2 in why for _, why in single.parts)   # the candidates are named


def test_key_ou_and_production_account_are_filled():
    key = f"arn:aws:kms:us-east-1:{PROD}:key/1234abcd-0000-4e5f-8a9b-0c1d2e3f4a5b"
    f = catalogue.finding("KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", key, "FAIL", account=PROD, environment="production",
                          evidence={"granted_to": f"arn:aws:iam::{SYNTH}:role/x"})
    text = fixes.fill(f.remediation, f, ESTATE).text
    assert "--key-id 1234abcd-0000-4e5f-8a9b-0c1d2e3f4a5b" in text and "KEY_ID" not in text
    scp = catalogue.finding("SCP_NO_SYNTHETIC_PRODUCTION_DENY", f"arn:aws:organizations::100000000001:account/o-x/{SYNTH}",
                            "FAIL", account=SYNTH, environment="synthetic")
    fix = fixes.fill(scp.remediation, scp, ESTATE)
    assert "--target-id ou-syn" in fix.text and "ou-syn-child" not in fix.text   # the top synthetic OU
    assert f'["{PROD}"]' in fix.text
    assert fix.unfilled == ("POLICY_ID",)   # only create-policy knows it


def test_what_the_kit_cannot_know_stays_marked():
    f = seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod")
    fix = fixes.fill(f.remediation, f, ESTATE)
    assert "--bucket phi-archive-prod" in fix.text
    assert "KEY_ID" in fix.unfilled   # a key to choose: the bucket is not a key
    assert f"arn:aws:kms:us-east-1:{PROD}:key/KEY_ID" in fix.text   # region and account filled around it


def test_words_that_look_like_placeholders_are_left_alone():
    f = seg("S3_PRODUCTION_NO_SSE_KMS", "b")
    assert fixes.fill("SSE-KMS on BUCKETS and SNAP-enc of SNAP_X", f, ESTATE).text == "SSE-KMS on BUCKETS and SNAP-enc of SNAP_X"


def test_catalogue_placeholders_are_known():
    """Every placeholder-looking token of a remediation (ALL_CAPS with _ or an ALL-CAPS-NAME) is one
    the kit knows, so none is silently shown as if it were a value."""
    literal = {"IAM_UNUSED_GRANTS", "INCOMING_SSH_DISABLED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
               "SERVICE_CONTROL_POLICY", "SSE-KMS"}
    unknown = set()
    for meta in catalogue.load().values():
        for token in re.findall(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:[_-][A-Z][A-Z0-9]*)+(?![A-Za-z0-9_])", meta.remediation or ""):
            if token not in fixes.PLACEHOLDERS and token not in literal:
                unknown.add((meta.id, token))
    assert not unknown, sorted(unknown)


def test_root_causes_group_one_check_by_its_concrete_fix():
    items = [seg("S3_PRODUCTION_NO_SSE_KMS", b) for b in ("a", "b")] + [
        catalogue.finding("IAM_UNUSED_GRANTS", f"arn:aws:iam::{SYNTH}:role/r{i}", "FAIL") for i in range(5)] + [
        seg("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "phi", severity="critical")]
    causes = fixes.root_causes(items, ESTATE)
    assert [(c.check_id, len(c.findings), c.per_resource) for c in causes] == [
        ("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", 1, False), ("S3_PRODUCTION_NO_SSE_KMS", 2, True),
        ("IAM_UNUSED_GRANTS", 5, False)]   # worst first; one fix per bucket, each with its name; one for all
    assert [c.key for c in causes] == ["rc1", "rc2", "rc3"]
    assert "--bucket a " in causes[1].fix.text   # shown for the first resource


def test_a_fix_that_differs_by_estate_value_is_another_root_cause():
    estate = fixes.Estate(accounts=((PROD, "production"), ("210987654322", "production"), (SYNTH, "synthetic")))
    items = [catalogue.finding("IAM_SYNTHETIC_REACHES_PRODUCTION", f"arn:aws:iam::{SYNTH}:role/r{i}", "FAIL",
                               evidence={"target": f"arn:aws:s3:::b{i}", "account": acct})
             for i, acct in enumerate((PROD, PROD, "210987654322"))]
    causes = fixes.root_causes(items, estate)
    assert sorted(len(c.findings) for c in causes) == [1, 2]   # the SCP names a different production account


def test_estate_is_read_from_the_snapshot(tmp_path):
    tables = tmp_path / "snapshot" / "tables"
    tables.mkdir(parents=True)
    pd.DataFrame([{"account": SYNTH, "environment": "synthetic"}]).to_parquet(tables / "org_accounts.parquet")
    pd.DataFrame([{"ou_id": "ou-a", "environment": "synthetic", "parent_id": "r-1"}]).to_parquet(tables / "org_units.parquet")
    estate = fixes.estate_of(tmp_path)
    assert estate.accounts_in("synthetic") == (SYNTH,) and estate.top_ous_in("synthetic") == ("ou-a",)
    assert fixes.estate_of(tmp_path / "nowhere") == fixes.Estate()


def test_exposure_fix_names_the_queue_topic_or_image():
    """EXTERNAL_ACCESS_TO_RESOURCE's fix fills the placeholder of the resource kind it found."""
    for resource, placeholder, value in (
            (f"arn:aws:sqs:us-east-1:{PROD}:claims-events", "QUEUE_URL",
             f"https://sqs.us-east-1.amazonaws.com/{PROD}/claims-events"),
            (f"arn:aws:sns:us-east-1:{PROD}:claims-ready", "TOPIC_ARN", f"arn:aws:sns:us-east-1:{PROD}:claims-ready"),
            ("arn:aws:ec2:us-east-1::image/ami-0abc", "AMI_ID", "ami-0abc")):
        f = catalogue.finding("EXTERNAL_ACCESS_TO_RESOURCE", resource, "FAIL", account=PROD, region="us-east-1",
                              environment="production")
        fix = fixes.fill(f.remediation, f, ESTATE)
        assert placeholder in f.remediation and value in fix.text and placeholder not in fix.unfilled
