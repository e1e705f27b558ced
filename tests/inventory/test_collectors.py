"""Collectors against a moto server seeded with one of every resource kind."""
from __future__ import annotations

import json

import pytest
import yaml

from synthaudit.aws.session import SessionFactory
from synthaudit.cli import main
from synthaudit.config import parse_params
from synthaudit.inventory import Snapshot
from synthaudit.inventory.collect import CallCounter, run_inventory
from synthaudit.inventory.schema import TABLES
from . import seed
from .seed import MGMT, PROD, SYNTH

pytestmark = pytest.mark.slow
MANY_JOBS = 105  # moto pages Glue GetJobs at 100


@pytest.fixture(scope="module")
def estate(moto_server):
    ep = moto_server.endpoint_url
    org = seed.seed_organization(ep)
    seed.seed_audit_roles(ep)
    prod = seed.seed_production(ep)
    synth = seed.seed_synthetic(ep, prod["snapshot"])
    glue = seed.client(ep, MGMT, "glue")
    for i in range(MANY_JOBS):
        glue.create_job(Name=f"job-{i:03d}", Role="etl", Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"})
    return {"org": org, "prod": prod, "synth": synth}


@pytest.fixture(scope="module")
def params():
    return parse_params(seed.params_dict())


@pytest.fixture(scope="module")
def counter() -> CallCounter:
    return CallCounter()


@pytest.fixture(scope="module")
def snap(estate, params, counter, tmp_path_factory) -> Snapshot:
    out = tmp_path_factory.mktemp("run") / "snapshot"
    run_inventory(params, SessionFactory(params), out, counter)
    return Snapshot(out)


def rows(snap: Snapshot, kind: str, **where) -> list[dict]:
    frame = snap.table(kind, decode_json=True)
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [r for r in records if all(r.get(k) == v for k, v in where.items())]


def one(snap: Snapshot, kind: str, **where) -> dict:
    found = rows(snap, kind, **where)
    assert len(found) == 1, f"{kind} {where}: {len(found)} rows"
    return found[0]


def test_every_table_written_with_stable_columns(snap):
    assert set(snap.kinds()) == set(TABLES)
    for kind, table in TABLES.items():
        assert tuple(snap.table(kind).columns) == table.names, kind


def test_coverage_all_assessed_one_row_per_unit(snap, params):
    cov = snap.coverage()
    assert set(cov.status) == {"assessed"}, cov[cov.status != "assessed"].to_dict("records")
    from synthaudit.inventory.collect import COLLECTORS

    scopes = [c.SCOPE for c in COLLECTORS]
    regional = (len(scopes) - scopes.count("organization") - scopes.count("account")) * len(params.account_ids())
    assert len(cov) == (scopes.count("organization") + scopes.count("account") * len(params.account_ids())
                        + regional * len(params.aws.regions))
    assert {"sqs", "sns"} <= set(cov.service)
    assert not cov.duplicated(["account", "region", "service"]).any()


def test_organizations_tree_scps_and_account_classification(snap, estate):
    org = snap.organizations()
    ous = {o["Name"]: o for o in org["ous"]}
    assert ous["Production"]["ParentId"] == ous["Workloads"]["Id"]
    scp = next(p for p in org["policies"] if p["Name"] == "deny-synthetic-to-prod")
    assert scp["Targets"] == [estate["org"]["workloads"]]
    assert scp["Content"]["Statement"][0]["Effect"] == "Deny"
    prod = one(snap, "org_accounts", account=PROD)
    assert prod["ou_path"] == ["Workloads", "Production"]
    assert (prod["environment"], prod["environment_rule"]) == ("production", "ou:Production")
    assert one(snap, "org_accounts", account=MGMT)["environment_rule"] == "account-list"
    assert one(snap, "org_policies", name="deny-synthetic-to-prod")["targets"] == [estate["org"]["workloads"]]


def test_iam_joined_by_arn_and_same_account_leak_is_synthetic(snap):
    etl = one(snap, "iam_roles", name="prod-etl")
    assert etl["attached_policy_arns"] == [f"arn:aws:iam::{PROD}:policy/phi-read", "arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert etl["instance_profile_arns"] == [f"arn:aws:iam::{PROD}:instance-profile/prod-etl-profile"]
    leak = one(snap, "iam_roles", name="data-generator")
    assert leak["account"] == PROD
    assert (leak["environment"], leak["environment_rule"]) == ("synthetic", "tag:Environment=synthetic")
    audit = rows(snap, "iam_roles", name="SynthauditReadOnly")
    assert {r["environment"] for r in audit} == {"shared"} and all(r["is_audit_role"] for r in audit)
    raw = snap.raw_iam(PROD)
    policy_arns = {p["Arn"] for p in raw["Policies"]}
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" in policy_arns  # every attached policy has its document
    doc = next(p for p in raw["Policies"] if p["Arn"].endswith("policy/phi-read"))["PolicyVersionList"][0]["Document"]
    assert doc["Statement"][0]["Action"] == "s3:GetObject"
    role = next(r for r in raw["RoleDetailList"] if r["RoleName"] == "prod-etl")
    assert isinstance(role["AssumeRolePolicyDocument"], dict)
    assert one(snap, "iam_users", name="alice")["group_names"] == ["analysts"]
    assert one(snap, "iam_instance_profiles", name="prod-etl-profile")["role_arns"] == [f"arn:aws:iam::{PROD}:role/prod-etl"]


def test_s3_policy_encryption_public_flags_and_key_sample(snap):
    phi = one(snap, "s3_buckets", name="phi-claims-prod")
    assert phi["policy"]["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{SYNTH}:role/synth-generator"
    assert (phi["sse_algorithm"], phi["kms_key_id"]) == ("aws:kms", "alias/phi")
    assert phi["block_public_acls"] is True and phi["acl_public_write"] is False
    assert phi["key_prefixes"] == ["prod/", "synthetic/"]
    # object-level data classes: tags of a bounded sample per top-level prefix, no keys
    assert phi["object_tag_sample"] == [
        {"prefix": "prod/", "objects": 2, "tags": [{"DataClass": "phi"}, {}]},
        {"prefix": "synthetic/", "objects": 1, "tags": [{"DataClass": "synthetic", "Stage": "test"}]}]
    assert phi["environment_rule"].startswith(("tag:DataClass=phi", "name:"))
    opened = one(snap, "s3_buckets", name="phi-open-prod")
    assert opened["acl_public_read"] is True and opened["acl_public_write"] is True
    assert opened["block_public_acls"] is None and opened["policy"] is None
    assert one(snap, "s3_buckets", name="synth-output-data")["environment"] == "synthetic"
    policies = {p["arn"]: p for p in snap.resource_policies()}
    assert policies["arn:aws:s3:::phi-claims-prod"]["service"] == "s3"


def test_kms_key_alias_policy_tags(snap, estate):
    key = one(snap, "kms_keys", arn=estate["prod"]["kms_key"])
    assert key["aliases"] == ["alias/phi"] and key["tags"] == {"Environment": "production"}
    assert key["policy"]["Statement"] and estate["prod"]["kms_key"] in {p["arn"] for p in snap.resource_policies()}
    assert one(snap, "kms_aliases", account=PROD, name="alias/phi")["target_key_arn"] == estate["prod"]["kms_key"]


def test_ec2_network_instances_volumes_snapshots(snap, estate):
    p, s = estate["prod"], estate["synth"]
    ref = one(snap, "ec2_security_group_rules", group_id=p["db_sg"], direction="ingress")
    assert (ref["peer_type"], ref["peer"], ref["from_port"], ref["peer_account"]) == ("group", p["app_sg"], 5432, PROD)
    ssh = one(snap, "ec2_security_group_rules", group_id=p["app_sg"], direction="ingress")
    assert (ssh["peer"], ssh["to_port"]) == ("0.0.0.0/0", 22)
    assert one(snap, "ec2_vpcs", vpc_id=p["vpc"])["name"] == "prod-vpc"
    ep = one(snap, "ec2_vpc_endpoints", endpoint_id=p["endpoint"])
    assert ep["policy"]["Statement"][0]["Action"] == "*"
    inst = one(snap, "ec2_instances", instance_id=p["instance"])
    assert inst["instance_profile_arn"] == f"arn:aws:iam::{PROD}:instance-profile/prod-etl-profile"
    shared = one(snap, "ec2_snapshots", snapshot_id=p["snapshot"])
    assert shared["shared_with"] == [SYNTH] and shared["public"] is False
    # as AWS writes it: no account in an EBS snapshot's ARN; the row's account is the owner
    assert (shared["arn"], shared["account"]) == (f"arn:aws:ec2:us-east-1::snapshot/{p['snapshot']}", PROD)
    restored = one(snap, "ec2_volumes", volume_id=s["volume"])
    assert restored["snapshot_id"] == s["snapshot"] and restored["account"] == SYNTH
    # lineage: a copy names its source (from CopySnapshot's description); an AMI the snapshots behind it
    copied = one(snap, "ec2_snapshots", snapshot_id=p["copied_snapshot"])
    assert (copied["source_snapshot_id"], copied["source_region"]) == (p["snapshot"], "us-east-1")
    assert one(snap, "ec2_snapshots", snapshot_id=p["snapshot"])["source_snapshot_id"] is None
    image = one(snap, "ec2_images", image_id=p["image"])
    assert image["account"] == PROD and len(image["block_device_snapshot_ids"]) == 1
    assert one(snap, "ec2_snapshots", snapshot_id=image["block_device_snapshot_ids"][0])["account"] == PROD


def test_glue_catalog_encryption_settings(snap):
    prod = one(snap, "glue_catalogs", account=PROD, region="us-east-1")
    assert (prod["encryption_at_rest"], prod["connection_password_encrypted"]) == ("SSE-KMS", True)
    assert prod["arn"] == f"arn:aws:glue:us-east-1:{PROD}:catalog" and prod["settings_error"] is None
    synth = one(snap, "glue_catalogs", account=SYNTH, region="us-east-1")
    assert (synth["encryption_at_rest"], synth["connection_password_encrypted"]) == ("DISABLED", False)


def test_rds_instances_clusters_snapshots_sharing(snap):
    db = one(snap, "rds_instances", name="phi-db-prod")
    assert db["engine"] == "postgres" and db["tags"] == {"Environment": "production"}
    assert one(snap, "rds_clusters", name="phi-aurora-prod")["storage_encrypted"] is True
    snapshot = one(snap, "rds_snapshots", name="phi-db-snap")
    assert snapshot["shared_with"] == [SYNTH] and snapshot["public"] is False
    assert snapshot["arn"] == f"arn:aws:rds:us-east-1:{PROD}:snapshot:phi-db-snap"
    assert one(snap, "rds_cluster_snapshots", name="phi-aurora-snap")["shared_with"] == []


def test_lambda_glue_sagemaker_stepfunctions(snap):
    fn = one(snap, "lambda_functions", name="prod-transform")
    assert fn["role_arn"] == f"arn:aws:iam::{PROD}:role/prod-etl"
    assert fn["env_var_names"] == ["DB_PASSWORD"] and "hunter2" not in json.dumps(fn)
    assert fn["policy"]["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    conn = one(snap, "glue_connections", account=SYNTH, name="prod-aurora")
    assert (conn["host"], conn["port"]) == ("phi-aurora-prod.cluster-abc.us-east-1.rds.amazonaws.com", 5432)
    assert "PASSWORD" not in conn["properties"]
    job = one(snap, "glue_jobs", name="synth-extract")
    assert job["role_arn"] == f"arn:aws:iam::{SYNTH}:role/synth-pipeline" and job["connections"] == ["prod-aurora"]
    assert job["default_argument_names"] == ["--secret"]
    assert one(snap, "glue_tables", name="claims")["location"] == "s3://phi-claims-prod/prod/"
    nb = one(snap, "sagemaker_notebooks", name="synth-notebook")
    assert (nb["kms_key_id"], nb["direct_internet_access"], nb["root_access"]) == (None, "Enabled", "Enabled")
    assert nb["role_arn"] == f"arn:aws:iam::{SYNTH}:role/synth-pipeline"
    train = one(snap, "sagemaker_training_jobs", name="synth-train")
    assert train["output_s3_path"] == "s3://synth-output-data/models/" and train["output_kms_key_id"] is None
    sm = one(snap, "stepfunctions_state_machines", name="prod-pipeline")
    assert sm["state_names"] == ["Classify", "Fan", "Inner"] and sm["tracing_enabled"] is True


def test_governance_trail_config_lakeformation(snap):
    trail = one(snap, "cloudtrail_trails", name="prod-trail")
    assert trail["is_multi_region"] is True and trail["log_file_validation_enabled"] is True
    assert trail["is_logging"] is True
    assert trail["event_selectors"][0]["DataResources"][0]["Type"] == "AWS::S3::Object"
    rule = one(snap, "config_rules", name="restricted-ssh")
    assert rule["source_identifier"] == "INCOMING_SSH_DISABLED"
    assert one(snap, "config_recorders", account=PROD)["all_supported"] is True
    assert rows(snap, "config_recorders", account=SYNTH) == []
    grant = one(snap, "lakeformation_permissions", principal=f"arn:aws:iam::{SYNTH}:role/synth-generator")
    assert grant["permissions"] == ["SELECT"] and grant["column_names"] is None
    assert (grant["environment"], grant["principal_environment"]) == ("production", "synthetic")


def test_object_tag_sample_is_bounded_by_params(estate, params, tmp_path):
    """per_prefix bounds the GetObjectTagging calls; 0 turns the sample off (prefixes still listed)."""
    for per_prefix, expected in ((1, [1, 1]), (0, None)):
        bounded = params.model_copy(update={"segregation": params.segregation.model_copy(update={
            "object_sample": params.segregation.object_sample.model_copy(update={"per_prefix": per_prefix})})})
        counter = CallCounter()
        run_inventory(bounded, SessionFactory(bounded), tmp_path / f"s{per_prefix}", counter)
        phi = one(Snapshot(tmp_path / f"s{per_prefix}"), "s3_buckets", name="phi-claims-prod")
        if expected is None:
            assert phi["object_tag_sample"] == [] and phi["key_prefixes"] == ["prod/", "synthetic/"]
        else:
            assert [g["objects"] for g in phi["object_tag_sample"]] == expected


def test_pagination_reads_every_page(snap, params, counter):
    assert len(rows(snap, "glue_jobs", account=MGMT)) == MANY_JOBS
    assert counter.by_operation[("glue", "GetJobs")] >= len(params.account_ids()) + 1  # one account needed 2 pages


def test_cli_rerun_gives_the_same_snapshot(snap, tmp_path, capsys):
    """The CLI on an unchanged estate writes identical files; the one thing that
    legitimately moves is the audit role's RoleLastUsed (the kit just used it)."""
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(seed.params_dict()))
    assert main(["inventory", "--params", str(params_file), "--out", str(tmp_path / "run")]) == 0
    summary = json.loads(capsys.readouterr().out)
    again = Snapshot(tmp_path / "run")
    assert summary["tables"]["iam_roles"] == len(again.table("iam_roles"))
    assert summary["not_assessed"] == [] and summary["api_calls"] > 0
    for kind in TABLES:
        if kind == "iam_roles":
            continue
        assert (snap.path / "tables" / f"{kind}.parquet").read_bytes() == (again.path / "tables" / f"{kind}.parquet").read_bytes(), kind
    first, second = (s.table("iam_roles") for s in (snap, again))
    moved = first.is_audit_role.astype(bool)
    assert first.drop(columns="last_used_date").equals(second.drop(columns="last_used_date"))
    assert first[~moved].last_used_date.equals(second[~moved].last_used_date)
    for rel in ("raw/organizations.json", "raw/resource_policies.json", "coverage.parquet"):
        assert (snap.path / rel).read_bytes() == (again.path / rel).read_bytes(), rel

    def without_audit_last_used(raw):
        for role in raw["RoleDetailList"]:
            if role["RoleName"] == "SynthauditReadOnly":
                role.pop("RoleLastUsed", None)
        return raw

    assert without_audit_last_used(snap.raw_iam(PROD)) == without_audit_last_used(again.raw_iam(PROD))


def test_cli_bad_params_exit_2_naming_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("label: x\nestate: aws\naccounts: [{id: 12, name: a}]\n")
    assert main(["inventory", "--params", str(bad), "--out", str(tmp_path / "run")]) == 2
    assert "accounts[0].id" in capsys.readouterr().err
