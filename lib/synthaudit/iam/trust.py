"""Role trust policies that hand a role to too many people.

A trust statement is too broad when it lets "*" or an account outside the organisation
assume the role, lets an unconditioned web-identity or SAML provider in, uses Allow with
NotPrincipal, or lets the synthetic environment assume a production role.

For "*", outside accounts and the synthetic environment, the statement's conditions are
decided by the engine's condition evaluation in the trusted principal's request context
(its account, its organisation, its tags when the snapshot has it): a condition that
cannot hold there (aws:PrincipalOrgID of the organisation for an outsider) closes the
path; conditions it cannot decide (sts:ExternalId, aws:SourceIdentity,
aws:MultiFactorAuthPresent, tags of an account's unknown principals) narrow it, and the
issue carries them. A role's own account is never "outside the organisation".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from synthaudit.arn import account_of
from synthaudit.iam.conditions import NO, YES, Context, evaluate_conditions
from synthaudit.iam.policy import Statement

if TYPE_CHECKING:
    from synthaudit.iam.model import Principal
    from synthaudit.iam.store import PolicyStore

ASSUME_ACTIONS = {"sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml", "sts:*", "*"}
UNNARROWED = " and no condition narrows it (sts:ExternalId, aws:PrincipalOrgID, exact principals)"


OPEN, NARROWED, CLOSED = "open", "narrowed", "closed"
# keys whose values, when they all name the organisation, an outsider's request can never match
OUTSIDER_KEYS = ("aws:principalorgid", "aws:principalaccount", "aws:principalarn")
OUTSIDE = "(outside the organisation)"


@dataclass(frozen=True)
class TrustIssue:
    """One trusted principal of one statement. ``state``: open (nothing narrows it), narrowed
    (conditions the kit cannot decide stand in the way, listed in ``conditions``) or closed (a
    condition the kit decides removes the path: e.g. aws:PrincipalOrgID of the organisation for
    an account outside it)."""

    role: str
    sid: str
    principal: str
    problem: str
    state: str = OPEN
    conditions: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        out = {"sid": self.sid, "principal": self.principal, "problem": self.problem}
        if self.state != OPEN:
            out["state"] = self.state
        if self.conditions:
            out["conditions"] = list(self.conditions)
        return out


def _keys(stmt: Statement) -> set[str]:
    return {c.key.lower() for c in stmt.conditions}


def _assume(stmt: Statement) -> bool:
    acts = {a.lower() for a in stmt.actions}
    if stmt.not_action:
        return not (acts & ASSUME_ACTIONS)
    return bool(acts & ASSUME_ACTIONS) or any(a.startswith("sts:assumerole") and "*" in a for a in acts)


def known_accounts(store: "PolicyStore") -> set[str]:
    """Accounts of the organisation; without organisation data, the accounts the snapshot covers."""
    if store.org.accounts:
        return set(store.org.accounts)
    return {p.account for p in store.principal_records()} | set(store.org.account_environments)


def trusted_environment(store: "PolicyStore", value: str) -> str:
    if value in store.principals():
        return store.environment_of(value)
    acct = value if value.isdigit() else account_of(value)
    return store.org.account_environments.get(acct, "unknown")


def _outsider_values(store: "PolicyStore", stmt: Statement, org_accounts: set[str]) -> dict[str, str]:
    """Keys an outsider's request provably fails: every value the statement compares them with
    names the organisation (its id, one of its accounts, an ARN in one of them)."""
    org_id = (store.org.org_id or "").lower()
    names_org = {
        "aws:principalorgid": lambda v: bool(org_id) and v.lower() == org_id,
        "aws:principalaccount": lambda v: v in org_accounts,
        "aws:principalarn": lambda v: account_of(v) in org_accounts,
    }
    out = {}
    for key in OUTSIDER_KEYS:
        values = [v for c in stmt.conditions if c.key.lower() == key for v in c.values]
        if values and all(names_org[key](v) for v in values):
            out[key] = OUTSIDE if key != "aws:principalarn" else f"arn:aws:iam::{OUTSIDE}:root"
    return out


def trusted_context(store: "PolicyStore", stmt: Statement, value: str, org_accounts: set[str]) -> Context:
    """What the snapshot knows of a request by the trusted ``value`` ("*", an account, an ARN)."""
    if value in store.principals():
        return store.principal_context(store.principal(value))
    acct = value if value.isdigit() else account_of(value) if value != "*" else ""
    values: dict[str, object] = {}
    if acct:
        values["aws:PrincipalAccount"] = acct
        if not value.isdigit() and not value.endswith(":root"):
            values["aws:PrincipalArn"] = value
    inside = bool(acct) and acct in org_accounts
    if inside and store.org.org_id:
        values["aws:PrincipalOrgID"] = store.org.org_id
    elif not inside:
        outsider = _outsider_values(store, stmt, org_accounts)
        values.update({k: v for k, v in outsider.items() if k.lower() not in {x.lower() for x in values}})
    return Context.build(values)


def _decide(store: "PolicyStore", role: "Principal", stmt: Statement, value: str, problem: str,
            org_accounts: set[str]) -> TrustIssue:
    """The issue, open, narrowed or closed by the statement's conditions for this trusted principal."""
    state, open_conditions = evaluate_conditions(stmt.conditions, trusted_context(store, stmt, value, org_accounts))
    if state == YES:
        return TrustIssue(role.arn, stmt.label, value, problem + UNNARROWED)
    if state == NO:
        decided = tuple(c.text() for c in stmt.conditions)
        return TrustIssue(role.arn, stmt.label, value, problem, CLOSED, decided)
    return TrustIssue(role.arn, stmt.label, value, problem, NARROWED, tuple(c.text() for c in open_conditions))


def role_issues(store: "PolicyStore", role: "Principal") -> list[TrustIssue]:
    """Every trust issue of ``role``, closed ones included (the caller reports only open and narrowed)."""
    issues: list[TrustIssue] = []
    if role.trust is None:
        return issues
    org_accounts = known_accounts(store) | {role.account}
    for stmt in role.trust.statements:
        if stmt.effect != "Allow" or not _assume(stmt):
            continue
        keys = _keys(stmt)
        if stmt.not_principal:
            issues.append(TrustIssue(role.arn, stmt.label, "NotPrincipal",
                                     "Allow with NotPrincipal lets every principal except those listed assume the role"))
            continue
        for ptype, value in stmt.principals:
            if ptype == "*" or (ptype == "AWS" and value == "*"):
                issues.append(_decide(store, role, stmt, "*", "any AWS principal can assume the role", org_accounts))
                continue
            if ptype == "AWS":
                acct = value if value.isdigit() else account_of(value)
                if acct and acct not in org_accounts:
                    issues.append(_decide(store, role, stmt, value, f"account {acct} is outside the organisation",
                                          org_accounts))
                if role.environment == "production" and trusted_environment(store, value) == "synthetic":
                    issues.append(_decide(store, role, stmt, value,
                                          "a production role is assumable from the synthetic environment", org_accounts))
            elif ptype == "Federated":
                if ":saml-provider/" in value:
                    if not keys:
                        issues.append(TrustIssue(role.arn, stmt.label, value,
                                                 "SAML federation without any condition (e.g. SAML:aud)"))
                elif not any(k.endswith(":sub") or k.endswith(":aud") or k.endswith(":amr") for k in keys):
                    issues.append(TrustIssue(role.arn, stmt.label, value,
                                             "web-identity federation without sub/aud conditions: any identity of the provider can assume it"))
    return issues
