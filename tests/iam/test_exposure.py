"""iam.exposure: who a resource policy admits from outside the organisation, conditions decided by
the condition model (not by the presence of a key)."""
from __future__ import annotations

import pytest

from synthaudit.errors import PolicyError
from synthaudit.iam.exposure import EVERYONE, KNOWN, OUTSIDE, Org, policy_grants

ORG = Org(frozenset({"111111111111", "222222222222"}), "o-ours")
PARTNER = "999988887777"


def _doc(principal, condition=None, effect="Allow", action="s3:GetObject", extra=()):
    stmt = {"Sid": "S", "Effect": effect, "Principal": principal, "Action": action, "Resource": "arn:aws:s3:::b/*"}
    if condition:
        stmt["Condition"] = condition
    return {"Statement": [stmt, *extra]}


def scopes(doc):
    return sorted((g.grantee, g.scope) for g in policy_grants(doc, "p", ORG))


@pytest.mark.parametrize("condition,admitted", [
    (None, True),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-ours"}}, False),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-theirs"}}, True),
    ({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-ours"}}, True),   # an anonymous caller has no org id
    ({"StringNotEquals": {"aws:PrincipalOrgID": "o-ours"}}, True),
    ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, False),               # decided: an outsider has no endpoint of ours
    ({"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}, True),             # decided: true when the key is absent
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, False),
    ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
    ({"StringEquals": {"aws:PrincipalAccount": ["111111111111"]}}, False),
    ({"StringEquals": {"aws:PrincipalAccount": [PARTNER]}}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, True),
])
def test_everyone_admitted_unless_a_condition_keeps_outsiders_out(condition, admitted):
    assert scopes(_doc("*", condition)) == ([("*", EVERYONE)] if admitted else [])


def test_named_accounts_inside_or_outside():
    assert scopes(_doc({"AWS": [f"arn:aws:iam::{PARTNER}:role/r", "111111111111"]})) == [
        ("111111111111", KNOWN), (PARTNER, OUTSIDE)]
    assert scopes(_doc({"Service": "cloudtrail.amazonaws.com"})) == []
    # the partner named, but only callers of our organisation allowed: nobody outside gets in
    assert scopes(_doc({"AWS": PARTNER}, {"StringEquals": {"aws:PrincipalOrgID": "o-ours"}})) == []


def test_a_deny_for_everyone_outside_fences_the_grant():
    fence = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
             "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-ours"}}}
    assert scopes(_doc("*", extra=(fence,))) == []
    narrow = {**fence, "Action": "s3:PutObject"}           # does not cover the grant's action
    assert scopes(_doc("*", extra=(narrow,))) == [("*", EVERYONE)]
    sometimes = {**fence, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # applies only sometimes
    assert scopes(_doc("*", extra=(sometimes,))) == [("*", EVERYONE)]


def test_not_principal_admits_everyone_and_bad_documents_raise():
    doc = {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "111111111111"}, "Action": "s3:*",
                          "Resource": "*"}]}
    assert scopes(doc) == [("*", EVERYONE)]
    with pytest.raises(PolicyError):
        policy_grants({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}, "p", ORG)


def test_open_conditions_travel_with_the_grant():
    [grant] = policy_grants(_doc({"AWS": PARTNER}, {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}),
                            "p", ORG)
    assert grant.conditions == ('StringEquals s3:x-amz-acl "bucket-owner-full-control"',)
    assert "if StringEquals s3:x-amz-acl" in grant.detail()
