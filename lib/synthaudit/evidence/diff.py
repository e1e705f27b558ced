"""What changed between two runs: new, resolved, persisting and changed findings.

Findings are keyed by their stable id (check + resource), so the same problem on
the same resource lines up across runs; a resource that rotates by name (an automated
snapshot) is keyed by what it is a snapshot of (``diff_key``, synthaudit/rotation.py), and
evidence is compared with rotating names made stable. Categories are exclusive:

* new        — FAIL now; absent, PASS or NOT_ASSESSED before
* resolved   — FAIL or EXCEPTED before; PASS now, or the finding is gone
* persisting — FAIL in both runs with the same severity and evidence
* changed    — in both runs with a different status, severity or evidence and none of the above
               (FAIL -> NOT_ASSESSED lands here, not in resolved: losing sight of a problem
               is not fixing it; FAIL -> EXCEPTED and EXCEPTED -> FAIL too)

Everything else is unchanged and only counted.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from synthaudit import findings as findings_mod
from synthaudit import rotation
from synthaudit.evidence.exports import RUN_NAME_RE
from synthaudit.evidence.manifest import organization_id
from synthaudit.findings import Finding
from synthaudit.phases import PHASES

CATEGORIES = ("new", "resolved", "persisting", "changed")


@dataclass(frozen=True)
class Change:
    id: str
    category: str
    check_id: str
    resource: str
    before: Finding | None
    after: Finding | None
    fields: tuple[str, ...] = ()  # which of status/severity/evidence differ

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "category": self.category, "check_id": self.check_id, "resource": self.resource,
            "status_before": self.before.status if self.before else None,
            "status_after": self.after.status if self.after else None,
            "severity": (self.after or self.before).severity,
            "changed_fields": list(self.fields),
        }


@dataclass(frozen=True)
class FindingsDiff:
    changes: list[Change]
    unchanged: int
    before_label: str = ""
    after_label: str = ""

    def of(self, category: str) -> list[Change]:
        return [c for c in self.changes if c.category == category]

    @property
    def new(self) -> list[Change]:
        return self.of("new")

    @property
    def resolved(self) -> list[Change]:
        return self.of("resolved")

    @property
    def persisting(self) -> list[Change]:
        return self.of("persisting")

    @property
    def changed(self) -> list[Change]:
        return self.of("changed")

    def counts(self) -> dict[str, int]:
        return {**{c: len(self.of(c)) for c in CATEGORIES}, "unchanged": self.unchanged}

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before_label, "after": self.after_label, "counts": self.counts(),
                **{c: [x.to_dict() for x in self.of(c)] for c in CATEGORIES}}

    def table(self) -> str:
        """Plain-text table for the terminal."""
        rows = [("category", "status", "severity", "check", "resource")]
        for c in self.changes:
            status = f"{c.before.status if c.before else '-'} -> {c.after.status if c.after else '-'}"
            rows.append((c.category, status, (c.after or c.before).severity, c.check_id, c.resource))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
        counts = ", ".join(f"{v} {k}" for k, v in self.counts().items())
        return "\n".join([f"{self.before_label} -> {self.after_label}: {counts}", *lines])


def _category(before: Finding | None, after: Finding | None) -> tuple[str | None, tuple[str, ...]]:
    if after is not None and after.status == "FAIL" and (before is None or before.status in ("PASS", "NOT_ASSESSED")):
        return "new", ()
    if before is not None and before.status in ("FAIL", "EXCEPTED") and (after is None or after.status == "PASS"):
        return "resolved", ()
    if before is None or after is None:
        return None, ()
    differs = tuple(
        name for name, a, b in (
            ("status", before.status, after.status),
            ("severity", before.severity, after.severity),
            ("evidence", _canonical(before.evidence), _canonical(after.evidence)),
        ) if a != b
    )
    if before.status == "FAIL" and after.status == "FAIL" and not differs:
        return "persisting", ()
    if differs:
        return "changed", differs
    return None, ()


def _canonical(data: Any) -> str:
    return json.dumps(rotation.stable(data), sort_keys=True, default=str)


def diff_key(f: Finding) -> str:
    """The finding's id, or for a resource that rotates by name, check + what it is a snapshot of."""
    subject = f.evidence.get("snapshot_of") if isinstance(f.evidence, dict) else None
    stable = subject or rotation.stable_name(f.resource)
    if stable == f.resource:
        return f.id
    return f"{f.check_id}\x1f{stable}\x1f{f.discriminator}"


def _keyed(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Findings by diff key; several rotating snapshots of one thing pair up in name order."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(diff_key(f), []).append(f)
    out: dict[str, Finding] = {}
    for key, items in groups.items():
        if len(items) == 1:
            out[key] = items[0]
        else:
            for i, f in enumerate(sorted(items, key=lambda f: (f.resource, f.id))):
                out[f"{key}\x1f{i}"] = f
    return out


def diff_findings(before: Iterable[Finding], after: Iterable[Finding],
                  before_label: str = "before", after_label: str = "after") -> FindingsDiff:
    old = _keyed(before)
    new = _keyed(after)
    changes: list[Change] = []
    unchanged = 0
    for fid in sorted(old.keys() | new.keys()):
        a, b = old.get(fid), new.get(fid)
        category, fields = _category(a, b)
        if category is None:
            unchanged += 1
            continue
        ref = b or a
        changes.append(Change(ref.id, category, ref.check_id, ref.resource, a, b, fields))
    order = {c: i for i, c in enumerate(CATEGORIES)}
    changes.sort(key=lambda c: (order[c.category], c.check_id, c.resource, c.id))
    return FindingsDiff(changes, unchanged, before_label, after_label)


def run_findings(run_dir: Path) -> list[Finding]:
    """A run's findings: the combined findings.json when written, else every findings/<phase>.json."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: run folder not found")
    combined = run_dir / "findings.json"
    if combined.exists():
        return findings_mod.read_json(combined)
    items: list[Finding] = []
    for phase in PHASES:
        path = findings_mod.phase_findings_path(run_dir, phase.name)
        if path.exists():
            items.extend(findings_mod.read_json(path))
    if not items and not (run_dir / "findings").is_dir():
        raise FileNotFoundError(f"{run_dir}: no findings.json and no findings/ folder: not a run folder?")
    return items


def diff_runs(run_a: Path, run_b: Path) -> FindingsDiff:
    return diff_findings(run_findings(run_a), run_findings(run_b), Path(run_a).name, Path(run_b).name)


def _manifest_label(run_dir: Path) -> str | None:
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    params = manifest.get("params") if isinstance(manifest, dict) else None
    label = params.get("label") if isinstance(params, dict) else None
    return label if isinstance(label, str) else None


def previous_run(run_dir: Path, label: str | None = None, organization: str | None = None) -> Path | None:
    """The run this one is compared with: the newest earlier completed run of the same organisation.

    Candidates are the sibling run folders (named ``YYYY-MM-DDTHHMMZ_<label>``) whose names sort
    before this run's and which hold a manifest.json (completed runs); names start with the UTC
    start time, so name order is time order. When this run's organisation is known
    (``organization``, else ``manifest.organization_id`` of this folder), the newest candidate
    of the same organisation is the baseline, whatever its label; a candidate whose organisation
    is unknown counts when its params label matches. Without an organisation, the label decides
    (any candidate when no label is given).
    """
    run_dir = Path(run_dir).resolve()
    parent = run_dir.parent
    if not RUN_NAME_RE.match(run_dir.name) or not parent.is_dir():
        return None
    org = organization or organization_id(run_dir)
    candidates = sorted(
        (p for p in parent.iterdir()
         if p.is_dir() and RUN_NAME_RE.match(p.name) and p.name < run_dir.name and (p / "manifest.json").exists()),
        key=lambda p: p.name, reverse=True,
    )
    for candidate in candidates:
        theirs = organization_id(candidate) if org else None
        if org and theirs:
            if theirs == org:
                return candidate
            continue
        if label is None or _manifest_label(candidate) == label:
            return candidate
    return None
