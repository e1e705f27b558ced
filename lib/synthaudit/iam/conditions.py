"""Condition blocks, decided from what the snapshot knows, or left open and said so.

Three-valued: YES (holds), NO (does not hold), MAYBE (depends on a request value the
snapshot cannot know, e.g. the caller's source IP). MAYBE is never rounded to YES or
NO; it travels up as "allowed only if <condition>".

The request context distinguishes keys whose value is known, keys known to be absent
(a principal's full tag set is known, so a missing tag is absent) and unknown keys.
"""
from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from synthaudit.iam.policy import Condition
from synthaudit.errors import ConditionError

NO, MAYBE, YES = 0, 1, 2
_VAR = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Context:
    """Known request-context keys (lower-case) and key prefixes whose absence is known."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    complete_prefixes: tuple[str, ...] = ()

    @classmethod
    def build(cls, values: Mapping[str, object] | None = None, complete: Iterable[str] = ()) -> "Context":
        """``values``: key -> str | list | None (None = known to be absent)."""
        norm: dict[str, tuple[str, ...]] = {}
        absent: list[str] = []
        for key, value in (values or {}).items():
            k = key.lower()
            if value is None:
                absent.append(k)
            elif isinstance(value, (list, tuple, set, frozenset)):
                norm[k] = tuple(_as_str(v) for v in value)
            else:
                norm[k] = (_as_str(value),)
        return cls(values=norm, complete_prefixes=tuple(sorted(set(c.lower() for c in complete) | set(absent))))

    def merged(self, other: "Context") -> "Context":
        vals = dict(self.values)
        vals.update(other.values)
        prefixes = tuple(sorted(set(self.complete_prefixes) | set(other.complete_prefixes)))
        return Context(values=vals, complete_prefixes=prefixes)

    def lookup(self, key: str) -> tuple[str, tuple[str, ...]]:
        """("known", values) | ("absent", ()) | ("unknown", ())."""
        k = key.lower()
        if k in self.values:
            return "known", self.values[k]
        for prefix in self.complete_prefixes:
            if k == prefix or (prefix.endswith("/") and k.startswith(prefix)):
                return "absent", ()
        return "unknown", ()


def _as_str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def substitute(text: str, ctx: Context) -> str | None:
    """Replace ${policy variables}; None when a variable is unknown (the caller says MAYBE)."""
    if "${" not in text:
        return text

    def repl(m: re.Match) -> str:
        inner = m.group(1)
        if inner in ("*", "?", "$"):
            return "\x00" + inner  # literal-escape forms ${*} ${?} ${$}
        name, _, default = inner.partition(",")
        status, vals = ctx.lookup(name.strip())
        if status == "known" and len(vals) == 1:
            return vals[0]
        if default:
            return default.strip().strip("'\"")
        raise KeyError(name)

    try:
        return _VAR.sub(repl, text)
    except KeyError:
        return None


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    rx = _glob_cache.get(pattern)
    if rx is None:
        parts = []
        i = 0
        while i < len(pattern):
            ch = pattern[i]
            if ch == "\x00" and i + 1 < len(pattern):  # escaped literal from ${*}
                parts.append(re.escape(pattern[i + 1]))
                i += 2
                continue
            parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
            i += 1
        rx = re.compile("".join(parts), re.DOTALL)
        _glob_cache[pattern] = rx
    return rx.fullmatch(value) is not None


_glob_cache: dict[str, re.Pattern] = {}


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike/ArnEquals: each of the six colon-separated parts matched separately."""
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != len(v_parts):
        return pattern == "*" or False
    return all(glob_match(p, v) for p, v in zip(p_parts, v_parts))


def _number(v: str) -> float:
    return float(v)


def _date(v: str) -> dt.datetime:
    if re.fullmatch(r"-?\d+(\.\d+)?", v):
        return dt.datetime.fromtimestamp(float(v), dt.timezone.utc)
    parsed = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _ip_in(value: str, network: str) -> bool:
    return ipaddress.ip_address(value.split("/")[0]) in ipaddress.ip_network(network, strict=False)


# base operator -> (comparison(context_value, policy_value), negated)
_OPERATORS = {
    "StringEquals": (lambda c, p: c == p, False),
    "StringNotEquals": (lambda c, p: c == p, True),
    "StringEqualsIgnoreCase": (lambda c, p: c.lower() == p.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda c, p: c.lower() == p.lower(), True),
    "StringLike": (lambda c, p: glob_match(p, c), False),
    "StringNotLike": (lambda c, p: glob_match(p, c), True),
    "NumericEquals": (lambda c, p: _number(c) == _number(p), False),
    "NumericNotEquals": (lambda c, p: _number(c) == _number(p), True),
    "NumericLessThan": (lambda c, p: _number(c) < _number(p), False),
    "NumericLessThanEquals": (lambda c, p: _number(c) <= _number(p), False),
    "NumericGreaterThan": (lambda c, p: _number(c) > _number(p), False),
    "NumericGreaterThanEquals": (lambda c, p: _number(c) >= _number(p), False),
    "DateEquals": (lambda c, p: _date(c) == _date(p), False),
    "DateNotEquals": (lambda c, p: _date(c) == _date(p), True),
    "DateLessThan": (lambda c, p: _date(c) < _date(p), False),
    "DateLessThanEquals": (lambda c, p: _date(c) <= _date(p), False),
    "DateGreaterThan": (lambda c, p: _date(c) > _date(p), False),
    "DateGreaterThanEquals": (lambda c, p: _date(c) >= _date(p), False),
    "Bool": (lambda c, p: c.lower() == p.lower(), False),
    "BinaryEquals": (lambda c, p: base64.b64decode(c) == base64.b64decode(p), False),
    "IpAddress": (_ip_in, False),
    "NotIpAddress": (_ip_in, True),
    "ArnEquals": (lambda c, p: arn_like(p, c), False),
    "ArnLike": (lambda c, p: arn_like(p, c), False),
    "ArnNotEquals": (lambda c, p: arn_like(p, c), True),
    "ArnNotLike": (lambda c, p: arn_like(p, c), True),
}


def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """("ForAnyValue"|"ForAllValues"|None, base operator, if_exists)."""
    qualifier = None
    op = operator
    for q in ("ForAnyValue:", "ForAllValues:"):
        if op.startswith(q):
            qualifier, op = q[:-1], op[len(q):]
    if_exists = op.endswith("IfExists") and op != "IfExists"
    if if_exists:
        op = op[: -len("IfExists")]
    if op != "Null" and op not in _OPERATORS:
        raise ConditionError(f"unknown condition operator {operator!r}")
    return qualifier, op, if_exists


def evaluate_condition(cond: Condition, ctx: Context) -> int:
    """YES / NO / MAYBE for one operator-key pair."""
    qualifier, op, if_exists = split_operator(cond.operator)
    status, ctx_values = ctx.lookup(cond.key)
    if op == "Null":
        if status == "unknown":
            return MAYBE
        want_absent = [v.lower() == "true" for v in cond.values]
        is_absent = status == "absent" or not ctx_values
        return YES if any(w == is_absent for w in want_absent) else NO
    if status == "unknown":
        return MAYBE
    policy_values = []
    for v in cond.values:
        sub = substitute(v, ctx)
        if sub is None:
            return MAYBE
        policy_values.append(sub)
    compare, negated = _OPERATORS[op]
    if status == "absent" or not ctx_values:
        if qualifier == "ForAllValues":
            return YES           # vacuously true on an empty set: the classic gotcha, as AWS does it
        if if_exists:
            return YES
        if qualifier == "ForAnyValue":
            return NO
        return YES if negated else NO

    def one(value: str) -> bool:
        try:
            hit = any(compare(value, p) for p in policy_values)
        except (ValueError, TypeError) as exc:
            raise ConditionError(f"condition {cond.text()}: cannot compare {value!r}: {exc}") from None
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return YES if all(one(v) for v in ctx_values) else NO
    if qualifier == "ForAnyValue":
        return YES if any(one(v) for v in ctx_values) else NO
    # single-valued key: with several context values (should not happen) any match counts
    return YES if any(one(v) for v in ctx_values) else NO


def evaluate_conditions(conditions: tuple[Condition, ...], ctx: Context) -> tuple[int, tuple[Condition, ...]]:
    """AND over all operator-key pairs; returns the state and the undecided conditions."""
    if not conditions:
        return YES, ()
    open_: list[Condition] = []
    for cond in conditions:
        state = evaluate_condition(cond, ctx)
        if state == NO:
            return NO, ()
        if state == MAYBE:
            open_.append(cond)
    return (MAYBE, tuple(open_)) if open_ else (YES, ())
