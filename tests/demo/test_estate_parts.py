"""The estate's builders in the fast tier: the organisation, audit roles, planted IAM, KMS/S3 and
CloudTrail/Config parts built into moto's in-process mock_aws (no server), with the launcher's
fixed organisation ids. Each part plants what the committed answer key says it plants.

The bulk IAM, network and data-service parts need the whole estate; the slow tier builds that
once per session (tests/demo/test_estate.py proves it reproduces the answer key exactly)."""
from __future__ import annotations

import re

import pytest
from moto import mock_aws

from synthaudit.demo import estate_governance, estate_iam, estate_org, estate_storage, ids, moto_launcher
from synthaudit.demo.estate_core import Estate
from answer_key import load

PARTS = (estate_org.build_organisation, estate_iam.create_audit_roles, estate_iam.build_planted_iam,
         estate_storage.build_storage, estate_governance.build_governance)
RANDOM_ID = re.compile(r":key/[0-9a-f-]{36}$")  # KMS key ids come from moto's (here unseeded) random stream


@pytest.fixture(scope="module")
def built():
    """The parts, built once for the module; moto's patched internals are put back afterwards."""
    import moto.iam.models as iam_models
    from moto.organizations import models as org_models
    from moto.organizations import utils as org_utils

    with pytest.MonkeyPatch.context() as mp:
        for obj, name in ((iam_models, "aws_managed_policies_data"), (org_utils, "make_random_account_id"),
                          (org_utils, "make_random_org_id"), (org_models.FakeAccount, "__init__")):
            mp.setattr(obj, name, getattr(obj, name))
        mp.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            mp.delenv(key, raising=False)
        moto_launcher.patch_moto_ids()
        with mock_aws():
            estate = Estate.connect(None)  # no endpoint: boto3's own, which mock_aws intercepts
            for part in PARTS:
                part(estate)
            org = estate.client(ids.MANAGEMENT, "organizations")
            accounts = {a["Id"]: a["Name"] for a in org.list_accounts()["Accounts"]}
            yield estate, accounts


def test_the_launcher_pins_the_organisation_ids(built):
    estate, accounts = built
    assert {**ids.ACCOUNTS, **estate_org.EXTRA_ACCOUNTS}.items() <= accounts.items()
    org = estate.client(ids.MANAGEMENT, "organizations").describe_organization()["Organization"]
    assert org["Id"] == ids.ORG_ID


def test_each_part_plants_what_the_answer_key_says(built):
    estate, _ = built
    committed = {e.id: e.to_dict() for e in load("estate")}
    planted = [p.to_dict() for p in estate.planted]
    assert len(planted) >= 40
    for entry in planted:
        want = committed[entry["id"]]
        if RANDOM_ID.search(want["resource"]):
            entry, want = {**entry, "resource": None}, {**want, "resource": None}
        assert entry == want, entry["id"]


def test_the_parts_made_what_they_planted(built):
    estate, _ = built
    buckets = {b["Name"] for b in estate.client(ids.PRODUCTION, "s3").list_buckets()["Buckets"]}
    s3_planted = {p.resource.split(":::")[1] for p in estate.planted if p.resource.startswith("arn:aws:s3:::")}
    assert s3_planted and {b.split("/")[0] for b in s3_planted if b.startswith("phi-")} <= buckets
    role = estate.client(ids.PRODUCTION, "iam").get_role(RoleName=ids.AUDIT_ROLE)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ids.PRODUCTION}:role/{ids.AUDIT_ROLE}"
    trails = estate.client(ids.MANAGEMENT, "cloudtrail").describe_trails()["trailList"]
    assert trails
