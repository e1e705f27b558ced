"""Detector rows -> anomalies and findings, by the same rules for every detector.

A detector row names its events (``event_ids``), says whether the action it describes
failed (``failed``: an attempt, not a deed) and the environment of the resource it is
about. Here those become evidence: the events' ids (up to ``MAX_EVENT_IDS``), "attempted"
in the detail and the attempt's own, lower severity, the resource's environment on the
finding. Production resources raise the severity of the detectors in
``detectors.SEVERITY_IN_PRODUCTION``.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from synthaudit import catalogue
from synthaudit.cloudtrail import detectors as det
from synthaudit.cloudtrail import linking
from synthaudit import arn as aws_arn
from synthaudit.findings import sort_findings

MAX_EVENT_IDS = 100  # a spike of thousands names its first hundred; `events` keeps the full count


@dataclass(frozen=True)
class Anomaly:
    detector: str
    family: str
    severity: str
    time: str | None
    principal: str | None
    action: str | None
    resource: str | None
    account: str | None
    region: str | None
    evidence: dict[str, Any]


def account_arn_factory(params, org_ids: set[str]):
    """Account-level resource ARN (architecture.md): management account and org id when known."""
    management = params.management_account if params else None
    org = (params.organization_id if params and params.organization_id else None) or (
        sorted(org_ids)[0] if len(org_ids) == 1 else "o-unknown")

    def account_arn(account: str) -> str:
        return aws_arn.organizations_account(management or account, org, account)
    return account_arn


def event_ids(value: Any) -> list[str]:
    """The distinct event ids of a row (comma-joined by the SQL), sorted, at most MAX_EVENT_IDS."""
    ids = sorted({i.strip() for i in str(value or "").split(",") if i.strip()})
    return ids[:MAX_EVENT_IDS]


def row_severity(detector: det.Detector, row: dict[str, Any]) -> str:
    """The detector's severity, raised for a production resource where the detector says so,
    lowered one step for an attempt that failed."""
    severity = detector.severity
    if row.get("environment") == "production":
        severity = det.SEVERITY_IN_PRODUCTION.get(detector.id, severity)
    if row.get("failed"):
        severity = det.ATTEMPT_SEVERITY[severity]
    return severity


def _outcomes(runner, detectors: list[det.Detector]) -> dict[str, tuple[list[dict[str, Any]], Exception | None]]:
    """Each detector's rows or its error; side by side on engines that allow it (the queries are
    independent, and one query alone seldom keeps every core busy)."""
    def outcome(d: det.Detector) -> tuple[list[dict[str, Any]], Exception | None]:
        try:
            return runner.run(d), None
        except Exception as exc:  # noqa: BLE001 - reported per detector as NOT_ASSESSED with the error
            return [], exc

    workers = max(1, min(getattr(runner, "parallelism", 1), len(detectors)))
    if workers == 1:
        return {d.id: outcome(d) for d in detectors}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip((d.id for d in detectors), pool.map(outcome, detectors)))


def run_detectors(result, runner, unmet: set[str], resource: str, account_arn=None,
                  tables: dict[str, list[tuple]] | None = None) -> None:
    """Run every detector whose preconditions hold; append its anomalies and findings to ``result``.
    Findings get their resource's environment from ``tables`` (the classification) and new-behaviour
    findings link to the specific findings of the same events (linking.py)."""
    account_arn = account_arn or account_arn_factory(None, set())
    detectors = det.load_detectors()
    outcomes = _outcomes(runner, [d for d in detectors if not any(need in unmet for need in d.needs)])
    for d in detectors:
        missing = [need for need in d.needs if need in unmet]
        if missing:
            result.findings.append(catalogue.finding(d.id, resource, "NOT_ASSESSED", reason=missing[0]))
            result.detector_status[d.id] = "NOT_ASSESSED"
            continue
        rows, exc = outcomes[d.id]
        if exc is not None:
            reason = f"detector failed on {runner.name}: {type(exc).__name__}: {str(exc)[:200]}"
            result.findings.append(catalogue.finding(d.id, resource, "NOT_ASSESSED", reason=reason))
            result.detector_status[d.id] = "NOT_ASSESSED"
            continue
        rows = sorted(rows, key=lambda r: (str(r["event_time"]), str(r["principal"]), str(r["action"]),
                                          str(r["resource"]), str(r["account"]), str(r["region"]),
                                          bool(r.get("failed"))))
        result.detector_status[d.id] = "FAIL" if rows else "PASS"
        if not rows:
            result.findings.append(catalogue.finding(d.id, resource, "PASS",
                                                     evidence={"events_examined": result.events, "window": result.window}))
            continue
        for row in rows:
            _append_row(result, d, row, resource, account_arn)
    found = linking.fill_environments(result.findings, linking.environment_lookup(tables or {}))
    result.findings = sort_findings(linking.link_new_behaviour(found))


def _append_row(result, d: det.Detector, row: dict[str, Any], resource: str, account_arn) -> None:
    when = row["event_time"].strftime("%Y-%m-%dT%H:%M:%SZ") if row["event_time"] else None
    target = row["resource"] or (account_arn(row["account"]) if row["account"] else row["principal"]) or resource
    failed = bool(row.get("failed"))
    detail = f"attempted, failed: {row['detail']}" if failed else row["detail"]
    evidence = {"detail": detail, "events": int(row["events"] or 0), "time": when,
                "principal": row["principal"], "action": row["action"], "region": row["region"],
                "event_ids": event_ids(row.get("event_ids"))}
    if failed:
        evidence["attempted"] = True
    environment = row.get("environment")
    if environment and environment != "unknown":
        evidence["environment"] = environment
    severity = row_severity(d, row)
    result.anomalies.append(Anomaly(d.id, d.family, severity, when, row["principal"], row["action"],
                                    target, row["account"], row["region"], evidence))
    discriminator = "|".join(str(x or "") for x in (when, row["principal"], row["action"], row["region"]))
    if failed:  # an attempt and a deed of the same moment are two findings
        discriminator += "|attempted"
    result.findings.append(catalogue.finding(
        d.id, target, "FAIL", account=row["account"], region=row["region"], evidence=evidence,
        discriminator=discriminator, severity=severity,
        environment=environment if environment and environment != "unknown" else None))
