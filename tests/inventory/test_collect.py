"""Denying the audit role one service in one account yields access_denied for exactly
that (account, region, service) and a completed inventory for everything else.

moto enforces IAM identity policies once ``/moto-api/reset-auth`` is POSTed (the
server-mode form of INITIAL_NO_AUTH_ACTION_COUNT). Under enforcement moto also
rejects some calls for reasons of its own (in moto 5.2, Lambda answers
SignatureDoesNotMatch to every assumed-role request), so the test compares two
runs under enforcement, before and after the Deny is attached: the coverage
rows that change must be exactly the denied one.
"""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

from synthaudit.aws.session import SessionFactory
from synthaudit.config import parse_params
from synthaudit.inventory.collect import collect_inventory

from . import seed
from .seed import PROD, SYNTH, TOOLING

pytestmark = pytest.mark.slow
DENY_KMS = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "kms:*", "Resource": "*"}]}


def enforce_iam(endpoint: str, on: bool = True) -> None:
    """Switch moto's IAM enforcement on (after 0 more unchecked calls) or off."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"0" if on else b"inf", method="POST",
                                     headers={"Content-Type": "text/plain"})
    assert json.loads(urllib.request.urlopen(request, timeout=10).read())["status"] == "ok"


def statuses(inventory) -> dict[tuple[str, str, str], str]:
    return {(c["account"], c["region"], c["service"]): c["status"] for c in inventory.coverage}


def test_deny_one_service_in_one_account(moto_server, monkeypatch):
    ep = moto_server.endpoint_url
    seed.seed_audit_roles(ep)
    for acct in (seed.MGMT, PROD, SYNTH):  # this test is about one deny, not the role's grants: allow all first
        seed.client(ep, acct, "iam").put_role_policy(RoleName="SynthauditReadOnly", PolicyName="allow-all",
                                                     PolicyDocument=json.dumps(seed.READ_ALL))
    for acct in (PROD, SYNTH):
        seed.client(ep, acct, "kms").create_key(Description=f"key in {acct}")
        seed.client(ep, acct, "s3").create_bucket(Bucket=f"bucket-{acct}")
    tooling = seed.client(ep, TOOLING, "iam")
    tooling.create_user(UserName="auditor")
    tooling.put_user_policy(UserName="auditor", PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    key = tooling.create_access_key(UserName="auditor")["AccessKey"]
    enforce_iam(ep)
    monkeypatch.setitem(os.environ, "AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setitem(os.environ, "AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    params = parse_params(seed.params_dict())

    before = collect_inventory(params, SessionFactory(params))
    assert statuses(before)[(PROD, "us-east-1", "kms")] == "assessed"

    enforce_iam(ep, on=False)  # the seeding identity is not a real IAM principal
    seed.client(ep, PROD, "iam").put_role_policy(RoleName="SynthauditReadOnly", PolicyName="deny-kms",
                                                 PolicyDocument=json.dumps(DENY_KMS))
    enforce_iam(ep)
    after = collect_inventory(params, SessionFactory(params))

    changed = {unit: (status, statuses(after)[unit]) for unit, status in statuses(before).items()
               if statuses(after)[unit] != status}
    assert changed == {(PROD, "us-east-1", "kms"): ("assessed", "access_denied")}
    denied = next(c for c in after.coverage if (c["account"], c["service"]) == (PROD, "kms"))
    assert "AccessDenied" in denied["error"] and denied["resources"] == 0
    # the inventory completed: the twin account's keys and the denied account's other services are there
    assert {r["account"] for r in after.tables["kms_keys"]} == {SYNTH}
    assert {r["name"] for r in after.tables["s3_buckets"]} == {f"bucket-{PROD}", f"bucket-{SYNTH}"}
    assert statuses(after)[(PROD, "global", "iam")] == "assessed"
