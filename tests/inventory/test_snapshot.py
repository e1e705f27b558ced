"""Snapshot writer/reader and the runner's failure paths, without a server."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from synthaudit.config import parse_params
from synthaudit.inventory import Snapshot, SnapshotError
from synthaudit.inventory.base import ClientCache, paginate, parse_policy
from synthaudit.inventory.collect import Unit, _run_unit, assemble, collect_inventory
from synthaudit.inventory.collectors.glue import parse_jdbc
from synthaudit.inventory.collectors.stepfunctions import walk_states
from synthaudit.inventory.schema import TABLES
from synthaudit.inventory.snapshot import table_from_rows, write_snapshot

ACCT = "210987654321"
PARAMS = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": ACCT, "name": "prod"}],
                       "aws": {"regions": ["us-east-1"], "max_workers": 2},
                       "classification": {"production": {"accounts": [ACCT]}}})


def bucket_row(name: str, **extra) -> dict:
    return {"arn": f"arn:aws:s3:::{name}", "account": ACCT, "region": "us-east-1", "name": name, "tags": {},
            "environment": "production", "environment_rule": "account:account-list", **extra}


def test_rows_sorted_typed_and_json_stable():
    table = table_from_rows("s3_buckets", [bucket_row("b", policy={"b": 1, "a": [2]}, acl_public_read=0),
                                           bucket_row("a", block_public_acls=None)])
    assert table.column("name").to_pylist() == ["a", "b"]
    assert table.column("policy").to_pylist() == [None, '{"a":[2],"b":1}']
    assert table.column("acl_public_read").to_pylist() == [None, False]
    assert table.schema.names == list(TABLES["s3_buckets"].names)


def test_unknown_column_is_a_clear_error():
    with pytest.raises(ValueError, match=r"s3_buckets: columns \['polcy'\]"):
        table_from_rows("s3_buckets", [bucket_row("a", polcy={})])


def test_written_snapshot_reads_back_empty_tables_keep_columns(tmp_path):
    write_snapshot(tmp_path, {"s3_buckets": [bucket_row("a", policy={"Version": "2012-10-17"})]},
                   [{"account": ACCT, "region": "global", "service": "s3", "status": "assessed", "error": None,
                     "resources": 1}], {"ous": []}, {ACCT: {"RoleDetailList": []}},
                   [{"arn": "arn:aws:s3:::a", "account": ACCT, "region": "us-east-1", "service": "s3", "policy": {}}],
                   {"label": "t"})
    snap = Snapshot(tmp_path)
    assert snap.kinds() == sorted(TABLES)
    empty = snap.table("kms_keys")
    assert len(empty) == 0 and tuple(empty.columns) == TABLES["kms_keys"].names
    assert snap.table("s3_buckets", decode_json=True).policy[0] == {"Version": "2012-10-17"}
    assert snap.table("s3_buckets").block_public_acls.isna().all()  # unknown stays unknown, not False
    assert snap.raw_iam(ACCT) == {"RoleDetailList": []}
    assert snap.coverage().status.tolist() == ["assessed"]
    assert Snapshot(tmp_path.parent / tmp_path.name).meta() == {"label": "t"}


def test_reader_errors_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(SnapshotError, match="synthaudit inventory"):
        Snapshot(tmp_path)
    write_snapshot(tmp_path, {}, [], {}, {}, [], {})
    snap = Snapshot(tmp_path)
    with pytest.raises(SnapshotError, match="no table 'nope'"):
        snap.table("nope")
    with pytest.raises(SnapshotError, match="12-digit"):
        snap.raw_iam("../etc")
    with pytest.raises(SnapshotError, match="missing"):
        snap.raw_iam("123456789012")
    (tmp_path / "raw" / "organizations.json").write_text("{broken")
    with pytest.raises(SnapshotError, match="organizations.json: not valid JSON"):
        snap.organizations()


class StubFactory:
    """A SessionFactory stand-in: stubbed clients, or an assume-role failure."""

    def __init__(self, clients=None, error=None):
        self.clients, self.error = clients or {}, error

    def client(self, account, service, region):
        if self.error:
            raise self.error
        return self.clients[service]


def stubbed(service: str):
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_html_500_from_an_emulator_is_not_supported():
    kms, stub = stubbed("kms")
    stub.add_client_error("list_aliases", service_error_code="", http_status_code=500,
                          service_message="<!doctype html><title>500 Internal Server Error</title>")
    with stub:
        result = _run_unit(Unit("kms", ACCT, "us-east-1"), ClientCache(StubFactory({"kms": kms})), PARAMS)
    assert result.status == "not_supported"


def test_denied_list_call_is_access_denied_and_rows_are_not_partial():
    kms, stub = stubbed("kms")
    stub.add_response("list_aliases", {"Aliases": []})
    stub.add_client_error("list_keys", service_error_code="AccessDeniedException", http_status_code=400,
                          service_message="not authorized to perform kms:ListKeys")
    with stub:
        result = _run_unit(Unit("kms", ACCT, "us-east-1"), ClientCache(StubFactory({"kms": kms})), PARAMS)
    assert (result.status, result.output.count()) == ("access_denied", 0)
    assert "kms:ListKeys" in result.error


def test_failed_detail_read_is_recorded_not_fatal():
    kms, stub = stubbed("kms")
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    stub.add_response("list_aliases", {"Aliases": []})
    stub.add_response("list_keys", {"Keys": [{"KeyId": key_id, "KeyArn": f"arn:aws:kms:us-east-1:{ACCT}:key/{key_id}"}]})
    stub.add_response("describe_key", {"KeyMetadata": {"KeyId": key_id, "KeyManager": "CUSTOMER"}})
    stub.add_client_error("get_key_policy", service_error_code="AccessDeniedException", http_status_code=400)
    stub.add_response("list_resource_tags", {"Tags": [{"TagKey": "Environment", "TagValue": "prod"}]})
    with stub:
        result = _run_unit(Unit("kms", ACCT, "us-east-1"), ClientCache(StubFactory({"kms": kms})), PARAMS)
    assert result.status == "assessed"
    (row,) = result.output.rows["kms_keys"]
    assert row["policy"] is None and row["tags"] == {"Environment": "prod"}
    assert result.output.detail_errors == [f"kms:GetKeyPolicy {key_id}: access_denied: AccessDeniedException"]
    inventory = assemble(PARAMS, [result])
    assert inventory.coverage[0]["detail_errors"] == result.output.detail_errors


def test_assume_role_refused_gives_a_row_per_unit_and_a_complete_snapshot(tmp_path):
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}},
                         "AssumeRole")
    inventory = collect_inventory(PARAMS, StubFactory(error=denied))
    assert {c["status"] for c in inventory.coverage} == {"access_denied"}
    assert len(inventory.coverage) == 15  # every service once for one account and one region
    # params accounts are still listed and classified though Organizations could not be read
    (acct,) = inventory.tables["org_accounts"]
    assert (acct["environment"], acct["in_organization"]) == ("production", False)


def test_paginate_follows_tokens_without_a_paginator():
    class Pages:
        calls = []

        def can_paginate(self, name):
            return False

        def describe_things(self, **kwargs):
            self.calls.append(kwargs)
            return {"Things": [len(self.calls)], **({"NextToken": "t"} if len(self.calls) < 3 else {})}

    client = Pages()
    assert list(paginate(client, "describe_things", "Things", Filter="x")) == [1, 2, 3]
    assert client.calls[1] == {"Filter": "x", "NextToken": "t"}


def test_value_helpers():
    assert parse_policy('{"a": 1}') == {"a": 1}
    assert parse_policy("%7B%22a%22%3A%201%7D") == {"a": 1}
    assert parse_policy("") is None
    assert parse_jdbc("jdbc:postgresql://db.example.org:5432/x") == ("db.example.org", 5432)
    assert parse_jdbc("jdbc:sqlserver://sql.example.org:1433;databaseName=x") == ("sql.example.org", 1433)
    assert parse_jdbc("jdbc:oracle:thin:@//ora.example.org:1521/svc") == ("ora.example.org", 1521)
    assert parse_jdbc("jdbc:mysql://user@my.example.org/db") == ("my.example.org", None)
    names, resources = walk_states({"States": {"M": {"Type": "Map", "ItemProcessor": {"States": {
        "T": {"Type": "Task", "Resource": "arn:x"}}}}}})
    assert (names, resources) == (["M", "T"], ["arn:x"])
    assert json.loads(json.dumps(names)) == names


def test_readme_documents_every_table_and_column():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "lib" / "synthaudit" / "inventory" / "README.md").read_text()
    for kind, table in TABLES.items():
        section = readme.split(f"### `{kind}` (", 1)
        assert len(section) == 2, f"README lacks table {kind}"
        body = section[1].split("### ", 1)[0]
        for column in table.names:
            assert f"| `{column}` |" in body, f"README lacks {kind}.{column}"


def test_raw_xml_error_bodies_are_made_readable():
    from synthaudit.inventory.collect import tidy_error

    body = '403: <?xml version="1.0"?><ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aw'
    assert tidy_error(body) == "AccessDenied: User: arn:aw"
    assert tidy_error("AccessDenied: plain") == "AccessDenied: plain"


def test_policy_attached_only_to_the_audit_role_is_the_kits_own():
    from synthaudit.inventory.base import Output
    from synthaudit.inventory.collect import UnitResult

    params = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": ACCT, "name": "prod"}],
                           "classification": {"production": {"accounts": [ACCT]},
                                              "synthetic": {"name_patterns": ["*synth*"]}}})
    out = Output()
    role = {"account": ACCT, "region": "global", "tags": {}}
    out.add("iam_roles", {**role, "arn": f"arn:aws:iam::{ACCT}:role/SynthauditReadOnly", "name": "SynthauditReadOnly",
                          "attached_policy_arns": [f"arn:aws:iam::{ACCT}:policy/SynthauditReadOnlyPolicy",
                                                   f"arn:aws:iam::{ACCT}:policy/synth-both"]})
    out.add("iam_roles", {**role, "arn": f"arn:aws:iam::{ACCT}:role/etl", "name": "etl",
                          "attached_policy_arns": [f"arn:aws:iam::{ACCT}:policy/synth-both"]})
    for name in ("SynthauditReadOnlyPolicy", "synth-both"):
        out.add("iam_policies", {**role, "arn": f"arn:aws:iam::{ACCT}:policy/{name}", "name": name})
    inventory = assemble(params, [UnitResult(Unit("iam", ACCT, "global"), "assessed", None, out)])
    verdicts = {r["name"]: (r["environment"], r["environment_rule"]) for r in inventory.tables["iam_policies"]}
    assert verdicts == {"SynthauditReadOnlyPolicy": ("shared", "audit-role-policy"),
                        "synth-both": ("synthetic", "name:*synth*")}
    roles = {r["name"]: (r["environment"], r["is_audit_role"]) for r in inventory.tables["iam_roles"]}
    assert roles == {"SynthauditReadOnly": ("shared", True), "etl": ("production", False)}


def test_a_role_named_as_the_audit_role_that_can_write_is_analysed_like_any_principal():
    """Only the kit's own read-only role is left out: an admin role named as the audit role is not."""
    from synthaudit.inventory.base import Output
    from synthaudit.inventory.collect import UnitResult

    other = "310000000003"
    params = parse_params({"label": "t", "estate": "aws", "aws": {"audit_role_name": "OrganizationAccountAccessRole"},
                           "accounts": [{"id": ACCT, "name": "prod"}, {"id": other, "name": "synth"}],
                           "classification": {"production": {"accounts": [ACCT]}, "synthetic": {"accounts": [other]}}})
    out = Output()
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    read = f"arn:aws:iam::{other}:policy/audit-read"
    for account, policy in ((ACCT, admin), (other, read)):
        out.add("iam_roles", {"account": account, "region": "global", "tags": {}, "name": "OrganizationAccountAccessRole",
                              "arn": f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                              "attached_policy_arns": [policy], "inline_policies": {}})
    out.add("iam_policies", {"account": ACCT, "region": "global", "tags": {}, "arn": admin, "name": "AdministratorAccess",
                             "document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}})
    out.add("iam_policies", {"account": other, "region": "global", "tags": {}, "arn": read, "name": "audit-read",
                             "document": {"Statement": [{"Effect": "Allow", "Action": ["s3:List*", "ec2:Describe*"],
                                                         "Resource": "*"}]}})
    inventory = assemble(params, [UnitResult(Unit("iam", ACCT, "global"), "assessed", None, out)])
    roles = {r["account"]: r for r in inventory.tables["iam_roles"]}
    assert (roles[ACCT]["is_audit_role"], roles[ACCT]["environment"]) == (False, "production")
    assert "* (every action)" in roles[ACCT]["audit_role_beyond_reading"]
    assert (roles[other]["is_audit_role"], roles[other]["environment"], roles[other]["audit_role_beyond_reading"]) == (
        True, "shared", [])
