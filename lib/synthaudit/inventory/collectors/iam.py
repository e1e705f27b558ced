"""IAM: users, groups, roles and managed policies from GetAccountAuthorizationDetails
(a handful of pages instead of several calls per principal), plus instance profiles.

Policies are joined by ARN (moto omits some names); an attached policy missing
from the Policies list (AWS-managed ones, in some emulators) is read with
GetPolicy + GetPolicyVersion and appended, so consumers always find a document.
"""
from __future__ import annotations

from typing import Any

from synthaudit.inventory.base import GLOBAL, Scope, iso, paginate, parse_policy, to_jsonable
from synthaudit.classify import tags_to_dict

SERVICE = "iam"
SCOPE = "account"
DETAIL_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def collect(scope: Scope) -> None:
    iam = scope.client("iam")
    merged: dict[str, list[dict[str, Any]]] = {key: [] for key in DETAIL_KEYS}
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        for key in DETAIL_KEYS:
            merged[key].extend(page.get(key, []) or [])
    merged = to_jsonable(merged)
    _parse_documents(merged)
    policies = {p["Arn"]: p for p in merged["Policies"]}
    attached = {
        a["PolicyArn"] for key in ("UserDetailList", "GroupDetailList", "RoleDetailList")
        for item in merged[key] for a in item.get("AttachedManagedPolicies", []) or []
    }
    for arn in sorted(attached - set(policies)):
        fetched, _ = scope.detail(f"iam:GetPolicy {arn}", lambda a=arn: _fetch_policy(iam, a))
        if fetched:
            policies[arn] = fetched
            merged["Policies"].append(fetched)
    for key, sort_key in (("UserDetailList", "Arn"), ("GroupDetailList", "Arn"), ("RoleDetailList", "Arn"), ("Policies", "Arn")):
        merged[key].sort(key=lambda item: item.get(sort_key) or "")
    scope.output.raw["iam"] = merged

    profiles = {p["Arn"]: p for p in to_jsonable(list(paginate(iam, "list_instance_profiles", "InstanceProfiles")))}
    for role in merged["RoleDetailList"]:
        for prof in role.get("InstanceProfileList", []) or []:
            profiles.setdefault(prof["Arn"], prof)
    acct = scope.account
    out = scope.output
    for role in merged["RoleDetailList"]:
        out.add("iam_roles", {
            **_principal(role, acct, "RoleName", "RoleId", "RolePolicyList"),
            "assume_role_policy": role.get("AssumeRolePolicyDocument"),
            "instance_profile_arns": sorted(p["Arn"] for p in role.get("InstanceProfileList", []) or []),
            "last_used_date": iso((role.get("RoleLastUsed") or {}).get("LastUsedDate")),
            "is_service_linked": (role.get("Path") or "").startswith("/aws-service-role/"),
            "is_audit_role": None,  # set by the runner (it knows the audit role)
            "audit_role_beyond_reading": None,  # set with it, for a role named as the audit role
        })
    for user in merged["UserDetailList"]:
        out.add("iam_users", {
            **_principal(user, acct, "UserName", "UserId", "UserPolicyList"),
            "group_names": sorted(user.get("GroupList", []) or []),
        })
    for group in merged["GroupDetailList"]:
        row = _principal(group, acct, "GroupName", "GroupId", "GroupPolicyList")
        row.pop("permissions_boundary_arn")
        out.add("iam_groups", row)
    for arn, pol in sorted(policies.items()):
        default = next((v for v in pol.get("PolicyVersionList", []) or [] if v.get("IsDefaultVersion")), None)
        out.add("iam_policies", {
            "arn": arn, "account": acct, "region": GLOBAL, "name": pol.get("PolicyName") or arn.rsplit("/", 1)[-1],
            "tags": tags_to_dict(pol.get("Tags")),
            "policy_id": pol.get("PolicyId"), "path": pol.get("Path"),
            "default_version_id": pol.get("DefaultVersionId"), "attachment_count": pol.get("AttachmentCount"),
            "is_aws_managed": arn.startswith("arn:aws:iam::aws:"),
            "document": (default or {}).get("Document"),
        })
    for arn, prof in sorted(profiles.items()):
        out.add("iam_instance_profiles", {
            "arn": arn, "account": acct, "region": GLOBAL, "name": prof.get("InstanceProfileName"),
            "tags": tags_to_dict(prof.get("Tags")), "instance_profile_id": prof.get("InstanceProfileId"),
            "path": prof.get("Path"), "role_arns": sorted(r["Arn"] for r in prof.get("Roles", []) or []),
        })


def _principal(item: dict[str, Any], acct: str, name_key: str, id_key: str, inline_key: str) -> dict[str, Any]:
    return {
        "arn": item["Arn"], "account": acct, "region": GLOBAL, "name": item.get(name_key),
        "tags": tags_to_dict(item.get("Tags")),
        "path": item.get("Path"), "unique_id": item.get(id_key), "create_date": iso(item.get("CreateDate")),
        "attached_policy_arns": sorted(a["PolicyArn"] for a in item.get("AttachedManagedPolicies", []) or []),
        "inline_policies": {p["PolicyName"]: p.get("PolicyDocument") for p in item.get(inline_key, []) or []},
        "permissions_boundary_arn": (item.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
    }


def _parse_documents(merged: dict[str, list[dict[str, Any]]]) -> None:
    """Policy documents as objects wherever they sit (botocore usually decodes them already)."""
    for role in merged["RoleDetailList"]:
        role["AssumeRolePolicyDocument"] = parse_policy(role.get("AssumeRolePolicyDocument"))
    for key, inline in (("UserDetailList", "UserPolicyList"), ("GroupDetailList", "GroupPolicyList"),
                        ("RoleDetailList", "RolePolicyList")):
        for item in merged[key]:
            for pol in item.get(inline, []) or []:
                pol["PolicyDocument"] = parse_policy(pol.get("PolicyDocument"))
    for pol in merged["Policies"]:
        for version in pol.get("PolicyVersionList", []) or []:
            version["Document"] = parse_policy(version.get("Document"))


def _fetch_policy(iam: Any, arn: str) -> dict[str, Any]:
    pol = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])["PolicyVersion"]
    version["Document"] = parse_policy(version.get("Document"))
    version["IsDefaultVersion"] = True
    return to_jsonable({**pol, "PolicyVersionList": [version]})
