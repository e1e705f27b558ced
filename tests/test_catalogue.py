"""Every catalogue file (all phases) against schema.json, plus the segregation
catalogue's coverage of the architecture's check ids and of the registered checks."""
from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from synthaudit import catalogue

CATALOGUE_DIR = Path(catalogue.__file__).parent
FILES = sorted(CATALOGUE_DIR.glob("*.yaml"))
ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_matches_schema(path):
    data = yaml.safe_load(path.read_text())
    jsonschema.validate(data, catalogue.SCHEMA)
    assert all(entry["phase"] == path.stem for entry in data), f"{path.name}: entries of another phase"


def test_ids_are_unique_across_files():
    seen: dict[str, str] = {}
    for path in FILES:
        for entry in yaml.safe_load(path.read_text()):
            assert entry["id"] not in seen, f"{entry['id']} in {path.name} and {seen[entry['id']]}"
            seen[entry["id"]] = path.name
    assert len(catalogue.load()) == len(seen)


def test_check_entries_carry_no_controls_of_their_own():
    """Control mappings live in the framework files only (catalogue/frameworks/)."""
    assert "controls" not in catalogue.SCHEMA["items"]["properties"]
    for path in FILES:
        assert all("controls" not in entry for entry in yaml.safe_load(path.read_text())), path.name


def test_schema_rejects_a_bad_entry(tmp_path):
    bad = tmp_path / "segregation.yaml"
    bad.write_text(yaml.safe_dump([{"id": "X_CHECK", "phase": "segregation", "title": "short title",
                                    "severity": "urgent", "rationale": "r" * 30, "remediation": "fix it now"}]))
    with pytest.raises(catalogue.CatalogueError, match="severity"):
        catalogue.validate_file(bad)


def _architecture_ids(section: str, until: str) -> set[str]:
    text = ARCHITECTURE.read_text().split(section, 1)[1].split(until, 1)[0]
    return set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", text))


SEGREGATION = {k: v for k, v in catalogue.load().items() if v.phase == "segregation"}


def test_segregation_catalogue_has_exactly_the_architecture_ids():
    assert set(SEGREGATION) == _architecture_ids("Segregation (phase 02", "IAM review (phase 03")


def test_every_segregation_entry_is_registered_and_vice_versa():
    from synthaudit.checks import checks

    assert {c.id for c in checks()} == set(SEGREGATION)


@pytest.mark.parametrize("check_id", sorted(SEGREGATION))
def test_segregation_entry_maps_controls_and_gives_a_command(check_id):
    meta = SEGREGATION[check_id]
    assert meta.controls["hipaa"] or meta.controls["eu_ai_act"], "needs a HIPAA (or EU AI Act) citation"
    assert meta.controls["gdpr"] and meta.controls["nist_ai_rmf"]
    assert "aws " in meta.remediation or '"Effect"' in meta.remediation, "remediation needs a CLI or policy snippet"
    assert meta.family


def test_synthetic_content_checks_cite_eu_ai_act_article_50():
    for check_id in ("SYNTHETIC_OUTPUT_NOT_LABELLED", "SYNTHETIC_DATASET_NO_LINEAGE", "S3_MIXED_ENVIRONMENT_DATA"):
        assert "Art. 50" in SEGREGATION[check_id].controls["eu_ai_act"]
