"""One request, decided as AWS documents it (policy evaluation logic).

Order: an explicit Deny in any policy wins; then every SCP level (root, each OU down
the tree, the account) must allow unless the account is the management account or the
principal is a service-linked role; then identity or resource-based allow
(same account: either; cross account: both; KMS: the key policy must allow the
principal or delegate to its account), capped by the permissions boundary and the
session policy. Each gate is three-valued so an undecidable condition surfaces as
"conditional" with its text instead of being rounded either way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from synthaudit.iam.conditions import MAYBE, NO, YES, Context, evaluate_conditions
from synthaudit.iam.matching import (
    ACCOUNT, ANYONE, DIRECT, statement_matches_action, statement_matches_resource, statement_principal_match,
)
from synthaudit.iam.policy import Policy, Statement

OUTCOMES = ("allowed", "denied", "implicit_deny", "conditional")


@dataclass(frozen=True)
class Decision:
    """The answer to one (principal, action, resource) question.

    outcome: allowed | denied | implicit_deny | conditional (allowed only if ``conditions`` hold).
    statements: deciding statements as (policy, kind, sid, effect): the denies for
    "denied", the grants for "allowed"/"conditional".
    reason: for implicit_deny, which gate refused (no identity allow, SCP level, boundary, ...).
    """

    principal: str
    action: str
    resource: str
    outcome: str
    statements: tuple[tuple[str, str, str, str], ...] = ()
    conditions: tuple[str, ...] = ()
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.outcome == "allowed"

    def to_dict(self) -> dict:
        return {
            "principal": self.principal, "action": self.action, "resource": self.resource,
            "outcome": self.outcome,
            "statements": [dict(zip(("policy", "kind", "sid", "effect"), s)) for s in self.statements],
            "conditions": list(self.conditions), "reason": self.reason,
        }


@dataclass(frozen=True)
class Tri:
    """A three-valued gate with what decided it."""

    state: int
    conditions: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()


TRUE, FALSE = Tri(YES), Tri(NO)


def tri_or(*items: Tri) -> Tri:
    best = max((t.state for t in items), default=NO)
    if best == NO:
        return FALSE
    winners = [t for t in items if t.state == best]
    conds = () if best == YES else tuple(dict.fromkeys(c for t in winners for c in t.conditions))
    return Tri(best, conds, tuple(dict.fromkeys(s for t in winners for s in t.statements)))


def tri_and(*items: Tri) -> Tri:
    worst = min((t.state for t in items), default=YES)
    if worst == NO:
        return Tri(NO, (), tuple(s for t in items if t.state == NO for s in t.statements))
    conds = tuple(dict.fromkeys(c for t in items for c in t.conditions))
    return Tri(worst, conds, tuple(dict.fromkeys(s for t in items for s in t.statements)))


def _cond_text(stmt: Statement, conds) -> str:
    body = " AND ".join(c.text() for c in conds)
    return f"{stmt.policy} [{stmt.label}]: {body}"


def statement_state(stmt: Statement, action: str, resource: str, ctx: Context, *, prefix: bool = False,
                    principal_arn: str | None = None) -> tuple[Tri, str | None]:
    """Does ``stmt`` apply? Returns the gate and, for resource policies, how the principal is named."""
    if not statement_matches_action(stmt, action):
        return FALSE, None
    how = None
    if stmt.has_principal:
        how = statement_principal_match(stmt, principal_arn or "")
        if how is None:
            return FALSE, None
    res = statement_matches_resource(stmt, resource, prefix=prefix, ctx=ctx)
    if res is False:
        return FALSE, None
    state, open_conds = evaluate_conditions(stmt.conditions, ctx)
    texts: tuple[str, ...] = ()
    if res is None:
        state = min(state, MAYBE) if state != NO else NO
        texts = (f"{stmt.policy} [{stmt.label}]: Resource {list(stmt.resources)} resolves its policy variables",)
    if state == NO:
        return FALSE, None
    if open_conds:
        texts = texts + (_cond_text(stmt, open_conds),)
    return Tri(state, texts, (stmt,)), how


@dataclass(frozen=True)
class Request:
    """Everything the evaluator needs about one request, already gathered by the store."""

    principal: str
    principal_account: str
    principal_kind: str                     # "role" | "user"
    action: str
    resource: str
    resource_account: str | None
    identity: tuple[Policy, ...]
    boundary: Policy | None = None
    session: Policy | None = None
    scp_levels: tuple[tuple[str, tuple[Policy, ...]], ...] = ()   # (target id, policies) root -> account
    scp_exempt: bool = True
    resource_policy: Policy | None = None
    resource_service: str = ""
    prefix: bool = False                    # resource is an S3 prefix: "some object under it"


def _states(policies: Iterable[Policy], req: Request, ctx: Context, effect: str) -> list[tuple[Tri, str | None]]:
    out = []
    for pol in policies:
        for stmt in pol.statements:
            if stmt.effect != effect:
                continue
            tri, how = statement_state(stmt, req.action, req.resource, ctx, prefix=req.prefix,
                                       principal_arn=req.principal)
            if tri.state != NO:
                out.append((tri, how))
    return out


def _negate_deny(denies: list[Tri]) -> Tri:
    """"No explicit deny applies": NO if a deny surely applies, MAYBE (unless ...) if one might."""
    if not denies:
        return TRUE
    sure = [t for t in denies if t.state == YES]
    if sure:
        return Tri(NO, (), tuple(s for t in sure for s in t.statements))
    conds = tuple(f"not ({c})" for t in denies for c in t.conditions)
    return Tri(MAYBE, conds, ())


def evaluate_request(req: Request, ctx: Context) -> Decision:
    scps = [p for _, pols in req.scp_levels for p in pols] if not req.scp_exempt else []
    all_policies = list(scps) + list(req.identity)
    if req.boundary:
        all_policies.append(req.boundary)
    if req.session:
        all_policies.append(req.session)
    if req.resource_policy:
        all_policies.append(req.resource_policy)

    deny_gate = _negate_deny([t for t, _ in _states(all_policies, req, ctx, "Deny")])
    if deny_gate.state == NO:
        return _decision(req, "denied", deny_gate.statements, (), "explicit deny")

    scp_gate = TRUE
    if not req.scp_exempt:
        levels = []
        for target, pols in req.scp_levels:
            level = tri_or(*[t for t, _ in _states(pols, req, ctx, "Allow")])
            if level.state == NO:
                return _decision(req, "implicit_deny", (), (), f"no service control policy at {target} allows it")
            levels.append(Tri(level.state, level.conditions, ()))
        scp_gate = tri_and(*levels) if levels else TRUE

    identity = tri_or(*[t for t, _ in _states(req.identity, req, ctx, "Allow")])
    boundary = tri_or(*[t for t, _ in _states([req.boundary], req, ctx, "Allow")]) if req.boundary else TRUE
    boundary = Tri(boundary.state, boundary.conditions, ())
    session = tri_or(*[t for t, _ in _states([req.session], req, ctx, "Allow")]) if req.session else TRUE
    session = Tri(session.state, session.conditions, ())

    res_direct, res_account = FALSE, FALSE
    if req.resource_policy:
        res_states = _states([req.resource_policy], req, ctx, "Allow")
        res_direct = tri_or(*[t for t, how in res_states if how in (DIRECT, ANYONE)])
        res_account = tri_or(*[t for t, how in res_states if how == ACCOUNT])

    same_account = req.resource_account in (None, "", req.principal_account)
    if req.resource_service == "kms" and req.resource_policy is not None:
        # the key policy is authoritative: IAM policies count only where it delegates to the account
        via_iam = tri_and(res_account, identity, boundary) if same_account else tri_and(
            tri_or(res_account, res_direct), identity, boundary)
        direct = tri_and(res_direct, boundary) if same_account else FALSE
        grant = tri_or(via_iam, direct)
        why = "the key policy does not allow the principal or delegate to its account with an IAM allow"
    elif same_account:
        resource_path = res_direct if req.principal_kind == "user" else tri_and(res_direct, boundary)
        grant = tri_or(tri_and(identity, boundary), resource_path)
        why = ("no identity or resource-based policy allows it" if identity.state == NO
               else "the permissions boundary does not allow it")
    else:
        grant = tri_and(identity, boundary, tri_or(res_direct, res_account))
        why = ("cross-account: the resource-based policy does not allow the principal"
               if identity.state != NO else "cross-account: no identity policy allows it")
        if identity.state != NO and boundary.state == NO:
            why = "the permissions boundary does not allow it"
    if grant.state == NO:
        return _decision(req, "implicit_deny", (), (), why)
    final = tri_and(deny_gate, scp_gate, grant, session)
    if final.state == NO:
        return _decision(req, "implicit_deny", (), (), "the session policy does not allow it")
    outcome = "allowed" if final.state == YES else "conditional"
    return _decision(req, outcome, grant.statements, final.conditions, "")


def _decision(req: Request, outcome: str, stmts: Iterable[Statement], conds: tuple[str, ...], reason: str) -> Decision:
    refs = tuple(dict.fromkeys(s.ref() for s in stmts))
    return Decision(principal=req.principal, action=req.action, resource=req.resource, outcome=outcome,
                    statements=refs, conditions=conds, reason=reason)
