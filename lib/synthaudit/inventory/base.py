"""What every collector shares: its scope (account, region), clients, pagination, and
the small value helpers that keep rows JSON-safe and deterministic."""
from __future__ import annotations

import datetime as dt
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from botocore.exceptions import ClientError

from synthaudit.aws.errors import AssessmentGap, classify_error

GLOBAL = "global"
MAX_DETAIL_ERRORS = 20


class BudgetSpent(Exception):
    """An account's time budget (``aws.account_timeout_seconds``) is spent: raised by a botocore
    hook on that account's clients so its unit stops at the next call. Never a per-item gap:
    ``Scope.detail`` lets it through, and the engine records the whole unit."""


class ClientCache:
    """One client per (account, service, region).

    boto3 sessions are not thread-safe, so clients of one account (one assumed-role
    session) are created one at a time; different accounts proceed in parallel."""

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self._lock = threading.Lock()
        self._account_locks: dict[str, threading.Lock] = {}
        self._clients: dict[tuple[str, str, str], Any] = {}

    def _make(self, account: str, service: str, region: str) -> Any:
        return self.factory.client(account, service, region)

    def get(self, account: str, service: str, region: str) -> Any:
        key = (account, service, region)
        with self._lock:
            if key in self._clients:
                return self._clients[key]
            account_lock = self._account_locks.setdefault(account, threading.Lock())
        with account_lock:
            with self._lock:
                if key in self._clients:
                    return self._clients[key]
            client = self._make(account, service, region)
            with self._lock:
                return self._clients.setdefault(key, client)


@dataclass
class Output:
    """What one collector run produced: rows per kind, raw documents, per-item errors."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    resource_policies: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    detail_errors: list[str] = field(default_factory=list)

    def add(self, kind: str, row: dict[str, Any]) -> None:
        self.rows[kind].append(row)

    def policy(self, arn: str, account: str, region: str, service: str, policy: Any) -> None:
        if policy is not None:
            self.resource_policies.append(
                {"arn": arn, "account": account, "region": region, "service": service, "policy": policy})

    def count(self) -> int:
        return sum(len(v) for v in self.rows.values())


@dataclass
class Scope:
    """One collector's view: an account, a region (or 'global') and a way to get clients."""

    account: str
    region: str
    clients: ClientCache
    client_region: str
    params: Any
    output: Output = field(default_factory=Output)

    def client(self, service: str, region: str | None = None) -> Any:
        return self.clients.get(self.account, service, region or self.client_region)

    def detail(self, what: str, call: Callable[[], Any], missing: tuple[str, ...] = ()) -> tuple[Any, AssessmentGap | None]:
        """Run a per-item read; ``missing`` error codes mean 'not configured' (None, no gap).

        Any other failure is classified, kept in the output's detail errors and returned."""
        try:
            return call(), None
        except BudgetSpent:
            raise
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in missing:
                return None, None
            gap = classify_error(exc)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a recorded gap
            gap = classify_error(exc)
        if len(self.output.detail_errors) < MAX_DETAIL_ERRORS:
            self.output.detail_errors.append(f"{what}: {gap.status}: {gap.error}")
        return None, gap


def paginate(client: Any, operation: str, result_key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of ``result_key`` over all pages (botocore paginator when one exists)."""
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(result_key, []) or []
        return
    method = getattr(client, operation)
    token_names = [("NextToken", "NextToken"), ("Marker", "NextMarker")]
    while True:
        page = method(**kwargs)
        yield from page.get(result_key, []) or []
        for request_key, response_key in token_names:
            token = page.get(response_key)
            if token:
                kwargs[request_key] = token
                break
        else:
            return


def iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat()
    return str(value)


def to_jsonable(value: Any) -> Any:
    """Datetimes to ISO strings, bytes dropped, recursively; for raw JSON files."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return iso(value) if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def parse_policy(value: Any) -> Any:
    """A policy as a parsed object (AWS returns strings, URL-encoded strings or dicts)."""
    if value is None or isinstance(value, (dict, list)):
        return value
    text = str(value)
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        from urllib.parse import unquote

        try:
            return json.loads(unquote(text))
        except ValueError:
            return {"_unparsed": text[:2000]}


def sorted_unique(values: Any) -> list[Any]:
    return sorted({v for v in (values or []) if v is not None})
