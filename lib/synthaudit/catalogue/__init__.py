"""The check catalogue: every check and detector as data (YAML), validated by a schema.

Each phase keeps its entries in ``catalogue/<phase>.yaml``. ``finding()`` builds a
Finding whose title, severity, remediation and control mappings come from the
entry, so a check function only decides status, resource and evidence.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from synthaudit.findings import Finding

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schema.json").read_text())
FRAMEWORKS = ("hipaa", "gdpr", "nist_ai_rmf", "eu_ai_act")
FRAMEWORK_LABELS = {"hipaa": "HIPAA", "gdpr": "GDPR", "nist_ai_rmf": "NIST AI RMF", "eu_ai_act": "EU AI Act"}


class CatalogueError(ValueError):
    """A catalogue file that does not match the schema; names the file and the entry."""


@dataclass(frozen=True)
class CheckMeta:
    id: str
    phase: str
    title: str
    severity: str
    rationale: str
    remediation: str
    controls: dict[str, tuple[str, ...]]
    aws_config_rule: str | None = None
    family: str | None = None

    def control_labels(self) -> tuple[str, ...]:
        """Flat labels as findings carry them, e.g. 'HIPAA 164.312(a)(1)'."""
        return tuple(
            f"{FRAMEWORK_LABELS[fw]} {ref}" for fw in FRAMEWORKS for ref in self.controls.get(fw, ())
        )


def validate_file(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text())
    try:
        jsonschema.validate(data, SCHEMA)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        raise CatalogueError(f"{path.name}: entry {where or '<root>'}: {err.message}") from None
    return data


@functools.lru_cache(maxsize=1)
def load() -> dict[str, CheckMeta]:
    entries: dict[str, CheckMeta] = {}
    for path in sorted(HERE.glob("*.yaml")):
        for raw in validate_file(path):
            if raw["id"] in entries:
                raise CatalogueError(f"{path.name}: check id {raw['id']} is defined twice")
            controls = {fw: tuple(raw.get("controls", {}).get(fw, ())) for fw in FRAMEWORKS}
            entries[raw["id"]] = CheckMeta(
                id=raw["id"], phase=raw["phase"], title=raw["title"], severity=raw["severity"],
                rationale=raw["rationale"].strip(), remediation=raw["remediation"].strip(),
                controls=controls, aws_config_rule=raw.get("aws_config_rule"), family=raw.get("family"),
            )
    return entries


def get(check_id: str) -> CheckMeta:
    try:
        return load()[check_id]
    except KeyError:
        raise KeyError(f"check {check_id!r} has no catalogue entry in lib/synthaudit/catalogue/*.yaml") from None


def finding(check_id: str, resource: str, status: str, *, account: str | None = None,
            region: str | None = None, environment: str | None = None,
            evidence: dict[str, Any] | None = None, reason: str | None = None,
            discriminator: str = "", severity: str | None = None) -> Finding:
    """A Finding for ``check_id`` with its catalogue metadata filled in."""
    meta = get(check_id)
    return Finding(
        check_id=check_id, phase=meta.phase, status=status, severity=severity or meta.severity,
        resource=resource, title=meta.title, account=account, region=region,
        environment=environment, evidence=evidence or {}, remediation=meta.remediation,
        controls=meta.control_labels(), reason=reason, discriminator=discriminator,
    )
