"""The answer keys agree with what the builders plant and load through one loader (that they stay
out of the wheel: tests/test_installed_wheel.py).

The estate's key is checked against a fresh build in test_estate.py (it needs a server);
the CloudTrail key against the log generator here and in tests/cloudtrail/test_demo.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from answer_key import NAMES, Plant, dump, load, load_all, path
from synthaudit.demo import cloudtrail_logs, datasets, ids

REPO = Path(__file__).resolve().parents[2]
LEAKY_ARN = f"arn:aws:s3:::{ids.SYNTH_OUTPUT_BUCKET}/{datasets.LEAKY_KEY}"
CLEAN_ARN = f"arn:aws:s3:::{ids.SYNTH_OUTPUT_BUCKET}/{datasets.CLEAN_KEY}"


@pytest.mark.parametrize("name", NAMES)
def test_every_key_loads_as_plants_with_unique_ids(name):
    plants = load(name)
    assert plants and all(isinstance(p, Plant) and p.expect in ("FAIL", "PASS") for p in plants)
    assert len({p.id for p in plants}) == len(plants)


def test_ids_are_unique_across_keys_and_load_all_keeps_key_order():
    entries = load_all()
    assert len({p.id for _, p in entries}) == len(entries)
    assert [name for name, _ in entries] == sorted((n for n, _ in entries), key=NAMES.index)


def test_unknown_field_is_an_error():
    with pytest.raises(ValueError, match="unknown fields"):
        Plant.from_dict({"id": "X1", "expect": "FAIL", "check": "C", "resource": "r", "account": "1",
                         "description": "d", "owner": "x"})


def test_cloudtrail_key_file_is_exactly_what_the_generator_plants():
    assert dump("cloudtrail", cloudtrail_logs.planted()) == path("cloudtrail").read_text()


def test_leak_key_names_exactly_the_leaks_the_datasets_builder_plants():
    """Each kind of leak the builder plants in the leaky output is one FAIL entry on it; the whole output
    fails (LEAK_SCORE); the clean output is the twin of every check."""
    planted_kinds = {f"LEAK_{kind.upper()}" for kind in datasets.generate().planted}
    key = load("leak")
    fails = {p.check for p in key if p.expect == "FAIL"}
    assert fails == planted_kinds | {"LEAK_SCORE"}
    assert {p.resource for p in key if p.expect == "FAIL"} == {LEAKY_ARN}
    assert {p.resource for p in key if p.expect == "PASS"} == {CLEAN_ARN}
    assert fails <= {p.check for p in key if p.expect == "PASS"}
    assert {p.account for p in key} == {ids.SYNTHETIC}

