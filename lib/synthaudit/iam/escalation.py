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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from synthaudit.iam.actions import database
from synthaudit.iam.matching import account_of

if TYPE_CHECKING:
    from synthaudit.iam.store import Principal, PolicyStore

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
COMPUTE_TARGETS = {
    "lambda": "arn:aws:lambda:{region}:{account}:function:*",
    "ec2": "arn:aws:ec2:{region}:{account}:instance/*",
    "glue": "arn:aws:glue:{region}:{account}:job/*",
    "sagemaker": "arn:aws:sagemaker:{region}:{account}:notebook-instance/*",
    "cloudformation": "arn:aws:cloudformation:{region}:{account}:stack/*",
}
ROLE_ACTIONS = ("iam:PassRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy")
USER_ACTIONS = ("iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile")
GROUP_ACTIONS = ("iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:AddUserToGroup")
POLICY_ACTIONS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion")


@dataclass(frozen=True)
class EscalationPath:
    principal: str
    route: str                       # short name of the technique
    actions: tuple[str, ...]         # the enabling actions
    target: str                      # the role/user/group/policy acted on
    gained: str                      # the privilege gained, in words
    outcome: str = "allowed"         # or "conditional"
    conditions: tuple[str, ...] = ()
    statements: tuple[tuple[str, str, str, str], ...] = ()

    def to_dict(self) -> dict:
        return {"route": self.route, "actions": list(self.actions), "target": self.target, "gained": self.gained,
                "outcome": self.outcome, "conditions": list(self.conditions),
                "statements": [dict(zip(("policy", "kind", "sid", "effect"), s)) for s in self.statements]}


def allowed_action_mask(p: "Principal") -> np.ndarray:
    """Actions some identity Allow grants on some resource (resources and denies ignored): for "more privileged"."""
    db = database()
    mask = np.zeros(len(db), dtype=bool)
    for pol in p.identity:
        for s in pol.statements:
            if s.effect != "Allow":
                continue
            m = np.zeros(len(db), dtype=bool)
            for a in s.actions:
                m |= db.mask(a)
            mask |= ~m if s.not_action else m
    if p.boundary is not None:
        bmask = np.zeros(len(db), dtype=bool)
        for s in p.boundary.statements:
            if s.effect == "Allow":
                m = np.zeros(len(db), dtype=bool)
                for a in s.actions:
                    m |= db.mask(a)
                bmask |= ~m if s.not_action else m
        mask &= bmask
    return mask


def _trusts_service(role: "Principal", service: str) -> bool:
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

    def mask(arn: str) -> np.ndarray:
        if arn not in masks:
            masks[arn] = allowed_action_mask(records[arn])
        return masks[arn]

    paths: dict[str, list[EscalationPath]] = {arn: [] for arn in principals}
    not_assessed: dict[str, str] = {}
    for account, arns in sorted(by_account.items()):
        roles = [p.arn for p in records.values() if p.account == account and p.kind == "role" and not p.service_linked]
        users = [p.arn for p in records.values() if p.account == account and p.kind == "user"]
        groups = sorted(g for g, (acct, _) in store.groups.items() if acct == account)
        policies = sorted(a for a, mp in store.managed.items() if not mp.aws_managed and account_of(a) == account)
        compute = [COMPUTE_TARGETS[svc].format(region=r, account=account) for svc in COMPUTE_TARGETS for r in regions]
        asks = [(roles, ROLE_ACTIONS), (users, USER_ACTIONS), (groups, GROUP_ACTIONS), (policies, POLICY_ACTIONS)]
        rows = []
        for targets, actions in asks:
            if targets:
                df = store.reachability(arns, targets, list(actions))
                rows.append(df)
                not_assessed.update(df.attrs.get("not_assessed", {}))
        compute_actions = sorted({a for sets in PASSROLE_ROUTES.values() for alt in sets for a in alt})
        cdf = store.reachability(arns, compute, compute_actions)
        not_assessed.update(cdf.attrs.get("not_assessed", {}))
        rows.append(cdf)
        grants: dict[str, dict[tuple[str, str], tuple]] = {}
        for df in rows:
            for r in df.itertuples(index=False):
                grants.setdefault(r.principal, {})[(r.action, r.resource)] = (r.outcome, r.conditions, r.statements)
        for arn in arns:
            if arn in not_assessed:
                continue
            paths[arn] = _paths_for(store, records[arn], grants.get(arn, {}), records, mask, account)
    return paths, not_assessed


def _paths_for(store, p, grants, records, mask, account) -> list[EscalationPath]:
    out: list[EscalationPath] = []
    own = mask(p.arn)
    if own.all():
        return out  # already allowed every action: there is nothing left to gain

    def more_privileged(other: str) -> bool:
        return other in records and bool((mask(other) & ~own).any())

    def grant(action: str, target: str):
        return grants.get((action, target))

    def some_compute(action: str):
        svc = action.split(":")[0]
        for (a, res), g in grants.items():
            if a == action and res.startswith(f"arn:aws:{svc}:"):
                return g
        return None

    def add(route, actions, target, gained, gs):
        outcome = "conditional" if any(g[0] == "conditional" for g in gs) else "allowed"
        conds = tuple(dict.fromkeys(c for g in gs for c in g[1]))
        stmts = tuple(dict.fromkeys(s for g in gs for s in g[2]))
        out.append(EscalationPath(p.arn, route, tuple(actions), target, gained, outcome, conds, stmts))

    # passing a role to compute it can start
    for (action, target), g in sorted(grants.items()):
        if action != "iam:PassRole" or target == p.arn or not more_privileged(target):
            continue
        role = records[target]
        for service, alternatives in PASSROLE_ROUTES.items():
            if not _trusts_service(role, service):
                continue
            for alt in alternatives:
                gs = [some_compute(a) for a in alt]
                if all(gs):
                    add(f"PassRole to {service.split('.')[0]}", ("iam:PassRole",) + alt, target,
                        f"permissions of role {role.name} through {service}", [g] + gs)
                    break
    for (action, target), g in sorted(grants.items()):
        if action == "iam:CreatePolicyVersion":
            holders = [a for a, rec in records.items() if target in rec.attached]
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
