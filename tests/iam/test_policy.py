"""Every policy shape AWS accepts parses; malformed ones name the policy and the statement."""
import json
import urllib.parse

import pytest

from synthaudit.iam.policy import PolicyError, parse_policy

ONE = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def test_statement_object_or_list_and_missing_version():
    a = parse_policy({"Statement": ONE}, "p", "identity")
    b = parse_policy({"Version": "2012-10-17", "Statement": [ONE]}, "p", "identity")
    assert a.statements[0].actions == b.statements[0].actions == ("s3:GetObject",)
    assert a.version is None and b.version == "2012-10-17"


def test_json_text_and_url_encoded_documents():
    text = json.dumps({"Statement": [ONE]})
    assert parse_policy(text, "p", "identity").statements[0].effect == "Allow"
    assert parse_policy(urllib.parse.quote(text), "p", "identity").statements[0].effect == "Allow"


@pytest.mark.parametrize("principal, expected", [
    ("*", (("*", "*"),)),
    ({"AWS": "*"}, (("AWS", "*"),)),
    ({"AWS": "123456789012"}, (("AWS", "123456789012"),)),
    ({"AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/r"]},
     (("AWS", "arn:aws:iam::123456789012:root"), ("AWS", "arn:aws:iam::123456789012:role/r"))),
    ({"Service": ["lambda.amazonaws.com"]}, (("Service", "lambda.amazonaws.com"),)),
    ({"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
     (("Federated", "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"),)),
    ({"CanonicalUser": "abc"}, (("CanonicalUser", "abc"),)),
])
def test_principal_forms(principal, expected):
    pol = parse_policy({"Statement": {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}},
                       "trust", "trust")
    assert pol.statements[0].principals == expected


def test_not_principal_not_action_not_resource():
    pol = parse_policy({"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"},
                                       "NotAction": "s3:Get*", "NotResource": ["arn:aws:s3:::a/*"]}]}, "b", "resource")
    s = pol.statements[0]
    assert s.not_principal and s.not_action and s.not_resource


def test_condition_values_normalised():
    pol = parse_policy({"Statement": [{**ONE, "Condition": {"Bool": {"aws:SecureTransport": False},
                                                            "NumericLessThan": {"s3:max-keys": 10}}}]}, "p", "identity")
    assert {c.values for c in pol.statements[0].conditions} == {("false",), ("10",)}


@pytest.mark.parametrize("document, message", [
    ({"Statement": [{"Sid": "S1", "Action": "s3:*", "Resource": "*"}]}, "statement S1: Effect"),
    ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "statement #0: needs exactly one of Action or NotAction"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}, "needs Resource or NotResource"),
    ({"Statement": [{"Effect": "Allow", "Action": "getobject", "Resource": "*"}]}, "not of the form service:Action"),
    ({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "empty list"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}]}, "must not name a Principal"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": "x"}]}, "Condition must be"),
    ({"Version": "2012-10-17"}, "has no Statement"),
    ("{not json", "not valid JSON"),
    (["a"], "must be a JSON object"),
])
def test_malformed_documents_name_policy_and_statement(document, message):
    with pytest.raises(PolicyError, match="policy my-policy") as err:
        parse_policy(document, "my-policy", "identity")
    assert message in str(err.value)


def test_resource_policy_without_principal_is_an_error():
    with pytest.raises(PolicyError, match="needs Principal"):
        parse_policy({"Statement": [ONE]}, "bucket", "resource")
