"""Properties of the evaluator that must hold for every policy, not just the examples."""
import fnmatch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ACCT, ROLE, stmt, store
from synthaudit.iam.actions import database
from synthaudit.iam.matching import statement_matches_action
from synthaudit.iam.policy import parse_statement

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "kms:Decrypt", "kms:Encrypt",
           "iam:PassRole", "iam:CreateUser", "ec2:RunInstances", "ec2:DescribeInstances"]
PATTERNS = ACTIONS + ["s3:*", "s3:Get*", "s3:*Object", "kms:*", "iam:*", "ec2:Describe*", "*", "s3:?etObject"]
RESOURCES = ["arn:aws:s3:::data/a.csv", "arn:aws:s3:::data", "arn:aws:s3:::phi/x",
             f"arn:aws:kms:us-east-1:{ACCT}:key/k1", f"arn:aws:iam::{ACCT}:role/other", "*"]
RES_PATTERNS = ["*", "arn:aws:s3:::data/*", "arn:aws:s3:::data", "arn:aws:s3:::*", "arn:aws:s3:::phi/*",
                f"arn:aws:kms:*:{ACCT}:key/*", f"arn:aws:iam::{ACCT}:role/*"]
CONDITIONS = [None, {"StringEquals": {"aws:PrincipalTag/Team": "data"}},
              {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"Bool": {"aws:SecureTransport": "false"}}]

statement = st.builds(
    lambda effect, acts, not_action, res, cond: {
        "Effect": effect, ("NotAction" if not_action else "Action"): acts, "Resource": res,
        **({"Condition": cond} if cond else {})},
    st.sampled_from(["Allow", "Deny"]), st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3),
    st.booleans(), st.lists(st.sampled_from(RES_PATTERNS), min_size=1, max_size=2), st.sampled_from(CONDITIONS))
allow_statement = statement.map(lambda s: {**s, "Effect": "Allow"})
request = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES))
RANK = {"implicit_deny": 0, "conditional": 1, "allowed": 2}
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.lists(statement, max_size=4), request)
def test_explicit_deny_always_wins(statements, req):
    action, resource = req
    s = store(statements + [stmt("Deny", action, resource if resource != "*" else "*")], tags={"Team": "data"})
    assert s.evaluate(ROLE, action, resource).outcome == "denied"


@FAST
@given(st.lists(statement, max_size=4), allow_statement, request)
def test_adding_an_allow_never_removes_access(statements, extra, req):
    action, resource = req
    before = store(statements, tags={"Team": "data"}).evaluate(ROLE, action, resource).outcome
    after = store(statements + [extra], tags={"Team": "data"}).evaluate(ROLE, action, resource).outcome
    if before == "denied":
        assert after == "denied"
    else:
        assert after == "denied" or RANK[after] >= RANK[before]
        assert after != "denied"  # an allow cannot create a deny


@FAST
@given(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=4), st.sampled_from(ACTIONS + ["sqs:SendMessage"]))
def test_not_action_is_the_complement_of_action(patterns, action):
    pos = parse_statement({"Effect": "Allow", "Action": patterns, "Resource": "*"}, policy="p", kind="identity", index=0)
    neg = parse_statement({"Effect": "Allow", "NotAction": patterns, "Resource": "*"}, policy="p", kind="identity", index=0)
    assert statement_matches_action(neg, action) == (not statement_matches_action(pos, action))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_wildcard_expansion_agrees_with_policy_sentry(data):
    from policy_sentry.querying.actions import get_actions_for_service

    db = database()
    action = data.draw(st.sampled_from(db.names_lower))
    service, name = action.split(":")
    cut = data.draw(st.integers(min_value=0, max_value=len(name)))
    pattern = f"{service}:{name[:cut]}*"
    theirs = {a.lower() for a in get_actions_for_service(service) if fnmatch.fnmatchcase(a.lower(), pattern.lower())}
    ours = {a.lower() for a in db.expand(pattern)}
    assert ours == theirs
    assert action in ours


@FAST
@given(st.lists(statement, min_size=1, max_size=4))
def test_bulk_reachability_agrees_with_single_evaluation(statements):
    s = store(statements, tags={"Team": "data"})
    resources = ["arn:aws:s3:::data", f"arn:aws:kms:us-east-1:{ACCT}:key/k1"]
    actions = ["s3:GetObject", "s3:ListBucket", "kms:Decrypt"]
    df = s.reachability([ROLE], resources, actions)
    bulk = {(r.resource, r.action): r.outcome for r in df.itertuples()}
    for resource in resources:
        for action in actions:
            if action.startswith("s3") != resource.startswith("arn:aws:s3"):
                continue
            target = resource + "/probe" if action == "s3:GetObject" else resource
            single = s.evaluate(ROLE, action, target).outcome
            got = bulk.get((resource, action), "implicit_deny")
            if action == "s3:GetObject":
                # bulk asks "some object in the bucket": at least as permissive as one object
                assert RANK.get(got, 0) >= RANK.get(single, 0) or single == "denied"
            else:
                assert got == (single if single in ("allowed", "conditional") else "implicit_deny")


# Rows that every principal sees alike are evaluated once and spread back: the table must be the
# one evaluating every row gives, and agree with evaluate() cell by cell.
TARGET_ROLES = [f"arn:aws:iam::{ACCT}:role/{n}" for n in ("data-a", "data-b", "ops-a", "ops-b", "data", "data-c")]
ROLE_TAGS = {"data-a": "data", "data-b": "data", "ops-a": "ops", "ops-b": "ops", "data": "data", "data-c": "ops"}
ROLE_PATTERNS = ["*", f"arn:aws:iam::{ACCT}:role/data-*", f"arn:aws:iam::{ACCT}:role/*-a",
                 f"arn:aws:iam::{ACCT}:role/${{aws:PrincipalTag/Team}}-*", f"arn:aws:iam::{ACCT}:role/data",
                 f"arn:aws:iam::{ACCT}:role/${{aws:PrincipalTag/Missing}}"]
ROLE_CONDITIONS = [None, {"StringEquals": {"aws:ResourceTag/Team": "data"}},
                   {"StringEquals": {"aws:PrincipalTag/Team": "data"}}, {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}]
IAM_ACTIONS = ["iam:PassRole", "iam:AttachRolePolicy", "iam:GetRole"]
role_statement = st.builds(
    lambda effect, acts, res, cond: {"Effect": effect, "Action": acts, "Resource": res,
                                     **({"Condition": cond} if cond else {})},
    st.sampled_from(["Allow", "Allow", "Deny"]),
    st.lists(st.sampled_from(IAM_ACTIONS + ["iam:*", "iam:Get*"]), min_size=1, max_size=2),
    st.lists(st.sampled_from(ROLE_PATTERNS), min_size=1, max_size=2), st.sampled_from(ROLE_CONDITIONS))


@FAST
@given(st.lists(role_statement, min_size=1, max_size=4), st.sampled_from(["data", "ops"]))
def test_rows_seen_alike_are_merged_without_changing_the_table(statements, team):
    import json

    import pandas as pd

    from synthaudit.iam import reachability as bulk

    rows = [{"arn": a, "account": ACCT, "environment": "production",
             "tags": json.dumps({"Team": ROLE_TAGS[a.rsplit("/", 1)[1]]})} for a in TARGET_ROLES]
    s = store(statements, tags={"Team": team}, resources=rows)
    merged = s.reachability([ROLE], TARGET_ROLES, IAM_ACTIONS)
    merged_all = s.reachability([ROLE], TARGET_ROLES, IAM_ACTIONS, include_denied=True)
    original = bulk._row_classes
    bulk._row_classes = lambda *args: None          # every row evaluated on its own
    try:
        unmerged = s.reachability([ROLE], TARGET_ROLES, IAM_ACTIONS)
        unmerged_all = s.reachability([ROLE], TARGET_ROLES, IAM_ACTIONS, include_denied=True)
    finally:
        bulk._row_classes = original
    pd.testing.assert_frame_equal(merged, unmerged)
    pd.testing.assert_frame_equal(merged_all, unmerged_all)
    assert len(merged_all) == len(TARGET_ROLES) * len(IAM_ACTIONS)
    got = {(r.resource, r.action): r.outcome for r in merged.itertuples()}
    for resource in TARGET_ROLES:
        for action in IAM_ACTIONS:
            single = s.evaluate(ROLE, action, resource).outcome
            assert got.get((resource, action), "implicit_deny") == (
                single if single in ("allowed", "conditional") else "implicit_deny")


def test_rows_merge_when_targets_match_alike():
    from synthaudit.iam import reachability as bulk
    from synthaudit.iam.reach_grid import Grid, Matcher

    s = store([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCT}:role/data-*"}])
    grid = Grid.build(TARGET_ROLES, {r: ["iam:PassRole"] for r in TARGET_ROLES}, ["iam:PassRole"])
    grid.prepare(s)
    groups = bulk._row_classes(s, grid, Matcher(grid, s), [s.principal(ROLE)], None)
    assert sorted(sorted(TARGET_ROLES[i].rsplit("/", 1)[1] for i in g) for g in groups) == [
        ["data", "ops-a", "ops-b"], ["data-a", "data-b", "data-c"]]
