"""External exposure: resources whose policy or sharing attribute admits everyone or an account
outside the organisation, classified or not (a production bucket shared with a partner included).

One check over a table of resource kinds, each with the readers that turn its columns into
grants (``iam.exposure.Grant``): resource policies (S3, KMS, Lambda, Glue Data Catalog, SQS,
SNS) are read by the IAM engine (``iam.exposure.policy_grants``: conditions decided by its
condition model), sharing attributes (createVolumePermission, RDS restore, AMI
launchPermission) and Lake Formation grants name accounts or organisations directly, S3 ACLs
name the public groups. Severity follows what is exposed: production data
critical to everyone, high to an outside account; anything else medium / low.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from synthaudit import arn as aws_arn
from synthaudit.findings import Finding
from synthaudit.iam.exposure import EVERYONE, OUTSIDE, Grant, account_of, safe_policy_grants

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.rows import detail_gap

FAMILY = "exposure"
CHECK_ID = "EXTERNAL_ACCESS_TO_RESOURCE"
PUBLIC_GROUPS = {"http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers"}
# (environment is production, scope) -> severity
SEVERITY = {(True, EVERYONE): "critical", (True, OUTSIDE): "high", (False, EVERYONE): "medium", (False, OUTSIDE): "low"}

# A reader: (grants, why the row could not be read or None).
Reader = Callable[[CheckContext, dict[str, Any]], tuple[list[Grant], str | None]]


def resource_policy(column: str, public_blocked_by: str | None = None) -> Reader:
    """Grants of the resource policy in ``column``; ``public_blocked_by``: a boolean column that,
    when true, makes AWS ignore grants to everyone (S3 RestrictPublicBuckets)."""
    def read(ctx: CheckContext, row: dict[str, Any]) -> tuple[list[Grant], str | None]:
        grants, error = safe_policy_grants(row.get(column), row["arn"], ctx.org_boundary)
        if public_blocked_by and row.get(public_blocked_by) is True:
            grants = [g for g in grants if g.scope != EVERYONE]
        return grants, error
    read.__doc__ = f"the resource policy in {column}"
    return read


def s3_acl(ctx: CheckContext, row: dict[str, Any]) -> tuple[list[Grant], str | None]:
    """ACL grants to the public groups, unless IgnorePublicAcls makes AWS ignore them."""
    if row.get("ignore_public_acls") is True:
        return [], None
    grants = [Grant("*", EVERYONE, f"ACL {PUBLIC_GROUPS[g['grantee']]}", (str(g.get("permission")),))
              for g in row.get("acl_grants") or [] if g.get("grantee") in PUBLIC_GROUPS]
    return grants, None


def _principal_grant(ctx: CheckContext, principal: str, via: str, actions: tuple[str, ...] = ()) -> Grant | None:
    """An account, a principal of an account, or an organisation / OU ARN as a grant (None: no account)."""
    parsed = aws_arn.parse(principal)
    org = ctx.org_boundary
    if parsed is not None and parsed.service == "organizations":
        org_id = parsed.resource.split("/")[1] if "/" in parsed.resource else ""
        inside = org.holds(org_id)
        return Grant(principal if not inside else parsed.account, "known" if inside else OUTSIDE, via, actions)
    account = account_of(principal)
    return Grant(account, org.scope(account), via, actions) if account else None


def sharing_attribute(attribute: str) -> Reader:
    """Who ``shared_with`` (accounts, organisation / OU ARNs) and ``public`` name: who may restore,
    copy or launch the snapshot or image. ``shared_with`` null: the attribute was not read."""
    def read(ctx: CheckContext, row: dict[str, Any]) -> tuple[list[Grant], str | None]:
        shared = row.get("shared_with")
        grants = [g for a in shared or [] if str(a) != "all"
                  if (g := _principal_grant(ctx, str(a), f"{attribute} attribute")) is not None]
        if row.get("public") or "all" in (shared or []):
            grants.append(Grant("*", EVERYONE, f"{attribute} attribute (all)"))
        return grants, None if shared is not None else f"the {attribute} attribute could not be read"
    read.__doc__ = f"the {attribute} sharing attribute"
    return read


def lake_formation(ctx: CheckContext, row: dict[str, Any]) -> tuple[list[Grant], str | None]:
    """The grant's principal: an account, a principal of an account, or an organisation / OU."""
    grant = _principal_grant(ctx, str(row.get("principal") or ""), "Lake Formation grant",
                             tuple(row.get("permissions") or ()))
    # no account: IAM_ALLOWED_PRINCIPALS, SAML groups: principals of the account itself
    return ([grant] if grant else []), None


def customer_keys(row: dict[str, Any]) -> bool:
    return (row.get("key_manager") or "CUSTOMER") != "AWS"  # AWS managed keys' policies are AWS's


@dataclass(frozen=True)
class Source:
    kind: str
    readers: tuple[Reader, ...]
    detail_calls: tuple[str, ...] = ()     # detail reads (``detail_errors``) whose failure leaves the row undecidable
    select: Callable[[dict[str, Any]], bool] = lambda row: True


SOURCES: tuple[Source, ...] = (
    Source("s3_buckets", (resource_policy("policy", "restrict_public_buckets"), s3_acl), ("policy", "acl")),
    Source("kms_keys", (resource_policy("policy"),), select=customer_keys),
    Source("ec2_snapshots", (sharing_attribute("createVolumePermission"),)),
    Source("rds_snapshots", (sharing_attribute("restore"),)),
    Source("rds_cluster_snapshots", (sharing_attribute("restore"),)),
    Source("lambda_functions", (resource_policy("policy"),)),
    Source("lakeformation_permissions", (lake_formation,)),
    Source("ec2_images", (sharing_attribute("launchPermission"),)),
    Source("glue_catalogs", (resource_policy("policy"),), ("getresourcepolicy",)),
    Source("sqs_queues", (resource_policy("policy"),), ("getqueueattributes",)),
    Source("sns_topics", (resource_policy("policy"),), ("gettopicattributes",)),
)


def _grant_evidence(ctx: CheckContext, grant: Grant) -> dict[str, Any]:
    out = grant.to_dict()
    if grant.grantee != "*" and len(grant.grantee) == 12:
        out["environment"] = ctx.account_environment(grant.grantee)
        if grant.grantee in ctx.classifier.third_parties:
            out["third_party"] = ctx.classifier.third_parties[grant.grantee]
    return out


def _decide(ctx: CheckContext, source: Source, rows: list[dict[str, Any]]) -> Finding:
    row = rows[0]
    grants: list[Grant] = []
    errors: list[str] = []
    for r in rows:
        for reader in source.readers:
            found, error = reader(ctx, r)
            grants.extend(found)
            if error:
                errors.append(error)
        if gap := detail_gap(r, source.detail_calls) if source.detail_calls else None:
            errors.append(f"detail read failed: {gap}")
    exposed = sorted(set(g for g in grants if g.scope in (EVERYONE, OUTSIDE)),
                     key=lambda g: (g.grantee, g.via, g.actions, g.conditions))
    known = sorted({g.grantee for g in grants if g.scope not in (EVERYONE, OUTSIDE)})
    evidence: dict[str, Any] = {"exposed_to": [_grant_evidence(ctx, g) for g in exposed],
                                "organisation_grantees": known}
    if exposed:
        production = row.get("environment") == "production"
        severity = max((SEVERITY[(production, g.scope)] for g in exposed), key=["low", "medium", "high", "critical"].index)
        evidence["edges"] = [{"source": aws_arn.iam_root(g.grantee) if g.grantee != "*" else "*",
                              "target": row["arn"], "via": g.via} for g in exposed]
        return ctx.finding(CHECK_ID, row, "FAIL", evidence=evidence, severity=severity)
    if errors:
        return ctx.finding(CHECK_ID, row, "NOT_ASSESSED", evidence=evidence, reason="; ".join(sorted(set(errors)))[:300])
    return ctx.finding(CHECK_ID, row, "PASS", evidence=evidence)


def _external_access(ctx: CheckContext) -> list[Finding]:
    out = []
    for source in SOURCES:
        by_arn: dict[str, list[dict[str, Any]]] = {}
        for row in ctx.rows_or_empty(source.kind):
            if source.select(row):
                by_arn.setdefault(row["arn"], []).append(row)
        out.extend(_decide(ctx, source, rows) for _, rows in sorted(by_arn.items()))
    return out


CHECKS: tuple[Check, ...] = (
    Check(CHECK_ID, FAMILY, tuple(s.kind for s in SOURCES), _external_access),
)
