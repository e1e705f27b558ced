"""The simulated estate on a real moto server: fixed ids, every answer-key resource present,
the audit role usable in every account, the same estate on every build.

The session's shared demo estate (tests/conftest.py) is the build under test; the determinism
test compares its seeded ids with the committed list (tests/golden/demo-estate-ids.json.gz).
"""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest
import yaml
from answer_key import dump, load, path
from synthaudit.demo import estate as estate_mod
from synthaudit.demo import ids
from synthaudit.demo.estate_org import EXTRA_ACCOUNTS, SYNTH_RESEARCH

ALL_ACCOUNTS = [*ids.ACCOUNTS, *EXTRA_ACCOUNTS]


@pytest.fixture(scope="module")
def built(demo_estate, demo_estate_build):
    return demo_estate, demo_estate_build


class AuditSessions:
    """What the kit does: default credentials, then the audit role in each account."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self.base = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                  region_name=ids.HOME_REGION)
        self.sessions: dict[str, boto3.Session] = {}

    def session(self, account: str) -> boto3.Session:
        if account not in self.sessions:
            creds = self.base.client("sts", endpoint_url=self.endpoint_url).assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{ids.AUDIT_ROLE}", RoleSessionName="test")["Credentials"]
            self.sessions[account] = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"])
        return self.sessions[account]

    def client(self, account: str, service: str, region: str = ids.HOME_REGION) -> Any:
        return self.session(account).client(service, region_name=region, endpoint_url=self.endpoint_url)


@pytest.fixture(scope="module")
def audit(built):
    return AuditSessions(built[0].endpoint_url)


def test_organisation_has_the_fixed_ids(audit):
    org = audit.client(ids.MANAGEMENT, "organizations")
    assert org.describe_organization()["Organization"]["Id"] == ids.ORG_ID
    assert org.describe_organization()["Organization"]["MasterAccountId"] == ids.MANAGEMENT
    accounts = {a["Id"]: a["Name"] for a in org.list_accounts()["Accounts"]}
    assert accounts == {**ids.ACCOUNTS, **EXTRA_ACCOUNTS}


def test_scps_are_attached_to_ous_and_need_a_parent_walk(audit):
    org = audit.client(ids.MANAGEMENT, "organizations")
    research = audit_ou_path(org, SYNTH_RESEARCH)
    assert [name for name, _ in research] == ["Trials", "Research", "Synthetic", "Workloads"]
    direct = {p["Name"] for p in org.list_policies_for_target(TargetId=research[0][1],
                                                              Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    assert "deny-synthetic-to-production" not in direct
    inherited = {p["Name"] for _, ou in research for p in org.list_policies_for_target(
        TargetId=ou, Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    assert "deny-synthetic-to-production" in inherited
    synthetic_path = audit_ou_path(org, ids.SYNTHETIC)
    names = {p["Name"] for _, ou in synthetic_path for p in org.list_policies_for_target(
        TargetId=ou, Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    assert "deny-synthetic-to-production" not in names and "synthetic-deny-public-s3" in names


def audit_ou_path(org: Any, child: str) -> list[tuple[str, str]]:
    path = []
    while True:
        parent = org.list_parents(ChildId=child)["Parents"][0]
        if parent["Type"] == "ROOT":
            return path
        path.append((org.describe_organizational_unit(OrganizationalUnitId=parent["Id"])
                     ["OrganizationalUnit"]["Name"], parent["Id"]))
        child = parent["Id"]


@pytest.mark.parametrize("account", ALL_ACCOUNTS)
def test_audit_role_can_be_assumed_in_every_account(audit, account):
    ident = audit.client(account, "sts").get_caller_identity()
    assert ident["Account"] == account
    assert f":assumed-role/{ids.AUDIT_ROLE}/" in ident["Arn"]
    role = audit.client(account, "iam").get_role(RoleName=ids.AUDIT_ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": f"arn:aws:iam::{ids.MANAGEMENT}:root"}


def test_estate_is_at_a_realistic_scale(built):
    _, estate = built
    for account in (ids.PRODUCTION, ids.SYNTHETIC):
        assert estate.counts[(account, "iam_role")] >= 40
        assert estate.counts[(account, "s3_bucket")] >= 20
    total = sum(estate.counts.values())
    assert total >= 500


def test_hooks_bucket_prerequisites_exist(audit):
    for account, bucket in [(ids.LOGGING, ids.TRAIL_BUCKET), (ids.PRODUCTION, ids.PROD_SAMPLES_BUCKET),
                            (ids.SYNTHETIC, ids.SYNTH_OUTPUT_BUCKET)]:
        names = {b["Name"] for b in audit.client(account, "s3").list_buckets()["Buckets"]}
        assert bucket in names
    policy = yaml.safe_load(audit.client(ids.LOGGING, "s3").get_bucket_policy(Bucket=ids.TRAIL_BUCKET)["Policy"])
    writers = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}
               and "s3:PutObject" in str(s["Action"])]
    assert writers


# ------------------------------------------------------------ answer-key resources exist


def _exists_s3(audit, account, arn, region):
    name = arn.split(":::")[1]
    return name in {b["Name"] for b in audit.client(account, "s3").list_buckets()["Buckets"]}


def _exists_iam(audit, account, arn, region):
    kind, _, rest = arn.split(":", 5)[5].partition("/")
    name = rest.rsplit("/", 1)[-1]
    iam = audit.client(account, "iam")
    got = {"role": lambda: iam.get_role(RoleName=name)["Role"]["Arn"],
           "user": lambda: iam.get_user(UserName=name)["User"]["Arn"],
           "instance-profile": lambda: iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Arn"]}
    return got[kind]() == arn


def _exists_org(audit, account, arn, region):
    org = audit.client(ids.MANAGEMENT, "organizations")
    if ":ou/" in arn:   # a finding on the OU where a guard rail must be attached
        return org.describe_organizational_unit(OrganizationalUnitId=arn.rsplit("/", 1)[1])["OrganizationalUnit"]["Arn"] == arn
    return org.describe_account(AccountId=account)["Account"]["Arn"] == arn


def _exists_kms(audit, account, arn, region):
    return audit.client(account, "kms", region).describe_key(KeyId=arn)["KeyMetadata"]["Arn"] == arn


def _exists_ec2(audit, account, arn, region):
    kind, rid = arn.split(":", 5)[5].split("/")
    ec2 = audit.client(account, "ec2", region)
    calls = {
        "volume": lambda: ec2.describe_volumes(VolumeIds=[rid])["Volumes"],
        "snapshot": lambda: ec2.describe_snapshots(SnapshotIds=[rid])["Snapshots"],
        "instance": lambda: ec2.describe_instances(InstanceIds=[rid])["Reservations"],
        "vpc": lambda: ec2.describe_vpcs(VpcIds=[rid])["Vpcs"],
        "subnet": lambda: ec2.describe_subnets(SubnetIds=[rid])["Subnets"],
        "security-group": lambda: ec2.describe_security_groups(GroupIds=[rid])["SecurityGroups"],
        "vpc-peering-connection": lambda: ec2.describe_vpc_peering_connections(
            VpcPeeringConnectionIds=[rid])["VpcPeeringConnections"],
        "vpc-endpoint": lambda: ec2.describe_vpc_endpoints(VpcEndpointIds=[rid])["VpcEndpoints"],
    }
    return len(calls[kind]()) == 1


def _exists_rds(audit, account, arn, region):
    kind, rid = arn.split(":")[5:7]
    rds = audit.client(account, "rds", region)
    calls = {
        "db": lambda: rds.describe_db_instances(DBInstanceIdentifier=rid)["DBInstances"][0]["DBInstanceArn"],
        "cluster": lambda: rds.describe_db_clusters(DBClusterIdentifier=rid)["DBClusters"][0]["DBClusterArn"],
        "snapshot": lambda: rds.describe_db_snapshots(DBSnapshotIdentifier=rid)["DBSnapshots"][0]["DBSnapshotArn"],
        "cluster-snapshot": lambda: rds.describe_db_cluster_snapshots(
            DBClusterSnapshotIdentifier=rid)["DBClusterSnapshots"][0]["DBClusterSnapshotArn"],
    }
    return calls[kind]() == arn


def _exists_lambda(audit, account, arn, region):
    return audit.client(account, "lambda", region).get_function_configuration(FunctionName=arn)["FunctionArn"] == arn


def _exists_glue(audit, account, arn, region):
    kind, _, rest = arn.split(":", 5)[5].partition("/")
    glue = audit.client(account, "glue", region)
    if kind == "connection":
        return glue.get_connection(Name=rest)["Connection"]["Name"] == rest
    if kind == "job":
        return glue.get_job(JobName=rest)["Job"]["Name"] == rest
    database, table = rest.split("/")
    return glue.get_table(DatabaseName=database, Name=table)["Table"]["Name"] == table


def _exists_sagemaker(audit, account, arn, region):
    kind, name = arn.split(":", 5)[5].split("/")
    sm = audit.client(account, "sagemaker", region)
    if kind == "notebook-instance":
        return sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"] == arn
    return sm.describe_training_job(TrainingJobName=name)["TrainingJobArn"] == arn


def _exists_states(audit, account, arn, region):
    return audit.client(account, "stepfunctions", region).describe_state_machine(
        stateMachineArn=arn)["stateMachineArn"] == arn


def _exists_cloudtrail(audit, account, arn, region):
    trails = audit.client(account, "cloudtrail", region).describe_trails()["trailList"]
    return arn in {t["TrailARN"] for t in trails}


EXISTS: dict[str, Callable[..., bool]] = {
    "s3": _exists_s3, "iam": _exists_iam, "organizations": _exists_org, "kms": _exists_kms, "ec2": _exists_ec2,
    "rds": _exists_rds, "lambda": _exists_lambda, "glue": _exists_glue, "sagemaker": _exists_sagemaker,
    "states": _exists_states, "cloudtrail": _exists_cloudtrail,
}


def test_every_answer_key_resource_exists_through_the_aws_api(audit):
    missing = []
    for entry in load("estate"):
        arn = entry.resource
        service, region = arn.split(":")[2:4]
        try:
            ok = EXISTS[service](audit, entry.account, arn, region or ids.HOME_REGION)
        except Exception as exc:  # noqa: BLE001 - report every missing resource at once
            ok = False
            arn = f"{arn} ({type(exc).__name__}: {exc})"
        if not ok:
            missing.append(f"{entry.id}: {arn}")
    assert missing == []


def test_a_fresh_build_reproduces_the_committed_answer_key(built):
    _, estate = built
    assert tuple(estate.planted) == load("estate")
    assert dump("estate", estate.planted) == path("estate").read_text(), (
        "the estate no longer matches tests/answer_keys/estate.yaml: run `PYTHONPATH=lib python tests/answer_key.py "
        "estate` and review the diff")


IDS_GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "demo-estate-ids.json.gz"


def test_the_estate_has_the_seeded_ids_it_had_before(built, tmp_path):
    """Seeded ids do not depend on the run or the machine: every role, user, key, VPC, group, instance,
    volume, snapshot, OU and SCP id equals the committed list (a deliberate change rewrites it)."""
    now = _inventory_ids(built[0].endpoint_url)
    assert sum(len(v) for v in now.values()) > 500
    written = tmp_path / IDS_GOLDEN.name
    written.write_bytes(gzip.compress(json.dumps(now, indent=1, sort_keys=True).encode(), mtime=0))
    golden = json.loads(gzip.decompress(IDS_GOLDEN.read_bytes())) if IDS_GOLDEN.exists() else {}
    changed = sorted(k for k in now.keys() | golden.keys() if now.get(k) != golden.get(k))
    assert changed == [], f"seeded ids changed in {changed[:10]}; after a deliberate change: cp {written} {IDS_GOLDEN}"


def _inventory_ids(endpoint_url: str) -> dict[str, list[str]]:
    audit = AuditSessions(endpoint_url)
    out: dict[str, list[str]] = {}
    for account in ALL_ACCOUNTS:
        iam = audit.client(account, "iam")
        out[f"{account}/roles"] = sorted(f"{r['Arn']} {r['RoleId']}" for r in iam.list_roles(MaxItems=1000)["Roles"])
        out[f"{account}/users"] = sorted(f"{u['Arn']} {u['UserId']}" for u in iam.list_users(MaxItems=1000)["Users"])
        out[f"{account}/buckets"] = sorted(b["Name"] for b in audit.client(account, "s3").list_buckets()["Buckets"])
        for region in ids.REGIONS:
            out[f"{account}/{region}/keys"] = sorted(
                k["KeyArn"] for k in audit.client(account, "kms", region).list_keys(Limit=1000)["Keys"])
            ec2 = audit.client(account, "ec2", region)
            out[f"{account}/{region}/vpcs"] = sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"])
            out[f"{account}/{region}/sgs"] = sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"])
            out[f"{account}/{region}/instances"] = sorted(
                i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"])
            out[f"{account}/{region}/volumes"] = sorted(v["VolumeId"] for v in ec2.describe_volumes()["Volumes"])
            out[f"{account}/{region}/snapshots"] = sorted(
                s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"])
    org = audit.client(ids.MANAGEMENT, "organizations")
    out["org/ous"] = sorted(o["Id"] for r in org.list_roots()["Roots"]
                            for o in org.list_organizational_units_for_parent(ParentId=r["Id"])["OrganizationalUnits"])
    out["org/policies"] = sorted(p["Id"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"])
    return out


def test_hooks_run_when_present_and_are_skipped_when_absent(monkeypatch, tmp_path):
    calls = []
    pkg = tmp_path / "hookpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "present.py").write_text("CALLS = []\ndef seed(endpoint_url):\n    CALLS.append(endpoint_url)\n")
    (pkg / "broken.py").write_text("import module_that_does_not_exist_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(estate_mod, "HOOKS", ("hookpkg.present", "hookpkg.absent"))
    assert estate_mod.run_hooks("http://x") == ["hookpkg.present"]
    import hookpkg.present as present
    calls.extend(present.CALLS)
    assert calls == ["http://x"]
    # a hook that exists but fails to import is an error, not a silent skip
    monkeypatch.setattr(estate_mod, "HOOKS", ("hookpkg.broken",))
    with pytest.raises(ModuleNotFoundError):
        estate_mod.run_hooks("http://x")
