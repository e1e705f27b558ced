"""What the auditor's first screen says, computed from the one findings list of the report:
how bad (open critical and high by environment and account), what changed since the last
run (new, resolved, regressed), which requirements fail (by framework, by worst severity)
and what to fix first (root causes with their concrete fix).

Every count the page shows carries the filter it counts (``Count.query``, e.g.
``status=FAIL&severity=high&environment=production``): the page writes it as
``data-count`` and links the number to the findings table filtered by it, and the count
test re-counts findings.json with the same filter. No number comes from anywhere else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from synthaudit import catalogue
from synthaudit.evidence.diff import FindingsDiff
from synthaudit.evidence.fixes import RootCause
from synthaudit.findings import SEVERITY_ORDER, Finding

FILTER_FIELDS = ("severity", "status", "phase", "account", "environment", "check")
OPEN_SEVERITIES = ("critical", "high")
SEVERITY_WORDS = ("critical", "high", "medium", "low", "info")


def field_of(f: Finding | dict[str, Any], name: str) -> str:
    """A finding's value for a filter field, as the page's table holds it ("" for none)."""
    key = "check_id" if name == "check" else name
    value = f.get(key) if isinstance(f, dict) else getattr(f, key)
    return "" if value is None else str(value)


def matches(f: Finding | dict[str, Any], query: str) -> bool:
    """Whether a finding passes a count's filter (each field: one of the comma-separated values)."""
    return all(field_of(f, k) in v.split(",") for k, v in parse_qsl(query, keep_blank_values=True))


@dataclass(frozen=True)
class Count:
    n: int
    query: str


def count(findings: list[Finding], **where: str) -> Count:
    query = urlencode([(k, v) for k, v in where.items()], safe=",")
    return Count(sum(1 for f in findings if matches(f, query)), query)


def severity_counts(findings: list[Finding]) -> list[tuple[str, Count]]:
    return [(s, count(findings, status="FAIL", severity=s)) for s in SEVERITY_WORDS]


def open_matrix(findings: list[Finding]) -> list[dict[str, Any]]:
    """One row per environment and account with open critical or high findings, worst first."""
    keys = sorted({(field_of(f, "environment"), field_of(f, "account")) for f in findings
                   if f.status == "FAIL" and f.severity in OPEN_SEVERITIES})
    rows = [{"environment": env or "unclassified", "account": acct or "none",
             "total": count(findings, status="FAIL", severity="critical,high", environment=env, account=acct),
             **{s: count(findings, status="FAIL", severity=s, environment=env, account=acct) for s in OPEN_SEVERITIES}}
            for env, acct in keys]
    rows.sort(key=lambda r: (-r["critical"].n, -r["high"].n, r["environment"], r["account"]))
    return rows


@dataclass(frozen=True)
class ChangeRow:
    kind: str            # new | regressed | resolved
    check_id: str
    resource: str
    severity: str
    was: str
    now: str


def changes(diff: FindingsDiff | None) -> dict[str, list[ChangeRow]] | None:
    """New (not there before), regressed (there and not failing before), resolved, worst first."""
    if diff is None:
        return None
    out: dict[str, list[ChangeRow]] = {"new": [], "regressed": [], "resolved": []}
    for c in diff.changes:
        if c.category == "new":
            kind = "new" if c.before is None else "regressed"
        elif c.category == "changed" and c.before is not None and c.after is not None and c.after.status == "FAIL" \
                and (c.before.status != "FAIL" or SEVERITY_ORDER[c.after.severity] > SEVERITY_ORDER[c.before.severity]):
            kind = "regressed"      # an exception lapsed, or the same problem got worse
        elif c.category == "resolved":
            kind = "resolved"
        else:
            continue
        ref = c.after or c.before
        out[kind].append(ChangeRow(kind, c.check_id, c.resource, ref.severity,
                                   c.before.status if c.before else "absent", c.after.status if c.after else "absent"))
    for rows in out.values():
        rows.sort(key=lambda r: (-SEVERITY_ORDER[r.severity], r.check_id, r.resource))
    return out


@dataclass(frozen=True)
class RequirementRow:
    framework: str
    id: str
    name: str
    worst: str                   # worst open severity, "" when none fails
    fails: Count
    excepted: int
    checks: tuple[str, ...]


def requirements(findings: list[Finding]) -> list[dict[str, Any]]:
    """Per framework: its requirements failing, worst severity first, and how many of each kind."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    out = []
    for fw in catalogue.load_frameworks():
        rows = []
        for req in fw.requirements:
            checks = tuple(sorted(req.checks))
            items = [f for c in checks for f in by_check.get(c, [])]
            fails = [f.severity for f in items if f.status == "FAIL"]
            worst = max(fails, key=SEVERITY_ORDER.get) if fails else ""
            rows.append(RequirementRow(fw.label, req.id, req.name, worst,
                                       count(findings, status="FAIL", check=",".join(checks)),
                                       sum(1 for f in items if f.status == "EXCEPTED"), checks))
        failing = sorted((r for r in rows if r.worst), key=lambda r: (-SEVERITY_ORDER[r.worst], -r.fails.n, r.id))
        out.append({"framework": fw.label, "total": len(rows), "failing": failing,
                    "by_worst": {s: sum(1 for r in failing if r.worst == s) for s in SEVERITY_WORDS}})
    return out


def headline(text: str, limit: int = 160) -> str:
    """A fix's first paragraph in one line, cut at a word: the summary row of a root cause."""
    para = " ".join(line.strip() for line in text.strip().split("\n\n")[0].splitlines()
                     if line.strip() and not line.startswith(("  ", "\t")))
    para = para or text.strip().splitlines()[0].strip() if text.strip() else ""
    return para if len(para) <= limit else para[:limit].rsplit(" ", 1)[0] + " …"


def cause_query(cause: RootCause) -> str:
    return urlencode({"rc": cause.key})


def finding_row(f: Finding, rc: str, fix: int, evidence: int) -> dict[str, Any]:
    """One row of the findings table: filter fields, text, and indexes into the page's data blobs."""
    return {"id": f.id, "title": f.title, "resource": f.resource, "region": f.region or "", "rc": rc, "fix": fix,
            "ev": evidence, "reason": f.reason or "", "exception": f.exception,
            **{k: field_of(f, k) for k in FILTER_FIELDS}}
