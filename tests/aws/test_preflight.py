"""Preflight names what the run cannot reach, in seconds, before any kernel starts.
Discovery reads the organisation's ACTIVE accounts through its OU tree. moto in process."""
from __future__ import annotations

import time

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from synthaudit.aws.discovery import read_organization, resolve_accounts
from synthaudit.aws.preflight import run_preflight
from synthaudit.config import parse_params
from synthaudit.errors import DiscoveryError, PreflightError, SynthauditError

STARTING = "123456789012"


@pytest.fixture
def aws(isolated_aws):
    with mock_aws():
        yield


@pytest.fixture
def org(aws):
    """An organisation: root > Clinical > Production (nested), root > Research, one suspended-by-name sandbox."""
    client = boto3.client("organizations", region_name="us-east-1")
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]
    clinical = client.create_organizational_unit(ParentId=root, Name="Clinical")["OrganizationalUnit"]["Id"]
    prod_ou = client.create_organizational_unit(ParentId=clinical, Name="Production")["OrganizationalUnit"]["Id"]
    research = client.create_organizational_unit(ParentId=root, Name="Research")["OrganizationalUnit"]["Id"]
    ids = {}
    for name, parent in (("ehr-prod", prod_ou), ("synthetic-lab", research), ("sandbox-alice", research)):
        status = client.create_account(Email=f"{name}@example.org", AccountName=name)["CreateAccountStatus"]
        ids[name] = status["AccountId"]
        client.move_account(AccountId=ids[name], SourceParentId=root, DestinationParentId=parent)
    return ids


def params(**data):
    return parse_params({"label": "t", "estate": "aws", **data})


def test_discovery_reads_every_active_account_with_its_ou_path(org):
    found = read_organization(boto3.client("organizations", region_name="us-east-1"))
    by_name = {a.name: a for a in found.accounts}
    assert found.management_account == STARTING
    assert by_name["ehr-prod"].ou_names == ("Clinical", "Production")
    assert {a.state for a in found.accounts} == {"ACTIVE"}
    assert set(org.values()) | {STARTING} == {a.id for a in found.accounts}


def test_include_by_nested_ou_and_exclude_by_name(org):
    found = read_organization(boto3.client("organizations", region_name="us-east-1"))
    p = params(discovery={"include": {"ous": ["Clinical", "Research"]}, "exclude": {"name_patterns": ["sandbox-*"]}})
    resolved = resolve_accounts(p, found)
    assert {a.id for a in resolved.accounts} == {org["ehr-prod"], org["synthetic-lab"]}
    assert resolved.organization_id == found.id and resolved.management_account == STARTING


def test_preflight_discovers_and_reads_each_account(org):
    resolved, report = run_preflight(params(aws={"regions": ["us-east-1"]}))
    assert {c.account for c in report.accounts} == set(org.values()) | {STARTING}
    assert all(c.ok for c in report.accounts)
    starting = next(c for c in report.accounts if c.account == STARTING)
    assert "directly" in starting.access
    assert len(resolved.accounts) == 4 and report.organization == resolved.organization_id


def _fails_fast(p, match: str) -> SynthauditError:
    start = time.monotonic()
    with pytest.raises(SynthauditError, match=match) as err:
        run_preflight(p)
    assert time.monotonic() - start < 30, "preflight must answer in seconds"
    return err.value


def test_unreachable_endpoint_is_named(aws):
    err = _fails_fast(params(accounts=[{"id": "210987654321", "name": "p"}],
                             aws={"endpoint_url": "http://127.0.0.1:9"}), "127.0.0.1:9 is not reachable")
    assert isinstance(err, PreflightError) and "aws.endpoint_url" in str(err)


def test_missing_profile_is_named(aws):
    _fails_fast(params(accounts=[{"id": "210987654321", "name": "p"}], aws={"profile": "no-such-profile"}),
                "aws.profile 'no-such-profile' is not in the AWS config files")


def test_role_that_cannot_be_assumed_names_account_role_and_aws_error(aws, monkeypatch):
    denied = {"Error": {"Code": "AccessDenied", "Message": "not authorized to perform: sts:AssumeRole"}}

    def refuse(params, **_):  # AWS's answer when the role's trust policy does not name the caller
        if params["RoleArn"].startswith("arn:aws:iam::310000000003:"):
            raise ClientError(denied, "AssumeRole")

    real_session = boto3.Session

    def session_with_refusal(*args, **kwargs):
        s = real_session(*args, **kwargs)
        s.events.register("provide-client-params.sts.AssumeRole", refuse)
        return s

    monkeypatch.setattr(boto3, "Session", session_with_refusal)
    p = params(accounts=[{"id": "210987654321", "name": "p"}, {"id": "310000000003", "name": "s"}])
    err = _fails_fast(p, "account 310000000003: cannot be read through role "
                         "arn:aws:iam::310000000003:role/SynthauditReadOnly")
    assert "AccessDenied: not authorized" in str(err) and "210987654321" not in str(err)
    resolved, report = run_preflight(p, keep_going=True)
    assert report.unreadable == ("310000000003",)
    assert [a.id for a in resolved.accounts] == ["210987654321", "310000000003"]  # kept: inventory records why


def test_listed_account_not_in_the_organisation(org):
    p = params(accounts=[{"id": org["ehr-prod"], "name": "ehr"}, {"id": "999999999999", "name": "typo"}],
               discovery={"enabled": True})
    _fails_fast(p, "account 999999999999 \\(typo\\) is listed in params but is not in organisation o-")


def test_organizations_not_readable(aws):
    err = _fails_fast(params(), "AWS Organizations is not readable with the starting credentials")
    assert isinstance(err, DiscoveryError) and "AWSOrganizationsNotInUseException" in str(err)


def test_region_not_enabled(aws):
    _fails_fast(params(accounts=[{"id": "210987654321", "name": "p"}], aws={"regions": ["us-east-1", "xx-nowhere-1"]}),
                "region xx-nowhere-1 \\(aws.regions\\) is not enabled")


def test_init_organization_writes_discovering_params(org, tmp_path):
    from synthaudit.cli import main
    from synthaudit.config import load_params

    assert main(["init", str(tmp_path / "ws"), "--organization", "--label", "acme"]) == 0
    params = load_params(tmp_path / "ws" / "params" / "acme.yaml")
    assert params.discovers_accounts and params.organization_id.startswith("o-")
    assert params.management_account == STARTING
    text = (tmp_path / "ws" / "params" / "acme.yaml").read_text()
    assert len(params.classification.production.ous) == 2 and "# Clinical, Production" in text  # by name
    assert len(params.classification.synthetic.ous) == 0 and "Research (ou-" in text  # left for the analyst


def test_init_organization_without_organizations_exits_2(aws, tmp_path, capsys):
    from synthaudit.cli import main

    assert main(["init", str(tmp_path / "ws"), "--organization"]) == 2
    assert "AWS Organizations is not readable" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()
