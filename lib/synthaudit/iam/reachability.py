"""Who can do what to which data store, in bulk: principals × resources × actions as one table.

The same gates as the scalar evaluator (deny, SCP levels, identity/resource/KMS rules,
boundary, session), computed as three-valued numpy matrices (0 no, 1 conditional,
2 yes) per principal over (resource, action). Per-statement action and resource
matches are computed once and shared by every principal that carries the statement
(a managed policy attached to a thousand roles is matched once). Conditional cells
are re-asked of the scalar evaluator so their condition text is exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import pandas as pd

from synthaudit.iam.actions import database
from synthaudit.iam.conditions import MAYBE, NO, YES, evaluate_conditions
from synthaudit.iam.evaluator import evaluate_request
from synthaudit.iam.matching import (
    ACCOUNT, ANYONE, DIRECT, statement_matches_action, statement_matches_resource, statement_principal_match,
)
from synthaudit.iam.policy import Statement

if TYPE_CHECKING:
    from synthaudit.iam.store import Principal, PolicyStore

COLUMNS = ["principal", "resource", "action", "access_level", "outcome", "conditions", "statements",
           "principal_environment", "resource_environment"]

# Data actions asked of each kind of data store when the caller gives none.
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


def service_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


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
    if svc == "s3":
        bucket, _, key = resource[len("arn:aws:s3:::"):].partition("/")
        if is_object_action(action):
            return (resource if key else resource + "/", True)
        return (f"arn:aws:s3:::{bucket}", False)
    if act_svc == "rds-db":
        parts = resource.split(":")
        if len(parts) >= 5:
            return (f"arn:aws:rds-db:{parts[3]}:{parts[4]}:dbuser:", True)
    return (resource, False)


@dataclass
class _Grid:
    """Request targets shared by all principals: index[r, a] -> target id (-1: not applicable)."""

    resources: list[str]
    actions: list[str]
    targets: list[tuple[str, bool]]
    index: np.ndarray
    applicable: np.ndarray

    @classmethod
    def build(cls, resources: list[str], actions_for: Mapping[str, Sequence[str]], actions: list[str]) -> "_Grid":
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


class _Matcher:
    """Per-statement vectors, cached across principals."""

    def __init__(self, grid: _Grid):
        self.grid = grid
        self.db = database()
        self.a_idx = [self.db.index(a) for a in grid.actions]
        self._act: dict[int, np.ndarray] = {}
        self._res: dict[int, np.ndarray | None] = {}
        self._keep: list[Statement] = []

    def action_vec(self, s: Statement) -> np.ndarray:
        v = self._act.get(id(s))
        if v is None:
            v = np.zeros(len(self.grid.actions), dtype=bool)
            known = [j for j, i in enumerate(self.a_idx) if i is not None]
            if known:
                m = np.zeros(len(self.db), dtype=bool)
                for p in s.actions:
                    m |= self.db.mask(p)
                hits = m[[self.a_idx[j] for j in known]]
                v[known] = ~hits if s.not_action else hits
            for j, i in enumerate(self.a_idx):
                if i is None:
                    v[j] = statement_matches_action(s, self.grid.actions[j])
            self._act[id(s)] = v
            self._keep.append(s)
        return v

    def resource_vec(self, s: Statement, ctx_for_vars=None) -> np.ndarray:
        """Tri-state over targets; statements with policy variables use the principal's context."""
        has_vars = any("${" in r for r in s.resources)
        if not has_vars:
            v = self._res.get(id(s))
            if v is not None:
                return v
        if s.resources == ("*",) and not s.not_resource:
            out = np.full(len(self.grid.targets), YES, dtype=np.int8)
            self._res[id(s)] = out
            self._keep.append(s)
            return out
        out = np.zeros(len(self.grid.targets), dtype=np.int8)
        for t, (res, prefix) in enumerate(self.grid.targets):
            m = statement_matches_resource(s, res, prefix=prefix, ctx=ctx_for_vars)
            out[t] = YES if m else (MAYBE if m is None else NO)
        if not has_vars:
            self._res[id(s)] = out
            self._keep.append(s)
        return out


def _principal_rows(store: "PolicyStore", p: "Principal", grid: _Grid, matcher: _Matcher,
                    rows_ctx: list, extra: Mapping[str, Any] | None):
    n_r, n_a = grid.index.shape
    pctx = store.request_context(p, "", extra)
    ctx_cache: dict[int, Any] = {}

    def ctx(i: int):
        c = ctx_cache.get(i)
        if c is None:
            c = store.request_context(p, grid.resources[i], extra)
            ctx_cache[i] = c
        return c

    safe_index = np.where(grid.applicable, grid.index, 0)

    def cell(s: Statement, rows: np.ndarray | None = None) -> np.ndarray:
        act = matcher.action_vec(s)
        if not act.any():
            return np.zeros((n_r, n_a), dtype=np.int8)
        res = matcher.resource_vec(s, pctx)
        m = np.where(grid.applicable, res[safe_index], NO).astype(np.int8)
        m[:, ~act] = NO
        if rows is not None:
            mask = np.zeros(n_r, dtype=bool)
            mask[rows] = True
            m[~mask, :] = NO
        if s.conditions and m.any():
            for i in np.flatnonzero(m.max(axis=1) > NO):
                state, _ = evaluate_conditions(s.conditions, ctx(i))
                if state != YES:
                    m[i] = np.minimum(m[i], state)
        return m

    def gate(stmts: list[Statement], effect: str, default: int) -> tuple[np.ndarray, list[tuple[Statement, np.ndarray]]]:
        acc = np.full((n_r, n_a), NO, dtype=np.int8)
        parts = []
        found = False
        for s in stmts:
            if s.effect != effect:
                continue
            found = True
            m = cell(s)
            if m.any():
                np.maximum(acc, m, out=acc)
                parts.append((s, m))
        if not found and default == YES and effect == "Allow":
            return np.full((n_r, n_a), YES, dtype=np.int8), []
        return acc, parts

    identity_stmts = [s for pol in p.identity for s in pol.statements]
    deny, deny_parts = gate(identity_stmts, "Deny", NO)
    identity, identity_parts = gate(identity_stmts, "Allow", NO)
    full = np.full((n_r, n_a), YES, dtype=np.int8)
    boundary = full
    if p.boundary is not None:
        bd, _ = gate(list(p.boundary.statements), "Deny", NO)
        np.maximum(deny, bd, out=deny)
        boundary, _ = gate(list(p.boundary.statements), "Allow", NO)
    session = full
    if p.session is not None:
        sd, _ = gate(list(p.session.statements), "Deny", NO)
        np.maximum(deny, sd, out=deny)
        session, _ = gate(list(p.session.statements), "Allow", NO)
    scp = full
    if not store.scp_exempt(p):
        scp = full.copy()
        for _target, pols in store.scp_levels(p.account):
            stmts = [s for pol in pols for s in pol.statements]
            sd, _ = gate(stmts, "Deny", NO)
            np.maximum(deny, sd, out=deny)
            level, _ = gate(stmts, "Allow", NO)
            np.minimum(scp, level, out=scp)

    # resource-based policies: per resource row, split by how the principal is named
    res_direct = np.full((n_r, n_a), NO, dtype=np.int8)
    res_account = np.full((n_r, n_a), NO, dtype=np.int8)
    resource_parts: list[tuple[Statement, np.ndarray]] = []
    same = np.ones(n_r, dtype=bool)
    kms = np.zeros(n_r, dtype=bool)
    for i, r in enumerate(grid.resources):
        racct = store.resource_account(r)
        same[i] = racct in (None, "", p.account)
        rp = store.resource_policy_for(r)
        if rp is None:
            continue
        kms[i] = service_of(r) == "kms"
        for s in rp.statements:
            how = statement_principal_match(s, p.arn)
            if how is None:
                continue
            m = cell(s, rows=np.array([i]))
            if not m.any():
                continue
            if s.effect == "Deny":
                np.maximum(deny, m, out=deny)
            elif how in (DIRECT, ANYONE):
                np.maximum(res_direct, m, out=res_direct)
                resource_parts.append((s, m))
            elif how == ACCOUNT:
                np.maximum(res_account, m, out=res_account)
                resource_parts.append((s, m))

    mn, mx = np.minimum, np.maximum
    idb = mn(identity, boundary)
    user = p.kind == "user"
    same_grant = mx(idb, res_direct if user else mn(res_direct, boundary))
    cross_grant = mn(idb, mx(res_direct, res_account))
    kms_same = mx(mn(res_account, idb), mn(res_direct, boundary))
    kms_cross = mn(idb, mx(res_direct, res_account))
    grant = np.where(same[:, None], same_grant, cross_grant)
    grant = np.where((kms & same)[:, None], kms_same, grant)
    grant = np.where((kms & ~same)[:, None], kms_cross, grant)
    final = mn(mn(YES - deny, scp), mn(grant, session))
    final[~grid.applicable] = NO

    granting = identity_parts + resource_parts
    cache: dict[bytes, tuple] = {}
    for i, j in np.argwhere(final > NO):
        state = final[i, j]
        if state == MAYBE:
            target, prefix = grid.targets[grid.index[i, j]]
            req = store.request(p, grid.actions[j], target, prefix=prefix)
            d = evaluate_request(req, ctx(i))
            rows_ctx.append((p, i, j, d.outcome, d.conditions, d.statements))
            continue
        hits = np.fromiter((m[i, j] == YES for _, m in granting), dtype=bool, count=len(granting))
        key = hits.tobytes()
        refs = cache.get(key)
        if refs is None:
            refs = tuple(dict.fromkeys(s.ref() for (s, _), h in zip(granting, hits) if h))
            cache[key] = refs
        rows_ctx.append((p, i, j, "allowed", (), refs))
    return final


def default_actions(resource: str) -> tuple[str, ...]:
    return DATA_ACTIONS.get(service_of(resource), ())


def reachability(store: "PolicyStore", principals: list[str], resources: list[str],
                 actions: Sequence[str] | None = None, *, include_denied: bool = False,
                 context: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per (principal, resource, action) that is allowed or conditional.

    ``actions``: explicit list, else each resource's data actions (DATA_ACTIONS).
    With include_denied, denied and implicitly denied cells appear too (outcome
    "not_allowed": the bulk path does not split the two; ask evaluate() for why).
    Principals whose policies could not be parsed are listed in ``df.attrs["not_assessed"]``.
    """
    db = database()
    if actions is not None:
        canon = [db.canonical(a) for a in actions]
        actions_for = {r: canon for r in resources}
        all_actions = list(dict.fromkeys(canon))
    else:
        actions_for = {r: list(default_actions(r)) for r in resources}
        all_actions = list(dict.fromkeys(a for r in resources for a in actions_for[r]))
    grid = _Grid.build(resources, actions_for, all_actions)
    matcher = _Matcher(grid)
    rows: list[tuple] = []
    not_assessed: dict[str, str] = {}
    denied_cells: list[tuple] = []
    for arn in principals:
        p = store.principal(arn)
        if p.error:
            not_assessed[p.arn] = p.error
            continue
        if any(pol is None for _, pols in store.scp_levels(p.account) for pol in pols) and not store.scp_exempt(p):
            not_assessed[p.arn] = f"an SCP over account {p.account} could not be parsed"
            continue
        bad = [r for r in resources if r in store.resource_policy_errors]
        if bad:
            for r in bad:
                not_assessed.setdefault(p.arn, store.resource_policy_errors[r])
            continue
        final = _principal_rows(store, p, grid, matcher, rows, context)
        if include_denied:
            for i, j in np.argwhere((final == NO) & grid.applicable):
                denied_cells.append((p, i, j))
    records = []
    levels: dict[str, str] = {}
    for p, i, j, outcome, conds, refs in rows:
        if outcome not in ("allowed", "conditional") and not include_denied:
            continue
        a = grid.actions[j]
        lvl = levels.get(a) or levels.setdefault(a, db.access_level(a))
        r = grid.resources[i]
        records.append((p.arn, r, a, lvl, outcome, tuple(conds), tuple(refs), p.environment, store.environment_of(r)))
    for p, i, j in denied_cells:
        a = grid.actions[j]
        r = grid.resources[i]
        records.append((p.arn, r, a, db.access_level(a), "not_allowed", (), (), p.environment, store.environment_of(r)))
    df = pd.DataFrame.from_records(records, columns=COLUMNS)
    df = df.sort_values(["principal", "resource", "action"], kind="stable").reset_index(drop=True)
    df.attrs["not_assessed"] = not_assessed
    return df
