"""Static reading of policy documents for the few questions that are about a
policy's shape, not about one principal's access (is it public? is it bounded to
the organisation?). Who-can-reach-what questions go to the IAM engine instead."""
from __future__ import annotations

from typing import Any, Iterable

from synthaudit.iam.matching import action_matches

# Condition keys that bound a public ("Principal": "*") statement to known parties,
# following how AWS decides whether a policy is public.
BOUNDING_KEYS = {
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourcevpc",
    "aws:sourcevpce", "aws:sourceip", "aws:userid", "aws:sourceowner",
}
ORG_KEYS = {"aws:principalorgid", "aws:principalorgpaths", "aws:resourceorgid", "aws:resourceorgpaths",
            "aws:principalaccount", "aws:resourceaccount"}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def statement_allows_action(stmt: dict[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers ``action``, matched by the IAM
    engine's own matcher, so a static reading and an evaluation never disagree on a pattern."""
    if "NotAction" in stmt:
        return not any(action_matches(str(p), action) for p in as_list(stmt["NotAction"]))
    return any(action_matches(str(p), action) for p in as_list(stmt.get("Action")))


def principal_is_everyone(stmt: dict[str, Any]) -> bool:
    if "NotPrincipal" in stmt:
        return True
    principal = stmt.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(v == "*" or (isinstance(v, list) and "*" in v) for v in principal.values())
    return False


def condition_keys(stmt: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for operator, body in (stmt.get("Condition") or {}).items():
        if isinstance(body, dict):
            keys.update(k.lower() for k in body)
    return keys


def condition_values(stmt: dict[str, Any]) -> dict[str, list[str]]:
    """Condition key (lower case) -> all values it is compared with."""
    out: dict[str, list[str]] = {}
    for operator, body in (stmt.get("Condition") or {}).items():
        if isinstance(body, dict):
            for key, value in body.items():
                out.setdefault(key.lower(), []).extend(str(v) for v in as_list(value))
    return out


def public_statements(document: Any, actions: Iterable[str]) -> list[dict[str, Any]]:
    """Allow statements granting any of ``actions`` to everyone, not bounded by a condition."""
    actions = list(actions)
    return [
        s for s in statements(document)
        if s.get("Effect") == "Allow" and principal_is_everyone(s)
        and any(statement_allows_action(s, a) for a in actions)
        and not (condition_keys(s) & BOUNDING_KEYS)
    ]


def org_unrestricted_statements(document: Any, org_accounts: set[str], org_id: str | None) -> list[dict[str, Any]]:
    """Allow statements that do not bound principals (or resources) to the organisation."""
    if document is None:
        return [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*", "Sid": "(default full-access policy)"}]
    loose = []
    for stmt in statements(document):
        if stmt.get("Effect") != "Allow":
            continue
        values = condition_values(stmt)
        bounded = any(key in ORG_KEYS and vals and all(_in_org(v, org_accounts, org_id) for v in vals)
                      for key, vals in values.items())
        if not bounded and not principal_is_everyone(stmt):
            bounded = _principals_in_org(stmt.get("Principal"), org_accounts)
        if not bounded:
            loose.append(stmt)
    return loose


def _in_org(value: str, accounts: set[str], org_id: str | None) -> bool:
    value = value.strip()
    if org_id and (value == org_id or value.startswith(f"{org_id}/")):
        return True
    return value in accounts


def _principals_in_org(principal: Any, accounts: set[str]) -> bool:
    arns = []
    if isinstance(principal, str):
        arns = [principal]
    elif isinstance(principal, dict):
        arns = [str(v) for v in as_list(principal.get("AWS"))]
    if not arns:
        return False
    for arn in arns:
        account = arn if arn.isdigit() else (arn.split(":")[4] if arn.count(":") >= 5 else "")
        if account not in accounts:
            return False
    return True
