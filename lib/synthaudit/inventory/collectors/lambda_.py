"""Lambda: functions with execution role, VPC placement and resource policy.
Environment variable values are never read into the snapshot (names only)."""
from __future__ import annotations

from synthaudit import arn as aws_arn
from synthaudit.inventory.base import Scope, paginate, parse_policy

SERVICE = "lambda"
SCOPE = "region"


def collect(scope: Scope) -> None:
    lam = scope.client("lambda")
    acct, region = scope.account, scope.region
    for fn in sorted(paginate(lam, "list_functions", "Functions"), key=lambda f: f["FunctionName"]):
        name = fn["FunctionName"]
        arn = fn.get("FunctionArn") or aws_arn.build("lambda", region, acct, f"function:{name}")
        policy, _ = scope.detail(f"lambda:GetPolicy {name}", lambda: lam.get_policy(FunctionName=name)["Policy"],
                                 ("ResourceNotFoundException",))
        tags, _ = scope.detail(f"lambda:ListTags {name}", lambda: lam.list_tags(Resource=arn).get("Tags", {}))
        vpc = fn.get("VpcConfig") or {}
        policy = parse_policy(policy)
        scope.output.add("lambda_functions", {
            "arn": arn, "account": acct, "region": region, "name": name, "tags": tags or {},
            "function_name": name, "runtime": fn.get("Runtime"), "handler": fn.get("Handler"),
            "role_arn": fn.get("Role"), "kms_key_arn": fn.get("KMSKeyArn"),
            "vpc_id": vpc.get("VpcId") or None, "subnet_ids": sorted(vpc.get("SubnetIds", []) or []),
            "security_group_ids": sorted(vpc.get("SecurityGroupIds", []) or []),
            "env_var_names": sorted(((fn.get("Environment") or {}).get("Variables") or {}).keys()),
            "policy": policy, "last_modified": fn.get("LastModified"),
        })
        scope.output.policy(arn, acct, region, "lambda", policy)
