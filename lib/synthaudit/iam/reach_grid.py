"""The bulk reachability's grid: which request target each (resource, action) is checked
against, and per-statement action and resource vectors over that grid.

A statement's vectors depend only on what it names, so they are computed once per grid
and shared by every principal that carries the statement (a managed policy attached to
a thousand roles is matched once).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np

from synthaudit import arn as aws_arn
from synthaudit.arn import service_of
from synthaudit.iam.actions import database
from synthaudit.iam.conditions import MAYBE, NO, YES
from synthaudit.iam.identity_cache import ObjectTable
from synthaudit.iam.matching import statement_matches_action, statement_matches_resource
from synthaudit.iam.policy import Statement

if TYPE_CHECKING:
    from synthaudit.iam.model import StoreQueries

DATA_ACTIONS: dict[str, tuple[str, ...]] = {
    "s3": ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject"),
    "kms": ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"),
    "rds": ("rds-db:connect", "rds-data:ExecuteStatement", "rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot",
            "rds:ModifyDBInstance"),
    "dynamodb": ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:ExportTableToPointInTime"),
    "glue": ("glue:GetTable", "glue:GetPartitions", "glue:UpdateTable"),
    "secretsmanager": ("secretsmanager:GetSecretValue",),
}
# which action services can touch a resource of a given service
SERVICE_FAMILY = {"s3": {"s3"}, "kms": {"kms"}, "rds": {"rds", "rds-data", "rds-db"}, "dynamodb": {"dynamodb"},
                  "glue": {"glue"}, "secretsmanager": {"secretsmanager"}, "iam": {"iam"}, "lambda": {"lambda"}}
_BUCKET_LEVEL_S3 = {"s3:listbucket", "s3:listbucketversions", "s3:getbucketpolicy", "s3:putbucketpolicy",
                    "s3:getbucketacl", "s3:putbucketacl", "s3:deletebucket", "s3:getbucketlocation",
                    "s3:listbucketmultipartuploads", "s3:getencryptionconfiguration", "s3:putencryptionconfiguration",
                    "s3:getbucketpublicaccessblock", "s3:putbucketpublicaccessblock", "s3:getlifecycleconfiguration"}


def is_object_action(action: str) -> bool:
    info = database().info(action)
    if info is None:
        return action.lower() not in _BUCKET_LEVEL_S3 and "bucket" not in action.lower()
    types = set(info.resource_types)
    return bool(types & {"object", "accesspointobject"}) and "bucket" not in types


def request_target(resource: str, action: str) -> tuple[str, bool] | None:
    """The resource string an action is checked against, and whether it is a prefix; None: not applicable."""
    if resource.endswith("*"):
        # "some resource under this prefix", e.g. arn:aws:lambda:us-east-1:123:function:*
        return (resource[:-1], True)
    svc = service_of(resource)
    act_svc = action.split(":", 1)[0].lower()
    family = SERVICE_FAMILY.get(svc)
    if family is not None and act_svc not in family:
        return None
    parsed = aws_arn.parse(resource)
    if svc == "s3":
        if is_object_action(action):
            return (resource if parsed.key else resource + "/", True)
        return (aws_arn.s3_bucket(parsed.bucket, partition=parsed.partition), False)
    if act_svc == "rds-db" and parsed is not None:
        # IAM database authentication names the database user, not the instance: any user of this account/region
        return (aws_arn.rds_db_user(parsed.region, parsed.account, partition=parsed.partition), True)
    return (resource, False)


@dataclass
class Grid:
    """Request targets shared by all principals: index[r, a] -> target id (-1: not applicable)."""

    resources: list[str]
    actions: list[str]
    targets: list[tuple[str, bool]]
    index: np.ndarray
    applicable: np.ndarray

    @classmethod
    def build(cls, resources: list[str], actions_for: Mapping[str, Sequence[str]], actions: list[str]) -> Grid:
        targets: dict[tuple[str, bool], int] = {}
        index = np.full((len(resources), len(actions)), -1, dtype=np.int64)
        a_pos = {a: j for j, a in enumerate(actions)}
        for i, r in enumerate(resources):
            for a in actions_for[r]:
                t = request_target(r, a)
                if t is None:
                    continue
                index[i, a_pos[a]] = targets.setdefault(t, len(targets))
        return cls(resources, actions, list(targets), index, index >= 0)

    def prepare(self, store: StoreQueries) -> None:
        """Per-resource facts every principal needs: owner account, resource policy, KMS or not."""
        self.accounts = [store.resource_account(r) for r in self.resources]
        self.policies = [(i, store.resource_policy_for(r), service_of(r) == "kms") for i, r in enumerate(self.resources)]
        self.policies = [x for x in self.policies if x[1] is not None]
        # KMS rules apply to keys whose key policy is known (one without a policy is decided like any resource)
        self.kms = np.zeros(len(self.resources), dtype=bool)
        for i, _rp, is_kms in self.policies:
            self.kms[i] = is_kms
        self.kms.setflags(write=False)
        self._same: dict[str, np.ndarray] = {}

    def same_account(self, account: str) -> np.ndarray:
        """Rows owned by ``account`` (or by no known account), per principal account."""
        hit = self._same.get(account)
        if hit is None:
            hit = np.fromiter((a in (None, "", account) for a in self.accounts), dtype=bool, count=len(self.accounts))
            hit.setflags(write=False)
            self._same[account] = hit
        return hit


class Matcher:
    """Per-statement vectors, cached across principals."""

    def __init__(self, grid: Grid, store: StoreQueries, same_actions_as: Matcher | None = None):
        self.grid = grid
        self.store = store
        self.db = database()
        self.a_idx = [self.db.index(a) for a in grid.actions]
        self._known = np.array([i is not None for i in self.a_idx], dtype=bool)
        self._known_idx = np.array([i for i in self.a_idx if i is not None], dtype=np.int64)
        self._unknown = [j for j, i in enumerate(self.a_idx) if i is None]   # actions the database lacks
        self._services = {a.split(":", 1)[0].lower() for a, i in zip(grid.actions, self.a_idx) if i is not None}
        self._act: dict[tuple, np.ndarray] = {}       # (Action list, NotAction) -> grid actions named
        self._pattern: dict[str, np.ndarray | None] = {}   # action glob -> vector over the known grid actions
        self._relevant: ObjectTable[tuple[Statement, ...]] = ObjectTable()   # policy -> statements that can decide
        if same_actions_as is not None:
            # a grid over other resources but the same actions: action vectors carry over
            assert same_actions_as.grid.actions == grid.actions
            self._act, self._pattern, self._relevant = (same_actions_as._act, same_actions_as._pattern,
                                                        same_actions_as._relevant)
        self._res: ObjectTable[np.ndarray] = ObjectTable()    # statement -> tri-state over targets
        self._res_by_key: dict[tuple, np.ndarray] = {}     # (Resource list, NotResource, effect) -> targets
        self.base: dict[tuple, np.ndarray] = {}       # statement content -> states over the grid
        self.policies: ObjectTable[tuple] = ObjectTable()      # (policy, effect) -> (shared gate or None, relevant)
        self.row_cells: ObjectTable[np.ndarray] = ObjectTable()    # (resource-policy statement, row) -> states
        # (statement content, rows, what the principal's context says for its condition keys)
        #   -> (states, {row: undecided condition text})
        self.conditioned: dict[tuple, tuple[np.ndarray, dict[int, str]]] = {}
        self.scps: dict[tuple[str, int, str], tuple | None] = {}   # (account, level, effect) -> shared gate
        self.safe_index = np.where(grid.applicable, grid.index, 0)
        self.zeros = np.zeros(grid.index.shape, dtype=np.int8)
        self.zeros.setflags(write=False)

    def action_vec(self, s: Statement) -> np.ndarray:
        """Which grid actions the statement names, by content: an inline policy repeated on many
        principals is matched once."""
        key = (s.actions, s.not_action)
        v = self._act.get(key)
        if v is None:
            v = np.zeros(len(self.grid.actions), dtype=bool)
            if len(self._known_idx):
                # the statement's globs asked only of the grid's actions (each glob matched once per grid),
                # the same database lookup as store.statement_mask without a database-wide vector
                hit = np.zeros(len(self._known_idx), dtype=bool)
                for pattern in s.actions:
                    pv = self._pattern.get(pattern, False)
                    if pv is False:
                        pv = self._pattern_vec(pattern)
                        self._pattern[pattern] = pv
                    if pv is not None:
                        hit |= pv
                v[self._known] = ~hit if s.not_action else hit
            for j in self._unknown:
                v[j] = statement_matches_action(s, self.grid.actions[j])
            self._act[key] = v
        return v

    def relevant(self, pol) -> tuple[Statement, ...]:
        """The policy's statements (either effect) naming an asked action: the only ones that can decide a cell."""
        hit = self._relevant.get(pol)
        if hit is None:
            # action vectors are cached by content and each glob is asked of the grid once (most name
            # a service the grid does not ask about): cheaper than expanding the policy's globs first
            hit = self._relevant.put(pol, tuple(st for st in pol.statements if self.action_vec(st).any()))
        return hit

    def _pattern_vec(self, pattern: str) -> np.ndarray | None:
        """Which known grid actions an action glob names; None when it names none (most globs)."""
        svc = pattern.split(":", 1)[0].lower()
        if "*" not in svc and "?" not in svc and svc not in self._services:
            return None
        found = self.db.indices(pattern)                   # sorted database positions
        if not len(found):
            return None
        pos = np.minimum(np.searchsorted(found, self._known_idx), len(found) - 1)
        pv = found[pos] == self._known_idx
        return pv if pv.any() else None

    def resource_vec(self, s: Statement, ctx_for_vars=None) -> np.ndarray:
        """Tri-state over targets; statements with policy variables use the principal's context."""
        has_vars = any("${" in r for r in s.resources)
        if not has_vars:
            v = self._res.get(s)
            if v is not None:
                return v
        if s.resources == ("*",) and not s.not_resource:
            return self._res.put(s, np.full(len(self.grid.targets), YES, dtype=np.int8))
        key = (s.resources, s.not_resource, s.effect)      # all statement_matches_resource reads
        if not has_vars and key in self._res_by_key:
            return self._res.put(s, self._res_by_key[key])
        out = np.zeros(len(self.grid.targets), dtype=np.int8)
        for t, (res, prefix) in enumerate(self.grid.targets):
            m = statement_matches_resource(s, res, prefix=prefix, ctx=ctx_for_vars)
            out[t] = YES if m else (MAYBE if m is None else NO)
        if not has_vars:
            self._res_by_key[key] = out
            self._res.put(s, out)
        return out


def default_actions(resource: str) -> tuple[str, ...]:
    return DATA_ACTIONS.get(service_of(resource), ())
