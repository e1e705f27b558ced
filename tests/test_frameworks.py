"""The compliance framework files: their schema, their references to checks, and the
control labels findings derive from them."""
from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from synthaudit import catalogue
from synthaudit.catalogue import frameworks
from synthaudit.errors import CatalogueError

FILES = sorted(frameworks.HERE.glob("*.yaml"))
SCHEMA = yaml.safe_load(frameworks.SCHEMA_PATH.read_text())
FRAMEWORKS = catalogue.load_frameworks()
CHECKS = catalogue.load()


def test_every_registered_framework_has_a_file_and_no_file_is_unregistered():
    assert [p.stem for p in FILES] == sorted(frameworks.FRAMEWORKS)
    assert [fw.id for fw in FRAMEWORKS] == list(frameworks.FRAMEWORKS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_matches_schema(path):
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)


def test_every_check_tests_at_least_one_requirement():
    cited = {check for fw in FRAMEWORKS for req in fw.requirements for check in req.checks}
    assert cited == set(CHECKS)
    assert all(meta.labels for meta in CHECKS.values())


def test_every_requirement_names_existing_checks_once():
    for fw in FRAMEWORKS:
        for req in fw.requirements:
            assert req.checks, f"{fw.id} {req.id} has no check"
            assert set(req.checks) <= set(CHECKS), f"{fw.id} {req.id}: {set(req.checks) - set(CHECKS)}"
            assert len(set(req.checks)) == len(req.checks), f"{fw.id} {req.id} names a check twice"


def test_requirement_ids_and_labels_are_unique():
    labels = [fw.cite(req.id) for fw in FRAMEWORKS for req in fw.requirements]
    assert len(labels) == len(set(labels))
    assert len({fw.label for fw in FRAMEWORKS}) == len(FRAMEWORKS)


def test_requirements_have_names_not_just_numbers():
    for fw in FRAMEWORKS:
        for req in fw.requirements:
            assert req.name != req.id and len(req.text) >= 20, f"{fw.id} {req.id}"


def test_a_check_cites_frameworks_in_registry_order_and_requirements_in_file_order():
    meta = CHECKS["S3_SYNTHETIC_ACCESS_TO_PRODUCTION"]
    assert meta.labels == (
        "HIPAA 164.308(a)(3)(ii)(A)", "HIPAA 164.308(a)(4)(ii)(B)", "HIPAA 164.312(a)(1)",
        "GDPR Art. 25", "GDPR Art. 32", "NIST AI RMF GOVERN 1.6", "NIST AI RMF MAP 4.1", "NIST AI RMF MANAGE 2.2")
    for check_id, meta in CHECKS.items():
        position = {fw.cite(req.id): i for i, (fw, req) in
                    enumerate((fw, req) for fw in FRAMEWORKS for req in fw.requirements)}
        assert [position[label] for label in meta.labels] == sorted(position[label] for label in meta.labels), check_id


def test_finding_carries_the_derived_labels():
    item = catalogue.finding("EXCEPTION_UNMATCHED", "synthaudit:exception/EX-1", "FAIL")
    assert item.controls == ("HIPAA 164.316(b)(2)(iii)", "GDPR Art. 5", "NIST AI RMF GOVERN 1.5", "EU AI Act Art. 9")


# -- the loader rejects bad files, naming the file and the entry --------------------------

def _good() -> dict:
    return yaml.safe_load((frameworks.HERE / "gdpr.yaml").read_text())


def test_schema_error_names_file_and_entry():
    data = _good()
    del data["requirements"][1]["name"]
    with pytest.raises(CatalogueError,
                       match=r"frameworks/gdpr\.yaml: entry requirements/1: 'name' is a required") as err:
        frameworks.validate_data(data, "frameworks/gdpr.yaml")
    assert err.value.path == "frameworks/gdpr.yaml" and err.value.key == "requirements/1"


@pytest.mark.parametrize("change, message", [
    (lambda d: d["requirements"].append(dict(d["requirements"][0])), r"requirement Art\. 5 is listed twice"),
    (lambda d: d["requirements"][0].update(id="Article 5"), r"requirement 'Article 5' does not match id_pattern"),
    (lambda d: d.update(id="hipaa"), r"id 'hipaa' differs from the file name"),
])
def test_parse_rejects_what_the_schema_cannot_state(change, message):
    data = _good()
    change(data)
    with pytest.raises(CatalogueError, match=rf"^frameworks/gdpr\.yaml: {message}"):
        frameworks.parse(data, "frameworks/gdpr.yaml")


def test_unknown_check_names_file_and_requirement():
    gdpr = frameworks.parse(_good(), "frameworks/gdpr.yaml")
    with pytest.raises(CatalogueError,
                       match=r"frameworks/gdpr\.yaml: requirement Art\. 5: "
                             r"check SYNTHETIC_RESTORED_FROM_PRODUCTION has no"):
        frameworks.check_references([gdpr], {"IAM_UNUSED_GRANTS"})


def test_a_check_without_any_requirement_is_an_error():
    with pytest.raises(CatalogueError, match="check NEW_CHECK tests no requirement"):
        frameworks.check_references(FRAMEWORKS, [*CHECKS, "NEW_CHECK"])


@pytest.fixture
def framework_dir(tmp_path, monkeypatch):
    """A copy of the framework files that the loader reads instead, validated afresh."""
    folder = tmp_path / "frameworks"
    shutil.copytree(frameworks.HERE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(frameworks, "HERE", folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder


def test_loading_validates_the_framework_files(framework_dir):
    path = framework_dir / "eu_ai_act.yaml"
    path.write_text(path.read_text().replace("      - SYNTHETIC_OUTPUT_NOT_LABELLED\n", "      - NO_SUCH_CHECK\n", 1))
    with pytest.raises(CatalogueError, match=r"frameworks/eu_ai_act\.yaml: requirement Art\. \d+: check NO_SUCH_CHECK"):
        catalogue._load_all.__wrapped__()


def test_loading_rejects_a_schema_error(framework_dir):
    path = framework_dir / "hipaa.yaml"
    path.write_text(path.read_text().replace("source: https://", "source: http://", 1))
    with pytest.raises(CatalogueError, match=r"frameworks/hipaa\.yaml: entry source"):
        catalogue._load_all.__wrapped__()


def test_an_unregistered_file_is_an_error(framework_dir):
    shutil.copy(framework_dir / "gdpr.yaml", framework_dir / "iso27001.yaml")
    with pytest.raises(CatalogueError, match=r"frameworks/iso27001\.yaml: framework 'iso27001' is not in the registry"):
        frameworks.read_texts()


def test_the_copied_loader_reads_the_same_catalogue(framework_dir):
    entries, fws = catalogue._load_all.__wrapped__()
    assert {k: v.labels for k, v in entries.items()} == {k: v.labels for k, v in CHECKS.items()}
    assert fws == FRAMEWORKS
    assert Path(frameworks.HERE) == framework_dir
