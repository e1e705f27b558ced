"""`synthaudit iam expand|can|review` as a user runs them."""
import json

from synthaudit.cli import main
from fixtures import estate as fx


def test_expand_lists_actions_with_access_levels_after_denies(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObj*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObjectAcl", "Resource": "*"}]}))
    assert main(["iam", "expand", str(path)]) == 0
    actions = json.loads(capsys.readouterr().out)["actions"]
    names = [a["action"] for a in actions]
    assert "s3:GetObject" in names and "s3:GetObjectAcl" not in names
    assert {"action": "s3:GetObject", "access_level": "Read"} in actions


def test_expand_malformed_policy_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"Statement": [{"Sid": "X", "Action": "s3:*", "Resource": "*"}]}))
    assert main(["iam", "expand", str(path)]) == 2
    assert "statement X" in capsys.readouterr().err


def test_can_prints_decision_with_statements(snapshot, capsys):
    code = main(["iam", "can", "--snapshot", str(snapshot), f"arn:aws:iam::{fx.S}:role/synth-generator",
                 "s3:GetObject", f"{fx.PHI_BUCKET}/claims.csv"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outcome"] == "allowed"
    assert {s["sid"] for s in out["statements"]} == {"ReadPhi", "GeneratorReads"}


def test_can_denied_exits_1(snapshot, capsys):
    code = main(["iam", "can", "--snapshot", str(snapshot), f"arn:aws:iam::{fx.S}:role/synth-evaluator",
                 "s3:GetObject", f"{fx.PHI_BUCKET}/claims.csv"])
    out = json.loads(capsys.readouterr().out)
    assert out["outcome"] in ("denied", "implicit_deny") and code == 1


def test_can_warns_on_an_action_the_database_does_not_know(snapshot, capsys):
    code = main(["iam", "can", "--snapshot", str(snapshot), f"arn:aws:iam::{fx.S}:role/synth-generator",
                 "s3:GetObjekt", f"{fx.PHI_BUCKET}/claims.csv"])
    captured = capsys.readouterr()
    assert "s3:GetObjekt is not an action" in captured.err and "did you mean s3:GetObject?" in captured.err
    assert json.loads(captured.out)["known_action"] is False and code == 1


def test_can_unknown_principal_exits_2(snapshot, capsys):
    assert main(["iam", "can", "--snapshot", str(snapshot), "arn:aws:iam::1:role/x", "s3:GetObject", "arn:aws:s3:::b"]) == 2
    assert "not in the snapshot" in capsys.readouterr().err


def test_review_writes_findings_and_exits_1_on_high(snapshot, tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text(f'label: t\nestate: aws\naccounts:\n  - {{id: "{fx.S}", name: s}}\n')
    out = tmp_path / "out"
    assert main(["iam", "review", "--snapshot", str(snapshot), "--params", str(params), "--out", str(out)]) == 1
    findings = json.loads((out / "findings" / "iam.json").read_text())
    assert any(f["check_id"] == "IAM_SYNTHETIC_REACHES_PRODUCTION" and f["status"] == "FAIL" for f in findings)
    assert json.loads(capsys.readouterr().out)["counts"]["IAM_SYNTHETIC_REACHES_PRODUCTION"]["FAIL"] == 1
