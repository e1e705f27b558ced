"""The Finding record every phase emits, and its JSON/CSV form.

One finding per (check, resource examined). The id is a hash of the check id and
the resource (plus an optional discriminator), so the same finding on the same
resource has the same id in every run; that is what run-to-run diffs key on.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

STATUSES = ("PASS", "FAIL", "NOT_ASSESSED", "EXCEPTED")
SEVERITY_ORDER = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
CSV_COLUMNS = (
    "id", "check_id", "phase", "status", "severity", "resource", "account", "region",
    "environment", "title", "reason", "remediation", "controls", "exception", "evidence", "discriminator",
)


def lowered(severity: str, steps: int = 1) -> str:
    """``severity`` ``steps`` steps down, never below low: how a check reports a path that is
    narrowed (a missing link, a deciding condition) below its catalogue severity. The one way
    to do so is passing the result as ``severity=`` to ``catalogue.finding``."""
    order = sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get)
    floor = SEVERITY_ORDER["low"] if SEVERITY_ORDER[severity] >= SEVERITY_ORDER["low"] else SEVERITY_ORDER[severity]
    return order[max(floor, SEVERITY_ORDER[severity] - steps)]


def finding_id(check_id: str, resource: str, discriminator: str = "") -> str:
    digest = hashlib.sha256(f"{check_id}\x1f{resource}\x1f{discriminator}".encode()).hexdigest()
    return digest[:24]


@dataclass(frozen=True)
class Finding:
    check_id: str
    phase: str
    status: str
    severity: str
    resource: str
    title: str
    account: str | None = None
    region: str | None = None
    environment: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    remediation: str = ""
    controls: tuple[str, ...] = ()
    reason: str | None = None
    exception: dict[str, Any] | None = None
    discriminator: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"{self.check_id}: status {self.status!r} is not one of {STATUSES}")
        if self.severity not in SEVERITY_ORDER:
            raise ValueError(f"{self.check_id}: severity {self.severity!r} is not one of {tuple(SEVERITY_ORDER)}")
        if self.status == "NOT_ASSESSED" and not self.reason:
            raise ValueError(f"{self.check_id} on {self.resource}: NOT_ASSESSED needs a reason")

    @property
    def id(self) -> str:
        return finding_id(self.check_id, self.resource, self.discriminator)

    def to_dict(self) -> dict[str, Any]:
        # Field by field: dataclasses.asdict deep-copies evidence, the bulk of a large run's time.
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["controls"] = list(self.controls)
        return {"id": self.id, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["controls"] = tuple(kwargs.get("controls") or ())
        finding = cls(**kwargs)
        if "id" in data and data["id"] != finding.id:
            raise ValueError(f"finding {data['id']}: id does not match its check and resource (edited?)")
        return finding

    def sort_key(self) -> tuple:
        return (self.phase, self.check_id, self.resource, self.discriminator)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def at_or_above(findings: Iterable[Finding], severity: str) -> list[Finding]:
    """FAIL findings whose severity is at or above `severity` (what --fail-on counts)."""
    floor = SEVERITY_ORDER[severity]
    return [f for f in findings if f.status == "FAIL" and SEVERITY_ORDER[f.severity] >= floor]


def dumps(findings: Iterable[Finding]) -> str:
    """Deterministic JSON: same findings, same bytes. A JSON array with one finding per line:
    diffs stay line-per-finding, and each line goes through json's C encoder (``indent``
    forces the pure-Python one, ~10x slower on a 15 MB findings file)."""
    lines = [json.dumps(f.to_dict(), sort_keys=True, default=str) for f in sort_findings(findings)]
    return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"


def write_json(findings: Iterable[Finding], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(findings))


def read_json(path: Path) -> list[Finding]:
    data = json.loads(Path(path).read_text())
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of findings")
    return [Finding.from_dict(item) for item in data]


def to_csv(findings: Iterable[Finding]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for f in sort_findings(findings):
        row = f.to_dict()
        row["controls"] = "; ".join(row["controls"])
        row["evidence"] = json.dumps(row["evidence"], sort_keys=True, default=str)
        row["exception"] = json.dumps(row["exception"], sort_keys=True) if row["exception"] else ""
        writer.writerow({k: row.get(k) for k in CSV_COLUMNS})
    return buf.getvalue()


# Where each phase leaves its findings inside a run folder; runbook 06 and the
# runner's --fail-on read these (scrapbook scraps carry the same list).
def phase_findings_path(run_dir: Path, phase: str) -> Path:
    return Path(run_dir) / "findings" / f"{phase}.json"
