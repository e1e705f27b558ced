"""Phase 01 at organisation scale: a simulated organisation of N accounts, discovered, read.

For each N (default 10 and 50, in one run) a fresh moto server on loopback gets an
organisation of N member accounts under nested OUs (Workloads/Production,
Workloads/Synthetic, Shared), seeded from the management account, each account with
a realistic mix in two regions: IAM roles (inline and managed policies), users, S3
buckets with policies and tags, KMS keys with aliases, a VPC with subnets, security
groups, an instance, a volume and a snapshot, an RDS instance with a snapshot, a
Lambda function with a resource policy, a Glue database with tables and a job.
The accounts are *discovered* (``discovery.read_organization`` + ``resolve_accounts``),
then ``collect_inventory`` reads all of them, every service, both regions.

Printed per N: wall time, resources, API calls, calls per resource and per account,
retries, coverage gaps; then the targets, with the 10-account run as the peer:
at most 3 calls per resource, and the largest N in at most (N / smallest N) x the
smallest's time (50 accounts in at most 5x the time of 10). ``--slow-account S``
makes every request of one member account take S seconds more: with
``--account-timeout`` the run shows that account stopped and reported in coverage
while every other account is read. Usage::

    .venv/bin/python bench/inventory.py                  # N = 10 and 50
    .venv/bin/python bench/inventory.py --accounts 5 20 --json
    .venv/bin/python bench/inventory.py --accounts 10 --slow-account 5 --account-timeout 200
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

from synthaudit.aws.discovery import read_organization, resolve_accounts  # noqa: E402
from synthaudit.aws.session import SessionFactory  # noqa: E402
from synthaudit.config import parse_params  # noqa: E402
from synthaudit.demo.server import MotoServer  # noqa: E402
from synthaudit.inventory.collect import CallCounter, collect_inventory  # noqa: E402

REGIONS = ("us-east-1", "us-west-2")
AMI = "ami-0b5eea76982371e91"
CALLS_PER_RESOURCE_TARGET = 3.0
ENVIRONMENTS = (("production", "prod", ("Workloads", "Production")),
                ("synthetic", "synth", ("Workloads", "Synthetic")),
                ("shared", "shared", ("Shared",)))
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com", "glue.amazonaws.com"]},
     "Action": "sts:AssumeRole"}]})


def _doc(actions: list[str], resource: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]})


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


class Seeder:
    """Builds the organisation through the management account, then each member's resources."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.zip = _zip()

    def management(self, service: str, region: str = REGIONS[0]) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region)

    def organisation(self, n: int) -> list[tuple[str, str]]:
        """(account id, environment) of N new members under nested OUs."""
        org = self.management("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ous: dict[tuple[str, ...], str] = {(): root}
        for _, _, path in ENVIRONMENTS:
            for depth in range(1, len(path) + 1):
                if path[:depth] not in ous:
                    ous[path[:depth]] = org.create_organizational_unit(
                        ParentId=ous[path[:depth - 1]], Name=path[depth - 1])["OrganizationalUnit"]["Id"]
        members = []
        for i in range(n):
            env, prefix, path = ENVIRONMENTS[i % len(ENVIRONMENTS)]
            name = f"{prefix}-{i:03d}"
            acct = org.create_account(AccountName=name, Email=f"{name}@example-health.org")["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=ous[path])
            members.append((acct, env))
        return members

    def session(self, account: str) -> boto3.Session:
        creds = self.management("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
        return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                             aws_session_token=creds["SessionToken"])

    def account(self, member: tuple[str, str]) -> None:
        acct, env = member
        prefix = next(p for e, p, _ in ENVIRONMENTS if e == env)
        tags = [{"Key": "Environment", "Value": env}, {"Key": "Owner", "Value": f"team-{prefix}"}]
        session = self.session(acct)

        def client(service: str, region: str = REGIONS[0]) -> Any:
            return session.client(service, endpoint_url=self.endpoint, region_name=region)

        iam = client("iam")
        managed = iam.create_policy(PolicyName=f"{prefix}-data-read",
                                    PolicyDocument=_doc(["s3:GetObject", "s3:ListBucket"], f"arn:aws:s3:::{prefix}-*"))
        roles = []
        for role in ("etl", "analytics", "pipeline", "ops"):
            name = f"{prefix}-{role}"
            arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Tags=tags)["Role"]["Arn"]
            roles.append(arn)
            if role in ("etl", "pipeline"):
                iam.attach_role_policy(RoleName=name, PolicyArn=managed["Policy"]["Arn"])
            else:
                iam.put_role_policy(RoleName=name, PolicyName="inline-kms",
                                    PolicyDocument=_doc(["kms:Decrypt"], "*"))
        iam.create_user(UserName=f"{prefix}-analyst", Tags=tags)
        iam.attach_user_policy(UserName=f"{prefix}-analyst", PolicyArn=managed["Policy"]["Arn"])
        for i, region in enumerate((REGIONS[0], REGIONS[0], REGIONS[1])):
            bucket = f"{prefix}-{acct}-data-{i}"
            s3 = client("s3", region)
            kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=bucket, **kwargs)
            s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": roles[0]}, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
            s3.put_object(Bucket=bucket, Key=f"exports/2026/part-{i}.parquet", Body=b"x")
        for region in REGIONS:
            self.region(client, region, prefix, tags, roles)

    def region(self, client: Any, region: str, prefix: str, tags: list[dict[str, str]], roles: list[str]) -> None:
        kms = client("kms", region)
        key = kms.create_key(Description=f"{prefix} data key", Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]}
                                                                   for t in tags])["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{prefix}-data", TargetKeyId=key)
        ec2 = client("ec2", region)
        spec = [{"ResourceType": "", "Tags": tags}]
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24")["Subnet"]["SubnetId"] for i in range(2)]
        groups = []
        for name in ("app", "db"):
            gid = ec2.create_security_group(GroupName=f"{prefix}-{name}", Description=name, VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]}])
            groups.append(gid)
        ec2.run_instances(ImageId=AMI, InstanceType="m6i.large", MinCount=1, MaxCount=1, SubnetId=subnets[0],
                          SecurityGroupIds=[groups[0]],
                          TagSpecifications=[{**spec[0], "ResourceType": "instance"}])
        volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=50, Encrypted=True,
                                   TagSpecifications=[{**spec[0], "ResourceType": "volume"}])["VolumeId"]
        ec2.create_snapshot(VolumeId=volume, Description=f"{prefix} nightly")
        rds = client("rds", region)
        rds.create_db_subnet_group(DBSubnetGroupName=f"{prefix}-db", DBSubnetGroupDescription="db", SubnetIds=subnets)
        rds.create_db_instance(DBInstanceIdentifier=f"{prefix}-db", Engine="postgres", DBInstanceClass="db.m6g.large",
                               AllocatedStorage=50, MasterUsername="dbadmin", MasterUserPassword="not-a-secret-1",
                               DBSubnetGroupName=f"{prefix}-db", VpcSecurityGroupIds=[groups[1]], Tags=tags)
        rds.create_db_snapshot(DBSnapshotIdentifier=f"{prefix}-db-manual", DBInstanceIdentifier=f"{prefix}-db")
        lam = client("lambda", region)
        fn = f"{prefix}-ingest"
        lam.create_function(FunctionName=fn, Runtime="python3.12", Role=roles[2], Handler="handler.handler",
                            Code={"ZipFile": self.zip}, Tags={t["Key"]: t["Value"] for t in tags})
        lam.add_permission(FunctionName=fn, StatementId="s3-invoke", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com")
        glue = client("glue", region)
        glue.create_database(DatabaseInput={"Name": f"{prefix}_catalog"})
        for table in ("claims", "encounters"):
            glue.create_table(DatabaseName=f"{prefix}_catalog", TableInput={
                "Name": table, "StorageDescriptor": {"Location": f"s3://{prefix}-data/{table}/",
                                                     "Columns": [{"Name": "id", "Type": "string"}]}})
        glue.create_job(Name=f"{prefix}-transform", Role=roles[0],
                        Command={"Name": "glueetl", "ScriptLocation": f"s3://{prefix}-scripts/transform.py"})


def seed(endpoint: str, n: int, workers: int) -> tuple[float, list[tuple[str, str]]]:
    start = time.perf_counter()
    seeder = Seeder(endpoint)
    members = seeder.organisation(n)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed") as pool:
        list(pool.map(seeder.account, members))
    return time.perf_counter() - start, members


class SlowAccount:
    """Sessions as usual, except that every request of one account waits ``delay`` seconds first."""

    def __init__(self, inner: SessionFactory, account: str, delay: float) -> None:
        self.inner, self.account, self.delay = inner, account, delay

    def client(self, account: str, service: str, region: str | None = None) -> Any:
        client = self.inner.client(account, service, region)
        if account == self.account:
            client.meta.events.register_first("before-send.*.*", lambda **_: time.sleep(self.delay))
        return client


def discover_and_collect(endpoint: str, args: argparse.Namespace, slow_member: str | None) -> dict[str, Any]:
    aws: dict[str, Any] = {"regions": list(REGIONS), "max_workers": args.max_workers, "endpoint_url": endpoint}
    if args.account_timeout:
        aws["account_timeout_seconds"] = args.account_timeout
    params = parse_params({
        "label": "bench-org", "estate": "aws", "discovery": {"enabled": True}, "aws": aws,
        "classification": {"production": {"ous": ["Production"]}, "synthetic": {"ous": ["Synthetic"]},
                           "shared": {"ous": ["Shared"]}},
    })
    start = time.perf_counter()
    org = read_organization(SessionFactory(params).base_client("organizations"))
    params = resolve_accounts(params, org)
    discovery_s = time.perf_counter() - start
    counter = CallCounter()
    start = time.perf_counter()
    sessions: Any = SessionFactory(params)
    if slow_member and args.slow_account:
        sessions = SlowAccount(sessions, slow_member, args.slow_account)
    inventory = collect_inventory(params, sessions, counter)
    wall = time.perf_counter() - start
    resources = sum(inventory.counts().values())
    accounts = len(params.accounts)
    gaps = Counter(f"{c['service']}:{c['status']}" for c in inventory.coverage if c["status"] != "assessed")
    slow = None
    if slow_member and args.slow_account:
        mine = [c for c in inventory.coverage if c["account"] == slow_member]
        others = [c for c in inventory.coverage if c["account"] != slow_member]
        slow = {"account": slow_member, "delay_s": args.slow_account,
                "units": dict(Counter(c["status"] for c in mine)),
                "over_budget": sum("time budget" in (c["error"] or "") for c in mine),
                "example": next((c["error"] for c in mine if c["error"]), None),
                "other_accounts_units": dict(Counter(c["status"] for c in others))}
        gaps = Counter(f"{c['service']}:{c['status']}" for c in others if c["status"] != "assessed")
    return {
        "accounts": accounts, "discovery_s": round(discovery_s, 2), "wall_s": round(wall, 2),
        "resources": resources, "api_calls": counter.total, "retries": counter.retries,
        "calls_per_resource": round(counter.total / resources, 3), "calls_per_account": round(counter.total / accounts, 1),
        "environments": inventory.summary()["environments"], "gaps": dict(sorted(gaps.items())),
        "top_operations": {f"{s}:{o}": c for (s, o), c in counter.by_operation.most_common(12)},
        "slow_account": slow,
    }


def run(n: int, args: argparse.Namespace) -> dict[str, Any]:
    saved = dict(os.environ)
    with MotoServer() as server:
        os.environ.update(server.env())
        try:
            seed_s, members = seed(server.endpoint_url, n, args.seed_workers)
            result = discover_and_collect(server.endpoint_url, args, members[0][0] if members else None)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return {"members": n, "seed_s": round(seed_s, 1), **result}


def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    small, large = results[0], results[-1]
    allowed = large["members"] / small["members"]
    ratio = large["wall_s"] / small["wall_s"] if small["wall_s"] else float("inf")
    worst = max(r["calls_per_resource"] for r in results)
    return {"time_ratio": round(ratio, 2), "time_ratio_target": round(allowed, 2), "time_ratio_met": ratio <= allowed,
            "calls_per_resource_max": worst, "calls_per_resource_target": CALLS_PER_RESOURCE_TARGET,
            "calls_per_resource_met": worst <= CALLS_PER_RESOURCE_TARGET}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[10, 50], help="member accounts per run (default 10 50)")
    parser.add_argument("--max-workers", type=int, default=8, help="params.aws.max_workers (default 8)")
    parser.add_argument("--seed-workers", type=int, default=4)
    parser.add_argument("--slow-account", type=float, default=0.0, metavar="S",
                        help="every request of the first member account waits S seconds (default 0: off)")
    parser.add_argument("--account-timeout", type=float, default=None, metavar="T",
                        help="aws.account_timeout_seconds for the run (default: the params default)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results = [run(n, args) for n in sorted(args.accounts)]
    summary = report(results) if len(results) > 1 else {}
    if args.json:
        print(json.dumps({"runs": results, "targets": summary, "load": os.getloadavg()}, indent=2))
        return
    print(f"{'members':>8}{'accounts':>9}{'seed s':>8}{'wall s':>8}{'resources':>10}{'API calls':>10}"
          f"{'calls/res':>10}{'calls/acct':>11}{'retries':>8}  gaps")
    for r in results:
        print(f"{r['members']:>8}{r['accounts']:>9}{r['seed_s']:>8.1f}{r['wall_s']:>8.1f}{r['resources']:>10}"
              f"{r['api_calls']:>10}{r['calls_per_resource']:>10.2f}{r['calls_per_account']:>11.1f}{r['retries']:>8}  "
              + (", ".join(f"{k}={v}" for k, v in r["gaps"].items()) or "none"))
    for r in results:
        if r["slow_account"]:
            slow = r["slow_account"]
            print(f"slow account {slow['account']} (+{slow['delay_s']:g} s per request), N={r['members']}: units {slow['units']}, "
                  f"{slow['over_budget']} stopped or not started by the time budget; other accounts' units "
                  f"{slow['other_accounts_units']}\n  e.g. {slow['example']}")
    last = results[-1]
    print("environments:", last["environments"], "| discovery", f"{last['discovery_s']}s")
    print("top operations:", ", ".join(f"{k}={v}" for k, v in last["top_operations"].items()))
    if summary:
        print(f"calls per resource: at most {summary['calls_per_resource_max']:.2f} (target <= {CALLS_PER_RESOURCE_TARGET:g}: "
              f"{'met' if summary['calls_per_resource_met'] else 'NOT met'})")
        print(f"wall time {results[-1]['accounts']} vs {results[0]['accounts']} accounts: {summary['time_ratio']:.2f}x "
              f"(target <= {summary['time_ratio_target']:.1f}x: {'met' if summary['time_ratio_met'] else 'NOT met'})")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
