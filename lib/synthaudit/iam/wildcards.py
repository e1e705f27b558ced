"""Wildcard grants in a principal's identity policies.

Flagged: Allow of every action ("*" or NotAction), service-wide wildcards ("s3:*")
in the organisation's own policies, and Resource "*" on data actions or
permissions-management actions that support resource-level scoping (an action that
only accepts "*" cannot be scoped, so "*" there is not a finding). AWS-managed
policies are judged on every-action and data-on-"*" grants only: their service-wide
wildcards and service-role permissions are AWS's design, not the organisation's
choice (attaching ReadOnlyAccess, which reads every object, still is).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from synthaudit.iam.actions import database
from synthaudit.iam.identity_cache import per_object

if TYPE_CHECKING:
    from synthaudit.iam.model import Principal

# Actions that read or change the data itself (not its metadata).
DATA_ACTION_PATTERNS = (
    "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent", "s3:PutObject", "s3:DeleteObject",
    "s3:DeleteObjectVersion", "s3:RestoreObject", "s3:ReplicateObject",
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*",
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem",
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ExportTableToPointInTime",
    "rds-db:connect", "rds-data:*", "secretsmanager:GetSecretValue", "redshift-data:*",
    "rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot", "rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot",
    "ec2:CreateSnapshot", "ec2:CreateSnapshots",
)


@dataclass(frozen=True)
class WildcardGrant:
    policy: str
    sid: str
    kind: str          # all_actions | service_wildcard | data_on_any_resource | permissions_on_any_resource
    detail: str
    actions_sample: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"policy": self.policy, "sid": self.sid, "kind": self.kind, "detail": self.detail,
                "actions_sample": list(self.actions_sample)}


@functools.lru_cache(maxsize=1)
def _masks() -> tuple[np.ndarray, np.ndarray]:
    db = database()
    data = np.zeros(len(db), dtype=bool)
    for p in DATA_ACTION_PATTERNS:
        data |= db.mask(p)
    scoped = np.fromiter((any(t for t in db.info(n).resource_types) for n in db.names_lower), dtype=bool,
                         count=len(db))
    pm = db.access_level_mask("Permissions management")
    # reading a permission (Get/List/Describe...Permissions) changes nothing: only writes count
    reads = np.fromiter((n.split(":", 1)[1].startswith(("get", "list", "describe", "view", "search", "batchget"))
                         for n in db.names_lower), dtype=bool, count=len(db))
    return data & scoped, pm & scoped & ~reads


def principal_wildcards(p: "Principal") -> list[WildcardGrant]:
    out: list[WildcardGrant] = []
    for pol in p.identity:
        out.extend(_policy_wildcards(pol))
    return out


@per_object()
def _policy_wildcards(pol) -> tuple[WildcardGrant, ...]:
    """Wildcard grants of one policy's Allow statements (cached: a managed policy is shared by many principals)."""
    aws_managed = ":iam::aws:policy/" in pol.name
    return tuple(g for s in pol.statements if s.effect == "Allow"
                 for g in _statement_wildcards(pol.name, aws_managed, s))


def _statement_wildcards(policy: str, aws_managed: bool, s) -> tuple[WildcardGrant, ...]:
    db = database()
    data, pm = _masks()
    out: list[WildcardGrant] = []
    any_resource = s.not_resource or "*" in s.resources
    where = "any resource" if any_resource else list(s.resources)
    if s.not_action or "*" in s.actions:
        what = "NotAction allows every action except those listed" if s.not_action else 'Action "*"'
        out.append(WildcardGrant(policy, s.label, "all_actions", f"{what} on {where}"))
    else:
        if not aws_managed:
            for a in s.actions:
                svc, _, name = a.partition(":")
                if name == "*":
                    out.append(WildcardGrant(policy, s.label, "service_wildcard", f"every {svc} action ({a}) on {where}"))
        if any_resource and not s.conditions:   # a condition (e.g. on resource tags) scopes the grant
            # the positions the statement names (no "*" or NotAction here), not a database-wide vector
            named = np.unique(np.concatenate([db.indices(a) for a in s.actions]))
            kinds = [("data_on_any_resource", data, "data actions")]
            if not aws_managed:
                kinds.append(("permissions_on_any_resource", pm, "permissions-management actions"))
            for kind, wanted, label in kinds:
                hits = db.actions_at_positions(named[wanted[named]])
                if hits:
                    out.append(WildcardGrant(policy, s.label, kind, f'{len(hits)} {label} on Resource "*"',
                                             tuple(hits[:20])))
    return tuple(out)
