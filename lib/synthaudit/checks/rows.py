"""The family of checks that decide one snapshot row at a time from its own columns
(encryption on? tracing on? root access?). Each such check is one ``RowRule``: which
tables, which rows (by environment), and a predicate; no per-check code.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext

# A verdict: (status, evidence, reason). ``None`` status means "not examined".
Verdict = tuple[str | None, dict[str, Any], str | None]


def fail_if(failed: bool, evidence: dict[str, Any]) -> Verdict:
    return ("FAIL" if failed else "PASS", evidence, None)


def unknown(reason: str, evidence: dict[str, Any] | None = None) -> Verdict:
    return ("NOT_ASSESSED", evidence or {}, reason)


@dataclass(frozen=True)
class EnvironmentSelector:
    """Rows whose environment is one of ``envs``. A check selecting this way needs a class, so
    the registry gives the rows no rule classified NOT_ASSESSED (``Check.judges``)."""
    envs: tuple[str, ...]

    def __call__(self, ctx: CheckContext, row: dict[str, Any]) -> bool:
        return row.get("environment") in self.envs


def in_environments(*envs: str) -> EnvironmentSelector:
    return EnvironmentSelector(envs)


def judged_kinds(select: Any, kinds: tuple[str, ...]) -> tuple[str, ...]:
    """``kinds`` when ``select`` picks rows by environment, else nothing."""
    return kinds if isinstance(select, EnvironmentSelector) else ()


def every_row(ctx: CheckContext, row: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class RowRule:
    check_id: str
    family: str
    kinds: tuple[str, ...]
    select: Callable[[CheckContext, dict[str, Any]], bool]
    decide: Callable[[CheckContext, dict[str, Any]], Verdict]
    # substrings of ``detail_errors`` calls (S3) whose failure leaves the row undecidable
    detail_calls: tuple[str, ...] = ()
    extra_tables: tuple[str, ...] = field(default=())

    @property
    def tables(self) -> tuple[str, ...]:
        return self.kinds + self.extra_tables

    def as_check(self) -> Check:
        return Check(self.check_id, self.family, self.tables, functools.partial(run_row_rule, self),
                     judges=judged_kinds(self.select, self.kinds))


def detail_gap(row: dict[str, Any], calls: Iterable[str]) -> str | None:
    errors = row.get("detail_errors") or {}
    if not isinstance(errors, dict):
        return None
    failed = sorted(f"{call}: {err}" for call, err in errors.items() if any(c in call.lower() for c in calls))
    return "; ".join(failed) if failed else None


def run_row_rule(rule: RowRule, ctx: CheckContext) -> list[Finding]:
    out: list[Finding] = []
    for kind in rule.kinds:
        for row in ctx.rows_or_empty(kind):
            if not rule.select(ctx, row):
                continue
            gap = detail_gap(row, rule.detail_calls) if rule.detail_calls else None
            if gap:
                out.append(ctx.finding(rule.check_id, row, "NOT_ASSESSED", reason=f"detail read failed: {gap}"))
                continue
            status, evidence, reason = rule.decide(ctx, row)
            if status is None:
                continue
            out.append(ctx.finding(rule.check_id, row, status, evidence=evidence, reason=reason))
    return out

