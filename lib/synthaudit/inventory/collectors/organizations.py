"""AWS Organizations: the OU tree, accounts with their parents, SCPs with content and targets.

Read once, from the management account. moto does not list SCPs inherited from a
parent OU, and neither does ListPoliciesForTarget in AWS: targets are recorded per
policy and consumers walk ``ParentId`` up the tree.
"""
from __future__ import annotations

from typing import Any

from synthaudit import arn as aws_arn
from synthaudit.inventory.base import Scope, paginate, parse_policy, to_jsonable

SERVICE = "organizations"
SCOPE = "organization"  # once per run


def collect(scope: Scope) -> None:
    org = scope.client("organizations")
    organization = org.describe_organization()["Organization"]
    roots = list(paginate(org, "list_roots", "Roots"))
    ous: list[dict[str, Any]] = []
    accounts: dict[str, dict[str, Any]] = {}
    pending = [r["Id"] for r in roots]
    while pending:
        parent = pending.pop(0)
        for ou in paginate(org, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
            ous.append({"Id": ou["Id"], "Name": ou.get("Name"), "Arn": ou.get("Arn"), "ParentId": parent})
            pending.append(ou["Id"])
        for acct in paginate(org, "list_accounts_for_parent", "Accounts", ParentId=parent):
            accounts[acct["Id"]] = {**_account(acct), "ParentId": parent}
    for acct in paginate(org, "list_accounts", "Accounts"):  # anything the walk missed
        accounts.setdefault(acct["Id"], {**_account(acct), "ParentId": None})
    for acct_id, acct in accounts.items():
        tags, _ = scope.detail(f"organizations:ListTagsForResource {acct_id}", lambda a=acct_id: list(
            paginate(org, "list_tags_for_resource", "Tags", ResourceId=a)))
        acct["Tags"] = tags or []
    policies = []
    for summary in paginate(org, "list_policies", "Policies", Filter="SERVICE_CONTROL_POLICY"):
        pid = summary["Id"]
        described, _ = scope.detail(f"organizations:DescribePolicy {pid}",
                                    lambda p=pid: org.describe_policy(PolicyId=p)["Policy"])
        targets, _ = scope.detail(f"organizations:ListTargetsForPolicy {pid}", lambda p=pid: list(
            paginate(org, "list_targets_for_policy", "Targets", PolicyId=p)))
        policies.append({
            "Id": pid, "Name": summary.get("Name"), "Arn": summary.get("Arn"), "Type": summary.get("Type"),
            "AwsManaged": summary.get("AwsManaged"), "Description": summary.get("Description"),
            "Content": parse_policy((described or {}).get("Content")),
            "Targets": sorted(t["TargetId"] for t in (targets or [])),
        })
    raw = {
        "organization": to_jsonable(organization),
        "roots": sorted(to_jsonable(roots), key=lambda r: r["Id"]),
        "ous": sorted(ous, key=lambda o: o["Id"]),
        "accounts": sorted(to_jsonable(list(accounts.values())), key=lambda a: a["Id"]),
        "policies": sorted(policies, key=lambda p: p["Id"]),
    }
    scope.output.raw["organizations"] = raw


def _account(acct: dict[str, Any]) -> dict[str, Any]:
    return {"Id": acct["Id"], "Name": acct.get("Name"), "Arn": acct.get("Arn"), "Email": acct.get("Email"),
            "Status": acct.get("Status")}


def ou_path(raw: dict[str, Any], parent_id: str | None) -> tuple[list[str], list[str]]:
    """(names, ids) of the OUs from the root down to ``parent_id``."""
    ous = {o["Id"]: o for o in raw.get("ous", [])}
    names: list[str] = []
    ids: list[str] = []
    seen: set[str] = set()
    while parent_id in ous and parent_id not in seen:
        seen.add(parent_id)
        names.insert(0, ous[parent_id].get("Name") or parent_id)
        ids.insert(0, parent_id)
        parent_id = ous[parent_id].get("ParentId")
    return names, ids


def org_rows(raw: dict[str, Any] | None, params: Any) -> dict[str, list[dict[str, Any]]]:
    """org_accounts / org_units / org_policies rows from the raw document plus params accounts."""
    raw = raw or {}
    mgmt = params.management_account or (raw.get("organization") or {}).get("MasterAccountId") or params.accounts[0].id
    org_id = (raw.get("organization") or {}).get("Id") or "o-unknown"
    in_params = {a.id: a for a in params.accounts}
    rows: dict[str, list[dict[str, Any]]] = {"org_accounts": [], "org_units": [], "org_policies": []}
    org_accounts = {a["Id"]: a for a in raw.get("accounts", [])}
    for acct_id in sorted(set(org_accounts) | set(in_params)):
        acct = org_accounts.get(acct_id, {})
        names, ids = ou_path(raw, acct.get("ParentId"))
        rows["org_accounts"].append({
            "arn": aws_arn.organizations_account(mgmt, org_id, acct_id),
            "account": acct_id, "region": "global",
            "name": acct.get("Name") or (in_params[acct_id].name if acct_id in in_params else acct_id),
            "tags": {t["Key"]: t["Value"] for t in acct.get("Tags", [])},
            "account_id": acct_id, "email": acct.get("Email"), "status": acct.get("Status"),
            "parent_id": acct.get("ParentId"), "ou_path": names, "ou_ids": ids,
            "in_params": acct_id in in_params, "in_organization": acct_id in org_accounts,
        })
    for ou in raw.get("ous", []):
        names, _ = ou_path(raw, ou["Id"])
        rows["org_units"].append({
            "arn": ou.get("Arn") or aws_arn.build("organizations", "", mgmt, f"ou/{org_id}/{ou['Id']}"),
            "account": mgmt, "region": "global", "name": ou.get("Name"), "tags": {},
            "ou_id": ou["Id"], "parent_id": ou.get("ParentId"), "ou_path": names,
        })
    for pol in raw.get("policies", []):
        rows["org_policies"].append({
            "arn": pol.get("Arn") or aws_arn.build("organizations", "", mgmt, f"policy/{org_id}/service_control_policy/{pol['Id']}"),
            "account": mgmt, "region": "global", "name": pol.get("Name"), "tags": {},
            "policy_id": pol["Id"], "type": pol.get("Type"), "aws_managed": pol.get("AwsManaged"),
            "description": pol.get("Description"), "content": pol.get("Content"), "targets": pol.get("Targets", []),
        })
    return rows
