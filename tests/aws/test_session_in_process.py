"""SessionFactory in the fast tier: moto's in-process mock_aws instead of a server (the same
assertions as test_session.py's server tests, which stay in the slow tier for the HTTP path)."""
from __future__ import annotations

import pytest
from moto import mock_aws

from synthaudit.aws.guard import ReadOnlyViolation
from synthaudit.aws.session import SessionFactory
from synthaudit.config import parse_params

ACCOUNTS = ("210987654321", "310000000003")


@pytest.fixture
def params(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield parse_params({"label": "t", "estate": "aws", "aws": {"regions": ["us-east-1"]},
                            "accounts": [{"id": a, "name": f"a{a[0]}"} for a in ACCOUNTS]})


def test_assumes_the_audit_role_in_each_account_and_caches_the_session(params):
    factory = SessionFactory(params)
    assert factory.endpoint_url is None
    for account in ACCOUNTS:
        ident = factory.caller_identity(account)
        assert ident["Account"] == account
        assert ident["Arn"].endswith("assumed-role/SynthauditReadOnly/synthaudit-audit")
    assert factory.session(ACCOUNTS[0]) is factory.session(ACCOUNTS[0])


def test_every_session_is_guarded_and_extra_allowed_widens_only_its_factory(params):
    reader, writer = SessionFactory(params), SessionFactory(params, extra_allowed={("s3", "CreateBucket")})
    with pytest.raises(ReadOnlyViolation):
        reader.client(ACCOUNTS[0], "s3").create_bucket(Bucket="should-not-exist")
    with pytest.raises(ReadOnlyViolation):
        reader.base_client("iam").create_user(UserName="intruder")
    writer.client(ACCOUNTS[0], "s3").create_bucket(Bucket="allowed-once")
    with pytest.raises(ReadOnlyViolation):
        writer.client(ACCOUNTS[0], "s3").delete_bucket(Bucket="allowed-once")
    assert [b["Name"] for b in reader.client(ACCOUNTS[0], "s3").list_buckets()["Buckets"]] == ["allowed-once"]
