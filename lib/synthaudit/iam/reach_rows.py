"""One principal's row of the bulk reachability: its gates over the grid and why each cell is open.

The same gates as the scalar evaluator (deny, SCP levels, identity/resource/KMS rules,
boundary, session) as three-valued matrices over (resource, action): 0 no, 1 conditional,
2 yes. What does not depend on the principal (a statement's unconditioned states, a
policy or an SCP level without conditions or variables, a resource-policy statement's
row) is kept in the grid's ``Matcher`` and shared by every principal.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from synthaudit.iam.conditions import MAYBE, NO, YES, Context, evaluate_conditions
from synthaudit.iam.matching import ACCOUNT, ANYONE, DIRECT, statement_principal_match
from synthaudit.iam.policy import Statement
from synthaudit.iam.reach_grid import Grid, Matcher

if TYPE_CHECKING:
    from synthaudit.iam.model import Principal, StoreQueries

# One principal's open cells: (principal, rows, columns, outcomes, condition texts, deciding statements)
Block = tuple

_RESOURCE_KEYS = ("aws:resourcetag/", "aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths",
                  "aws:requestedregion")


def _resource_key(key: str) -> bool:
    """Condition keys whose value depends on the resource (everything else is per principal/request)."""
    k = key.lower()
    return k.startswith(_RESOURCE_KEYS) or ":resourcetag/" in k or k.endswith(":resourceaccount")


def _has_vars(s: Statement) -> bool:
    return any("${" in r for r in s.resources)


class PrincipalRows:
    """Decide one principal over the grid: ``compute()`` gives its final states and its open cells."""

    def __init__(self, store: StoreQueries, p: Principal, grid: Grid, matcher: Matcher,
                 extra: Mapping[str, Any] | None):
        self.store, self.p, self.grid, self.matcher, self.extra = store, p, grid, matcher, extra
        self.shape = grid.index.shape
        self.pctx = store.request_context(p, "", extra)
        self._contexts: dict[int, Context] = {}            # row (-1: no resource) -> request context
        # (id(statement), row) -> its undecided conditions; only for this call, whose statements all
        # outlive it (they belong to the principal, its resource policies or its SCPs)
        self.open_text: dict[tuple[int, int], str] = {}
        self.parts: list[tuple[Statement, np.ndarray, str]] = []   # (statement, states, "grant" | "deny" | "cap")

    def context(self, i: int) -> Context:
        c = self._contexts.get(i)
        if c is None:
            c = self.store.request_context(self.p, self.grid.resources[i] if i >= 0 else "", self.extra)
            self._contexts[i] = c
        return c

    def _said(self, s: Statement, said: Mapping[int, str]) -> None:
        self.open_text.update({(id(s), row): f"{s.policy} [{s.label}]: {text}" for row, text in said.items()})

    # ------------------------------------------------------------------ one statement
    def cell(self, s: Statement, rows: np.ndarray | None = None) -> np.ndarray:
        """The statement's states over the grid (only ``rows`` when given), its conditions applied."""
        matcher, grid = self.matcher, self.grid
        act = matcher.action_vec(s)
        if not act.any():
            return matcher.zeros
        has_vars = _has_vars(s)
        # the unconditioned states over the grid depend on what the statement names, not on who holds it
        base_key = (s.effect, s.actions, s.not_action, s.resources, s.not_resource)
        base = None if has_vars else matcher.base.get(base_key)
        if base is None:
            res = matcher.resource_vec(s, self.pctx)
            base = np.where(grid.applicable, res[matcher.safe_index], NO).astype(np.int8)
            base[:, ~act] = NO
            if not has_vars:
                base.setflags(write=False)
                matcher.base[base_key] = base
        else:
            res = matcher.resource_vec(s, self.pctx)
        if not s.conditions and MAYBE not in res and rows is None:
            return base                     # shared, never written to
        shared_key = None
        if s.conditions and not has_vars and not any("${" in v for c in s.conditions for v in c.values):
            # conditions see the principal only through what its context says for their keys (resource
            # and request keys are the same for every principal): statements of the same content (an
            # inline policy repeated on many roles, a managed one on many principals) whose principals
            # agree on those keys share their states and condition texts
            known = self.context(-1)
            shared_key = (*base_key, s.conditions, None if rows is None else tuple(rows.tolist()),
                          tuple(known.lookup(c.key) for c in s.conditions))
            hit = matcher.conditioned.get(shared_key)
            if hit is not None:
                m, said = hit
                self._said(s, said)
                return m
        m = base.copy()
        if rows is not None:
            mask = np.zeros(self.shape[0], dtype=bool)
            mask[rows] = True
            m[~mask, :] = NO
        said = self._apply_conditions(s, m, res) if (s.conditions or MAYBE in res) and m.any() else {}
        self._said(s, said)
        if shared_key is not None:
            m.setflags(write=False)
            matcher.conditioned[shared_key] = (m, said)
        return m

    def _apply_conditions(self, s: Statement, m: np.ndarray, res: np.ndarray) -> dict[int, str]:
        """Lower ``m`` (in place) by the statement's conditions; row (-1: every row) -> undecided text."""
        said: dict[int, str] = {}
        per_resource = MAYBE in res or any(_resource_key(c.key) for c in s.conditions)
        if not per_resource:
            # the conditions see only principal and request keys: decide once for every row
            state, open_conds = evaluate_conditions(s.conditions, self.context(-1))
            if state != YES:
                np.minimum(m, state, out=m)
            if open_conds:
                said[-1] = " AND ".join(c.text() for c in open_conds)
            return said
        for i in np.flatnonzero(m.max(axis=1) > NO):
            state, open_conds = evaluate_conditions(s.conditions, self.context(i))
            if state != YES:
                m[i] = np.minimum(m[i], state)
            texts = [c.text() for c in open_conds]
            if (m[i] == MAYBE).any() and not texts:
                texts = [f"Resource {list(s.resources)} resolves its policy variables"]
            if texts:
                said[int(i)] = " AND ".join(texts)
        return said

    # ------------------------------------------------------------------ gates
    def gate(self, stmts: list[Statement], effect: str, role: str) -> np.ndarray:
        acc = np.full(self.shape, NO, dtype=np.int8)
        for s in stmts:
            if s.effect != effect:
                continue
            m = self.cell(s)
            if m.any():
                np.maximum(acc, m, out=acc)
                self.parts.append((s, m, role))
        return acc

    def scp_gate(self, account: str, level: int, stmts: list[Statement], effect: str, role: str) -> np.ndarray:
        """gate() over one SCP level; shared by every principal of the account when nothing in it
        that could apply depends on the principal (conditions, policy variables)."""
        matcher = self.matcher
        key = (account, level, effect)
        if key not in matcher.scps:
            relevant = [st for st in stmts if st.effect == effect and matcher.action_vec(st).any()]
            shared = not any(st.conditions or _has_vars(st) for st in relevant)
            value = None
            if shared:
                before = len(self.parts)
                acc = self.gate(relevant, effect, role)
                acc.setflags(write=False)
                value = (acc, self.parts[before:])
                del self.parts[before:]
            matcher.scps[key] = value
        value = matcher.scps[key]
        if value is None:
            return self.gate(stmts, effect, role)
        acc, shared_parts = value
        self.parts.extend(shared_parts)
        return acc

    def policy_gate(self, policies, effect: str, role: str) -> np.ndarray:
        """Like gate(), but a policy without conditions or variables is matched once for all principals."""
        matcher = self.matcher
        acc = np.full(self.shape, NO, dtype=np.int8)
        for pol in policies:
            hit = matcher.policies.get(pol, effect)
            if hit is None:
                # only statements of this effect naming an asked action can contribute (the rest give an
                # all-NO cell for every principal): a policy whose conditions or variables sit only in
                # other statements is still matched once for all principals
                relevant = [st for st in matcher.relevant(pol) if st.effect == effect]
                shared = not any(st.conditions or _has_vars(st) for st in relevant)
                value = None
                if shared:
                    pacc = np.full(self.shape, NO, dtype=np.int8)
                    pparts = []
                    for st in relevant:
                        m = self.cell(st)
                        if m.any():
                            np.maximum(pacc, m, out=pacc)
                            pparts.append((st, m))
                    value = (pacc, pparts)
                hit = matcher.policies.put(pol, (value, relevant), effect)
            value, relevant = hit
            if value is None:
                if relevant:
                    np.maximum(acc, self.gate(relevant, effect, role), out=acc)
            else:
                pacc, pparts = value
                if pparts:
                    np.maximum(acc, pacc, out=acc)
                    self.parts.extend((st, m, role) for st, m in pparts)
        return acc

    def resource_gates(self, deny: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Resource-based policies, per row, split by how they name the principal: (direct, account).
        Their denies are added to ``deny``."""
        matcher = self.matcher
        res_direct = np.full(self.shape, NO, dtype=np.int8)
        res_account = np.full(self.shape, NO, dtype=np.int8)
        for i, rp, _is_kms in self.grid.policies:
            for s in rp.statements:
                how = statement_principal_match(s, self.p.arn)
                if how is None:
                    continue
                m = matcher.row_cells.get(s, i)
                if m is None:
                    m = self.cell(s, rows=np.array([i]))
                    if not s.conditions and not _has_vars(s):
                        # nothing in it depends on the principal: one matrix for every principal it names
                        m.setflags(write=False)
                        matcher.row_cells.put(s, m, i)
                if not m.any():
                    continue
                if s.effect == "Deny":
                    np.maximum(deny, m, out=deny)
                    self.parts.append((s, m, "deny"))
                elif how in (DIRECT, ANYONE):
                    np.maximum(res_direct, m, out=res_direct)
                    self.parts.append((s, m, "grant"))
                elif how == ACCOUNT:
                    np.maximum(res_account, m, out=res_account)
                    self.parts.append((s, m, "grant"))
        return res_direct, res_account

    # ------------------------------------------------------------------ the principal
    def compute(self) -> tuple[np.ndarray, Block | None]:
        """Final states over the grid, and the open (allowed or conditional) cells with their reasons."""
        p, store, grid = self.p, self.store, self.grid
        deny = self.policy_gate(p.identity, "Deny", "deny")
        identity = self.policy_gate(p.identity, "Allow", "grant")
        full = np.full(self.shape, YES, dtype=np.int8)
        boundary = full
        if p.boundary is not None:
            np.maximum(deny, self.gate(list(p.boundary.statements), "Deny", "deny"), out=deny)
            boundary = self.gate(list(p.boundary.statements), "Allow", "cap")
        session = full
        if p.session is not None:
            np.maximum(deny, self.gate(list(p.session.statements), "Deny", "deny"), out=deny)
            session = self.gate(list(p.session.statements), "Allow", "cap")
        scp = full
        if not store.scp_exempt(p):
            scp = full.copy()
            for level, (_target, pols) in enumerate(store.scp_levels(p.account)):
                stmts = [s for pol in pols for s in pol.statements]
                np.maximum(deny, self.scp_gate(p.account, level, stmts, "Deny", "deny"), out=deny)
                np.minimum(scp, self.scp_gate(p.account, level, stmts, "Allow", "cap"), out=scp)
        res_direct, res_account = self.resource_gates(deny)

        mn, mx = np.minimum, np.maximum
        same, kms = grid.same_account(p.account), grid.kms
        idb = mn(identity, boundary)
        same_grant = mx(idb, res_direct if p.kind == "user" else mn(res_direct, boundary))
        cross_grant = mn(idb, mx(res_direct, res_account))
        kms_same = mx(mn(res_account, idb), mn(res_direct, boundary))
        kms_cross = mn(idb, mx(res_direct, res_account))
        grant = np.where(same[:, None], same_grant, cross_grant)
        grant = np.where((kms & same)[:, None], kms_same, grant)
        grant = np.where((kms & ~same)[:, None], kms_cross, grant)
        final = mn(mn(YES - deny, scp), mn(grant, session))
        final[~grid.applicable] = NO
        cells = np.argwhere(final > NO)
        return final, (self._explain(final, cells) if len(cells) else None)

    def _explain(self, final: np.ndarray, cells: np.ndarray) -> Block:
        """Outcome, deciding statements and undecided conditions of each open cell."""
        parts = self.parts
        stack = np.stack([m for _, m, _ in parts]) if parts else np.zeros((0, *self.shape), dtype=np.int8)
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
        open_text = self.open_text
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
        return (self.p, cells[:, 0], cells[:, 1], outcome_col, conds_col, refs_col)


def _unique_columns(keyed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct columns of an int8 matrix and each column's position among them.

    Each column viewed as one opaque byte string: np.unique(axis=1) does the same through
    a structured dtype whose set-up alone costs more than the work here.
    """
    cols = np.ascontiguousarray(keyed.T)
    as_bytes = cols.view(np.dtype((np.void, cols.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return cols[first].T, np.asarray(inverse).reshape(-1)
