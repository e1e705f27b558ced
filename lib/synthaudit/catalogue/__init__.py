"""The check catalogue: every check and detector as data (YAML), validated by a schema.

Each phase keeps its entries in ``catalogue/<phase>.yaml``; the compliance
frameworks keep, per requirement, the checks that test it (``catalogue/frameworks/``),
and a check's control mappings are derived from them. ``finding()`` builds a Finding
whose title, severity, remediation and control labels come from the catalogue, so a
check function only decides status, resource and evidence.
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

from synthaudit.catalogue import frameworks as frameworks_mod
from synthaudit.catalogue.frameworks import FRAMEWORKS, Framework, Requirement
from synthaudit.errors import CatalogueError
from synthaudit.findings import Finding

__all__ = ["FRAMEWORKS", "CatalogueError", "CheckMeta", "Framework", "Requirement", "finding", "get", "load",
           "load_frameworks", "validate_data", "validate_file"]

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schema.json").read_text())


@dataclass(frozen=True)
class CheckMeta:
    id: str
    phase: str
    title: str
    severity: str
    rationale: str
    remediation: str
    controls: dict[str, tuple[str, ...]]       # framework id -> requirement ids, from the framework files
    aws_config_rule: str | None = None
    family: str | None = None
    labels: tuple[str, ...] = ()               # the controls as findings cite them, e.g. 'HIPAA 164.312(a)(1)'

    def control_labels(self) -> tuple[str, ...]:
        """Flat labels as findings carry them, e.g. 'HIPAA 164.312(a)(1)'."""
        return self.labels


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
    """A cache file named by the digest of the schemas and every catalogue and framework file's bytes.

    Its presence means these exact bytes passed the schema before, so every command start
    does not pay jsonschema's import; any edit changes the digest and validates again.
    None when no cache directory is usable (then every load validates).
    """
    digest = hashlib.sha256((HERE / "schema.json").read_bytes() + frameworks_mod.SCHEMA_PATH.read_bytes())
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode() + b"\0")
    home = os.path.expanduser("~")
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(home, ".cache") if home != "~" else "")
    if not os.path.isabs(base):
        return None
    return Path(base) / "synthaudit" / f"catalogue-{digest.hexdigest()[:32]}.ok"


@functools.lru_cache(maxsize=1)
def _load_all() -> tuple[dict[str, CheckMeta], tuple[Framework, ...]]:
    """Check entries and frameworks, validated together: the one reads the other's check ids."""
    paths = sorted(HERE.glob("*.yaml"))
    check_texts = {p.name: p.read_text() for p in paths}
    framework_texts = frameworks_mod.read_texts()
    stamp = _validated_stamp({**check_texts, **framework_texts})
    known_valid = stamp is not None and stamp.exists()
    fws: list[Framework] = []
    for name, text in framework_texts.items():
        data = _read_yaml(text)
        if not known_valid:
            frameworks_mod.validate_data(data, name)
        fws.append(frameworks_mod.parse(data, name))
    raw_entries: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path in paths:
        data = _read_yaml(check_texts[path.name])
        if not known_valid:
            validate_data(data, path.name)
        for raw in data:
            if raw["id"] in seen:
                raise CatalogueError(f"{path.name}: check id {raw['id']} is defined twice")
            seen[raw["id"]] = path.name
            raw_entries.append(raw)
    frameworks_mod.check_references(fws, seen)
    cited = frameworks_mod.citations(fws)
    entries: dict[str, CheckMeta] = {}
    for raw in raw_entries:
        controls = {fw.id: cited[raw["id"]].get(fw.id, ()) for fw in fws}
        entries[raw["id"]] = CheckMeta(
            id=raw["id"], phase=raw["phase"], title=raw["title"], severity=raw["severity"],
            rationale=raw["rationale"].strip(), remediation=raw["remediation"].strip(),
            controls=controls, aws_config_rule=raw.get("aws_config_rule"), family=raw.get("family"),
            labels=tuple(fw.cite(ref) for fw in fws for ref in controls[fw.id]),
        )
    if not known_valid and stamp is not None:
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text("validated against schema.json and frameworks/schema.json\n")
        except OSError:
            pass   # read-only home: validate on every load instead
    return entries, tuple(fws)


def load() -> dict[str, CheckMeta]:
    return _load_all()[0]


def load_frameworks() -> tuple[Framework, ...]:
    """The compliance frameworks in citation order, each with its requirements and their checks."""
    return _load_all()[1]


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
        controls=meta.labels, reason=reason, discriminator=discriminator,
    )
