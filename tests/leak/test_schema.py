"""Schema files and params-driven runs: clear errors, roles recorded, `leak run` on local files."""
from __future__ import annotations

import json

import pytest
import yaml

from synthaudit.leak.readers import InputError
from synthaudit.leak.schema import build_schema, infer_role, load_schema_file


@pytest.mark.parametrize("content,message", [
    ("columns: {ssn: secret}\n", "role 'secret'"), ("columns: [a]\n", "must map"),
    ("colums: {}\n", "unknown key"), ("canary_pattern: '(['\n", "invalid regex"), ("- 1\n", "mapping"),
])
def test_bad_schema_files_name_the_problem(tmp_path, content, message):
    path = tmp_path / "schema.yaml"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as err:
        load_schema_file(path)
    assert str(path) in str(err.value)


def test_roles_given_and_inferred_are_recorded():
    schema = build_schema(["SSN", "BIRTHDATE", "note", "weird"], {"weird": "sensitive"}, "schema")
    assert schema.roles == {"SSN": "direct_identifier", "BIRTHDATE": "quasi_identifier", "note": "free_text",
                            "weird": "sensitive"}
    assert schema.source["weird"] == "schema" and schema.source["SSN"] == "inferred"
    assert infer_role("HEALTHCARE_EXPENSES") == "sensitive"


def test_leak_run_from_params_with_local_files(demo_files, tmp_path):
    from synthaudit.cli import main
    from synthaudit.demo import datasets

    params = {"label": "t", "estate": "aws", "accounts": [{"id": "210987654321", "name": "prod"}],
              "datasets": [{"name": "local-leaky", "real": str(demo_files["production"]),
                            "synthetic": str(demo_files["leaky"]), "holdout": str(demo_files["holdout"]),
                            "columns": datasets.COLUMNS, "canary_pattern": datasets.CANARY_PATTERN}]}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    assert main(["leak", "run", "--params", str(path), "--out", str(tmp_path / "out")]) == 1
    found = json.loads((tmp_path / "out" / "findings" / "leak.json").read_text())
    assert {f["check_id"] for f in found if f["status"] == "FAIL"} >= {"LEAK_EXACT_COPIES", "LEAK_CANARY", "LEAK_SCORE"}
    assert all(f["resource"] == str(demo_files["leaky"]) for f in found)
