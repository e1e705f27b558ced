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

from synthaudit import arn as aws_arn
from synthaudit.arn import service_of
from synthaudit.iam.actions import database, line_glob_rx
from synthaudit.iam.conditions import MAYBE, NO, YES, evaluate_conditions, substitute
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

    def prepare(self, store: "PolicyStore") -> None:
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


class _Matcher:
    """Per-statement vectors, cached across principals."""

    def __init__(self, grid: _Grid, store: "PolicyStore", same_actions_as: "_Matcher | None" = None):
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
        self._relevant: dict[int, tuple[object, tuple[Statement, ...]]] = {}
        if same_actions_as is not None:
            # a grid over other resources but the same actions: action vectors carry over
            assert same_actions_as.grid.actions == grid.actions
            self._act, self._pattern, self._relevant = (same_actions_as._act, same_actions_as._pattern,
                                                        same_actions_as._relevant)
        self._res: dict[int, np.ndarray | None] = {}
        self._res_by_key: dict[tuple, np.ndarray] = {}     # (Resource list, NotResource, effect) -> targets
        self._keep: list[Statement] = []
        self.base: dict[tuple, np.ndarray] = {}       # statement content -> states over the grid
        self.policies: dict[tuple[int, str], tuple] = {}
        self.row_cells: dict[tuple[int, int], np.ndarray] = {}    # (resource-policy statement, row) -> states
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
        hit = self._relevant.get(id(pol))
        if hit is None or hit[0] is not pol:
            # action vectors are cached by content and each glob is asked of the grid once (most name
            # a service the grid does not ask about): cheaper than expanding the policy's globs first
            hit = (pol, tuple(st for st in pol.statements if self.action_vec(st).any()))
            self._relevant[id(pol)] = hit
        return hit[1]

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
            v = self._res.get(id(s))
            if v is not None:
                return v
        if s.resources == ("*",) and not s.not_resource:
            out = np.full(len(self.grid.targets), YES, dtype=np.int8)
            self._res[id(s)] = out
            self._keep.append(s)
            return out
        key = (s.resources, s.not_resource, s.effect)      # all statement_matches_resource reads
        if not has_vars and key in self._res_by_key:
            out = self._res_by_key[key]
            self._res[id(s)] = out
            self._keep.append(s)
            return out
        out = np.zeros(len(self.grid.targets), dtype=np.int8)
        for t, (res, prefix) in enumerate(self.grid.targets):
            m = statement_matches_resource(s, res, prefix=prefix, ctx=ctx_for_vars)
            out[t] = YES if m else (MAYBE if m is None else NO)
        if not has_vars:
            self._res_by_key[key] = out
            self._res[id(s)] = out
            self._keep.append(s)
        return out


def _principal_rows(store: "PolicyStore", p: "Principal", grid: _Grid, matcher: _Matcher,
                    rows_out: list, extra: Mapping[str, Any] | None):
    n_r, n_a = grid.index.shape
    pctx = store.request_context(p, "", extra)
    ctx_cache: dict[int, Any] = {}
    open_text: dict[tuple[int, int], str] = {}     # (id(statement), row) -> its undecided conditions

    def ctx(i: int):
        c = ctx_cache.get(i)
        if c is None:
            c = store.request_context(p, grid.resources[i] if i >= 0 else "", extra)
            ctx_cache[i] = c
        return c

    safe_index, zeros = matcher.safe_index, matcher.zeros

    def cell(s: Statement, rows: np.ndarray | None = None) -> np.ndarray:
        act = matcher.action_vec(s)
        if not act.any():
            return zeros
        has_vars = any("${" in r for r in s.resources)
        # the unconditioned states over the grid depend on what the statement names, not on who holds it
        base_key = (s.effect, s.actions, s.not_action, s.resources, s.not_resource)
        base = None if has_vars else matcher.base.get(base_key)
        if base is None:
            res = matcher.resource_vec(s, pctx)
            base = np.where(grid.applicable, res[safe_index], NO).astype(np.int8)
            base[:, ~act] = NO
            if not has_vars:
                base.setflags(write=False)
                matcher.base[base_key] = base
        else:
            res = matcher.resource_vec(s, pctx)
        if not s.conditions and MAYBE not in res and rows is None:
            return base                     # shared, never written to
        shared_key = None
        if s.conditions and not has_vars and not any("${" in v for c in s.conditions for v in c.values):
            # conditions see the principal only through what its context says for their keys (resource
            # and request keys are the same for every principal): statements of the same content (an
            # inline policy repeated on many roles, a managed one on many principals) whose principals
            # agree on those keys share their states and condition texts
            known = ctx(-1)
            shared_key = (*base_key, s.conditions, None if rows is None else tuple(rows.tolist()),
                          tuple(known.lookup(c.key) for c in s.conditions))
            hit = matcher.conditioned.get(shared_key)
            if hit is not None:
                m, said = hit
                open_text.update({(id(s), row): f"{s.policy} [{s.label}]: {text}" for row, text in said.items()})
                return m
        m = base.copy()
        if rows is not None:
            mask = np.zeros(n_r, dtype=bool)
            mask[rows] = True
            m[~mask, :] = NO
        said: dict[int, str] = {}      # row (-1: every row) -> its undecided conditions
        if (s.conditions or MAYBE in res) and m.any():
            per_resource = MAYBE in res or any(_resource_key(c.key) for c in s.conditions)
            if not per_resource:
                # the conditions see only principal and request keys: decide once for every row
                state, open_conds = evaluate_conditions(s.conditions, ctx(-1))
                if state != YES:
                    np.minimum(m, state, out=m)
                if open_conds:
                    said[-1] = " AND ".join(c.text() for c in open_conds)
            else:
                for i in np.flatnonzero(m.max(axis=1) > NO):
                    state, open_conds = evaluate_conditions(s.conditions, ctx(i))
                    if state != YES:
                        m[i] = np.minimum(m[i], state)
                    texts = [c.text() for c in open_conds]
                    if (m[i] == MAYBE).any() and not texts:
                        texts = [f"Resource {list(s.resources)} resolves its policy variables"]
                    if texts:
                        said[int(i)] = " AND ".join(texts)
        open_text.update({(id(s), row): f"{s.policy} [{s.label}]: {text}" for row, text in said.items()})
        if shared_key is not None:
            m.setflags(write=False)
            matcher.conditioned[shared_key] = (m, said)
        return m

    parts: list[tuple[Statement, np.ndarray, str]] = []   # (statement, states, "grant" | "deny" | "cap")

    def gate(stmts: list[Statement], effect: str, role: str) -> np.ndarray:
        acc = np.full((n_r, n_a), NO, dtype=np.int8)
        for s in stmts:
            if s.effect != effect:
                continue
            m = cell(s)
            if m.any():
                np.maximum(acc, m, out=acc)
                parts.append((s, m, role))
        return acc

    def scp_gate(account: str, level: int, stmts: list[Statement], effect: str, role: str) -> np.ndarray:
        """gate() over one SCP level; shared by every principal of the account when nothing in it
        that could apply depends on the principal (conditions, policy variables)."""
        key = (account, level, effect)
        if key not in matcher.scps:
            relevant = [st for st in stmts if st.effect == effect and matcher.action_vec(st).any()]
            shared = not any(st.conditions or any("${" in r for r in st.resources) for st in relevant)
            value = None
            if shared:
                before = len(parts)
                acc = gate(relevant, effect, role)
                acc.setflags(write=False)
                value = (acc, parts[before:])
                del parts[before:]
            matcher.scps[key] = value
        value = matcher.scps[key]
        if value is None:
            return gate(stmts, effect, role)
        acc, shared_parts = value
        parts.extend(shared_parts)
        return acc

    def policy_gate(policies, effect: str, role: str) -> np.ndarray:
        """Like gate(), but a policy without conditions or variables is matched once for all principals."""
        acc = np.full((n_r, n_a), NO, dtype=np.int8)
        for pol in policies:
            key = (id(pol), effect)
            hit = matcher.policies.get(key)
            if hit is None or hit[0] is not pol:
                # only statements of this effect naming an asked action can contribute (the rest give an
                # all-NO cell for every principal): a policy whose conditions or variables sit only in
                # other statements is still matched once for all principals
                relevant = [st for st in matcher.relevant(pol) if st.effect == effect]
                shared = not any(st.conditions or any("${" in r for r in st.resources) for st in relevant)
                value = None
                if shared:
                    pacc = np.full((n_r, n_a), NO, dtype=np.int8)
                    pparts = []
                    for st in relevant:
                        m = cell(st)
                        if m.any():
                            np.maximum(pacc, m, out=pacc)
                            pparts.append((st, m))
                    value = (pacc, pparts)
                hit = (pol, value, relevant)
                matcher.policies[key] = hit
            if hit[1] is None:
                if hit[2]:
                    np.maximum(acc, gate(hit[2], effect, role), out=acc)
            else:
                pacc, pparts = hit[1]
                if pparts:
                    np.maximum(acc, pacc, out=acc)
                    parts.extend((st, m, role) for st, m in pparts)
        return acc

    deny = policy_gate(p.identity, "Deny", "deny")
    identity = policy_gate(p.identity, "Allow", "grant")
    full = np.full((n_r, n_a), YES, dtype=np.int8)
    boundary = full
    if p.boundary is not None:
        np.maximum(deny, gate(list(p.boundary.statements), "Deny", "deny"), out=deny)
        boundary = gate(list(p.boundary.statements), "Allow", "cap")
    session = full
    if p.session is not None:
        np.maximum(deny, gate(list(p.session.statements), "Deny", "deny"), out=deny)
        session = gate(list(p.session.statements), "Allow", "cap")
    scp = full
    if not store.scp_exempt(p):
        scp = full.copy()
        for level, (_target, pols) in enumerate(store.scp_levels(p.account)):
            stmts = [s for pol in pols for s in pol.statements]
            np.maximum(deny, scp_gate(p.account, level, stmts, "Deny", "deny"), out=deny)
            np.minimum(scp, scp_gate(p.account, level, stmts, "Allow", "cap"), out=scp)

    # resource-based policies: per resource row, split by how the principal is named
    res_direct = np.full((n_r, n_a), NO, dtype=np.int8)
    res_account = np.full((n_r, n_a), NO, dtype=np.int8)
    same = grid.same_account(p.account)
    kms = grid.kms
    for i, rp, _is_kms in grid.policies:
        for s in rp.statements:
            how = statement_principal_match(s, p.arn)
            if how is None:
                continue
            m = matcher.row_cells.get((id(s), i))
            if m is None:
                m = cell(s, rows=np.array([i]))
                if not s.conditions and not any("${" in r for r in s.resources):
                    # nothing in it depends on the principal: one matrix for every principal it names
                    m.setflags(write=False)
                    matcher.row_cells[(id(s), i)] = m
                    matcher._keep.append(s)
            if not m.any():
                continue
            if s.effect == "Deny":
                np.maximum(deny, m, out=deny)
                parts.append((s, m, "deny"))
            elif how in (DIRECT, ANYONE):
                np.maximum(res_direct, m, out=res_direct)
                parts.append((s, m, "grant"))
            elif how == ACCOUNT:
                np.maximum(res_account, m, out=res_account)
                parts.append((s, m, "grant"))

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

    cells = np.argwhere(final > NO)
    if not len(cells):
        return final
    stack = np.stack([m for _, m, _ in parts]) if parts else np.zeros((0, n_r, n_a), dtype=np.int8)
    states = stack[:, cells[:, 0], cells[:, 1]]            # (parts, cells)
    cell_final = final[cells[:, 0], cells[:, 1]]
    # cells sharing the same per-statement states share their deciding statements: decide once per pattern
    keyed = np.vstack([states, cell_final[None, :]]) if len(parts) else cell_final[None, :]
    uniq, inverse = _unique_columns(keyed)
    refs_of = []
    for u in range(uniq.shape[1]):
        col, fin = uniq[:-1, u], uniq[-1, u]
        refs_of.append(tuple(dict.fromkeys(s.ref() for (s, _, role), v in zip(parts, col)
                                           if role == "grant" and v >= fin)))
    refs_col = [refs_of[k] for k in inverse.tolist()]
    conds_col: list[tuple[str, ...]] = [()] * len(cells)
    outcome_col = np.where(cell_final == YES, "allowed", "conditional")
    per_row = {sid for (sid, i) in open_text if i >= 0}
    text_cache: dict[tuple[int, int], tuple[str, ...]] = {}
    needs_row: dict[int, bool] = {}
    for c in np.flatnonzero(cell_final == MAYBE).tolist():
        i = int(cells[c, 0])
        u = int(inverse[c])
        col = uniq[:-1, u]
        needs = needs_row.get(u)
        if needs is None:
            needs = any(id(s) in per_row for (s, _, _), v in zip(parts, col) if v == MAYBE)
            needs_row[u] = needs
        row_key = i if needs else -1
        hit = text_cache.get((u, row_key))
        if hit is None:
            texts = []
            for (s, _, role), v in zip(parts, col):
                t = (open_text.get((id(s), i)) or open_text.get((id(s), -1))) if v == MAYBE else None
                if t:
                    texts.append(f"not ({t})" if role == "deny" else t)
            hit = tuple(dict.fromkeys(texts))
            text_cache[(u, row_key)] = hit
        conds_col[c] = hit
    rows_out.append((p, cells[:, 0], cells[:, 1], outcome_col, conds_col, refs_col))
    return final


def _row_classes(store: "PolicyStore", grid: _Grid, matcher: _Matcher, people: list["Principal"],
                 extra: Mapping[str, Any] | None) -> list[np.ndarray] | None:
    """Rows that every principal sees alike, as groups of row positions; None when none merge.

    Two rows are alike when each asked action applies to both or neither, every resource glob of
    every statement that could decide a cell (identity, boundary, session, SCP) matches both
    targets or neither, and their resource context (account, tags, region, organisation) is the
    same. Rows with a resource policy or an "objects under" target keep their own group.
    """
    own = {i for i, _rp, _kms in grid.policies}
    # "objects under" targets are matched by a glob automaton, not the line scan below
    scanned = [not prefix and "\n" not in res for res, prefix in grid.targets]
    unscanned = np.array([not x for x in scanned] + [False], dtype=bool)
    own.update(np.flatnonzero((unscanned[np.where(grid.applicable, grid.index, -1)]
                               & grid.applicable).any(axis=1)).tolist())
    if len(grid.resources) - len(own) < 2:
        return None        # fewer than two rows could merge
    statements: dict[int, Statement] = {}
    accounts = set()
    for p in people:
        for pol in (*p.identity, p.boundary, p.session):
            if pol is not None:
                statements.update((id(st), st) for st in matcher.relevant(pol))
        if not store.scp_exempt(p):
            accounts.add(p.account)
    for account in accounts:
        for _t, level in store.scp_levels(account):
            for pol in level:
                statements.update((id(st), st) for st in matcher.relevant(pol))
    patterns = {r for st in statements.values() for r in st.resources}
    with_vars = {r for r in patterns if "${" in r}
    if with_vars:
        # a glob with policy variables is, for each principal, the glob its context makes of it
        # (resource_matches' substitution); one left unknown matches no target in particular
        patterns -= with_vars
        for p in people:
            ctx = store.request_context(p, "", extra)
            for r in with_vars:
                concrete = substitute(r, ctx)
                if concrete is not None:
                    patterns.add(concrete.replace("\x00", ""))
    patterns = sorted(patterns)
    exact = [t for t, ok in enumerate(scanned) if ok]
    lines = [grid.targets[t][0] for t in exact]
    offsets = np.cumsum([0] + [len(x) + 1 for x in lines[:-1]]) if lines else np.zeros(0, dtype=np.int64)
    blob = "\n".join(lines)
    # which patterns match each exact target: one regex scan of all targets per pattern
    hits = np.zeros((len(patterns), len(grid.targets)), dtype=bool)
    exact_arr = np.array(exact, dtype=np.int64)
    for k, pattern in enumerate(patterns):
        if pattern == "*":
            hits[k, exact_arr] = True
            continue
        rx = line_glob_rx(pattern)    # resource ARNs: case-sensitive
        starts = [m.start() for m in rx.finditer(blob)]
        if starts:
            hits[k, exact_arr[np.searchsorted(offsets, starts)]] = True
    groups: dict[tuple, list[int]] = {}
    for i, r in enumerate(grid.resources):
        applicable = grid.applicable[i]
        tids = grid.index[i][applicable]
        if i in own:
            key: tuple = ("own", i)
        else:
            ctx = store.resource_context(r)
            key = (applicable.tobytes(), hits[:, tids].tobytes(), grid.accounts[i], service_of(r) == "kms",
                   tuple(sorted(ctx.values.items())), ctx.complete_prefixes)
        groups.setdefault(key, []).append(i)
    if len(groups) == len(grid.resources):
        return None
    return [np.array(g, dtype=np.int64) for g in groups.values()]


def _expand_rows(block: tuple, members: list[np.ndarray]) -> tuple:
    """A principal's cells over one row per group, spread to every row of each group."""
    p, ii, jj, outcome, conds, refs = block
    counts = np.array([len(members[k]) for k in ii.tolist()], dtype=np.int64)
    rows = np.concatenate([members[k] for k in ii.tolist()]) if len(ii) else ii
    spread = lambda col: [v for v, n in zip(col, counts.tolist()) for _ in range(n)]   # noqa: E731
    return (p, rows, np.repeat(jj, counts), np.repeat(np.asarray(outcome, dtype=object), counts),
            spread(conds), spread(refs))


def _unique_columns(keyed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct columns of an int8 matrix and each column's position among them.

    Each column viewed as one opaque byte string: np.unique(axis=1) does the same through
    a structured dtype whose set-up alone costs more than the work here.
    """
    cols = np.ascontiguousarray(keyed.T)
    as_bytes = cols.view(np.dtype((np.void, cols.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return cols[first].T, np.asarray(inverse).reshape(-1)


_RESOURCE_KEYS = ("aws:resourcetag/", "aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths",
                  "aws:requestedregion")


def _resource_key(key: str) -> bool:
    """Condition keys whose value depends on the resource (everything else is per principal/request)."""
    k = key.lower()
    return k.startswith(_RESOURCE_KEYS) or ":resourcetag/" in k or k.endswith(":resourceaccount")


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
    grid.prepare(store)
    matcher = _Matcher(grid, store)
    rows: list[tuple] = []
    not_assessed: dict[str, str] = {}
    denied_cells: list[tuple] = []
    bad = [r for r in resources if r in store.resource_policy_errors]
    people = []
    for arn in principals:
        p = store.principal(arn)
        if p.error:
            not_assessed[p.arn] = p.error
            continue
        if any(pol is None for _, pols in store.scp_levels(p.account) for pol in pols) and not store.scp_exempt(p):
            not_assessed[p.arn] = f"an SCP over account {p.account} could not be parsed"
            continue
        if bad:
            for r in bad:
                not_assessed.setdefault(p.arn, store.resource_policy_errors[r])
            continue
        people.append(p)
    # rows every principal sees alike (e.g. a thousand roles against one PassRole grant) are evaluated
    # once per group on a smaller grid, then spread back
    members = _row_classes(store, grid, matcher, people, context)
    if members is None:
        eval_grid, eval_matcher = grid, matcher
    else:
        eval_grid = _Grid.build([resources[g[0]] for g in members], actions_for, all_actions)
        eval_grid.prepare(store)
        eval_matcher = _Matcher(eval_grid, store, same_actions_as=matcher)
        row_group = np.empty(len(resources), dtype=np.int64)
        for k, g in enumerate(members):
            row_group[g] = k
    for p in people:
        before = len(rows)
        final = _principal_rows(store, p, eval_grid, eval_matcher, rows, context)
        if members is not None:
            if len(rows) > before:
                rows[before] = _expand_rows(rows[before], members)
            final = final[row_group]
        if include_denied:
            cells = np.argwhere((final == NO) & grid.applicable)
            denied_cells.append((p, cells[:, 0], cells[:, 1]))
    res_arr = np.array(grid.resources, dtype=object)
    act_arr = np.array(grid.actions, dtype=object)
    lvl_arr = np.array([db.access_level(a) for a in grid.actions], dtype=object)
    env_arr = np.array([store.environment_of(r) for r in grid.resources], dtype=object)
    blocks = list(rows)
    if denied_cells:
        for p, ii, jj in denied_cells:
            n = len(ii)
            blocks.append((p, ii, jj, np.full(n, "not_allowed", dtype=object), [()] * n, [()] * n))
    cols: dict[str, list] = {c: [] for c in COLUMNS}
    for p, ii, jj, outcome, conds, refs in blocks:
        n = len(ii)
        cols["principal"].append(np.full(n, p.arn, dtype=object))
        cols["resource"].append(res_arr[ii])
        cols["action"].append(act_arr[jj])
        cols["access_level"].append(lvl_arr[jj])
        cols["outcome"].append(np.asarray(outcome, dtype=object))
        cols["conditions"].extend(conds)      # lists of tuples: numpy would broadcast them
        cols["statements"].extend(refs)
        cols["principal_environment"].append(np.full(n, p.environment, dtype=object))
        cols["resource_environment"].append(env_arr[ii])
    data = {c: (v if c in ("conditions", "statements") else
                np.concatenate(v) if v else np.array([], dtype=object)) for c, v in cols.items()}
    df = pd.DataFrame(data, columns=COLUMNS)
    df = df.sort_values(["principal", "resource", "action"], kind="stable").reset_index(drop=True)
    df.attrs["not_assessed"] = not_assessed
    return df
