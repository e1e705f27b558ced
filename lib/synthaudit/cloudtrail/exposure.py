"""Who a resource-policy change admits: the policy in a CloudTrail record, read by the IAM engine.

Calls that set a resource policy or grant (S3 bucket policies and ACLs, KMS key policies, SQS
queue and SNS topic policies, ECR repository policies, OpenSearch / Elasticsearch access
policies, Glue resource policies, Lake Formation grants) carry the new policy in their
requestParameters. Each one is read by ``synthaudit.iam.exposure`` (the same reading as the
snapshot check EXTERNAL_ACCESS_TO_RESOURCE): every Allow statement's grantees are named:
everyone (``*``, or NotPrincipal), an account outside the known ones (params' accounts and
every account whose events are in the logs), or a known account, unless the statement's
conditions keep outsiders out (aws:PrincipalOrgID of the organisation, aws:SourceVpce,
aws:SourceIp ranges, ... decided by the condition model) or a Deny fences it, so
conditions count. The rows become the ``exposure_grants`` table the detectors read
(CT_RESOURCE_POLICY_EXPOSED, CT_PRODUCTION_BUCKET_POLICY_OPENED).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from synthaudit.iam import exposure

# (eventSource, eventName) -> where the policy text is in requestParameters (dotted path).
POLICY_AT: dict[tuple[str, str], str] = {
    ("s3.amazonaws.com", "PutBucketPolicy"): "bucketPolicy",
    ("kms.amazonaws.com", "PutKeyPolicy"): "policy",
    ("kms.amazonaws.com", "CreateKey"): "policy",
    ("sqs.amazonaws.com", "SetQueueAttributes"): "attributes.Policy",
    ("sqs.amazonaws.com", "CreateQueue"): "attributes.Policy",
    ("sns.amazonaws.com", "SetTopicAttributes"): "attributeValue",   # when attributeName is Policy
    ("ecr.amazonaws.com", "SetRepositoryPolicy"): "policyText",
    ("es.amazonaws.com", "UpdateElasticsearchDomainConfig"): "accessPolicies",
    ("es.amazonaws.com", "CreateElasticsearchDomain"): "accessPolicies",
    ("es.amazonaws.com", "UpdateDomainConfig"): "accessPolicies",
    ("es.amazonaws.com", "CreateDomain"): "accessPolicies",
    ("glue.amazonaws.com", "PutResourcePolicy"): "policyInJson",
}
ACL_EVENTS = {("s3.amazonaws.com", "PutBucketAcl")}
GRANT_EVENTS = {("lakeformation.amazonaws.com", "GrantPermissions"),
                ("lakeformation.amazonaws.com", "BatchGrantPermissions")}
EVENT_NAMES = sorted({name for _, name in (*POLICY_AT, *ACL_EVENTS, *GRANT_EVENTS)})
PUBLIC_GROUPS = {"AllUsers": "everyone", "AuthenticatedUsers": "every AWS account"}
CANNED_PUBLIC = {"public-read", "public-read-write", "authenticated-read"}
ACCOUNT_RE = re.compile(r"^(?:arn:aws[a-z-]*:iam::)?([0-9]{12})(?::|$)")

Grant = tuple[str, str, str]  # (grantee, scope: everyone | outside | known, detail)


def _at(params: dict[str, Any], path: str) -> Any:
    value: Any = params
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _scope(grantee: str, known: set[str]) -> str:
    return "known" if grantee in known else "outside"


def policy_grants(document: Any, name: str, known: set[str], org_id: str | None = None) -> list[Grant]:
    """Grantees the new policy admits (``iam.exposure``: conditions decided by the IAM engine's
    condition model); a document that does not parse names nobody."""
    grants, _ = exposure.safe_policy_grants(document, name, exposure.Org(frozenset(known), org_id))
    return [(g.grantee, g.scope, g.detail()) for g in grants]


def acl_grants(params: dict[str, Any]) -> list[Grant]:
    """Public grants of an S3 ACL: a canned public ACL, or a grant to the AllUsers / AuthenticatedUsers group."""
    grants: list[Grant] = []
    canned = params.get("x-amz-acl")
    for value in canned if isinstance(canned, list) else [canned]:
        if value in CANNED_PUBLIC:
            grants.append(("*", "everyone", f"canned ACL {value}"))
    text = json.dumps({k: v for k, v in params.items() if k != "x-amz-acl"})
    for group, who in PUBLIC_GROUPS.items():
        if f"/groups/global/{group}" in text:
            grants.append(("*", "everyone", f"ACL grants {who} ({group})"))
    return grants


def lake_formation_grants(params: dict[str, Any], known: set[str]) -> list[Grant]:
    entries = params.get("entries") if isinstance(params.get("entries"), list) else [params]
    grants: list[Grant] = []
    for entry in entries:
        principal = str(_at(entry, "principal.dataLakePrincipalIdentifier") or "")
        match = ACCOUNT_RE.match(principal)
        permissions = ",".join(map(str, entry.get("permissions") or [])) or "permissions"
        if principal in ("IAM_ALLOWED_PRINCIPALS", "*") or principal.endswith(":allIAMPrincipals"):
            grants.append(("*", "everyone", f"Lake Formation grants {permissions} to every IAM principal"))
        elif match:
            account = match.group(1)
            grants.append((account, _scope(account, known), f"Lake Formation grants {permissions} to account {account}"))
    return grants


def grants_of(source: str, name: str, request_parameters: str | None, known: set[str],
              org_id: str | None = None) -> list[Grant]:
    """Everyone and every account one call's new policy or grant admits."""
    try:
        params = json.loads(request_parameters or "null")
    except ValueError:
        return []
    if not isinstance(params, dict):
        return []
    if (source, name) in ACL_EVENTS:
        return acl_grants(params)
    if (source, name) in GRANT_EVENTS:
        return lake_formation_grants(params, known)
    path = POLICY_AT.get((source, name))
    if path is None or (name == "SetTopicAttributes" and params.get("attributeName") != "Policy"):
        return []
    document = _at(params, path)
    return policy_grants(document, f"{name} request", known, org_id) if document else []


def exposure_rows(con, known_accounts: Iterable[str], org_id: str | None = None) -> list[tuple]:
    """The ``exposure_grants`` table from the ``events`` relation: (event_id, grantee, scope,
    detail) for every grantee of every policy-setting call. Accounts whose events are in the
    logs count as known (a trail logs the organisation's own accounts)."""
    known = set(known_accounts) | {a for (a,) in con.execute(
        "SELECT DISTINCT account FROM events WHERE account IS NOT NULL").fetchall()}
    names = ", ".join(f"'{n}'" for n in EVENT_NAMES)
    calls = con.execute(f"SELECT event_id, event_source, event_name, request_parameters FROM events "
                        f"WHERE event_name IN ({names}) AND event_id IS NOT NULL").fetchall()
    rows = {(event_id, *grant) for event_id, source, name, text in calls
            for grant in grants_of(source, name, text, known, org_id)}
    return sorted(rows)
