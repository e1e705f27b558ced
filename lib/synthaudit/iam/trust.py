"""Role trust policies that hand a role to too many people.

A trust statement is too broad when it lets "*" assume the role without an
organisation/account/ARN condition, lets an account outside the organisation in
without sts:ExternalId, lets an unconditioned web-identity or SAML provider in, uses
Allow with NotPrincipal, or lets the synthetic environment assume a production role.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from synthaudit.arn import account_of
from synthaudit.iam.policy import Statement

if TYPE_CHECKING:
    from synthaudit.iam.model import Principal
    from synthaudit.iam.store import PolicyStore

ASSUME_ACTIONS = {"sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml", "sts:*", "*"}
# condition keys that pin "*" down to known principals
RESTRICTING_KEYS = {"aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:sourceaccount",
                    "aws:sourcearn", "aws:principalorgpaths", "aws:sourceorgid", "aws:userid"}


@dataclass(frozen=True)
class TrustIssue:
    role: str
    sid: str
    principal: str
    problem: str

    def to_dict(self) -> dict:
        return {"sid": self.sid, "principal": self.principal, "problem": self.problem}


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


def role_issues(store: "PolicyStore", role: "Principal") -> list[TrustIssue]:
    issues: list[TrustIssue] = []
    if role.trust is None:
        return issues
    org_accounts = known_accounts(store)
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
                if not keys & RESTRICTING_KEYS and "sts:externalid" not in keys:
                    issues.append(TrustIssue(role.arn, stmt.label, "*",
                                             "any AWS principal can assume the role (no organisation, account or ARN condition)"))
                continue
            if ptype == "AWS":
                acct = value if value.isdigit() else account_of(value)
                if acct and acct not in org_accounts and "sts:externalid" not in keys:
                    issues.append(TrustIssue(role.arn, stmt.label, value,
                                             f"account {acct} is outside the organisation and no sts:ExternalId is required"))
                if role.environment == "production" and trusted_environment(store, value) == "synthetic":
                    issues.append(TrustIssue(role.arn, stmt.label, value,
                                             "a production role is assumable from the synthetic environment"))
            elif ptype == "Federated":
                if ":saml-provider/" in value:
                    if not keys:
                        issues.append(TrustIssue(role.arn, stmt.label, value,
                                                 "SAML federation without any condition (e.g. SAML:aud)"))
                elif not any(k.endswith(":sub") or k.endswith(":aud") or k.endswith(":amr") for k in keys):
                    issues.append(TrustIssue(role.arn, stmt.label, value,
                                             "web-identity federation without sub/aud conditions: any identity of the provider can assume it"))
    return issues
