"""The check registry: every check id bound to the family function that decides it.

A family function is parameterised by a small spec (data), so checks that differ
only in table, selector or predicate are rows of a spec table, not copies of code.
``run_all`` adds what every check shares: NOT_ASSESSED for missing tables and for
the (account, region) pairs where the inventory could not read a needed service.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from synthaudit import catalogue
from synthaudit.config import Params
from synthaudit.findings import Finding, sort_findings
from synthaudit.inventory.schema import TABLES

from synthaudit.checks.context import CheckContext, SnapshotError

PHASE = "segregation"


@dataclass(frozen=True)
class Check:
    id: str
    family: str
    tables: tuple[str, ...]
    run: Callable[[CheckContext], Iterable[Finding]]

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(sorted({TABLES[k].service for k in self.tables if k in TABLES}))


REGISTRY: dict[str, Check] = {}


def register(check_id: str, family: str, tables: Iterable[str],
             run: Callable[[CheckContext], Iterable[Finding]]) -> Check:
    if check_id in REGISTRY:
        raise ValueError(f"check {check_id} registered twice")
    catalogue.get(check_id)  # every check must have a catalogue entry
    unknown = [k for k in tables if k not in TABLES]
    if unknown:
        raise ValueError(f"check {check_id}: unknown snapshot tables {unknown}")
    check = Check(check_id, family, tuple(tables), run)
    REGISTRY[check_id] = check
    return check


def _load_families() -> None:
    # Importing a family module registers its checks.
    from synthaudit.checks import (  # noqa: F401
        compute, data_copies, governance, kms, logging_coverage, network, pipelines, s3,
    )


def checks() -> list[Check]:
    _load_families()
    return [REGISTRY[k] for k in sorted(REGISTRY)]


def run_check(ctx: CheckContext, check: Check) -> list[Finding]:
    """One check's findings, plus NOT_ASSESSED where its data is missing."""
    missing = ctx.missing_tables(check.id, check.tables)
    if missing:
        return missing
    try:
        produced = list(check.run(ctx))
    except SnapshotError:
        raise  # bad input: the phase fails with the file named, it does not guess
    except Exception as exc:  # a bug in one check must not sink the phase; it shows as NOT_ASSESSED
        print(f"synthaudit segregation: check {check.id} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        reason = f"check error: {type(exc).__name__}: {exc}"[:300]
        return [ctx.account_finding(check.id, a, "NOT_ASSESSED", reason=reason) for a in ctx.all_accounts()]
    for f in produced:
        if f.check_id != check.id:
            raise AssertionError(f"check {check.id} produced a finding for {f.check_id}")
    seen = {f.id for f in produced}
    gaps = [f for f in ctx.coverage_gaps(check.id, check.services) if f.id not in seen]
    return produced + gaps


def run_all(snapshot_dir: str | Path, params: Params, *, store: Any = None,
            only: Iterable[str] | None = None) -> list[Finding]:
    """Every segregation check over one snapshot, in deterministic order.

    ``store`` replaces the IAM engine (tests); ``only`` limits the run to some check ids.
    """
    ctx = CheckContext(snapshot_dir, params, store=store)
    wanted = set(only) if only is not None else None
    selected = [c for c in checks() if wanted is None or c.id in wanted]
    if wanted is not None and len(selected) != len(wanted):
        unknown = sorted(wanted - {c.id for c in selected})
        raise ValueError(f"unknown segregation check ids: {', '.join(unknown)}")
    found: list[Finding] = []
    for check in selected:
        found.extend(run_check(ctx, check))
    unique: dict[str, Finding] = {}
    for f in found:
        unique.setdefault(f.id, f)
    return sort_findings(unique.values())
