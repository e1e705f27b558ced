"""The check registry: every check id bound to the family function that decides it.

Each family module exports its checks as data (``CHECKS``, mostly rows of spec tables, so
checks that differ only in table, selector or predicate are rows, not copies of code);
this module imports the families by name and validates what they export: unique ids,
a catalogue entry for each, only snapshot tables that exist. Nothing registers itself on
import. ``run_all`` adds what every check shares: NOT_ASSESSED for missing tables and for
the (account, region) pairs where the inventory could not read a needed service.
"""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any, Iterable, Mapping

from synthaudit import catalogue
from synthaudit.config import Params
from synthaudit.findings import Finding, sort_findings
from synthaudit.inventory.schema import TABLES

from synthaudit.checks import (compute, data_copies, exposure, governance, kms, logging_coverage, network, pipelines,
                               s3)
from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext, SnapshotError

PHASE = "segregation"
FAMILIES: tuple[ModuleType, ...] = (s3, kms, data_copies, exposure, compute, pipelines, network, governance,
                                    logging_coverage)


def build_registry(families: Iterable[ModuleType] = FAMILIES) -> dict[str, Check]:
    """Check id -> Check from each family's ``CHECKS``, in id order; fails on a duplicate id,
    an id without a segregation catalogue entry, or a table the snapshot schema does not have."""
    found: dict[str, Check] = {}
    for family in families:
        for check in family.CHECKS:
            if check.id in found:
                raise ValueError(f"check {check.id} defined twice ({found[check.id].family}, {check.family})")
            meta = catalogue.get(check.id)  # every check must have a catalogue entry
            if meta.phase != PHASE:
                raise ValueError(f"check {check.id}: its catalogue entry is for phase {meta.phase}, not {PHASE}")
            unknown = [k for k in check.tables if k not in TABLES]
            if unknown:
                raise ValueError(f"check {check.id}: unknown snapshot tables {unknown}")
            found[check.id] = check
    return {k: found[k] for k in sorted(found)}


@functools.cache
def check_registry() -> Mapping[str, Check]:
    """The validated registry, built once per process (read-only)."""
    return MappingProxyType(build_registry())


def checks() -> list[Check]:
    return list(check_registry().values())


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
    return produced + gaps + unclassified(ctx, check, {f.resource for f in produced})


UNCLASSIFIED_REASON = ("not classified: no rule in params.classification matched this resource, and this check "
                       "needs its environment (see UNCLASSIFIED_RESOURCES; `synthaudit params check "
                       "--show-classification` shows which rule decides)")


def unclassified(ctx: CheckContext, check: Check, judged: set[str]) -> list[Finding]:
    """NOT_ASSESSED for each row of the tables the check selects by environment that no rule
    classified and the check said nothing about: a resource the kit could not judge is said so."""
    return [ctx.finding(check.id, row, "NOT_ASSESSED", reason=UNCLASSIFIED_REASON,
                        evidence={"environment": "unknown", "classified_by": row.get("environment_rule")})
            for kind in check.judges for row in ctx.rows_or_empty(kind)
            if (row.get("environment") or "unknown") == "unknown" and row["arn"] not in judged]


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
