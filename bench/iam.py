"""Bench: the IAM engine's full phase-03 evaluation vs `cloudsplaining scan`, same input, same run.

Builds one account's GetAccountAuthorizationDetails with N roles (default 1,000)
whose policies are real AWS managed policies (moto ships AWS's managed policy
documents) plus a small inline policy each, writes it to a JSON file, then times:

  engine:         load the action database + parse the file into a PolicyStore +
                  the whole phase 03 review (synthetic->production reachability over
                  data stores with resource policies, escalation paths, trust,
                  wildcards) with conditions, boundaries and SCPs evaluated; timed in
                  process (imports excluded) and as `synthaudit iam review` (CLI wall)
  cloudsplaining: `scan_account_authorization_details` timed in a fresh process
                  (imports excluded) and `cloudsplaining scan` (CLI wall); it ignores
                  conditions, boundaries and SCPs

Usage: .venv/bin/python bench/iam.py [--roles 1000] [--seed 7] [--skip-peer]
Needs the `peers` extra for cloudsplaining: pip install -e '.[peers]'.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCOUNT = "123456789012"
SYNTH_ACCOUNT = "210000000002"
ORG = "o-bench"
SERVICES = ["lambda", "ec2", "glue", "sagemaker", "states", "ecs-tasks"]


def managed_policies() -> dict[str, dict]:
    """AWS managed policy documents, as moto bundles them (name -> {Document, DefaultVersionId, Path})."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def build_details(n_roles: int, seed: int) -> tuple[dict, list[dict], list[dict], dict]:
    rng = random.Random(seed)
    aws = managed_policies()
    names = sorted(aws)
    used: set[str] = set()
    roles = []
    for i in range(n_roles):
        env = "synthetic" if i % 2 else "production"
        attached = sorted(set(rng.sample(names, k=rng.choice([1, 2, 3]))))
        used.update(attached)
        svc = SERVICES[i % len(SERVICES)]
        bucket = f"{'synth' if env == 'synthetic' else 'prod'}-data-{i % 10}"
        roles.append({
            "Path": f"/{env}/", "RoleName": f"{env}-role-{i:04d}", "RoleId": f"AROA{i:016d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{env}/{env}-role-{i:04d}",
            "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": f"{svc}.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": "data", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Data", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                 "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]},
                {"Sid": "Tagged", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:ResourceTag/Environment": env}}}]}}],
            "AttachedManagedPolicies": [{"PolicyName": n, "PolicyArn": f"arn:aws:iam::aws:policy{aws[n]['Path']}{n}"}
                                        for n in attached],
            "Tags": [{"Key": "Environment", "Value": env}],
            "RoleLastUsed": {},
        })
    policies = []
    for n in sorted(used):
        meta = aws[n]
        arn = f"arn:aws:iam::aws:policy{meta['Path']}{n}"
        policies.append({
            "PolicyName": n, "PolicyId": f"ANPA{abs(hash(n)) % 10**16:016d}", "Arn": arn, "Path": meta["Path"],
            "DefaultVersionId": meta["DefaultVersionId"], "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": meta.get("CreateDate", "2020-01-01T00:00:00Z"),
            "UpdateDate": meta.get("UpdateDate", "2020-01-01T00:00:00Z"),
            "PolicyVersionList": [{"Document": meta["Document"], "VersionId": meta["DefaultVersionId"],
                                   "IsDefaultVersion": True, "CreateDate": "2020-01-01T00:00:00Z"}],
        })
    details = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": policies}
    # data stores the reachability question is asked of: 10 production buckets and 5 keys, with policies
    resources, resource_policies = [], []
    for b in range(10):
        for env, prefix in (("production", "prod"), ("synthetic", "synth")):
            arn = f"arn:aws:s3:::{prefix}-data-{b}"
            resources.append({"arn": arn, "account": ACCOUNT, "environment": env, "tags": json.dumps({"Environment": env})})
            resource_policies.append({"arn": arn, "account": ACCOUNT, "policy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}})
    for k in range(5):
        arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/prod-{k}"
        resources.append({"arn": arn, "account": ACCOUNT, "environment": "production",
                          "tags": json.dumps({"Environment": "production"})})
        resource_policies.append({"arn": arn, "account": ACCOUNT, "policy": {"Version": "2012-10-17", "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "kms:*", "Resource": "*"}]}})
    for r in roles:
        env = r["Path"].strip("/")
        resources.append({"arn": r["Arn"], "account": ACCOUNT, "environment": env,
                          "tags": json.dumps({"Environment": env})})
    organizations = {
        "organization": {"Id": ORG, "MasterAccountId": "999999999999"}, "roots": [{"Id": "r-b"}],
        "ous": [{"Id": "ou-w", "Name": "Workloads", "ParentId": "r-b"}],
        "accounts": [{"Id": ACCOUNT, "ParentId": "ou-w"}, {"Id": "999999999999", "ParentId": "r-b"}],
        "policies": [
            {"Id": "p-full", "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY",
             "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
             "Targets": ["r-b", "ou-w", ACCOUNT]},
            {"Id": "p-guard", "Name": "Guardrails", "Type": "SERVICE_CONTROL_POLICY",
             "Content": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Deny", "Action": ["organizations:LeaveOrganization", "cloudtrail:StopLogging"],
                  "Resource": "*"}]},
             "Targets": ["ou-w"]}]}
    return details, resources, resource_policies, organizations


def run_engine(path: Path, resources, resource_policies, organizations) -> tuple[float, dict]:
    """In-process: action database load + store build + full review (imports excluded, done before)."""
    from synthaudit.iam import PolicyStore
    from synthaudit.iam.actions import database
    from synthaudit.iam.review import review

    start = time.perf_counter()
    database()
    db_seconds = time.perf_counter() - start
    details = json.loads(path.read_text())
    store = PolicyStore.from_documents(details, organizations=organizations, resource_policies=resource_policies,
                                       resources=resources)
    built = time.perf_counter()
    result = review(store)
    end = time.perf_counter()
    return end - start, {"database_load_s": round(db_seconds, 2), "store_build_s": round(built - start - db_seconds, 2),
                         "review_s": round(end - built, 2), "reachability_rows": len(result.reachability),
                         "escalation_paths": len(result.escalation_paths), "findings": result.counts()}


def write_snapshot(root: Path, details, resources, resource_policies, organizations) -> tuple[Path, Path]:
    """The same input as a run folder, for `synthaudit iam review` (CLI wall time, like `cloudsplaining scan`)."""
    import pandas as pd

    snap = root / "run" / "snapshot"
    (snap / "raw" / "iam").mkdir(parents=True)
    (snap / "tables").mkdir()
    (snap / "raw" / "iam" / f"{ACCOUNT}.json").write_text(json.dumps(details))
    (snap / "raw" / "organizations.json").write_text(json.dumps(organizations))
    (snap / "raw" / "resource_policies.json").write_text(json.dumps(resource_policies))
    pd.DataFrame([{**r, "environment_rule": "bench"} for r in resources]).to_parquet(snap / "tables" / "bench.parquet")
    params = root / "params.yaml"
    params.write_text(f'label: bench\nestate: aws\naccounts:\n  - {{id: "{ACCOUNT}", name: bench}}\n')
    return snap, params


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):   # 1 = findings at/above --fail-on, a normal outcome
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return str(exe)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed: .venv/bin/pip install -e '.[peers]' (or --skip-peer)")
    return found


CLOUDSPLAINING_IN_PROCESS = """
import json, sys, time
from cloudsplaining.command.scan import scan_account_authorization_details
from cloudsplaining.shared.exclusions import DEFAULT_EXCLUSIONS
cfg = json.loads(open(sys.argv[1]).read())
start = time.perf_counter()
scan_account_authorization_details(cfg, DEFAULT_EXCLUSIONS, "bench", None, write_data_files=False,
                                   return_json_results=True)
print(time.perf_counter() - start)
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-peer", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        details, resources, resource_policies, organizations = build_details(args.roles, args.seed)
        path = tmp_path / "account-authorization-details.json"
        path.write_text(json.dumps(details))
        print(f"input: {args.roles} roles, {len(details['Policies'])} distinct AWS managed policies, "
              f"{path.stat().st_size / 1e6:.1f} MB")
        engine_s, info = run_engine(path, resources, resource_policies, organizations)
        print(f"engine, in process (db load + parse + full phase 03 review): {engine_s:.2f} s  "
              f"{json.dumps(info, sort_keys=True)}")
        snap, params = write_snapshot(tmp_path, details, resources, resource_policies, organizations)
        engine_cli = wall([_tool("synthaudit"), "iam", "review", "--snapshot", str(snap), "--params", str(params),
                           "--out", str(tmp_path / "out")])
        print(f"engine, CLI wall (synthaudit iam review):                  {engine_cli:.2f} s")
        if args.skip_peer:
            return 0
        out = tmp_path / "cloudsplaining-out"
        out.mkdir()
        peer_cli = wall([_tool("cloudsplaining"), "scan", "--input-file", str(path), "--output", str(out),
                         "--skip-open-report"])
        proc = subprocess.run([sys.executable, "-c", CLOUDSPLAINING_IN_PROCESS, str(path)], capture_output=True,
                              text=True, check=True)
        peer_s = float(proc.stdout.strip().splitlines()[-1])
        print(f"cloudsplaining, in process (scan_account_authorization_details): {peer_s:.2f} s")
        print(f"cloudsplaining, CLI wall (cloudsplaining scan):                  {peer_cli:.2f} s")
        print(f"ratio in process (cloudsplaining / engine): {peer_s / engine_s:.2f}x")
        print(f"ratio CLI wall   (cloudsplaining / engine): {peer_cli / engine_cli:.2f}x   (target >= 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
