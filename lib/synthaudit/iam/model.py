"""The IAM model of an estate: principals, managed policies, resources and the organisation.

Plain records, built by ``PolicyStore`` (store.py) and read by every analysis
(reachability, escalation, trust, unused, wildcards). ``StoreQueries`` is what the bulk
analyses ask of a store: they type against it, so no analysis imports store.py and
store.py can offer them as methods without an import cycle.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from synthaudit.iam.policy import Policy

if TYPE_CHECKING:
    from synthaudit.iam.conditions import Context
    from synthaudit.iam.evaluator import Decision

SERVICE_LINKED_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class Principal:
    arn: str
    account: str
    kind: str                                  # "role" | "user"
    name: str
    path: str = "/"
    tags: tuple[tuple[str, str], ...] = ()
    identity: tuple[Policy, ...] = ()          # inline, attached managed, and (users) group policies
    boundary: Policy | None = None
    trust: Policy | None = None
    session: Policy | None = None
    groups: tuple[str, ...] = ()
    attached: tuple[str, ...] = ()             # managed policy ARNs attached directly
    instance_profiles: tuple[str, ...] = ()
    environment: str = "unknown"
    environment_rule: str = ""
    error: str | None = None                   # why this principal cannot be evaluated

    @property
    def service_linked(self) -> bool:
        return self.kind == "role" and self.path.startswith(SERVICE_LINKED_PATH)


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    name: str
    default_version: str
    versions: tuple[tuple[str, Any], ...]      # (version id, document)
    aws_managed: bool


@dataclass(frozen=True)
class ResourceInfo:
    arn: str
    account: str | None
    environment: str = "unknown"
    environment_rule: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    kind: str = ""
    region: str | None = None


@dataclass
class OrgInfo:
    org_id: str | None = None
    management_account: str | None = None
    accounts: set[str] = field(default_factory=set)
    parents: dict[str, str] = field(default_factory=dict)           # child id -> parent id
    scps: dict[str, list[Policy]] = field(default_factory=dict)     # target id -> policies
    account_environments: dict[str, str] = field(default_factory=dict)

    def chain(self, account: str) -> list[str]:
        """Targets from the root down to the account."""
        out = [account]
        seen = {account}
        node = account
        while node in self.parents:
            node = self.parents[node]
            if node in seen:
                break
            seen.add(node)
            out.append(node)
        return list(reversed(out))


class StoreQueries(Protocol):
    """What the bulk analyses ask of an estate; ``PolicyStore`` is the one implementation."""

    resource_policy_errors: dict[str, str]

    def principal(self, arn: str) -> Principal: ...
    def environment_of(self, arn: str) -> str: ...
    def resource_account(self, resource_arn: str) -> str | None: ...
    def resource_policy_for(self, resource_arn: str) -> Policy | None: ...
    def scp_levels(self, account: str) -> tuple[tuple[str, tuple[Policy, ...]], ...]: ...
    def scp_exempt(self, principal: Principal) -> bool: ...
    def resource_context(self, resource_arn: str) -> Context: ...
    def request_context(self, p: Principal, resource_arn: str,
                        extra: Mapping[str, Any] | None = None) -> Context: ...
    def evaluate(self, principal_arn: str, action: str, resource_arn: str,
                 context: Mapping[str, Any] | None = None) -> Decision: ...
