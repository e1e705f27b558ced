"""Does a statement apply to a request? Action, resource and principal matching.

Each function answers for one element; the evaluator and the bulk reachability both
use them, so the two cannot disagree on what a pattern means.
"""
from __future__ import annotations

import functools
import re

from synthaudit import arn as aws_arn
from synthaudit.arn import account_of
from synthaudit.iam.conditions import Context, substitute
from synthaudit.iam.policy import Statement


@functools.lru_cache(maxsize=65536)
def _glob_rx(pattern: str, ignore_case: bool) -> re.Pattern:
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def action_matches(pattern: str, action: str) -> bool:
    """IAM action globs are case-insensitive; "*" matches every action."""
    if pattern == "*":
        return True
    return _glob_rx(pattern, True).fullmatch(action) is not None


def statement_matches_action(stmt: Statement, action: str) -> bool:
    hit = any(action_matches(p, action) for p in stmt.actions)
    return not hit if stmt.not_action else hit


def _prefix_states(pattern: str, prefix: str) -> set[int]:
    """Positions in ``pattern`` reachable after matching ``prefix`` (glob NFA)."""
    n = len(pattern)

    def close(st: set[int]) -> set[int]:
        out = set(st)
        stack = list(st)
        while stack:
            i = stack.pop()
            if i < n and pattern[i] == "*" and i + 1 not in out:
                out.add(i + 1)
                stack.append(i + 1)
        return out

    states = close({0})
    for ch in prefix:
        nxt: set[int] = set()
        for i in states:
            if i >= n:
                continue
            p = pattern[i]
            if p == "*":
                nxt.add(i)
            elif p == "?" or p == ch:
                nxt.add(i + 1)
        if not nxt:
            return set()
        states = close(nxt)
    return states


def glob_accepts_prefix(pattern: str, prefix: str) -> bool:
    """Does ``pattern`` match SOME string that starts with ``prefix``? (an allow on objects under a prefix)"""
    return bool(_prefix_states(pattern, prefix))


def glob_covers_prefix(pattern: str, prefix: str) -> bool:
    """Does ``pattern`` match EVERY string that starts with ``prefix``? (a deny on all objects under it)"""
    return any(i < len(pattern) and set(pattern[i:]) == {"*"} for i in _prefix_states(pattern, prefix))


def resource_matches(pattern: str, resource: str, *, prefix: bool = False, ctx: Context | None = None,
                     every: bool = False) -> bool | None:
    """Resource ARN glob match (case-sensitive). None when a policy variable is unknown.

    With ``prefix``, ``resource`` stands for every object under it: ``every`` asks
    whether the pattern covers all of them (deny), otherwise whether it reaches some (allow).
    """
    if "${" in pattern:
        sub = substitute(pattern, ctx or Context())
        if sub is None:
            return None
        pattern = sub.replace("\x00", "")
    if pattern == "*":
        return True
    if prefix:
        return glob_covers_prefix(pattern, resource) if every else glob_accepts_prefix(pattern, resource)
    return _glob_rx(pattern, False).fullmatch(resource) is not None


def statement_matches_resource(stmt: Statement, resource: str, *, prefix: bool = False,
                               ctx: Context | None = None) -> bool | None:
    """True/False, or None when the answer depends on an unknown policy variable.

    For a prefix target an Allow needs to reach some object under it and a Deny to
    cover every object under it, so the answer never overstates either side.
    """
    deny = stmt.effect == "Deny"
    # NotResource flips the quantifier: "some object outside the list" needs the list not to cover all
    every = deny != stmt.not_resource
    unknown = False
    hit = False
    for p in stmt.resources:
        r = resource_matches(p, resource, prefix=prefix, ctx=ctx, every=every)
        if r is None:
            unknown = True
        elif r:
            hit = True
            break
    if stmt.not_resource:
        if hit:
            return False
        return None if unknown else True
    if hit:
        return True
    return None if unknown else False


def role_arn_from_session(arn: str) -> str:
    """arn:aws:sts::A:assumed-role/R/session -> arn:aws:iam::A:role/R (path unknown, so name only)."""
    session = aws_arn.parse(arn)
    if session is not None and session.service == "sts" and session.resource.startswith("assumed-role/"):
        name = session.resource.split("/")[1]
        return aws_arn.iam_role(session.account, name, partition=session.partition)
    return arn


DIRECT, ACCOUNT, ANYONE = "direct", "account", "anyone"


def principal_match(value_type: str, value: str, principal_arn: str) -> str | None:
    """How one Principal entry names an IAM principal: DIRECT (its ARN), ACCOUNT (its account), ANYONE ("*")."""
    if value_type == "*" or (value_type == "AWS" and value == "*"):
        return ANYONE
    if value_type != "AWS":
        return None  # Service / Federated / CanonicalUser never name an IAM role or user
    account = account_of(principal_arn)
    if value == account or value in (aws_arn.iam_root(account), aws_arn.iam_root(account, partition="aws-us-gov")):
        return ACCOUNT
    if value == principal_arn:
        return DIRECT
    # a role ARN named without its path still names the role
    if ":role/" in value and ":role/" in principal_arn and account_of(value) == account:
        if value.rsplit("/", 1)[-1] == principal_arn.rsplit("/", 1)[-1] and "*" not in value:
            return DIRECT
    if ":assumed-role/" in value and ":role/" in principal_arn:
        name = value.split(":assumed-role/", 1)[1].split("/")[0]
        if account_of(value) == account and name == principal_arn.rsplit("/", 1)[-1]:
            return DIRECT
    return None


def statement_principal_match(stmt: Statement, principal_arn: str) -> str | None:
    """The strongest way this statement's Principal names the principal (None: it does not)."""
    best = None
    rank = {ANYONE: 3, DIRECT: 2, ACCOUNT: 1}
    for ptype, value in stmt.principals:
        m = principal_match(ptype, value, principal_arn)
        if m and (best is None or rank[m] > rank[best]):
            best = m
    if stmt.not_principal:
        # NotPrincipal: applies to everyone except those listed (account entries exclude the whole account)
        return None if best else ANYONE
    return best
