"""Phase 03, the least-privilege review: every IAM_* check over a PolicyStore.

One finding per (check, principal examined): FAIL with the evidence that decided it,
PASS when examined and clean, NOT_ASSESSED when the principal's policies (or the
CloudTrail usage, for unused grants) could not be read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from synthaudit import catalogue
from synthaudit.catalogue import finding
from synthaudit.errors import ConditionError
from synthaudit.findings import Finding, lowered, sort_findings
from synthaudit.iam import escalation, reach_paths, trust, unused, wildcards
from synthaudit.iam.gc_pause import gc_paused
from synthaudit.iam.model import Principal
from synthaudit.iam.policy import Statement
from synthaudit.iam.store import PolicyStore

PHASE = "iam"
REGION = "global"
# ARN shapes of data stores whose reachability matters
DATA_STORE_PATTERNS = (
    re.compile(r"^arn:aws[\w-]*:s3:::[^/]+$"),
    re.compile(r"^arn:aws[\w-]*:kms:[^:]+:\d{12}:key/.+$"),
    re.compile(r"^arn:aws[\w-]*:rds:[^:]+:\d{12}:(cluster|db):.+$"),
    re.compile(r"^arn:aws[\w-]*:dynamodb:[^:]+:\d{12}:table/[^/]+$"),
    re.compile(r"^arn:aws[\w-]*:glue:[^:]+:\d{12}:table/.+$"),
    re.compile(r"^arn:aws[\w-]*:secretsmanager:[^:]+:\d{12}:secret:.+$"),
)
MAX_LIST = 50


def is_data_store(arn: str) -> bool:
    return any(p.match(arn) for p in DATA_STORE_PATTERNS)


@dataclass
class ReviewResult:
    findings: list[Finding]
    reachability: pd.DataFrame
    escalation_paths: pd.DataFrame
    trust_issues: pd.DataFrame
    wildcard_grants: pd.DataFrame
    suggested_policies: dict[str, dict] = field(default_factory=dict)
    store_errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for f in self.findings:
            out.setdefault(f.check_id, {}).setdefault(f.status, 0)
            out[f.check_id][f.status] += 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


class _StatementIndex:
    """(policy, sid) -> statement, to print each granting statement's Action and Resource."""

    def __init__(self, store: PolicyStore):
        self._by: dict[tuple[str, str], Statement] = {}
        for p in store.principal_records():
            for pol in [*p.identity, *([p.boundary] if p.boundary else [])]:
                for s in pol.statements:
                    self._by.setdefault((s.policy, s.label), s)
        for pol in store.resource_policies.values():
            for s in pol.statements:
                self._by.setdefault((s.policy, s.label), s)

    def describe(self, ref: tuple[str, str, str, str]) -> dict[str, Any]:
        policy, kind, sid, effect = ref
        s = self._by.get((policy, sid))
        out = {"policy": policy, "kind": kind, "sid": sid, "effect": effect}
        if s is not None:
            out["statement_action"] = ("NotAction: " if s.not_action else "") + ", ".join(s.actions)
            out["statement_resource"] = ("NotResource: " if s.not_resource else "") + ", ".join(s.resources)
        return out


def _reviewed(store: PolicyStore) -> list[Principal]:
    return [p for p in store.principal_records() if not p.service_linked]


def _na(check: str, p: Principal, reason: str) -> Finding:
    return finding(check, p.arn, "NOT_ASSESSED", account=p.account, region=REGION, environment=p.environment,
                   reason=reason)


def check_reachability(store: PolicyStore, index: _StatementIndex) -> tuple[list[Finding], pd.DataFrame]:
    check = "IAM_SYNTHETIC_REACHES_PRODUCTION"
    synthetic = [p for p in _reviewed(store) if p.environment == "synthetic"]
    stores = _production_stores(store)
    ok = [p.arn for p in synthetic if not p.error]
    df = store.reachability(ok, stores) if ok and stores else pd.DataFrame(
        columns=["principal", "resource", "action", "access_level", "outcome", "conditions", "statements",
                 "principal_environment", "resource_environment"])
    failed = df.attrs.get("not_assessed", {}) if ok and stores else {}
    out: list[Finding] = []
    # the table's columns as lists, rows grouped by principal (plain lists: per-group pandas
    # indexing cost more than the evidence it built)
    cols = {c: df[c].tolist() for c in ("principal", "resource", "action", "access_level", "outcome",
                                         "conditions", "statements")}
    rows_of: dict[str, list[int]] = {}
    for i, principal in enumerate(cols["principal"]):
        rows_of.setdefault(principal, []).append(i)
    described: dict[tuple, dict] = {}
    judge = reach_paths.PathJudge(store)

    def describe(ref: tuple[str, str, str, str]) -> dict[str, Any]:
        hit = described.get(ref)
        if hit is None:
            hit = described[ref] = index.describe(ref)
        return dict(hit)       # each finding owns its evidence

    for p in synthetic:
        if p.error or p.arn in failed:
            out.append(_na(check, p, f"policies could not be evaluated: {p.error or failed[p.arn]}"))
            continue
        rows = rows_of.get(p.arn)
        if not rows:
            out.append(finding(check, p.arn, "PASS", account=p.account, region=REGION, environment=p.environment,
                               evidence={"production_data_stores_checked": len(stores)}))
            continue
        paths = [{"resource": cols["resource"][i], "action": cols["action"][i],
                  "access_level": cols["access_level"][i], "outcome": cols["outcome"][i],
                  "conditions": list(cols["conditions"][i]),
                  "statements": [describe(s) for s in cols["statements"][i]]} for i in rows]
        for path in paths:
            path_evidence = judge.evidence(p.arn, path["action"], path["resource"], path["conditions"])
            if path_evidence:
                path["path"] = path_evidence
        only_conditional = all(cols["outcome"][i] == "conditional" for i in rows)
        evidence = {"production_resources": sorted({cols["resource"][i] for i in rows}),
                    "paths": paths[:200], "paths_total": len(paths), "production_data_stores_checked": len(stores)}
        grade = reach_paths.severity(paths, "high" if only_conditional else catalogue.get(check).severity, evidence)
        out.append(finding(check, p.arn, "FAIL", account=p.account, region=REGION, environment=p.environment,
                           severity=grade, evidence=evidence))
    return out, df


def check_escalation(store: PolicyStore, regions: Iterable[str]) -> tuple[list[Finding], pd.DataFrame]:
    """Findings carry each principal's paths (a PassRole path lists the roles it reaches, up to
    MAX_LIST, with the total); the table has one row per (path, target)."""
    check = "IAM_PRIVILEGE_ESCALATION"
    people = _reviewed(store)
    ok = [p.arn for p in people if not p.error]
    paths, failed = escalation.find_paths(store, ok, regions)
    out: list[Finding] = []
    table: list[tuple[Principal, escalation.EscalationPath]] = []
    for p in people:
        if p.error or p.arn in failed:
            out.append(_na(check, p, f"policies could not be evaluated: {p.error or failed[p.arn]}"))
            continue
        found = paths.get(p.arn, [])
        table.extend((p, e) for e in found)
        if found:
            out.append(finding(check, p.arn, "FAIL", account=p.account, region=REGION, environment=p.environment,
                               evidence={"paths": [e.to_dict(max_targets=MAX_LIST) for e in found[:MAX_LIST]],
                                         "paths_total": len(found)}))
        else:
            out.append(finding(check, p.arn, "PASS", account=p.account, region=REGION, environment=p.environment))
    return out, _escalation_table(table)


def _escalation_table(paths: list[tuple[Principal, escalation.EscalationPath]]) -> pd.DataFrame:
    """One row per (path, target): the compact paths spread out for filtering and plotting."""
    cols = ["principal", "environment", "route", "actions", "target", "gained", "outcome", "conditions", "statements"]
    per_path = pd.DataFrame(
        [(p.arn, p.environment, e.route, list(e.actions), e.targets, e.gained, e.outcome, list(e.conditions),
          [{"policy": s[0], "kind": s[1], "sid": s[2], "effect": s[3]} for s in e.statements]) for p, e in paths],
        columns=cols)
    return per_path.explode("target", ignore_index=True)[cols] if len(per_path) else per_path


def _production_stores(store: PolicyStore) -> list[str]:
    return sorted(a for a, info in store.resources.items() if is_data_store(a) and store.environment_of(a) == "production")


def _reaching(store: PolicyStore, roles: list[str]) -> tuple[dict[str, list[str]], set[str]]:
    """Production data stores each role reaches (allowed or conditional), and the roles the engine
    could not evaluate (their trust findings keep the catalogue's severity: not proven harmless)."""
    stores = _production_stores(store)
    if not roles or not stores:
        return {}, set()
    df = store.reachability(roles, stores)
    reached: dict[str, set[str]] = {}
    for principal, resource in zip(df["principal"].tolist(), df["resource"].tolist()):
        reached.setdefault(principal, set()).add(resource)
    return {k: sorted(v) for k, v in reached.items()}, set(df.attrs.get("not_assessed", {}))


def check_trust(store: PolicyStore) -> tuple[list[Finding], pd.DataFrame]:
    """Severity follows what the trusting role reaches: the catalogue's when it reaches production
    data (or cannot be evaluated), low when it reaches none; one step lower again when every issue
    is narrowed by conditions the kit cannot decide. Issues a condition closes are PASS evidence."""
    check = "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD"
    out: list[Finding] = []
    rows = []
    found: list[tuple[Principal, list[trust.TrustIssue]]] = []
    for p in _reviewed(store):
        if p.kind != "role":
            continue
        if p.error and p.trust is None:
            out.append(_na(check, p, f"trust policy could not be read: {p.error}"))
            continue
        try:
            found.append((p, trust.role_issues(store, p)))
        except ConditionError as exc:
            out.append(_na(check, p, f"trust policy condition could not be evaluated: {exc}"))
    flagged = [p.arn for p, issues in found if any(i.state != trust.CLOSED for i in issues) and not p.error]
    reached, unknown = _reaching(store, flagged)
    base = catalogue.get(check).severity
    for p, all_issues in found:
        issues = [i for i in all_issues if i.state != trust.CLOSED]
        closed = [i for i in all_issues if i.state == trust.CLOSED]
        for i in issues:
            rows.append({"role": p.arn, "environment": p.environment, **i.to_dict()})
        evidence: dict[str, Any] = {}
        if closed:
            evidence["closed_by_condition"] = [i.to_dict() for i in closed]
        if not issues:
            out.append(finding(check, p.arn, "PASS", account=p.account, region=REGION, environment=p.environment,
                               evidence=evidence))
            continue
        evidence["issues"] = [i.to_dict() for i in issues]
        reaches = reached.get(p.arn, [])
        evaluated = not p.error and p.arn not in unknown
        evidence["reaches_production_data"] = reaches[:MAX_LIST] if evaluated else "not evaluated"
        severity = base if reaches or not evaluated else "low"
        if all(i.state == trust.NARROWED for i in issues):
            severity = lowered(severity)
        out.append(finding(check, p.arn, "FAIL", account=p.account, region=REGION, environment=p.environment,
                           evidence=evidence, severity=severity))
    return out, pd.DataFrame(rows, columns=["role", "environment", "sid", "principal", "problem", "state",
                                            "conditions"])


def check_wildcards(store: PolicyStore) -> tuple[list[Finding], pd.DataFrame]:
    check = "IAM_WILDCARD_GRANT"
    out: list[Finding] = []
    rows = []
    for p in _reviewed(store):
        if p.error:
            out.append(_na(check, p, f"policies could not be read: {p.error}"))
            continue
        grants = wildcards.principal_wildcards(p)
        for g in grants:
            rows.append({"principal": p.arn, "environment": p.environment, **g.to_dict()})
        if grants:
            severity = "high" if any(g.kind == "all_actions" for g in grants) else None
            out.append(finding(check, p.arn, "FAIL", account=p.account, region=REGION, environment=p.environment,
                               severity=severity, evidence={"grants": [g.to_dict() for g in grants[:MAX_LIST]]}))
        else:
            out.append(finding(check, p.arn, "PASS", account=p.account, region=REGION, environment=p.environment))
    return out, pd.DataFrame(rows, columns=["principal", "environment", "policy", "sid", "kind", "detail",
                                            "actions_sample"])


UNUSED_REMOVE = ("Unused: review for removal. CloudTrail recorded no call by this principal in the review "
                 "window, so there is no observed use to build a smaller policy from. Confirm with its owner "
                 "(seasonal jobs may not appear in the window), then remove it:\n"
                 "  aws iam delete-role --role-name NAME   (after detaching its policies and instance profiles)\n"
                 "  aws iam delete-user --user-name NAME   (after deleting its keys, policies and group memberships)")


def check_unused(store: PolicyStore, run_dir: Path | None, review_days: int) -> tuple[list[Finding], dict]:
    """One finding per reviewed principal (service-linked roles are not reviewed by any IAM check:
    AWS defines their policies); AWS-reserved roles and the audit role are EXCEPTED by a built-in rule; a principal never seen in the window is "unused: review for removal" (no
    suggested policy); otherwise the suggested policy holds only the observed actions."""
    check = "IAM_UNUSED_GRANTS"
    people = _reviewed(store)
    window = None
    reason = "no CloudTrail events table (<run>/cloudtrail/events.parquet): run phase 04 first"
    if run_dir is not None:
        try:
            window = unused.load_usage(Path(run_dir), review_days)
        except unused.EventsError as exc:
            reason = str(exc)
        if window is not None and window.events == 0:
            reason, window = "the CloudTrail events table holds no usable events in the review window", None
    out: list[Finding] = []
    suggestions: dict[str, dict] = {}
    for p in people:
        rule = unused.handled_by_rule(p)
        if rule is not None:
            out.append(replace(finding(check, p.arn, "EXCEPTED", account=p.account, region=REGION,
                                       environment=p.environment, evidence={"handled_by_rule": rule[0]},
                                       reason=f"handled by rule: {rule[1]}"),
                               exception=unused.rule_exception(rule)))
        elif window is None:
            out.append(_na(check, p, reason))
        elif p.error:
            out.append(_na(check, p, f"policies could not be read: {p.error}"))
        elif window.accounts and p.account not in window.accounts:
            out.append(_na(check, p, f"no CloudTrail events from account {p.account} in the review window: "
                                     "use cannot be told from absence of logs"))
        else:
            out.append(_judge_unused(check, p, window, suggestions))
    return out, suggestions


def _judge_unused(check: str, p: Principal, window: unused.UsageWindow, suggestions: dict[str, dict]) -> Finding:
    used, idle = unused.unused_actions(p, unused.used_by(window, p))
    base = {"window_start": window.start.isoformat(), "window_end": window.end.isoformat(),
            "used_actions": used[:MAX_LIST], "used_total": len(used)}
    if not idle:
        return finding(check, p.arn, "PASS", account=p.account, region=REGION, environment=p.environment,
                       evidence=base)
    evidence = {**base, "unused_total": len(idle), "unused_by_service": unused.by_service(idle),
                "unused_sample": idle[:MAX_LIST]}
    policy = unused.suggested_policy(p, used) if used else None
    if policy is None:
        evidence["verdict"] = "unused: review for removal" if not used else \
            "used only through grants outside its identity policies: review for removal of its own grants"
        found = finding(check, p.arn, "FAIL", account=p.account, region=REGION, environment=p.environment,
                        evidence=evidence)
        return replace(found, remediation=UNUSED_REMOVE) if not used else found
    suggestions[p.arn] = policy
    evidence["verdict"] = "over-granted: replace with the suggested policy"
    evidence["suggested_policy"] = policy
    return finding(check, p.arn, "FAIL", account=p.account, region=REGION, environment=p.environment,
                   evidence=evidence)


def review(store: PolicyStore, *, run_dir: Path | None = None, review_days: int = 30,
           regions: Iterable[str] = ("us-east-1",), include_unused: bool = True) -> ReviewResult:
    """Run every phase 03 check; deterministic (sorted findings, sorted tables).

    include_unused=False skips the unused-grants check (no IAM_UNUSED_GRANTS findings, no
    suggested policies), for callers that run it later where CloudTrail events exist (phase 04).
    """
    with gc_paused():
        index = _StatementIndex(store)
        reach_f, reach_df = check_reachability(store, index)
        esc_f, esc_df = check_escalation(store, regions)
        trust_f, trust_df = check_trust(store)
        wild_f, wild_df = check_wildcards(store)
        unused_f, suggestions = check_unused(store, run_dir, review_days) if include_unused else ([], {})
    findings = sort_findings([*reach_f, *esc_f, *trust_f, *wild_f, *unused_f])
    return ReviewResult(findings=findings, reachability=reach_df, escalation_paths=esc_df, trust_issues=trust_df,
                        wildcard_grants=wild_df, suggested_policies=suggestions, store_errors=list(store.errors))
