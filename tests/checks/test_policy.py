"""Static policy reading (checks/policy.py) matches actions exactly as the IAM engine does."""
from __future__ import annotations

import pytest

from synthaudit.checks.policy import public_statements, statement_allows_action
from synthaudit.iam.matching import action_matches


@pytest.mark.parametrize(("pattern", "action", "allowed"), [
    ("s3:GetObject", "s3:getobject", True),        # case-insensitive
    ("s3:Get*", "s3:GetObjectAcl", True),
    ("s3:?etObject", "s3:GetObject", True),
    ("*", "kms:Decrypt", True),
    ("s3:Put*", "s3:GetObject", False),
    # IAM has no character classes: "[" is a literal character. fnmatch (the matcher this
    # module used before) read "[G]" as a class and allowed s3:GetObject here.
    ("s3:[G]etObject", "s3:GetObject", False),
    ("s3:[G]etObject", "s3:[G]etObject", True),
    ("s3:Get[!X]bject", "s3:GetObject", False),
])
def test_action_patterns_mean_what_they_mean_to_iam(pattern, action, allowed):
    assert statement_allows_action({"Effect": "Allow", "Action": pattern}, action) is allowed
    assert action_matches(pattern, action) is allowed  # the engine agrees


def test_not_action_is_the_complement():
    stmt = {"Effect": "Allow", "NotAction": ["s3:[G]etObject", "kms:*"]}
    assert statement_allows_action(stmt, "s3:GetObject")   # "[G]" does not exclude it
    assert not statement_allows_action(stmt, "kms:Decrypt")


def test_a_bracket_pattern_does_not_make_a_bucket_public():
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:[P]utObject", "Resource": "*"}]}
    assert public_statements(policy, ["s3:PutObject"]) == []
    policy["Statement"][0]["Action"] = "s3:Put*"
    assert len(public_statements(policy, ["s3:PutObject"])) == 1
