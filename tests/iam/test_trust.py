"""Trust statements decided with their conditions, one role at a time."""
import pytest

from synthaudit.iam import PolicyStore
from synthaudit.iam.trust import CLOSED, NARROWED, OPEN, role_issues

ACCT, PARTNER, MEMBER = "111122223333", "999988887777", "444455556666"
ORG = {"organization": {"Id": "o-mine", "MasterAccountId": MEMBER}, "accounts": [{"Id": MEMBER}]}


def _issues(trust_principal, condition=None, organizations=ORG):
    stmt = {"Effect": "Allow", "Principal": {"AWS": trust_principal}, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    arn = f"arn:aws:iam::{ACCT}:role/r"
    details = {"RoleDetailList": [{"RoleName": "r", "Arn": arn, "Path": "/", "Tags": [], "RolePolicyList": [],
                                   "AttachedManagedPolicies": [],
                                   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [stmt]}}],
               "UserDetailList": [], "GroupDetailList": [], "Policies": []}
    store = PolicyStore.from_documents(details, organizations=organizations)
    return [(i.state, i.principal) for i in role_issues(store, store.principal(arn))]


def test_own_account_root_is_not_outside_the_organisation():
    # the organisation data does not list the role's own account: still not an outsider
    assert _issues(f"arn:aws:iam::{ACCT}:root") == []


@pytest.mark.parametrize("condition,state", [
    (None, OPEN),
    ({"StringEquals": {"sts:ExternalId": "x"}}, NARROWED),
    ({"StringEquals": {"aws:SourceIdentity": "alice"}}, NARROWED),
    ({"StringEquals": {"aws:PrincipalTag/team": "data"}}, NARROWED),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-mine"}}, CLOSED),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-partner"}}, NARROWED),   # another organisation: can hold
    ({"StringEquals": {"aws:PrincipalAccount": PARTNER}}, OPEN),         # the named account itself: holds
    ({"StringEquals": {"aws:PrincipalAccount": MEMBER}}, CLOSED),
])
def test_outside_account_with_conditions(condition, state):
    assert _issues(f"arn:aws:iam::{PARTNER}:root", condition) == [(state, f"arn:aws:iam::{PARTNER}:root")]


@pytest.mark.parametrize("condition,state", [
    (None, OPEN),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-mine"}}, CLOSED),
    ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{MEMBER}:role/*"}}, CLOSED),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deployer"}}, NARROWED),
])
def test_anyone_with_conditions(condition, state):
    assert _issues("*", condition) == [(state, "*")]
