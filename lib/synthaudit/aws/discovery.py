"""The organisation read from AWS Organizations: its id, management account, OU tree and
ACTIVE accounts, so an analyst need not list accounts by hand.

Read once, before any phase, with the starting credentials (the management account's or a
delegated administrator's); every list call is paginated. ``resolve_accounts`` turns a
params file that asks for discovery into one that lists the accounts it found, which the
runner writes into the run folder so every phase reads the same accounts.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Iterator

from synthaudit.config import Account, AccountSelector, Params
from synthaudit.errors import DiscoveryError


@dataclass(frozen=True)
class OrgAccount:
    id: str
    name: str
    state: str                       # ACTIVE, SUSPENDED, PENDING_CLOSURE, …
    ou_ids: tuple[str, ...]          # from the root down to the account's own OU
    ou_names: tuple[str, ...]


@dataclass(frozen=True)
class Organization:
    id: str
    management_account: str
    accounts: tuple[OrgAccount, ...]

    def account(self, account_id: str) -> OrgAccount | None:
        return next((a for a in self.accounts if a.id == account_id), None)


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def read_organization(client: Any) -> Organization:
    """Walk the OU tree from each root; an account's OU path is the chain of OUs above it."""
    org = client.describe_organization()["Organization"]
    found: list[OrgAccount] = []
    stack: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        (root["Id"], (), ()) for root in _pages(client, "list_roots", "Roots")]
    while stack:
        parent, ids, names = stack.pop()
        for acct in _pages(client, "list_accounts_for_parent", "Accounts", ParentId=parent):
            state = str(acct.get("State") or acct.get("Status") or "").upper()
            found.append(OrgAccount(str(acct["Id"]), str(acct.get("Name", "")), state, ids, names))
        for ou in _pages(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
            stack.append((ou["Id"], ids + (ou["Id"],), names + (ou.get("Name", ""),)))
    return Organization(org["Id"], str(org["MasterAccountId"]), tuple(sorted(found, key=lambda a: a.id)))


def _selected(acct: OrgAccount, rule: AccountSelector) -> bool:
    ous = {o.lower() for o in (*acct.ou_ids, *acct.ou_names)}
    return (acct.id in rule.accounts
            or any(fnmatch.fnmatchcase(acct.name.lower(), p.lower()) for p in rule.name_patterns)
            or any(o.lower() in ous for o in rule.ous))


def select_accounts(org: Organization, params: Params) -> list[OrgAccount]:
    """ACTIVE accounts that the include rule picks (all when it is empty) and the exclude rule does not."""
    include, exclude = params.discovery.include, params.discovery.exclude
    return [a for a in org.accounts
            if a.state == "ACTIVE"
            and (include.is_empty() or _selected(a, include))
            and not _selected(a, exclude)]


def resolve_accounts(params: Params, org: Organization) -> Params:
    """``params`` with the discovered accounts listed (a listed entry overrides its discovered
    twin), the organisation id and the management account filled in where not given."""
    listed = {a.id: a for a in params.accounts}
    accounts = [listed.pop(a.id, None) or Account(id=a.id, name=a.name or a.id) for a in select_accounts(org, params)]
    accounts.extend(listed.values())  # listed but not selected: the analyst asked for them
    if not accounts:
        raise DiscoveryError(
            f"discovery found no ACTIVE account in organisation {org.id} that the include/exclude rules keep",
            key="discovery", hint="loosen discovery.include or discovery.exclude, or list accounts by hand")
    return params.model_copy(update={
        "accounts": accounts,
        "organization_id": params.organization_id or org.id,
        "management_account": params.management_account or org.management_account,
    })
