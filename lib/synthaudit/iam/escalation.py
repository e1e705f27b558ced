"""Privilege-escalation paths: principal -> the privilege it can give itself.

Routes (as catalogued by Rhino Security Labs and AWS's own guidance): rewriting or
re-defaulting a customer-managed policy, attaching or putting policies on itself,
its groups or other principals, rewriting a role's trust policy, creating access keys
or console passwords for other users, joining a group, and passing a role to a
compute service it can start (Lambda, EC2, Glue, SageMaker, CloudFormation). Each
step is asked of the evaluator in bulk against the account's real roles, users,
groups and policies, so a PassRole scoped to one harmless role is not a finding.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from synthaudit import arn as aws_arn
from synthaudit.arn import account_of
from synthaudit.iam.actions import database
from synthaudit.iam.identity_cache import per_object

if TYPE_CHECKING:
    from synthaudit.iam.model import Principal
    from synthaudit.iam.store import PolicyStore

# compute routes for iam:PassRole: service principal -> alternative sets of actions (all of one set needed)
PASSROLE_ROUTES: dict[str, tuple[tuple[str, ...], ...]] = {
    "lambda.amazonaws.com": (("lambda:CreateFunction", "lambda:InvokeFunction"),
                             ("lambda:CreateFunction", "lambda:CreateEventSourceMapping")),
    "ec2.amazonaws.com": (("ec2:RunInstances",),),
    "glue.amazonaws.com": (("glue:CreateDevEndpoint",), ("glue:CreateJob", "glue:StartJobRun")),
    "sagemaker.amazonaws.com": (("sagemaker:CreateNotebookInstance",), ("sagemaker:CreateTrainingJob",),
                                ("sagemaker:CreateProcessingJob",)),
    "cloudformation.amazonaws.com": (("cloudformation:CreateStack",),),
}
COMPUTE_TARGETS = {          # service -> the resource part of "any compute of this kind" in one region
    "lambda": "function:*",
    "ec2": "instance/*",
    "glue": "job/*",
    "sagemaker": "notebook-instance/*",
    "cloudformation": "stack/*",
}
ROLE_ACTIONS = ("iam:PassRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy")
USER_ACTIONS = ("iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile")
GROUP_ACTIONS = ("iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:AddUserToGroup")
POLICY_ACTIONS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")


@dataclass(frozen=True)
class EscalationPath:
    """One route from a principal to more privilege, over every target it reaches the same way.

    Passing roles to compute is one path per (route, granting statements and outcome) with
    all the roles it reaches as ``targets`` (a principal with PassRole on "*" reaches
    hundreds: one record, not one per role); every other route has one target.
    """
    principal: str
    route: str                       # short name of the technique
    actions: tuple[str, ...]         # the enabling actions
    targets: tuple[str, ...]         # the roles/users/groups/policies acted on
    gained: str                      # the privilege gained, in words
    outcome: str = "allowed"         # or "conditional"
    conditions: tuple[str, ...] = ()
    statements: tuple[tuple[str, str, str, str], ...] = ()

    def to_dict(self, max_targets: int | None = None) -> dict:
        targets = list(self.targets if max_targets is None else self.targets[:max_targets])
        return {"route": self.route, "actions": list(self.actions), "targets": targets,
                "targets_total": len(self.targets), "gained": self.gained,
                "outcome": self.outcome, "conditions": list(self.conditions),
                "statements": [{"policy": s[0], "kind": s[1], "sid": s[2], "effect": s[3]} for s in self.statements]}


def _statement_mask(s, store) -> np.ndarray:
    if store is not None:
        return store.statement_mask(s)
    db = database()
    m = np.zeros(len(db), dtype=bool)
    for a in s.actions:
        m |= db.mask(a)
    return ~m if s.not_action else m


def allowed_action_mask(p: "Principal", store: "PolicyStore | None" = None) -> np.ndarray:
    """Actions some identity Allow grants on some resource (resources and denies ignored): for "more privileged"."""
    db = database()
    mask = np.zeros(len(db), dtype=bool)
    for pol in p.identity:
        mask |= _policy_allow_mask(pol, store)
    if p.boundary is not None:
        bmask = np.zeros(len(db), dtype=bool)
        for s in p.boundary.statements:
            if s.effect == "Allow":
                bmask |= _statement_mask(s, store)
        mask &= bmask
    return mask


@per_object()
def _policy_allow_mask(pol, store) -> np.ndarray:
    """Union of a policy's Allow statements' actions (cached: a managed policy is shared by many
    principals; the mask depends on the statements only, ``store`` just caches statement masks)."""
    db = database()
    m = np.zeros(len(db), dtype=bool)
    named: list[int] = []      # positions of plain action names: set once, not a vector per statement
    globbed = []               # position arrays of action globs
    for s in pol.statements:
        if s.effect != "Allow":
            continue
        if s.not_action or "*" in s.actions:
            m |= _statement_mask(s, store)
            continue
        for a in s.actions:
            if "*" in a or "?" in a:
                globbed.append(db.indices(a))
            else:
                i = db.index(a)
                if i is not None:
                    named.append(i)
    if named:
        m[named] = True
    if globbed:
        m[np.concatenate(globbed)] = True
    m.setflags(write=False)
    return m


def _action_mask(actions: Iterable[str]) -> np.ndarray:
    db = database()
    m = np.zeros(len(db), dtype=bool)
    for a in actions:
        m |= db.mask(a)
    return m


@functools.lru_cache(maxsize=1)
def _route_action_indices() -> tuple[np.ndarray, ...]:
    """Database positions of each compute route's actions (one array per alternative set)."""
    db = database()
    return tuple(np.array([db.index(a) for a in alt], dtype=np.int64)
                 for alternatives in PASSROLE_ROUTES.values() for alt in alternatives)


@per_object()
def _trusted_services(role: "Principal") -> frozenset[str]:
    """Compute services the role's trust policy lets in."""
    return frozenset(s for s in PASSROLE_ROUTES if _trusts(role, s))


def _trusts(role: "Principal", service: str) -> bool:
    if role.trust is None:
        return False
    for s in role.trust.statements:
        if s.effect != "Allow" or s.not_principal:
            continue
        if not any(a.lower() in ("sts:assumerole", "sts:*", "*") for a in s.actions):
            continue
        if any(t == "Service" and v == service for t, v in s.principals):
            return True
    return False


def find_paths(store: "PolicyStore", principals: Sequence[str], regions: Iterable[str] = ("us-east-1",)
               ) -> tuple[dict[str, list[EscalationPath]], dict[str, str]]:
    """Escalation paths per principal, and principals that could not be assessed (arn -> reason)."""
    regions = tuple(regions) or ("us-east-1",)
    by_account: dict[str, list[str]] = {}
    for arn in principals:
        by_account.setdefault(account_of(arn), []).append(arn)
    records = {p.arn: p for p in store.principal_records()}
    masks: dict[str, np.ndarray] = {}
    row_of = {arn: i for i, arn in enumerate(records)}
    packed: np.ndarray | None = None      # every principal's mask, bit-packed, one row each (built on first use)

    def mask(arn: str) -> np.ndarray:
        if arn not in masks:
            masks[arn] = allowed_action_mask(records[arn], store)
        return masks[arn]

    def gains_over(arn: str, others: list[str]) -> dict[str, bool]:
        """Does each of ``others`` hold some action ``arn`` lacks? (bit-packed, one pass)"""
        nonlocal packed
        if not others:
            return {}
        if packed is None:
            packed = np.stack([np.packbits(mask(a)) for a in records])
        rows = packed[[row_of[o] for o in others]]
        return dict(zip(others, (rows & ~packed[row_of[arn]]).any(axis=1).tolist()))

    paths: dict[str, list[EscalationPath]] = {arn: [] for arn in principals}
    not_assessed: dict[str, str] = {}
    for account, arns in sorted(by_account.items()):
        roles = [p.arn for p in records.values() if p.account == account and p.kind == "role" and not p.service_linked]
        users = [p.arn for p in records.values() if p.account == account and p.kind == "user"]
        groups = sorted(g for g, (acct, _) in store.groups.items() if acct == account)
        policies = sorted(a for a, mp in store.managed.items() if not mp.aws_managed and account_of(a) == account)
        compute = [aws_arn.build(svc, r, account, COMPUTE_TARGETS[svc]) for svc in COMPUTE_TARGETS for r in regions]
        compute_actions = tuple(sorted({a for sets in PASSROLE_ROUTES.values() for alt in sets for a in alt}))
        live = [a for a in arns if a in records and not records[a].error and not mask(a).all()]
        rows = []

        def ask(askers, targets, actions):
            if targets and askers:
                df = store.reachability(askers, targets, list(actions))
                rows.append(df)
                not_assessed.update(df.attrs.get("not_assessed", {}))
                return df
            return None

        def naming(actions):
            # screen: only principals whose policies name one of these actions at all are asked in bulk
            wanted = _action_mask(actions)
            return [a for a in live if (mask(a) & wanted).any()]

        # 1. which compute routes can each PassRole holder start? Asked only of holders whose policies
        # name every action of some route (the mask is an upper bound: the rest can start none).
        # 2. PassRole only for those, only against roles trusting a service it can start
        route_sets = _route_action_indices()
        cdf = ask([a for a in naming(("iam:PassRole",)) if any(mask(a)[ix].all() for ix in route_sets)],
                  compute, compute_actions)
        starters: dict[str, set[str]] = {}
        if cdf is not None:
            have: dict[str, set[str]] = {}
            for pr, ac in zip(cdf["principal"].tolist(), cdf["action"].tolist()):
                have.setdefault(pr, set()).add(ac)
            for pr, acts in have.items():
                for service, alternatives in PASSROLE_ROUTES.items():
                    if any(set(alt) <= acts for alt in alternatives):
                        starters.setdefault(pr, set()).add(service)
        for service in PASSROLE_ROUTES:
            passers = [a for a in live if service in starters.get(a, ())]
            targets = [r for r in roles if service in _trusted_services(records[r])]
            ask(passers, targets, ("iam:PassRole",))
        ask(naming(ROLE_ACTIONS[1:]), roles, ROLE_ACTIONS[1:])
        ask(naming(USER_ACTIONS), users, USER_ACTIONS)
        ask(naming(GROUP_ACTIONS), groups, GROUP_ACTIONS)
        ask(naming(POLICY_ACTIONS), policies, POLICY_ACTIONS)
        grants: dict[str, dict[tuple[str, str], tuple]] = {}      # principal -> (action, target) -> grant
        passable: dict[str, dict[str, tuple]] = {}                 # principal -> role it may pass -> grant
        for df in rows:
            for pr, ac, rs, oc, co, st in zip(df["principal"].tolist(), df["action"].tolist(), df["resource"].tolist(),
                                              df["outcome"].tolist(), df["conditions"].tolist(),
                                              df["statements"].tolist()):
                if ac == "iam:PassRole":
                    passable.setdefault(pr, {})[rs] = (oc, co, st)
                else:
                    grants.setdefault(pr, {})[(ac, rs)] = (oc, co, st)
        for arn in arns:
            if arn in not_assessed:
                continue
            paths[arn] = _paths_for(store, records[arn], grants.get(arn, {}), passable.get(arn, {}), records, mask,
                                    gains_over)
    return paths, not_assessed


@per_object(limit=1)
def _holders(records: dict) -> dict[str, tuple[str, ...]]:
    """Managed policy ARN -> principals it is attached to (computed once per records map)."""
    out: dict[str, list[str]] = {}
    for arn, rec in records.items():
        for pol in rec.attached:
            out.setdefault(pol, []).append(arn)
    return {k: tuple(v) for k, v in out.items()}


def _paths_for(store, p, grants, passable, records, mask, gains_over) -> list[EscalationPath]:
    """``grants``: (action, target) -> (outcome, conditions, statements) of every other IAM and compute
    action; ``passable``: role -> the same for iam:PassRole."""
    out: list[EscalationPath] = []
    own = mask(p.arn)
    if own.all():
        return out  # already allowed every action: there is nothing left to gain

    items = sorted(grants.items())
    first_compute: dict[str, tuple] = {}
    for (a, res), g in items:
        if res.endswith("*") and a.split(":")[0] in COMPUTE_TARGETS:
            first_compute.setdefault(a, g)
    # compute routes this principal can start at all (then PassRole to a role trusting that service escalates)
    routes: dict[str, tuple[tuple[str, ...], list]] = {}
    for service, alternatives in PASSROLE_ROUTES.items():
        for alt in alternatives:
            gs = [first_compute.get(a) for a in alt]
            if all(gs):
                routes[service] = (alt, gs)
                break

    # roles it may pass to a service it can start, with the services they meet at
    meets: dict[str, frozenset[str]] = {}
    if routes:
        startable = routes.keys()
        for t in passable:
            if t != p.arn and t in records:
                both = _trusted_services(records[t]) & startable
                if both:
                    meets[t] = both
    candidates = sorted({t for (a, t) in grants if t in records and t != p.arn and (
        a == "iam:UpdateAssumeRolePolicy" or a.startswith("iam:Create") or a == "iam:UpdateLoginProfile")}
        | meets.keys())
    gains = gains_over(p.arn, candidates)

    def more_privileged(other: str) -> bool:
        return gains.get(other, False)

    def add(route, actions, targets, gained, gs):
        outcome = "conditional" if any(g[0] == "conditional" for g in gs) else "allowed"
        conds = tuple(dict.fromkeys(c for g in gs for c in g[1]))
        stmts = tuple(dict.fromkeys(s for g in gs for s in g[2]))
        targets = (targets,) if isinstance(targets, str) else tuple(targets)
        out.append(EscalationPath(p.arn, route, tuple(actions), targets, gained, outcome, conds, stmts))

    # passing a more privileged role to compute it can start: one path per (service, PassRole grant),
    # over every role it reaches that way
    reached: dict[tuple[str, tuple], list[str]] = {}
    for target in sorted(meets):
        if more_privileged(target):
            g = passable[target]
            for service in meets[target]:
                reached.setdefault((service, g), []).append(target)
    for (service, g), targets in sorted(reached.items(), key=lambda kv: (kv[0][0], kv[1][0])):
        alt, gs = routes[service]
        add(f"PassRole to {service.split('.')[0]}", ("iam:PassRole",) + alt, targets,
            f"permissions of {len(targets)} more privileged role(s) trusting {service}", [g, *gs])
    for (action, target), g in items:
        if action == "iam:PassRole" or action.split(":")[0] != "iam":
            continue
        if action == "iam:CreatePolicyVersion":
            holders = _holders(records).get(target, ())
            mine = target in p.attached or any(pol.name == target for pol in p.identity)
            if mine or holders:
                gained = ("any permission (rewrites a policy attached to itself)" if mine
                          else f"any permission for the {len(holders)} principal(s) the policy is attached to")
                add("CreatePolicyVersion", (action,), target, gained, [g])
        elif action == "iam:SetDefaultPolicyVersion":
            mp = store.managed.get(target)
            if mp and len(mp.versions) > 1:
                add("SetDefaultPolicyVersion", (action,), target,
                    f"permissions of another version of the policy ({len(mp.versions)} versions exist)", [g])
        elif action in ("iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:AttachUserPolicy", "iam:PutUserPolicy"):
            if target == p.arn:
                add(action.split(":")[1], (action,), target, "any permission (on itself)", [g])
            elif target in records:
                add(action.split(":")[1], (action,), target,
                    f"any permission for {records[target].kind} {records[target].name}", [g])
        elif action == "iam:UpdateAssumeRolePolicy" and target != p.arn and more_privileged(target):
            add("UpdateAssumeRolePolicy", (action,), target, f"assume role {records[target].name}", [g])
        elif action in ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile") and target != p.arn:
            if target in records and more_privileged(target):
                add(action.split(":")[1], (action,), target, f"act as user {records[target].name}", [g])
        elif action in ("iam:AttachGroupPolicy", "iam:PutGroupPolicy"):
            _, gname = store.groups.get(target, ("", ""))
            who = "itself (a member)" if gname in p.groups else "the group's members"
            add(action.split(":")[1], (action,), target, f"any permission for {who}", [g])
        elif action == "iam:AddUserToGroup" and p.kind == "user":
            _, gname = store.groups.get(target, ("", ""))
            if gname not in p.groups:
                add("AddUserToGroup", (action,), target, f"permissions of group {gname}", [g])
    return out
