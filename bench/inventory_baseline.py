"""Phase 01 collector vs a sequential, per-resource baseline, on the same large estate.

Builds, in a fresh moto server on loopback, an estate of ``--roles`` IAM roles,
``--buckets`` S3 buckets and ``--security-groups`` security groups spread over
three accounts (defaults 2,000 / 1,000 / 200), then measures in the same run:

- collector: synthaudit's inventory for the iam, s3 and ec2 services (bulk
  GetAccountAuthorizationDetails pages, paginated list calls, per-bucket reads on a
  bounded pool, params.aws.max_workers units at once);
- baseline: what a straightforward script does to learn the same facts, one
  resource at a time, sequentially, no bulk reads: list names, then per role
  GetRole + ListAttachedRolePolicies + ListRolePolicies + ListInstanceProfilesForRole
  (+ GetPolicy/GetPolicyVersion once per attached policy), per bucket the same nine
  reads the collector makes, per security group DescribeSecurityGroups(GroupIds=[id]).

API calls are counted with a botocore ``before-call`` hook on every client in both
paths. Prints wall time, calls, calls per resource and the ratios. Usage::

    .venv/bin/python bench/inventory.py                # full scale
    .venv/bin/python bench/inventory.py --scale 0.25   # a quarter of it
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

from synthaudit.aws.session import SessionFactory  # noqa: E402
from synthaudit.config import parse_params  # noqa: E402
from synthaudit.demo.server import MotoServer  # noqa: E402
from synthaudit.inventory.collect import CallCounter, collect_inventory  # noqa: E402

ACCOUNTS = ("210000000011", "310000000012", "410000000013")
REGION = "us-east-1"
AUDIT_ROLE = "SynthauditReadOnly"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::bench-*/*"}]})


def account_session(endpoint: str, account: str) -> boto3.Session:
    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="bench-seed")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name=REGION)


def split(total: int) -> list[int]:
    base, extra = divmod(total, len(ACCOUNTS))
    return [base + (1 if i < extra else 0) for i in range(len(ACCOUNTS))]


def build(endpoint: str, roles: int, buckets: int, groups: int) -> float:
    """Seed the estate from this one process (moto's IAM is not safe for parallel writers)."""
    start = time.perf_counter()
    for account, n_roles, n_buckets, n_groups in zip(ACCOUNTS, split(roles), split(buckets), split(groups)):
        session = account_session(endpoint, account)
        iam = session.client("iam", endpoint_url=endpoint)
        iam.create_role(RoleName=AUDIT_ROLE, AssumeRolePolicyDocument=TRUST)
        policy = iam.create_policy(PolicyName="bench-read", PolicyDocument=POLICY)["Policy"]["Arn"]
        for i in range(n_roles):
            name = f"{'synth' if i % 2 else 'prod'}-role-{i:05d}"
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST,
                            Tags=[{"Key": "Environment", "Value": "synthetic" if i % 2 else "production"}])
            if i % 4 == 0:
                iam.attach_role_policy(RoleName=name, PolicyArn=policy)
        s3 = session.client("s3", endpoint_url=endpoint)
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda i: s3.create_bucket(Bucket=f"bench-{account}-{i:05d}"), range(n_buckets)))
        ec2 = session.client("ec2", endpoint_url=endpoint)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        for i in range(n_groups):
            ec2.create_security_group(GroupName=f"bench-sg-{i:04d}", Description="bench", VpcId=vpc)
    return time.perf_counter() - start


class Counted:
    """Clients whose calls are counted by the same kind of hook the collector uses."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.counter = CallCounter()
        self._sessions: dict[str, boto3.Session] = {}

    def client(self, account: str, service: str):
        if account not in self._sessions:
            sts = boto3.client("sts", endpoint_url=self.endpoint, region_name=REGION)
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{AUDIT_ROLE}",
                                    RoleSessionName="bench-baseline")["Credentials"]
            self._sessions[account] = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"], region_name=REGION)
        client = self._sessions[account].client(service, endpoint_url=self.endpoint)
        client.meta.events.register("before-call.*.*", self.counter)
        return client


def baseline(endpoint: str) -> tuple[float, CallCounter, Counter]:
    """Sequential, one resource at a time, the same facts as the collector."""
    counted = Counted(endpoint)
    found: Counter = Counter()
    start = time.perf_counter()
    for account in ACCOUNTS:
        iam = counted.client(account, "iam")
        names, marker = [], None
        while True:  # listing names is unavoidable; every fact below is read per role
            page = iam.list_roles(**({"Marker": marker} if marker else {}))
            names += [r["RoleName"] for r in page["Roles"]]
            marker = page.get("Marker") if page.get("IsTruncated") else None
            if not marker:
                break
        seen_policies: set[str] = set()
        for name in names:
            iam.get_role(RoleName=name)
            attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            for inline in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                iam.get_role_policy(RoleName=name, PolicyName=inline)
            iam.list_instance_profiles_for_role(RoleName=name)
            for pol in attached:
                if pol["PolicyArn"] not in seen_policies:
                    seen_policies.add(pol["PolicyArn"])
                    version = iam.get_policy(PolicyArn=pol["PolicyArn"])["Policy"]["DefaultVersionId"]
                    iam.get_policy_version(PolicyArn=pol["PolicyArn"], VersionId=version)
            found["iam_roles"] += 1
        s3 = counted.client(account, "s3")
        for bucket in s3.list_buckets()["Buckets"]:
            name = bucket["Name"]
            s3.get_bucket_location(Bucket=name)
            for call, missing in ((s3.get_bucket_policy, "NoSuchBucketPolicy"), (s3.get_bucket_tagging, "NoSuchTagSet"),
                                  (s3.get_bucket_encryption, "ServerSideEncryptionConfigurationNotFoundError"),
                                  (s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration")):
                try:
                    call(Bucket=name)
                except s3.exceptions.ClientError as exc:
                    if exc.response["Error"]["Code"] != missing:
                        raise
            s3.get_bucket_acl(Bucket=name)
            s3.get_bucket_versioning(Bucket=name)
            s3.list_objects_v2(Bucket=name, MaxKeys=20)
            s3.list_objects_v2(Bucket=name, Delimiter="/", MaxKeys=50)
            found["s3_buckets"] += 1
        ec2 = counted.client(account, "ec2")
        ids = [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]]
        for gid in ids:
            ec2.describe_security_groups(GroupIds=[gid])
            found["ec2_security_groups"] += 1
    return time.perf_counter() - start, counted.counter, found


def collector(max_workers: int) -> tuple[float, CallCounter, dict]:
    params = parse_params({
        "label": "bench", "estate": "aws", "accounts": [{"id": a, "name": f"acct-{a}"} for a in ACCOUNTS],
        "aws": {"regions": [REGION], "max_workers": max_workers, "audit_role_name": AUDIT_ROLE},
        "classification": {"production": {"tags": {"Environment": ["production"]}},
                           "synthetic": {"tags": {"Environment": ["synthetic"]}}},
    })
    counter = CallCounter()
    start = time.perf_counter()
    inventory = collect_inventory(params, SessionFactory(params), counter, services=("iam", "s3", "ec2"))
    elapsed = time.perf_counter() - start
    gaps = [c for c in inventory.coverage if c["status"] != "assessed"]
    if gaps:
        raise SystemExit(f"collector did not assess everything: {gaps}")
    return elapsed, counter, inventory.counts()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full estate (default 1.0)")
    parser.add_argument("--roles", type=int, default=2000)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--security-groups", type=int, default=200)
    parser.add_argument("--max-workers", type=int, default=8)
    args = parser.parse_args()
    roles, buckets, groups = (max(3, int(n * args.scale)) for n in (args.roles, args.buckets, args.security_groups))
    saved = dict(os.environ)
    with MotoServer() as server:
        os.environ.update(server.env())
        try:
            seed_s = build(server.endpoint_url, roles, buckets, groups)
            print(f"estate: {roles} roles, {buckets} buckets, {groups} security groups over {len(ACCOUNTS)} accounts "
                  f"(+ audit roles, default VPC groups); seeded in {seed_s:.1f}s")
            c_time, c_calls, counts = collector(args.max_workers)
            b_time, b_calls, found = baseline(server.endpoint_url)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    resources = counts["iam_roles"] + counts["s3_buckets"] + counts["ec2_security_groups"]
    b_resources = sum(found.values())
    print(f"resources read: collector {resources} (iam_roles {counts['iam_roles']}, s3_buckets {counts['s3_buckets']}, "
          f"ec2_security_groups {counts['ec2_security_groups']}); baseline {b_resources}")
    print(f"{'':12}{'wall s':>10}{'API calls':>12}{'calls/resource':>16}")
    print(f"{'collector':12}{c_time:>10.1f}{c_calls.total:>12}{c_calls.total / resources:>16.2f}")
    print(f"{'baseline':12}{b_time:>10.1f}{b_calls.total:>12}{b_calls.total / b_resources:>16.2f}")
    print(f"ratio baseline/collector: wall time {b_time / c_time:.1f}x, API calls {b_calls.total / c_calls.total:.1f}x")
    for service in ("iam", "s3", "ec2"):
        print(f"  {service}: collector {c_calls.by_service[service]} calls, baseline {b_calls.by_service[service]} calls")
    print("collector top operations:", ", ".join(f"{s}:{o}={n}" for (s, o), n in c_calls.by_operation.most_common(6)))


if __name__ == "__main__":
    main()
