"""synthaudit.arn: one parse rule, one writer; the odd ARNs AWS really has."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from synthaudit import arn
from synthaudit.arn import Arn

no_colon = st.text(st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), max_size=12)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(no_colon, no_colon, no_colon, no_colon, any_text)
def test_parse_of_format_is_identity(partition, service, region, account, resource):
    a = Arn(partition, service, region, account, resource)
    assert arn.parse(a.format()) == a
    assert str(a) == a.format()


@given(any_text)
def test_format_of_parse_is_identity_for_every_accepted_string(text):
    parsed = arn.parse(text)
    if parsed is None:
        assert not text.startswith("arn:") or text.count(":") < 5
    else:
        assert parsed.format() == text


@pytest.mark.parametrize("text, fields, rtype, rid", [
    ("arn:aws:s3:::phi-claims-prod", ("aws", "s3", "", "", "phi-claims-prod"), "", "phi-claims-prod"),
    ("arn:aws:s3:::b/k/with:colons", ("aws", "s3", "", "", "b/k/with:colons"), "", "b/k/with:colons"),
    ("arn:aws:iam::123456789012:role/a/b/name", ("aws", "iam", "", "123456789012", "role/a/b/name"),
     "role", "a/b/name"),
    ("arn:aws:iam::123456789012:root", ("aws", "iam", "", "123456789012", "root"), "", "root"),
    ("arn:aws:rds-db:us-east-1:123456789012:dbuser:db-ABCDEFGHIJ/alice",
     ("aws", "rds-db", "us-east-1", "123456789012", "dbuser:db-ABCDEFGHIJ/alice"), "dbuser", "db-ABCDEFGHIJ/alice"),
    ("arn:aws:lambda:eu-west-1:123456789012:function:name:alias",
     ("aws", "lambda", "eu-west-1", "123456789012", "function:name:alias"), "function", "name:alias"),
    ("arn:aws:organizations::111111111111:account/o-abc123/222222222222",
     ("aws", "organizations", "", "111111111111", "account/o-abc123/222222222222"), "account", "o-abc123/222222222222"),
    ("arn:aws-us-gov:iam::123456789012:user/ops", ("aws-us-gov", "iam", "", "123456789012", "user/ops"), "user", "ops"),
    ("arn:aws:ec2:us-east-1::snapshot/snap-0123", ("aws", "ec2", "us-east-1", "", "snapshot/snap-0123"),
     "snapshot", "snap-0123"),
    ("arn:aws:s3:::*", ("aws", "s3", "", "", "*"), "", "*"),
    ("arn:aws:kms:*:*:key/*", ("aws", "kms", "*", "*", "key/*"), "key", "*"),
    ("arn:*:*:*:*:*", ("*", "*", "*", "*", "*"), "", "*"),
])
def test_odd_arns(text, fields, rtype, rid):
    a = arn.parse(text)
    assert a is not None
    assert (a.partition, a.service, a.region, a.account, a.resource) == fields
    assert (a.resource_type, a.resource_id) == (rtype, rid)
    assert str(a) == text


@pytest.mark.parametrize("text", ["*", "123456789012", "arn:aws:iam::123", "arn:aws:s3::", "aws:s3:::b:c:d",
                                  "", None, 12, "ARN:aws:s3:::b"])
def test_not_an_arn_is_none(text):
    assert arn.parse(text) is None
    assert arn.account_of(text) == "" and arn.service_of(text) == "" and arn.region_of(text) == ""


def test_helpers_read_the_fields():
    role = arn.parse("arn:aws:iam::123456789012:role/service/a/b/gen")
    assert role.name == "gen"
    obj = arn.parse("arn:aws:s3:::bucket/path/to/key")
    assert (obj.bucket, obj.key) == ("bucket", "path/to/key")
    assert arn.parse("arn:aws:s3:::bucket").key == ""
    assert arn.account_of("arn:aws:kms:us-east-1:123456789012:key/k") == "123456789012"
    assert arn.region_of("arn:aws:kms:us-east-1:123456789012:key/k") == "us-east-1"
    assert arn.service_of("arn:aws:kms:us-east-1:123456789012:key/k") == "kms"


def test_builders_write_what_aws_writes():
    assert arn.s3_bucket("b") == "arn:aws:s3:::b"
    assert arn.s3_object("b", "k/x:y") == "arn:aws:s3:::b/k/x:y"
    assert arn.iam_role("123456789012", "a/b/name") == "arn:aws:iam::123456789012:role/a/b/name"
    assert arn.iam_root("123456789012", partition="aws-us-gov") == "arn:aws-us-gov:iam::123456789012:root"
    assert arn.organizations_account("111", "o-x", "222") == "arn:aws:organizations::111:account/o-x/222"
    assert arn.kms_key("us-east-1", "123", "k-1") == "arn:aws:kms:us-east-1:123:key/k-1"
    assert arn.rds_db_user("us-east-1", "123", "*/*") == "arn:aws:rds-db:us-east-1:123:dbuser:*/*"
    assert arn.build("ec2", "us-east-1", "", "image/ami-1") == "arn:aws:ec2:us-east-1::image/ami-1"
