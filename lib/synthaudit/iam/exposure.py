"""Who a resource policy admits from outside the organisation, read by the IAM engine.

One reading for the snapshot check (checks/exposure.py) and for policy changes seen in
CloudTrail (cloudtrail/exposure.py). Each Allow statement of a policy parsed with
``parse_policy`` names its grantees: everyone (``*``, or NotPrincipal) or an account. A
grantee is admitted unless the statement's conditions, decided by the condition model
for a caller from outside (``conditions.evaluate_conditions``), keep it out:

- a condition that cannot hold for an outsider (the caller's VPC or VPC endpoint is
  absent, so ``StringEquals aws:SourceVpce`` fails) -> bounded;
- an undecided condition that pins the caller to the organisation (``aws:PrincipalOrgID``,
  ``aws:PrincipalAccount``, ``aws:PrincipalArn``, ``aws:SourceAccount`` ... with values all
  inside it) or to a network (``aws:SourceIp`` ranges, ``aws:SourceVpc(e)``) -> bounded;
- negated operators (``StringNotEquals``) and ``...IfExists`` never bound: an anonymous
  caller has no principal keys, and the negation admits everyone else;
- anything else (``s3:x-amz-acl``, ``aws:SecureTransport``) -> admitted, the open
  conditions named.

A Deny statement that covers the grant's actions and resources and applies to every
outsider (no condition, or only negated organisation/network conditions) fences it.
Service and federated principals are not accounts and are not judged here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthaudit import arn as aws_arn
from synthaudit.errors import ConditionError, PolicyError
from synthaudit.iam.conditions import MAYBE, NO, Context, evaluate_conditions, glob_match, split_operator
from synthaudit.iam.matching import action_matches
from synthaudit.iam.policy import RESOURCE, Condition, Statement, parse_policy

EVERYONE, OUTSIDE, KNOWN = "everyone", "outside", "known"
# keys that pin the caller (or the service acting for it) to named parties
PARTY_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
                        "aws:userid", "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
                        "aws:sourceowner"})
NETWORK_KEYS = frozenset({"aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:vpcsourceip"})
# an outside caller comes from outside any VPC of ours: these keys are absent
OUTSIDER = Context.build({"aws:sourcevpc": None, "aws:sourcevpce": None, "aws:vpcsourceip": None})


@dataclass(frozen=True)
class Org:
    """The organisation's boundary: member accounts and the organisation id. Without the id (a
    plain log scan, no params), an organisation id in a condition is taken as the organisation's."""

    members: frozenset[str]
    org_id: str | None = None

    def holds(self, value: str) -> bool:
        """A condition value or grantee inside the organisation: its id or an OU path under it, a
        member account, or an ARN of a member account (the organisation's own ARNs included)."""
        value = value.strip()
        if self.org_id and (value == self.org_id or value.startswith(f"{self.org_id}/")):
            return True
        if self.org_id is None and value.startswith("o-"):
            return True  # the organisation's id is not known (a plain log scan): taken as its own
        account = account_of(value)
        return bool(account) and account in self.members

    def scope(self, grantee: str) -> str:
        return EVERYONE if grantee == "*" else KNOWN if grantee in self.members else OUTSIDE


@dataclass(frozen=True)
class Grant:
    grantee: str                    # "*" or a 12-digit account
    scope: str                      # everyone | outside | known
    via: str                        # "statement <sid>", "ACL", "restore attribute", ...
    actions: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()  # open conditions the grantee must still meet

    def detail(self) -> str:
        who = "everyone" if self.grantee == "*" else f"account {self.grantee}"
        actions = ",".join(self.actions) or "access"
        cond = f" if {'; '.join(self.conditions)}" if self.conditions else ""
        return f"{self.via} allows {actions} to {who}{cond}"

    def to_dict(self) -> dict[str, Any]:
        return {"grantee": self.grantee, "scope": self.scope, "via": self.via, "actions": list(self.actions),
                "conditions": list(self.conditions)}


def account_of(value: str) -> str:
    """The account of a grantee: a bare 12-digit id or any ARN naming one (else "")."""
    value = value.strip()
    if len(value) == 12 and value.isdigit():
        return value
    return aws_arn.account_of(value) if value.startswith("arn:") else ""


def _bounds(cond: Condition, org: Org) -> bool:
    """An undecided condition that keeps every outsider out (see the module docstring)."""
    try:
        _, op, if_exists = split_operator(cond.operator)
    except ConditionError:
        return False
    if if_exists or "Not" in op or op == "Null":
        return False
    key = cond.key.lower()
    if key in NETWORK_KEYS:
        return True
    return key in PARTY_KEYS and bool(cond.values) and all(org.holds(v) for v in cond.values)


def _open_for(stmt: Statement, context: Context, org: Org) -> tuple[bool, tuple[str, ...]]:
    """(admits the outsider, open conditions) for one statement's conditions."""
    try:
        state, open_ = evaluate_conditions(stmt.conditions, context)
    except ConditionError as exc:
        return True, (f"undecidable: {exc}",)
    if state == NO:
        return False, ()
    if state == MAYBE and any(_bounds(c, org) for c in open_):
        return False, ()
    return True, tuple(c.text() for c in open_)


def _fences(deny: Statement, allow: Statement, org: Org) -> bool:
    """A Deny that applies to every outsider and covers everything ``allow`` grants."""
    if deny.not_action or deny.not_resource or allow.not_action or allow.not_resource:
        return False
    if not (deny.not_principal is False and any(v == "*" for _, v in deny.principals)):
        return False
    if not all(any(action_matches(p, a) for p in deny.actions) for a in allow.actions):
        return False
    if not all(any(glob_match(p, r) for p in deny.resources) for r in allow.resources):
        return False
    try:
        state, open_ = evaluate_conditions(deny.conditions, OUTSIDER)
    except ConditionError:
        return False
    if state == NO:
        return False
    return all(_negated_boundary(c, org) for c in open_)


def _negated_boundary(cond: Condition, org: Org) -> bool:
    """``StringNotEquals aws:PrincipalOrgID <ours>``: true for every caller outside the organisation."""
    try:
        _, op, if_exists = split_operator(cond.operator)
    except ConditionError:
        return False
    key = cond.key.lower()
    if "Not" not in op:
        return False
    if key in NETWORK_KEYS:
        return True
    return key in PARTY_KEYS and bool(cond.values) and all(org.holds(v) for v in cond.values)


def statement_grantees(stmt: Statement) -> list[str]:
    """"*" and the accounts an Allow statement names (service and federated principals left out)."""
    if stmt.not_principal or any(ptype == "*" or value == "*" for ptype, value in stmt.principals):
        return ["*"]
    found = [account_of(value) for ptype, value in stmt.principals if ptype == "AWS"]
    return sorted({a for a in found if a})


def policy_grants(document: Any, name: str, org: Org) -> list[Grant]:
    """Every grantee a resource policy admits, each with the open conditions it must meet.

    Raises PolicyError when the document does not parse (the caller says NOT_ASSESSED)."""
    if document is None:
        return []
    policy = parse_policy(document, name, RESOURCE)
    denies = [s for s in policy.statements if s.effect == "Deny"]
    grants: list[Grant] = []
    for stmt in policy.statements:
        if stmt.effect != "Allow" or any(_fences(d, stmt, org) for d in denies):
            continue
        for grantee in statement_grantees(stmt):
            context = OUTSIDER if grantee == "*" else OUTSIDER.merged(Context.build({"aws:principalaccount": grantee}))
            admitted, open_ = _open_for(stmt, context, org)
            if admitted:
                verb = "NotPrincipal" if stmt.not_principal else "statement"
                grants.append(Grant(grantee, org.scope(grantee), f"{verb} {stmt.label}",
                                    tuple(stmt.actions), open_))
    return sorted(set(grants), key=lambda g: (g.grantee, g.via, g.actions, g.conditions))


def safe_policy_grants(document: Any, name: str, org: Org) -> tuple[list[Grant], str | None]:
    """``policy_grants`` that returns (grants, None) or ([], why the document cannot be read)."""
    try:
        return policy_grants(document, name, org), None
    except (PolicyError, ValueError) as exc:
        return [], str(exc)[:200]
