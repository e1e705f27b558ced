"""Bench: the IAM engine's full phase-03 evaluation vs `cloudsplaining scan`, same input, same run.

Builds one account's GetAccountAuthorizationDetails shaped like a real mid-sized
account: N roles (default 1,000) with 5-10 real AWS managed policies each (moto ships
AWS's managed policy documents; popular policies recur, a long tail appears once or
twice), one or two inline policies (data access, ops with tag conditions and a deny),
10% with a permissions boundary; N/5 users in 20 groups that carry managed policies and
an MFA deny, some users with direct policies and an inline self-service policy. Writes
it to a JSON file, then times:

  engine:         load the action database + parse the file into a PolicyStore +
                  the whole phase 03 review (synthetic->production reachability over
                  data stores with resource policies, escalation paths, trust,
                  wildcards) with conditions, boundaries and SCPs evaluated; timed in
                  process (imports excluded) and as `synthaudit iam review` (CLI wall)
  cloudsplaining: `scan_account_authorization_details` timed in a fresh process
                  (imports excluded) and `cloudsplaining scan` (CLI wall); it ignores
                  conditions, boundaries and SCPs

Usage: .venv/bin/python bench/iam.py [--roles 1000] [--seed 7] [--inline-copies 0] [--skip-peer]
Needs the `peers` extra for cloudsplaining: pip install -e '.[peers]'.
"""
from __future__ import annotations

import argparse
import json
import os
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


# The shape of a real, mid-sized account (AWS's own guidance and public account dumps):
# workload roles carry several AWS managed policies each (a compute service's execution
# policy, read-only/observability policies, a few service policies), plus inline
# policies; humans are users in groups that carry managed policies. Popular managed
# policies recur across roles and a long tail appears once or twice (Zipf-like reuse).
ATTACHED_PER_ROLE = (5, 10)     # AWS managed policies attached to each role
INLINE_EXTRA_SHARE = 0.5        # roles with a second, conditioned inline policy
BOUNDARY_SHARE = 0.1            # roles with a permissions boundary (customer managed)
N_GROUPS = 20
GROUP_POLICIES = (2, 5)         # AWS managed policies per group
USERS_PER_1000_ROLES = 200
USER_GROUPS = (1, 3)
USER_DIRECT = (0, 2)            # AWS managed policies attached directly to a user


def _zipf_pick(rng: random.Random, ranked: list[str], k: int) -> list[str]:
    """k distinct names, rank r drawn with weight 1/(r+1): popular policies recur, a long tail appears."""
    weights = [1.0 / (r + 1) for r in range(len(ranked))]
    out: set[str] = set()
    while len(out) < k:
        out.add(rng.choices(ranked, weights=weights, k=1)[0])
    return sorted(out)


def _policy_entry(name: str, arn: str, path: str, version: str, document: dict) -> dict:
    return {"PolicyName": name, "PolicyId": f"ANPA{abs(hash(name)) % 10**16:016d}", "Arn": arn, "Path": path,
            "DefaultVersionId": version, "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": "2020-01-01T00:00:00Z", "UpdateDate": "2020-01-01T00:00:00Z",
            "PolicyVersionList": [{"Document": document, "VersionId": version, "IsDefaultVersion": True,
                                   "CreateDate": "2020-01-01T00:00:00Z"}]}


def build_details(n_roles: int, seed: int, inline_copies: int = 0) -> tuple[dict, list[dict], list[dict], dict]:
    """``inline_copies``: also give each role that many inline policies whose documents are copies of
    AWS managed policies (the copy-paste habit): cloudsplaining expands every inline policy of every
    role on its own, so its time grows with them much faster than the engine's (0 = the default shape)."""
    rng = random.Random(seed)
    aws = managed_policies()
    ranked = sorted(aws)
    rng.shuffle(ranked)           # popularity rank: a seeded permutation of every AWS managed policy
    aws_arn = {n: f"arn:aws:iam::aws:policy{aws[n]['Path']}{n}" for n in aws}
    boundary_arn = f"arn:aws:iam::{ACCOUNT}:policy/bench-workload-boundary"
    used: set[str] = set()
    roles = []
    for i in range(n_roles):
        env = "synthetic" if i % 2 else "production"
        attached = _zipf_pick(rng, ranked, rng.randint(*ATTACHED_PER_ROLE))
        used.update(attached)
        svc = SERVICES[i % len(SERVICES)]
        bucket = f"{'synth' if env == 'synthetic' else 'prod'}-data-{i % 10}"
        inline = [{"PolicyName": "data", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Sid": "Data", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]},
            {"Sid": "Tagged", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/Environment": env}}}]}}]
        if rng.random() < INLINE_EXTRA_SHARE:
            inline.append({"PolicyName": "ops", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/{env}/*"},
                {"Sid": "Params", "Effect": "Allow", "Action": ["ssm:GetParameter*", "secretsmanager:GetSecretValue"],
                 "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/Team": f"team-{i % 7}"}}},
                {"Sid": "NoProdFromHere", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::prod-*",
                 "Condition": {"StringNotEquals": {"aws:PrincipalTag/Environment": "production"}}}]}})
        for j, name in enumerate(_zipf_pick(rng, ranked, inline_copies) if inline_copies else []):
            inline.append({"PolicyName": f"copied-{j}", "PolicyDocument": aws[name]["Document"]})
        role = {
            "Path": f"/{env}/", "RoleName": f"{env}-role-{i:04d}", "RoleId": f"AROA{i:016d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{env}/{env}-role-{i:04d}",
            "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": f"{svc}.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [],
            "RolePolicyList": inline,
            "AttachedManagedPolicies": [{"PolicyName": n, "PolicyArn": aws_arn[n]} for n in attached],
            "Tags": [{"Key": "Environment", "Value": env}],
            "RoleLastUsed": {},
        }
        if rng.random() < BOUNDARY_SHARE:
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary_arn}
        roles.append(role)
    groups = []
    for g in range(N_GROUPS):
        pols = _zipf_pick(rng, ranked, rng.randint(*GROUP_POLICIES))
        used.update(pols)
        groups.append({"Path": "/", "GroupName": f"group-{g:02d}", "GroupId": f"AGPA{g:016d}",
                       "Arn": f"arn:aws:iam::{ACCOUNT}:group/group-{g:02d}", "CreateDate": "2026-01-01T00:00:00Z",
                       "GroupPolicyList": [{"PolicyName": "mfa", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                           {"Sid": "DenyWithoutMfa", "Effect": "Deny", "NotAction": ["iam:*", "sts:GetSessionToken"],
                            "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}}],
                       "AttachedManagedPolicies": [{"PolicyName": n, "PolicyArn": aws_arn[n]} for n in pols]})
    users = []
    for u in range(max(1, n_roles * USERS_PER_1000_ROLES // 1000)):
        env = "synthetic" if u % 2 else "production"
        direct = _zipf_pick(rng, ranked, rng.randint(*USER_DIRECT)) if USER_DIRECT[1] else []
        used.update(direct)
        user = {"Path": "/", "UserName": f"user-{u:04d}", "UserId": f"AIDA{u:016d}",
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/user-{u:04d}", "CreateDate": "2026-01-01T00:00:00Z",
                "GroupList": sorted(rng.sample([g["GroupName"] for g in groups], k=rng.randint(*USER_GROUPS))),
                "AttachedManagedPolicies": [{"PolicyName": n, "PolicyArn": aws_arn[n]} for n in direct],
                "UserPolicyList": [], "Tags": [{"Key": "Environment", "Value": env}]}
        if rng.random() < 0.2:
            user["UserPolicyList"] = [{"PolicyName": "own-keys", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"],
                 "Resource": "arn:aws:iam::*:user/${aws:username}"}]}}]
        users.append(user)
    policies = [_policy_entry(n, aws_arn[n], aws[n]["Path"], aws[n]["DefaultVersionId"], aws[n]["Document"])
                for n in sorted(used)]
    policies.append(_policy_entry("bench-workload-boundary", boundary_arn, "/", "v1", {
        "Version": "2012-10-17", "Statement": [
            {"Sid": "Workloads", "Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
             "Resource": "*"},
            {"Sid": "ReadIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:PassRole"], "Resource": "*"}]}))
    details = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}
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
    for u in users:
        env = u["Tags"][0]["Value"]
        resources.append({"arn": u["Arn"], "account": ACCOUNT, "environment": env,
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
    ap.add_argument("--inline-copies", type=int, default=0,
                    help="inline copies of AWS managed policy documents per role (default 0: the mid-sized shape)")
    ap.add_argument("--skip-peer", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        details, resources, resource_policies, organizations = build_details(args.roles, args.seed, args.inline_copies)
        path = tmp_path / "account-authorization-details.json"
        path.write_text(json.dumps(details))
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2-core machine)")
        attached = [len(r["AttachedManagedPolicies"]) for r in details["RoleDetailList"]]
        print(f"input: {args.roles} roles ({sum(attached) / len(attached):.1f} attached managed policies each, "
              f"{sum(len(r['RolePolicyList']) for r in details['RoleDetailList'])} inline), "
              f"{len(details['UserDetailList'])} users in {len(details['GroupDetailList'])} groups, "
              f"{len(details['Policies'])} distinct managed policies, {path.stat().st_size / 1e6:.1f} MB")
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
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
