"""Phase 01's engine: run every collector over every (account, region) on a bounded
thread pool, classify every row, and write the snapshot.

A unit of work is one service in one account and one region (or 'global'). Its
list calls either all succeed (coverage ``assessed``) or the first failure is
classified (``access_denied`` / ``not_enabled`` / ``not_supported`` / ``error``)
and recorded: a failure in one unit never stops another, nothing is skipped
silently, and assume-role failures show up on every unit of that account.

A slow or throttled account cannot stall the rest: each account has a time budget
(``aws.account_timeout_seconds``, the seconds its units have run, summed; time queued
for a worker is not counted). Once spent, its running units stop at their next call
and its remaining units are not started; both are recorded as ``error`` naming the
budget. Throttling is met by botocore's adaptive retries; every retry is counted.
"""
from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthaudit import progress
from synthaudit.aws.errors import classify_error
from synthaudit.classify import Classifier, Verdict
from synthaudit.config import Params
from synthaudit.inventory.base import GLOBAL, BudgetSpent, ClientCache, Output, Scope
from synthaudit.inventory.collectors import COLLECTORS, organizations as org_collector
from synthaudit.inventory.schema import TABLES
from synthaudit.inventory.snapshot import write_snapshot


@dataclass(frozen=True)
class Unit:
    service: str
    account: str
    region: str  # 'global' for organization/account scoped services


@dataclass
class UnitResult:
    unit: Unit
    status: str
    error: str | None
    output: Output


class CallCounter:
    """Counts API calls per service (botocore ``before-call``) and retries (``before-send``
    beyond a call's first attempt), for the bench and meta.json."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts = threading.local()  # attempts sent by the call in flight on this thread
        self.by_service: Counter[str] = Counter()
        self.by_operation: Counter[tuple[str, str]] = Counter()
        self.retries_by_service: Counter[str] = Counter()

    def __call__(self, model: Any = None, **_: Any) -> None:
        service = model.service_model.service_name
        self._attempts.sent = 0
        with self._lock:
            self.by_service[service] += 1
            self.by_operation[(service, model.name)] += 1

    def attempt(self, event_name: str = "", **_: Any) -> None:
        """``before-send``: every attempt after a call's first is a retry (throttling, 5xx, timeouts)."""
        sent = getattr(self._attempts, "sent", 0)
        self._attempts.sent = sent + 1
        if sent:
            with self._lock:
                self.retries_by_service[_service_of(event_name)] += 1

    @property
    def total(self) -> int:
        return sum(self.by_service.values())

    @property
    def retries(self) -> int:
        return sum(self.retries_by_service.values())


def _service_of(event_name: str) -> str:
    """'before-send.s3.GetBucketPolicy' -> 's3' (the event carries the service id, lower-cased)."""
    parts = event_name.split(".")
    return parts[1].lower().replace(" ", "") if len(parts) > 2 else "unknown"


class AccountClock:
    """Seconds each account's units have run (summed over concurrent units), against one budget.

    Queue time is not counted, so an account waiting for a worker behind a large
    organisation does not lose its budget; one that is slow to answer does."""

    def __init__(self, budget_seconds: float | None) -> None:
        self.budget = budget_seconds
        self._lock = threading.Lock()
        self._done: Counter[str] = Counter()
        self._running: dict[str, dict[int, float]] = defaultdict(dict)

    def start(self, account: str) -> int:
        token = threading.get_ident()
        with self._lock:
            self._running[account][token] = time.monotonic()
        return token

    def stop(self, account: str, token: int) -> None:
        with self._lock:
            started = self._running[account].pop(token, None)
            if started is not None:
                self._done[account] += time.monotonic() - started

    def spent(self, account: str) -> float:
        now = time.monotonic()
        with self._lock:
            return self._done[account] + sum(now - t for t in self._running[account].values())

    def over(self, account: str) -> bool:
        return self.budget is not None and self.spent(account) >= self.budget

    def message(self, account: str, what: str) -> str:
        return (f"account {account}: time budget of {self.budget:g} s (aws.account_timeout_seconds) spent; "
                f"{what} (a slow or throttled account is cut off so that it cannot hold up the others)")

    def check(self, account: str) -> None:
        """Raise :class:`BudgetSpent` once the account is over budget (hook on its clients)."""
        if self.over(account):
            raise BudgetSpent(account)


class CountingClients(ClientCache):
    def __init__(self, factory: Any, counter: CallCounter, clock: AccountClock | None = None) -> None:
        super().__init__(factory)
        self.counter = counter
        self.clock = clock

    def _make(self, account: str, service: str, region: str) -> Any:
        client = self.factory.client(account, service, region)
        events = client.meta.events
        events.register("before-call.*.*", self.counter, unique_id="synthaudit-call-counter")
        events.register("before-send.*.*", self.counter.attempt, unique_id="synthaudit-attempt-counter")
        if self.clock is not None and self.clock.budget is not None:
            clock = self.clock
            events.register("before-send.*.*", lambda **_: clock.check(account), unique_id="synthaudit-account-budget")
        return client


@dataclass
class Inventory:
    """Everything phase 01 collected, classified, ready to write."""

    tables: dict[str, list[dict[str, Any]]]
    coverage: list[dict[str, Any]]
    organizations: dict[str, Any]
    iam_raw: dict[str, Any]
    resource_policies: list[dict[str, Any]]
    api_calls: dict[str, int] = field(default_factory=dict)
    api_retries: int = 0  # attempts botocore repeated (throttling, 5xx, timeouts): a slow account shows here

    def counts(self) -> dict[str, int]:
        return {kind: len(self.tables.get(kind, [])) for kind in sorted(TABLES)}

    def summary(self) -> dict[str, Any]:
        env: Counter[str] = Counter()
        for rows in self.tables.values():
            env.update(r["environment"] for r in rows)
        status = Counter(c["status"] for c in self.coverage)
        return {"resources": sum(self.counts().values()), "tables": self.counts(),
                "environments": dict(sorted(env.items())), "coverage": dict(sorted(status.items())),
                "api_calls": sum(self.api_calls.values()), "api_retries": self.api_retries}


def plan_units(params: Params, services: tuple[str, ...] | None = None) -> list[Unit]:
    """Every (service, account, region) to read; ``services`` narrows it (bench, targeted re-reads)."""
    accounts = params.account_ids()
    mgmt = params.management_account or accounts[0]
    units: list[Unit] = []
    for collector in COLLECTORS:
        if services is not None and collector.SERVICE not in services:
            continue
        if collector.SCOPE == "organization":
            units.append(Unit(collector.SERVICE, mgmt, GLOBAL))
        elif collector.SCOPE == "account":
            units += [Unit(collector.SERVICE, a, GLOBAL) for a in accounts]
        else:
            units += [Unit(collector.SERVICE, a, r) for a in accounts for r in params.aws.regions]
    return units


def _run_unit(unit: Unit, clients: ClientCache, params: Params, clock: AccountClock | None = None) -> UnitResult:
    if clock is not None and clock.over(unit.account):
        return UnitResult(unit, "error", clock.message(unit.account, f"{unit.service} ({unit.region}) not started"),
                          Output())
    collector = next(c for c in COLLECTORS if c.SERVICE == unit.service)
    client_region = params.aws.regions[0] if unit.region == GLOBAL else unit.region
    scope = Scope(unit.account, unit.region, clients, client_region, params)
    token = clock.start(unit.account) if clock is not None else 0
    try:
        collector.collect(scope)
    except BudgetSpent:
        what = f"{unit.service} ({unit.region}) stopped before its next call, its partial rows dropped"
        return UnitResult(unit, "error", clock.message(unit.account, what) if clock else what,
                          Output(detail_errors=scope.output.detail_errors))
    except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
        gap = classify_error(exc)
        return UnitResult(unit, gap.status, tidy_error(gap.error), Output(detail_errors=scope.output.detail_errors))
    finally:
        if clock is not None:
            clock.stop(unit.account, token)
    return UnitResult(unit, "assessed", None, scope.output)


_XML_ERROR = re.compile(r"<Code>([^<]*)</Code>\s*<Message>([^<]*)", re.S)


def tidy_error(text: str) -> str:
    """'403: <?xml ...<Code>AccessDenied</Code><Message>m</Message>' -> 'AccessDenied: m' (raw XML bodies
    come back from endpoints whose error shape botocore could not parse)."""
    match = _XML_ERROR.search(text or "")
    return f"{match.group(1)}: {match.group(2).strip()}" if match else text


def collect_inventory(params: Params, sessions: Any, counter: CallCounter | None = None,
                      services: tuple[str, ...] | None = None) -> Inventory:
    """Collect every unit concurrently (params.aws.max_workers) and classify the rows."""
    counter = counter or CallCounter()
    clock = AccountClock(params.aws.account_timeout_seconds)
    clients = CountingClients(sessions, counter, clock)
    units = plan_units(params, services)
    done = itertools.count(1)

    def run_one(unit: Unit) -> UnitResult:
        result = _run_unit(unit, clients, params, clock)
        where = "" if unit.region == GLOBAL else f" {unit.region}"
        progress.report(f"inventory {next(done)}/{len(units)}: account {unit.account} {unit.service}{where}"
                        + ("" if result.status == "assessed" else f" ({result.status})"))
        return result

    with ThreadPoolExecutor(max_workers=params.aws.max_workers, thread_name_prefix="inventory") as pool:
        results = list(pool.map(run_one, units))
    inventory = assemble(params, results, dict(sorted(counter.by_service.items())))
    inventory.api_retries = counter.retries
    return inventory


def assemble(params: Params, results: list[UnitResult], api_calls: dict[str, int] | None = None) -> Inventory:
    """Unit results -> classified tables, coverage and raw documents (pure; no AWS)."""
    org_raw: dict[str, Any] = {}
    iam_raw: dict[str, Any] = {}
    policies: list[dict[str, Any]] = []
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    coverage = []
    for res in results:
        out = res.output
        if "organizations" in out.raw:
            org_raw = out.raw["organizations"]
        if "iam" in out.raw:
            iam_raw[res.unit.account] = out.raw["iam"]
        policies += out.resource_policies
        for kind, kind_rows in out.rows.items():
            rows[kind] += kind_rows
        coverage.append({"account": res.unit.account, "region": res.unit.region, "service": res.unit.service,
                         "status": res.status, "error": res.error, "resources": out.count(),
                         "detail_errors": out.detail_errors})
    for kind, kind_rows in org_collector.org_rows(org_raw, params).items():
        rows[kind] += kind_rows
    rows["cloudtrail_trails"] = _dedupe(rows.get("cloudtrail_trails", []))
    classifier = Classifier(params, org_raw)
    _judge_audit_roles(classifier, rows)
    audit_policies = _audit_only_policies(classifier, rows)
    for kind in TABLES:
        for row in rows.get(kind, []):
            if kind == "iam_policies" and row["arn"] in audit_policies:
                row["environment"], row["environment_rule"] = "shared", "audit-role-policy"
                continue
            _classify(classifier, kind, row)
    # org_rows adds rows after the coverage count of the organizations unit was taken
    for cov in coverage:
        if cov["service"] == "organizations" and cov["status"] == "assessed":
            cov["resources"] = sum(len(rows.get(k, [])) for k in ("org_accounts", "org_units", "org_policies"))
    return Inventory(dict(rows), coverage, org_raw, iam_raw, policies, api_calls or {})


def _judge_audit_roles(classifier: Classifier, rows: dict[str, list[dict[str, Any]]]) -> None:
    """For each role named as the audit role: what its policies grant beyond reading. One that grants
    more is not the kit's read-only role: it is classified and analysed like any principal."""
    from synthaudit.iam.read_only import beyond_reading

    documents = {row["arn"]: row.get("document") for row in rows.get("iam_policies", [])}
    for row in rows.get("iam_roles", []):
        if not classifier.is_named_audit_role(row["arn"]):
            continue
        beyond = beyond_reading([*(row.get("inline_policies") or {}).values(),
                                 *(documents.get(arn) for arn in row.get("attached_policy_arns") or [])])
        row["audit_role_beyond_reading"] = list(beyond)
        if beyond:
            classifier.mark_not_read_only(row["arn"])


def _audit_only_policies(classifier: Classifier, rows: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Customer-managed policies attached to the kit's audit role and to no other principal:
    the kit's own grant, classified with the role (``SynthauditReadOnlyPolicy`` would match ``*synth*``)."""
    attached: dict[str, set[bool]] = defaultdict(set)
    for kind in ("iam_roles", "iam_users", "iam_groups"):
        for row in rows.get(kind, []):
            for arn in row.get("attached_policy_arns") or []:
                attached[arn].add(classifier.is_audit_role(row["arn"]))
    return {arn for arn, flags in attached.items() if flags == {True} and not arn.startswith("arn:aws:iam::aws:")}


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["arn"], r["account"])):
        seen.setdefault(row["arn"], row)
    return list(seen.values())


def _classify(classifier: Classifier, kind: str, row: dict[str, Any]) -> None:
    if kind == "org_accounts":
        verdict = classifier.account(row["account"])
    elif kind == "org_policies":  # governance objects: their names say what they deny, not what they hold
        acct = classifier.account(row["account"])
        verdict = Verdict(acct.environment, f"account:{acct.rule}" if acct.environment != "unknown" else acct.rule)
    elif kind == "org_units":
        verdict = classifier.ou(row["ou_id"], row.get("name")) or classifier.resource(
            row["account"], row.get("name"), {}, arn=row.get("arn"))
    else:
        name = row.get("_classify_name", row.get("name"))
        verdict = classifier.resource(row["account"], name, row.get("tags") or {}, arn=row.get("arn"))
    row["environment"], row["environment_rule"] = verdict.environment, verdict.rule
    if kind == "iam_roles":
        row["is_audit_role"] = classifier.is_audit_role(row["arn"])
    if kind == "lakeformation_permissions" and row.get("principal"):
        principal = classifier.arn(row["principal"])
        row["principal_environment"], row["principal_environment_rule"] = principal.environment, principal.rule


def run_inventory(params: Params, sessions: Any, snapshot_dir: Path, counter: CallCounter | None = None) -> Inventory:
    """Collect, classify and write ``snapshot_dir``; returns what was written."""
    inventory = collect_inventory(params, sessions, counter)
    meta = {
        "label": params.label, "accounts": params.account_ids(), "regions": list(params.aws.regions),
        "services": [c.SERVICE for c in COLLECTORS], "counts": inventory.counts(),
        "coverage": inventory.summary()["coverage"], "api_calls": inventory.api_calls,
        "api_retries": inventory.api_retries,
    }
    write_snapshot(snapshot_dir, inventory.tables, inventory.coverage, inventory.organizations,
                   inventory.iam_raw, inventory.resource_policies, meta)
    return inventory
