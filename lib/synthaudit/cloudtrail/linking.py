"""After the detectors: the environment of each finding's resource, and one count per event.

Detector SQL often cannot name the environment of what a row is about (a new-behaviour row is
about a principal), so the finding's ``environment`` is filled here from the classification
the review already built (the ``environment`` and ``accounts`` tables): the resource's own
class, else its account's.

An event a specific detector reported (a deleted flow log, a shared snapshot) is also new
behaviour for its caller. The new-behaviour detectors link to the specific finding instead of
counting the event again: their finding carries ``also_reported_by`` (check id and finding id
of each finding that already reports one of its events) and, when every one of its events is
reported elsewhere, it is EXCEPTED by the built-in rule below instead of being another FAIL.
New-behaviour detectors link to each other the same way, in ``NEW_BEHAVIOUR`` order.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping

from synthaudit import arn as aws_arn
from synthaudit.findings import Finding

NEW_BEHAVIOUR = ("CT_NEW_PRINCIPAL_ACTION", "CT_NEW_PRINCIPAL_RESOURCE", "CT_NEW_PRINCIPAL_SOURCE")
# Detectors that count events in bulk: they neither link nor are linked to.
VOLUME = ("CT_ACTIVITY_SPIKE", "CT_ACCESS_DENIED_BURST", "CT_OFF_HOURS_ACTIVITY")
RULE = {"id": "rule:reported-by-specific-detector", "owner": "synthaudit (built-in rule)", "kind": "rule"}


def environment_lookup(tables: Mapping[str, list[tuple]]):
    """resource ARN -> environment, from the review's ``environment`` (arn, account, environment,
    resource_id) and ``accounts`` (account, environment) tables; None when unknown."""
    by_arn = {row[0]: row[2] for row in tables.get("environment", []) if row[2] and row[2] != "unknown"}
    by_account = {row[0]: row[1] for row in tables.get("accounts", []) if row[1] and row[1] != "unknown"}

    def lookup(resource: str | None, account: str | None) -> str | None:
        if not resource:
            return None
        if resource in by_arn:
            return by_arn[resource]
        parsed = aws_arn.parse(resource)
        if parsed is not None and parsed.service == "s3" and "/" in parsed.resource:  # an object: its bucket's
            bucket = resource.split("/", 1)[0]
            if bucket in by_arn:
                return by_arn[bucket]
        if parsed is not None and parsed.service == "organizations" and parsed.resource_type == "account":
            return by_account.get(parsed.name)
        owner = (parsed.account if parsed is not None else "") or account or ""
        return by_account.get(owner)
    return lookup


def fill_environments(findings: Iterable[Finding], lookup) -> list[Finding]:
    out = []
    for f in findings:
        env = None if f.environment else lookup(f.resource, f.account)
        out.append(dataclasses.replace(f, environment=env) if env else f)
    return out


def link_new_behaviour(findings: Iterable[Finding]) -> list[Finding]:
    """New-behaviour findings linked to the findings that already report their events."""
    findings = list(findings)
    reporters: dict[str, set[tuple[str, str]]] = {}

    def register(f: Finding) -> None:
        for event in f.evidence.get("event_ids") or []:
            reporters.setdefault(event, set()).add((f.check_id, f.id))

    for f in findings:
        if f.status == "FAIL" and f.check_id not in NEW_BEHAVIOUR and f.check_id not in VOLUME:
            register(f)
    linked: dict[str, Finding] = {}
    order = {c: i for i, c in enumerate(NEW_BEHAVIOUR)}
    for f in sorted((f for f in findings if f.status == "FAIL" and f.check_id in order),
                    key=lambda f: (order[f.check_id], f.sort_key())):
        events = list(f.evidence.get("event_ids") or [])
        refs = sorted({ref for e in events for ref in reporters.get(e, ())})
        if not refs:
            register(f)
            continue
        evidence = {**f.evidence, "also_reported_by": [{"check_id": c, "finding_id": i} for c, i in refs]}
        complete = all(e in reporters for e in events) and int(f.evidence.get("events") or 0) <= len(events)
        if complete:
            names = ", ".join(sorted({c for c, _ in refs}))
            reason = f"handled by rule: every event of this row is already reported by {names} (linked, not counted again)"
            linked[f.id] = dataclasses.replace(f, status="EXCEPTED", evidence=evidence, reason=reason,
                                               exception={**RULE, "reason": reason})
        else:
            linked[f.id] = dataclasses.replace(f, evidence=evidence)
            register(f)
    return [linked.get(f.id, f) for f in findings]
