"""The check catalogue: every check and detector as data (YAML), validated by a schema.

Each phase keeps its entries in ``catalogue/<phase>.yaml``. ``finding()`` builds a
Finding whose title, severity, remediation and control mappings come from the
entry, so a check function only decides status, resource and evidence.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from synthaudit.findings import Finding
from synthaudit.errors import CatalogueError

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schema.json").read_text())
FRAMEWORKS = ("hipaa", "gdpr", "nist_ai_rmf", "eu_ai_act")
FRAMEWORK_LABELS = {"hipaa": "HIPAA", "gdpr": "GDPR", "nist_ai_rmf": "NIST AI RMF", "eu_ai_act": "EU AI Act"}


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


# libyaml's safe loader when PyYAML was built with it: the catalogue is read at the first
# finding of every process, and the pure-Python loader takes ~0.1 s over these files.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


def validate_file(path: Path) -> list[dict[str, Any]]:
    data = _read_yaml(path.read_text())
    validate_data(data, path.name)
    return data


def validate_data(data: Any, name: str) -> None:
    import jsonschema   # ~1 s to import (format checkers): only when something is actually validated

    try:
        jsonschema.validate(data, SCHEMA)
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        raise CatalogueError(f"{name}: entry {where or '<root>'}: {err.message}") from None


def _validated_stamp(texts: dict[str, str]) -> Path | None:
    """A cache file named by the digest of the schema and every catalogue file's bytes.

    Its presence means these exact bytes passed the schema before, so every command start
    does not pay jsonschema's import; any edit changes the digest and validates again.
    None when no cache directory is usable (then every load validates).
    """
    digest = hashlib.sha256((HERE / "schema.json").read_bytes())
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode() + b"\0")
    home = os.path.expanduser("~")
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(home, ".cache") if home != "~" else "")
    if not os.path.isabs(base):
        return None
    return Path(base) / "synthaudit" / f"catalogue-{digest.hexdigest()[:32]}.ok"


@functools.lru_cache(maxsize=1)
def load() -> dict[str, CheckMeta]:
    entries: dict[str, CheckMeta] = {}
    paths = sorted(HERE.glob("*.yaml"))
    texts = {p.name: p.read_text() for p in paths}
    stamp = _validated_stamp(texts)
    known_valid = stamp is not None and stamp.exists()
    for path in paths:
        data = _read_yaml(texts[path.name])
        if not known_valid:
            validate_data(data, path.name)
        for raw in data:
            if raw["id"] in entries:
                raise CatalogueError(f"{path.name}: check id {raw['id']} is defined twice")
            controls = {fw: tuple(raw.get("controls", {}).get(fw, ())) for fw in FRAMEWORKS}
            entries[raw["id"]] = CheckMeta(
                id=raw["id"], phase=raw["phase"], title=raw["title"], severity=raw["severity"],
                rationale=raw["rationale"].strip(), remediation=raw["remediation"].strip(),
                controls=controls, aws_config_rule=raw.get("aws_config_rule"), family=raw.get("family"),
            )
    if not known_valid and stamp is not None:
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text("validated against schema.json\n")
        except OSError:
            pass   # read-only home: validate on every load instead
    return entries


def get(check_id: str) -> CheckMeta:
    try:
        return load()[check_id]
    except KeyError:
        raise KeyError(f"check {check_id!r} has no catalogue entry in lib/synthaudit/catalogue/*.yaml") from None


_LABELS: dict[str, tuple[CheckMeta, tuple[str, ...]]] = {}   # check id -> (entry, its control labels)


def finding(check_id: str, resource: str, status: str, *, account: str | None = None,
            region: str | None = None, environment: str | None = None,
            evidence: dict[str, Any] | None = None, reason: str | None = None,
            discriminator: str = "", severity: str | None = None) -> Finding:
    """A Finding for ``check_id`` with its catalogue metadata filled in."""
    meta = get(check_id)
    hit = _LABELS.get(check_id)
    if hit is None or hit[0] is not meta:
        hit = _LABELS[check_id] = (meta, meta.control_labels())
    labels = hit[1]
    return Finding(
        check_id=check_id, phase=meta.phase, status=status, severity=severity or meta.severity,
        resource=resource, title=meta.title, account=account, region=region,
        environment=environment, evidence=evidence or {}, remediation=meta.remediation,
        controls=labels, reason=reason, discriminator=discriminator,
    )
