"""`synthaudit params check`: warnings where checks cannot run, and the classification it would apply."""
from __future__ import annotations


from synthaudit.cli import main
from synthaudit.config import parse_params
from synthaudit.params_check import classification_sample, warnings

BASE = {"label": "t", "estate": "aws", "accounts": [{"id": "111111111111", "name": "lab"}],
        "cloudtrail": {"source": "s3", "bucket": "trail"},
        "datasets": [{"name": "d", "real": "s3://r/x.csv", "synthetic": "s3://s/x.csv", "account": "111111111111"}]}


def test_an_unclassified_single_account_estate_is_warned_about_every_gap():
    found = " | ".join(warnings(parse_params(BASE)))
    assert "nothing can be classified production" in found and "nothing can be classified synthetic" in found
    assert "SCP_NO_SYNTHETIC_PRODUCTION_DENY" in found


def test_a_configuration_with_rules_and_sources_gets_no_warning():
    data = {**BASE, "classification": {"production": {"tags": {"DataClass": ["phi"]}},
                                       "synthetic": {"ous": ["Synthetic"]}}}
    assert warnings(parse_params(data)) == []


def test_no_cloudtrail_source_and_no_dataset_are_named():
    data = {**BASE, "cloudtrail": {"source": "none"}, "datasets": [],
            "classification": {"production": {"accounts": ["111111111111"]}, "synthetic": {"ous": ["S"]}}}
    assert [w.split(":")[0] for w in warnings(parse_params(data))] == ["cloudtrail.source is none", "no datasets"]


def test_classification_sample_names_the_rule_that_decided():
    data = {**BASE, "accounts": [{"id": "111111111111", "name": "lab"}, {"id": "222222222222", "name": "clinical-prod"}],
            "classification": {"production": {"name_patterns": ["*-prod"]}, "synthetic": {"accounts": ["111111111111"]}}}
    sample = {c.name: (c.environment, c.rule) for c in classification_sample(parse_params(data))}
    assert sample == {"111111111111 lab": ("synthetic", "account-list"),
                      "222222222222 clinical-prod": ("production", "name:*-prod")}


def test_the_cli_prints_warnings_and_refuses_a_folder_that_is_not_a_snapshot(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("label: t\nestate: aws\naccounts: [{id: '111111111111', name: lab}]\n")
    assert main(["params", "check", str(params), "--show-classification"]) == 0
    out = capsys.readouterr().out
    assert "warning: no production rule" in out and "111111111111 lab  unknown  none" in out
    assert main(["params", "check", str(params), "--snapshot", str(tmp_path)]) == 2
    assert "no tables/ folder" in capsys.readouterr().err
