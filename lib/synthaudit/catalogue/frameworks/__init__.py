"""Compliance frameworks as data: each requirement once, with the checks that test it.

One file per framework (``frameworks/<id>.yaml``, schema ``frameworks/schema.json``):
the framework's label as findings cite it, its name, version and source, and each
requirement with its id, name, a one-line paraphrase and the check ids that test it.
A check's control mappings are derived from these files, not written on the check,
so a requirement and its checks are read (and reviewed) in one place. A finding cites
its requirements framework by framework in ``FRAMEWORKS`` order and, within one
framework, in the order the file lists them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthaudit.errors import CatalogueError

HERE = Path(__file__).parent
SCHEMA_PATH = HERE / "schema.json"
# The registry: every framework file, in the order a finding cites the frameworks.
FRAMEWORKS = ("hipaa", "gdpr", "nist_ai_rmf", "eu_ai_act")


@dataclass(frozen=True)
class Requirement:
    framework: str          # the framework's id
    id: str                 # as the framework numbers it, e.g. "164.312(a)(1)", "Art. 32"
    name: str
    text: str               # a short paraphrase, not the legal text
    checks: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    label: str              # how findings cite it: "<label> <requirement id>"
    name: str
    version: str
    source: str
    requirements: tuple[Requirement, ...]

    def cite(self, requirement_id: str) -> str:
        """The control label a finding carries, e.g. 'HIPAA 164.312(a)(1)'."""
        return f"{self.label} {requirement_id}"


def file_name(framework_id: str) -> str:
    return f"frameworks/{framework_id}.yaml"


def read_texts() -> dict[str, str]:
    """Each registered framework file's text, keyed by its name under catalogue/.

    A YAML file in the folder that the registry does not name is an error, not ignored:
    its requirements would silently never reach a finding.
    """
    present = {p.stem for p in HERE.glob("*.yaml")}
    unregistered = sorted(present - set(FRAMEWORKS))
    if unregistered:
        raise CatalogueError(f"{file_name(unregistered[0])}: framework {unregistered[0]!r} is not in the registry "
                             f"synthaudit.catalogue.frameworks.FRAMEWORKS", path=file_name(unregistered[0]))
    missing = [fw for fw in FRAMEWORKS if fw not in present]
    if missing:
        name = file_name(missing[0])
        raise CatalogueError(f"{name}: registered framework file is missing", path=name)
    return {file_name(fw): (HERE / f"{fw}.yaml").read_text() for fw in FRAMEWORKS}


def validate_data(data: Any, name: str) -> None:
    """The file against schema.json; the error names the file and the entry."""
    import jsonschema   # ~1 s to import: only when something is actually validated

    try:
        jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path)
        raise CatalogueError(f"{name}: entry {where or '<root>'}: {err.message}", path=name,
                             key=where or None) from None


def parse(data: dict[str, Any], name: str) -> Framework:
    """A schema-valid file as a Framework, with the rules a schema cannot state."""
    expected = Path(name).stem
    if data["id"] != expected:
        raise CatalogueError(f"{name}: id {data['id']!r} differs from the file name ({expected!r})",
                             path=name, key="id")
    pattern = re.compile(data["id_pattern"])
    requirements: list[Requirement] = []
    seen: set[str] = set()
    for raw in data["requirements"]:
        ref = raw["id"]
        if ref in seen:
            raise CatalogueError(f"{name}: requirement {ref} is listed twice", path=name, key=ref)
        if not pattern.fullmatch(ref):
            raise CatalogueError(f"{name}: requirement {ref!r} does not match id_pattern {data['id_pattern']!r}",
                                 path=name, key=ref)
        seen.add(ref)
        requirements.append(Requirement(expected, ref, raw["name"], raw["text"].strip(), tuple(raw["checks"])))
    return Framework(expected, data["label"], data["name"], data["version"], data["source"], tuple(requirements))


def check_references(frameworks: Iterable[Framework], check_ids: Iterable[str]) -> None:
    """Every check a requirement names exists, and every check tests at least one requirement."""
    known = set(check_ids)
    cited: set[str] = set()
    for fw in frameworks:
        for req in fw.requirements:
            for check in req.checks:
                if check not in known:
                    raise CatalogueError(f"{file_name(fw.id)}: requirement {req.id}: check {check} has no catalogue "
                                         f"entry in lib/synthaudit/catalogue/*.yaml", path=file_name(fw.id), key=req.id)
            cited.update(req.checks)
    uncited = sorted(known - cited)
    if uncited:
        raise CatalogueError(f"check {uncited[0]} tests no requirement of any framework "
                             f"(lib/synthaudit/catalogue/frameworks/*.yaml)", key=uncited[0])


def citations(frameworks: Iterable[Framework]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Check id -> framework id -> the requirement ids it tests, in the file's order."""
    result: dict[str, dict[str, list[str]]] = {}
    for fw in frameworks:
        for req in fw.requirements:
            for check in req.checks:
                result.setdefault(check, {}).setdefault(fw.id, []).append(req.id)
    return {check: {fw: tuple(refs) for fw, refs in by_fw.items()} for check, by_fw in result.items()}
