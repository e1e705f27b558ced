"""How the kit reads each account: starting credentials in their own account, per-account
profile or role, ExternalId; moto in process (no server), so this is fast-tier."""
from __future__ import annotations

import pytest
from moto import mock_aws

from synthaudit.aws.session import SessionFactory
from synthaudit.config import parse_params

STARTING = "123456789012"  # the account moto gives the default test credentials


@pytest.fixture
def aws(isolated_aws):
    isolated_aws.write_text("[profile lab-sso]\naws_access_key_id = lab\naws_secret_access_key = lab\nregion = us-east-1\n")
    with mock_aws():
        yield


def factory(*accounts: dict, **aws: object) -> SessionFactory:
    return SessionFactory(parse_params({"label": "t", "estate": "aws", "accounts": list(accounts), "aws": aws}))


def assumed(arn: str) -> str | None:
    """The role name of an assumed-role ARN, None for anything else."""
    return arn.split("/")[1] if ":assumed-role/" in arn else None


def test_starting_account_is_read_with_the_starting_credentials(aws):
    f = factory({"id": STARTING, "name": "management"}, {"id": "210987654321", "name": "prod"})
    assert f.starting_account == STARTING
    assert assumed(f.caller_identity(STARTING)["Arn"]) is None
    assert "directly" in f.access_path(STARTING)
    assert assumed(f.caller_identity("210987654321")["Arn"]) == "SynthauditReadOnly"


def test_per_account_role_overrides_the_audit_role(aws):
    role = "arn:aws:iam::210987654321:role/PartnerAudit"
    f = factory({"id": "210987654321", "name": "prod", "role_arn": role, "external_id": "x-1"})
    assert assumed(f.caller_identity("210987654321")["Arn"]) == "PartnerAudit"
    assert f.access_path("210987654321").startswith(f"role {role}")


def test_external_id_is_sent_per_account_else_the_default(aws):
    sent: list[str | None] = []
    f = factory({"id": "210987654321", "name": "a", "external_id": "mine"}, {"id": "310000000003", "name": "b"},
                external_id="default-id")

    def record(params, **_):
        sent.append(params.get("ExternalId"))

    f.base.events.register("provide-client-params.sts.AssumeRole", record)
    f.session("210987654321")
    f.session("310000000003")
    assert sent == ["mine", "default-id"]


def test_per_account_profile_is_used_without_assuming(aws):
    f = factory({"id": "310000000003", "name": "lab", "profile": "lab-sso"})
    session = f.session("310000000003")
    assert session.get_credentials().access_key == "lab"
    assert f.access_path("310000000003") == "profile lab-sso"


def test_profile_with_role_assumes_from_the_profile(aws):
    f = factory({"id": "310000000003", "name": "lab", "profile": "lab-sso",
                 "role_arn": "arn:aws:iam::310000000003:role/LabAudit"})
    assert assumed(f.caller_identity("310000000003")["Arn"]) == "LabAudit"
