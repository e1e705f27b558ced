"""Who can do what to which data store, in bulk: principals × resources × actions as one table.

Three parts: the grid of request targets and per-statement vectors (reach_grid), one
principal's gates over that grid (reach_rows), and here the table: rows every principal
sees alike are merged before and spread back after, and every principal's open cells
become rows of one DataFrame. Conditional cells carry the exact text of their
undecided conditions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import pandas as pd

from synthaudit.arn import service_of
from synthaudit.iam.actions import database, line_glob_rx
from synthaudit.iam.conditions import NO, substitute
from synthaudit.iam.policy import Statement
from synthaudit.iam.reach_grid import Grid, Matcher, default_actions
from synthaudit.iam.reach_rows import PrincipalRows

if TYPE_CHECKING:
    from synthaudit.iam.model import Principal, StoreQueries

COLUMNS = ["principal", "resource", "action", "access_level", "outcome", "conditions", "statements",
           "principal_environment", "resource_environment"]


def _row_classes(store: StoreQueries, grid: Grid, matcher: Matcher, people: list[Principal],
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


def reachability(store: StoreQueries, principals: list[str], resources: list[str],
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
    grid = Grid.build(resources, actions_for, all_actions)
    grid.prepare(store)
    matcher = Matcher(grid, store)
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
        eval_grid = Grid.build([resources[g[0]] for g in members], actions_for, all_actions)
        eval_grid.prepare(store)
        eval_matcher = Matcher(eval_grid, store, same_actions_as=matcher)
        row_group = np.empty(len(resources), dtype=np.int64)
        for k, g in enumerate(members):
            row_group[g] = k
    for p in people:
        final, block = PrincipalRows(store, p, eval_grid, eval_matcher, context).compute()
        if block is not None:
            rows.append(block if members is None else _expand_rows(block, members))
        if members is not None:
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
