"""Accepted risks: exceptions that mark findings EXCEPTED, never remove them, and expire.

An exceptions file (named by ``exceptions_file`` in params, relative to the params
file) lists entries that match findings by check id, resource pattern, account and
resource tags, each with owner, reason, approval date and expiry. A matching FAIL
finding becomes EXCEPTED and carries the exception. An exception past its expiry
no longer applies: the findings it covered stay FAIL and the exception itself is
reported (EXCEPTION_EXPIRED); one that matches nothing is reported as stale
(EXCEPTION_UNMATCHED). Validation is strict: errors name the file and the entry.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from synthaudit import arn as aws_arn
from synthaudit import catalogue
from synthaudit.config import read_yaml
from synthaudit.findings import Finding, sort_findings
from synthaudit.errors import ExceptionsError


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    check: str = Field(min_length=1, description="check id, or an fnmatch pattern of check ids")
    resource: str = Field(default="*", min_length=1, description="fnmatch pattern on the finding's resource (ARN)")
    account: str | None = Field(default=None, description="12-digit account id, quoted")
    tags: dict[str, str] = Field(default_factory=dict, description="tag key -> fnmatch pattern on its value")
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=10)
    approved: dt.date
    approved_by: str | None = None
    expires: dt.date
    ticket: str | None = None

    @field_validator("account", mode="before")
    @classmethod
    def _account(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or not (len(value) == 12 and value.isdigit()):
            raise ValueError(f"account must be a quoted 12-digit string, got {value!r}")
        return value

    @field_validator("approved", "expires", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _order(self) -> "_Entry":
        if self.expires < self.approved:
            raise ValueError(f"expires {self.expires} is before approved {self.approved}")
        return self


@dataclass(frozen=True)
class RiskException:
    """One accepted risk from the exceptions file."""

    id: str
    check: str
    resource: str
    owner: str
    reason: str
    approved: dt.date
    expires: dt.date
    account: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    approved_by: str | None = None
    ticket: str | None = None
    source: str = ""

    def state(self, today: dt.date) -> str:
        """active, expired, or pending (approval date still ahead)."""
        if today > self.expires:
            return "expired"
        if today < self.approved:
            return "pending"
        return "active"

    def matches(self, f: Finding, resource_tags: Mapping[str, Mapping[str, str]] | None = None) -> bool:
        if not fnmatch.fnmatchcase(f.check_id, self.check):
            return False
        if not fnmatch.fnmatchcase(f.resource, self.resource):
            return False
        if self.account is not None and self.account != (f.account or _arn_account(f.resource)):
            return False
        if self.tags:
            tags = _tags_of(f, resource_tags)
            for key, pattern in self.tags:
                if key not in tags or not fnmatch.fnmatchcase(str(tags[key]), pattern):
                    return False
        return True

    def record(self) -> dict[str, Any]:
        """What a matched finding carries in its ``exception`` field."""
        data = {"id": self.id, "owner": self.owner, "reason": self.reason,
                "approved": self.approved.isoformat(), "expires": self.expires.isoformat(),
                "approved_by": self.approved_by, "ticket": self.ticket, "source": self.source}
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class ExceptionOutcome:
    findings: list[Finding]                 # every input finding; matched FAILs now EXCEPTED
    exception_findings: list[Finding]       # EXCEPTION_EXPIRED / EXCEPTION_UNMATCHED, one each per exception
    matched: dict[str, list[str]] = field(default_factory=dict)  # exception id -> finding ids it excepted


def _arn_account(resource: str) -> str | None:
    return aws_arn.account_of(resource) or None


def _tags_of(f: Finding, resource_tags: Mapping[str, Mapping[str, str]] | None) -> Mapping[str, str]:
    if resource_tags and f.resource in resource_tags:
        return resource_tags[f.resource]
    tags = f.evidence.get("tags") if isinstance(f.evidence, dict) else None
    return tags if isinstance(tags, dict) else {}


def _format_error(source: str, index: int, raw: Any, err: ValidationError) -> str:
    name = raw.get("id") if isinstance(raw, dict) else None
    where = f"exceptions[{index}]" + (f" ({name})" if name else "")
    lines = [f"{source}: {where} is invalid"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "<entry>"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = ("unknown key (allowed: id, check, resource, account, tags, owner, reason, "
                   "approved, approved_by, expires, ticket)")
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def parse_exceptions(data: Any, source: str) -> list[RiskException]:
    """Validate parsed YAML; ``source`` names the file in every error."""
    if isinstance(data, dict):
        unknown = set(data) - {"exceptions"}
        if unknown:
            raise ExceptionsError(f"{source}: unknown top-level key(s) {sorted(unknown)}; expected only 'exceptions:'")
        data = data.get("exceptions")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ExceptionsError(f"{source}: expected a list of exceptions (or 'exceptions:' with a list), "
                              f"got {type(data).__name__}")
    known_checks = set(catalogue.load())
    out: list[RiskException] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise ExceptionsError(f"{source}: exceptions[{index}] must be a mapping of keys, got {type(raw).__name__}")
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as err:
            raise ExceptionsError(_format_error(source, index, raw, err)) from None
        if entry.id in seen:
            raise ExceptionsError(f"{source}: exceptions[{index}] ({entry.id}): id is used twice; ids must be unique")
        seen.add(entry.id)
        if not any(fnmatch.fnmatchcase(c, entry.check) for c in known_checks):
            raise ExceptionsError(
                f"{source}: exceptions[{index}] ({entry.id}): check {entry.check!r} matches no check id in the "
                f"catalogue (lib/synthaudit/catalogue/*.yaml); check the spelling"
            )
        out.append(RiskException(
            id=entry.id, check=entry.check, resource=entry.resource, owner=entry.owner, reason=entry.reason,
            approved=entry.approved, expires=entry.expires, account=entry.account,
            tags=tuple(sorted(entry.tags.items())), approved_by=entry.approved_by, ticket=entry.ticket,
            source=Path(source).name,
        ))
    return out


def load_exceptions(path: str | Path) -> list[RiskException]:
    return parse_exceptions(read_yaml(path, "exceptions file", ExceptionsError), str(path))


def exceptions_path(params: Any, params_path: str | Path) -> Path | None:
    """params.exceptions_file resolved relative to the params file's folder."""
    if not params.exceptions_file:
        return None
    path = Path(params.exceptions_file).expanduser()
    if not path.is_absolute():
        path = Path(params_path).resolve().parent / path
    if not path.exists():
        raise ExceptionsError(f"{params_path}: exceptions_file {params.exceptions_file!r} not found "
                              f"(looked for {path}; paths are relative to the params file)")
    return path


def resource_tags_from_snapshot(snapshot_dir: Path) -> dict[str, dict[str, str]]:
    """ARN -> tags from every snapshot table (each row carries ``arn`` and ``tags`` as JSON)."""
    tables = Path(snapshot_dir) / "tables"
    result: dict[str, dict[str, str]] = {}
    if not tables.is_dir():
        return result
    import pyarrow.parquet as pq

    for path in sorted(tables.glob("*.parquet")):
        try:
            schema_names = pq.read_schema(path).names
            if "arn" not in schema_names or "tags" not in schema_names:
                continue
            table = pq.read_table(path, columns=["arn", "tags"]).to_pylist()
        except Exception:  # an unreadable table costs tag matching, not the summary
            continue
        for row in table:
            arn, raw = row.get("arn"), row.get("tags")
            if not arn or not raw:
                continue
            try:
                tags = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                continue
            if isinstance(tags, list):  # [{"Key":..,"Value":..}] as AWS returns it
                tags = {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
            if isinstance(tags, dict):
                result[arn] = {str(k): str(v) for k, v in tags.items()}
    return result


def apply_exceptions(findings: Iterable[Finding], exceptions: list[RiskException], today: dt.date,
                     resource_tags: Mapping[str, Mapping[str, str]] | None = None) -> ExceptionOutcome:
    """Mark FAIL findings matched by an active exception EXCEPTED; report expired and stale ones.

    The first matching exception in file order wins. Nothing is removed.
    """
    items = list(findings)
    matched: dict[str, list[str]] = {e.id: [] for e in exceptions}
    would_match: dict[str, list[str]] = {e.id: [] for e in exceptions}
    out: list[Finding] = []
    for f in items:
        if f.status != "FAIL":
            out.append(f)
            continue
        applied: RiskException | None = None
        for exc in exceptions:
            if not exc.matches(f, resource_tags):
                continue
            if exc.state(today) == "active":
                applied = exc
                break
            would_match[exc.id].append(f.id)
        if applied is None:
            out.append(f)
        else:
            matched[applied.id].append(f.id)
            out.append(dataclasses.replace(f, status="EXCEPTED", exception=applied.record()))
    return ExceptionOutcome(sort_findings(out), _exception_findings(exceptions, today, matched, would_match), matched)


def _exception_findings(exceptions: list[RiskException], today: dt.date, matched: dict[str, list[str]],
                        would_match: dict[str, list[str]]) -> list[Finding]:
    results: list[Finding] = []
    for exc in exceptions:
        resource = f"synthaudit:exception/{exc.id}"
        evidence = {**exc.record(), "state": exc.state(today), "checked_on": today.isoformat()}
        state = exc.state(today)
        if state == "expired":
            evidence.update(days_overdue=(today - exc.expires).days, findings_no_longer_excepted=would_match[exc.id])
            results.append(catalogue.finding("EXCEPTION_EXPIRED", resource, "FAIL", account=exc.account, evidence=evidence))
            continue
        if state == "pending":
            reason = f"approval date {exc.approved} is after {today}; the exception is not in force yet"
            results.append(catalogue.finding("EXCEPTION_EXPIRED", resource, "NOT_ASSESSED", account=exc.account,
                                             evidence=evidence, reason=reason))
            results.append(catalogue.finding("EXCEPTION_UNMATCHED", resource, "NOT_ASSESSED", account=exc.account,
                                             evidence=evidence, reason=reason))
            continue
        evidence["days_left"] = (exc.expires - today).days
        results.append(catalogue.finding("EXCEPTION_EXPIRED", resource, "PASS", account=exc.account, evidence=evidence))
        hits = matched[exc.id]
        results.append(catalogue.finding("EXCEPTION_UNMATCHED", resource, "PASS" if hits else "FAIL",
                                         account=exc.account, evidence={**evidence, "excepted_findings": hits}))
    return sort_findings(results)
