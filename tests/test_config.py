"""Params: strict loading, errors that name the file and key, no AWS call before validation."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from synthaudit.cli import main
from synthaudit.config import parse_params, ParamsError, load_params

REPO = Path(__file__).resolve().parents[1]
MINIMAL = {"label": "t", "estate": "aws", "accounts": [{"id": "012345678901", "name": "prod"}]}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["demo.yaml", "example-organisation.yaml"])
def test_shipped_params_are_valid(name):
    params = load_params(REPO / "params" / name)
    assert params.accounts or params.discovers_accounts


def test_demo_params_name_no_account_id():
    """The demo's accounts, their environments and the buckets' owners come from the organisation."""
    import re

    text = (REPO / "params" / "demo.yaml").read_text()
    keyed = re.findall(r"^\s*-?\s*(?:\w*account\w*|id|management_account)\s*:\s*\"?\d{12}", text, re.M)
    listed = re.findall(r"\[[^\]]*\b\d{12}\b[^\]]*\]", text)
    assert not keyed and not listed
    assert load_params(REPO / "params" / "demo.yaml").discovers_accounts


def test_unknown_key_is_named_with_its_path(tmp_path):
    data = {**MINIMAL, "aws": {"regoins": ["us-east-1"]}}
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, yaml.safe_dump(data)))
    assert "p.yaml" in str(err.value) and "aws.regoins: unknown key" in str(err.value)


def test_unquoted_account_id_is_refused_with_a_hint(tmp_path):
    text = "label: t\nestate: aws\naccounts:\n  - id: 012345670123\n    name: prod\n"
    with pytest.raises(ParamsError) as err:
        load_params(write(tmp_path, text))
    msg = str(err.value)
    assert "accounts[0].id" in msg and "quote it" in msg


def test_plain_integer_account_id_is_refused(tmp_path):
    text = "label: t\nestate: aws\naccounts:\n  - id: 210987654321\n    name: prod\n"
    with pytest.raises(ParamsError, match=r"accounts\[0\]\.id: account id 210987654321 is a YAML number"):
        load_params(write(tmp_path, text))


def test_unquoted_id_in_classification_is_refused(tmp_path):
    data = {**MINIMAL, "classification": {"production": {"accounts": [12345678901]}}}
    with pytest.raises(ParamsError, match=r"classification\.production\.accounts.*quote"):
        load_params(write(tmp_path, yaml.safe_dump(data)))


def test_wrong_type_is_named(tmp_path):
    data = {**MINIMAL, "aws": {"max_workers": "many"}}
    with pytest.raises(ParamsError, match=r"aws\.max_workers"):
        load_params(write(tmp_path, yaml.safe_dump(data)))


def test_missing_required_key_is_named(tmp_path):
    data = {k: v for k, v in MINIMAL.items() if k != "estate"}
    with pytest.raises(ParamsError, match=r"estate: required key is missing"):
        load_params(write(tmp_path, yaml.safe_dump(data)))


@pytest.mark.parametrize("accounts", ["discover", [], None])
def test_accounts_omitted_or_discover_means_discovery(tmp_path, accounts):
    data = {k: v for k, v in MINIMAL.items() if k != "accounts"}
    if accounts != []:
        data["accounts"] = accounts
    params = load_params(write(tmp_path, yaml.safe_dump(data)))
    assert params.accounts == [] and params.discovers_accounts


def test_listed_accounts_turn_discovery_off_unless_asked(tmp_path):
    assert not load_params(write(tmp_path, yaml.safe_dump(MINIMAL))).discovers_accounts
    data = {**MINIMAL, "discovery": {"enabled": True, "exclude": {"name_patterns": ["sandbox-*"]}}}
    params = load_params(write(tmp_path, yaml.safe_dump(data)))
    assert params.discovers_accounts and params.discovery.exclude.name_patterns == ["sandbox-*"]


def test_no_accounts_and_discovery_off_is_an_error(tmp_path):
    data = {**{k: v for k, v in MINIMAL.items() if k != "accounts"}, "discovery": {"enabled": False}}
    with pytest.raises(ParamsError, match="no accounts: list them"):
        load_params(write(tmp_path, yaml.safe_dump(data)))


def test_not_yaml_and_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(write(tmp_path, "label: [unclosed"))
    with pytest.raises(ParamsError, match="cannot read"):
        load_params(tmp_path / "absent.yaml")


def test_duplicate_account_is_refused(tmp_path):
    data = {**MINIMAL, "accounts": MINIMAL["accounts"] * 2}
    with pytest.raises(ParamsError, match="listed twice"):
        load_params(write(tmp_path, yaml.safe_dump(data)))


def test_role_arn_default_and_override():
    params = parse_params({**MINIMAL, "aws": {"audit_role_name": "SynthauditReadOnly"}})
    acct = params.accounts[0].id
    assert params.role_arn(acct) == f"arn:aws:iam::{acct}:role/SynthauditReadOnly"


def test_cli_params_check_exit_codes(tmp_path, capsys):
    assert main(["params", "check", str(REPO / "params" / "demo.yaml")]) == 0
    bad = write(tmp_path, yaml.safe_dump({**MINIMAL, "surprise": 1}))
    assert main(["params", "check", str(bad)]) == 2
    assert "surprise: unknown key" in capsys.readouterr().err


def test_run_refuses_bad_params_before_any_aws_call(tmp_path, monkeypatch, capsys):
    """No session, no client, no estate: the runner stops at validation."""
    import boto3

    def no_aws(*a, **k):
        raise AssertionError("an AWS session was created before params were validated")

    monkeypatch.setattr(boto3, "Session", no_aws)
    monkeypatch.setattr(boto3, "client", no_aws)
    bad = write(tmp_path, "label: t\nestate: demo\naccounts:\n  - {id: 012345670123, name: x}\n")
    assert main(["run", "--params", str(bad), "--outputs", str(tmp_path / "out")]) == 2
    assert "quote it" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
