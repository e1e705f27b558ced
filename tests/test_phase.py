"""The phase seam: the registry, PhaseResult, publish, the generic phase command, the exit codes."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from synthaudit import phases
from synthaudit.cli import build_parser, main
from synthaudit.errors import SnapshotError, UsageError
from synthaudit.exitcodes import ExitCode
from synthaudit.findings import Finding, read_json
from synthaudit.phase import Phase, PhaseResult, Step
from synthaudit.runbook import RunContext, open_run

REPO = Path(__file__).resolve().parents[1]


def finding(check: str, status: str = "FAIL", severity: str = "high") -> Finding:
    return Finding(check_id=check, phase="t", status=status, severity=severity, resource=f"arn:aws:s3:::{check}",
                   title="t")


def test_registry_matches_the_runbooks_and_feeds_runner_and_summary():
    from synthaudit import runner
    from synthaudit.evidence import summary

    assert [p.notebook for p in phases.PHASES] == sorted(p.name for p in (REPO / "runbooks").glob("0*.ipynb"))
    assert runner.PHASES is phases.PHASES
    assert summary.PHASE_NOTEBOOKS == tuple((p.name, Path(p.notebook).stem) for p in phases.PHASES[:-1])
    assert phases.get("4") is phases.get("04") is phases.get("cloudtrail")
    with pytest.raises(UsageError, match="unknown phase 'seven'"):
        phases.get("seven")
    for phase in phases.PHASES:
        for step in phase.steps:
            assert callable(step.function()), step.target


def test_cloudtrail_declares_unused_grants_after_its_review():
    steps = phases.get("cloudtrail").steps
    assert [s.name for s in steps] == ["cloudtrail", "iam_unused_grants"]
    assert steps[1].needs == ("snapshot",) and "cloudtrail/events.parquet" in steps[1].uses
    assert "iam_unused_grants" not in [s.name for s in phases.get("iam").steps]


def test_merged_keeps_step_order_and_a_step_without_its_needs_adds_nothing(tmp_path, monkeypatch):
    first = PhaseResult(findings=(finding("A"),), scraps={"a": 1}, problem="x")
    later = PhaseResult(findings=(finding("B"), finding("C")), scraps={"b": 2}, tables={}, warnings=("w",))
    both = first.merged(later)
    assert [f.check_id for f in both.findings] == ["A", "B", "C"]
    assert dict(both.scraps) == {"a": 1, "b": 2} and both.problem == "x" and both.warnings == ("w",)
    assert PhaseResult().merged(PhaseResult()).findings is None  # a phase that judges nothing stays so

    module = type(sys)("seam_test_steps")
    module.step_a = lambda ctx: PhaseResult(findings=(finding("A"),))
    module.step_b = lambda ctx: PhaseResult(findings=(finding("B"),))
    monkeypatch.setitem(sys.modules, "seam_test_steps", module)
    phase = Phase("09", "t", "09_t.ipynb", "T", (Step("a", "seam_test_steps:step_a"),
                                                 Step("b", "seam_test_steps:step_b", needs=("snapshot",))))
    ctx = RunContext(params_path=tmp_path / "p.yaml", params=None, run_dir=tmp_path)
    assert [f.check_id for f in phase.run(ctx).findings] == ["A"]
    (tmp_path / "snapshot").mkdir()
    result = phase.run(ctx)
    assert result.phase == "t" and [f.check_id for f in result.findings] == ["A", "B"]


def test_publish_writes_the_findings_file_and_glues_nothing_outside_a_kernel(tmp_path, capsys):
    ctx = RunContext(params_path=tmp_path / "p.yaml", params=None, run_dir=tmp_path)
    path = ctx.publish(PhaseResult(phase="t", findings=(finding("A"),), scraps={"n": 1}))
    assert path == tmp_path / "findings" / "t.json" and [f.check_id for f in read_json(path)] == ["A"]
    assert ctx.publish(PhaseResult(phase="u", scraps={"n": 1})) is None
    assert not (tmp_path / "findings" / "u.json").exists()
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="names no phase"):
        ctx.publish(PhaseResult(findings=()))


def test_every_phase_has_one_command_shape():
    parser = build_parser()
    for phase in phases.PHASES:
        args = parser.parse_args([phase.name, "--params", "p.yaml", "--run", "r", "--fail-on", "low"])
        assert (args.params, args.run, args.fail_on) == ("p.yaml", "r", "low")
        assert callable(args.func)


@pytest.mark.parametrize("command", [p.name for p in phases.PHASES if p.name != "summary"])
def test_a_phase_command_without_its_options_is_one_error_line(command, capsys):
    assert main([command]) == ExitCode.FAILED
    err = capsys.readouterr().err
    assert err.startswith(f"error: synthaudit {command}: --params") and err.count("\n") == 1


def test_a_synthaudit_error_is_one_line_and_exit_2(monkeypatch, capsys):
    def boom(args):
        raise SnapshotError("no tables here", path="/x", hint="run phase 01")

    parser = build_parser()
    args = parser.parse_args(["params", "check", "x"])
    args.func = boom
    monkeypatch.setattr("synthaudit.cli.build_parser", lambda: type("P", (), {"parse_args": lambda self, a: args})())
    assert main(["anything"]) == 2
    err = capsys.readouterr().err
    assert err == "error: /x: no tables here; run phase 01\n"  # one line: where, what, what to do


def test_exit_code_table():
    assert [int(c) for c in ExitCode] == [0, 1, 2]
    assert [c.name for c in ExitCode] == ["CLEAN", "FINDINGS", "FAILED"]


# -- CLI and runbook 04 on one small estate -----------------------------------------------

def _small_estate(root: Path) -> tuple[Path, Path]:
    """The IAM tests' estate as a snapshot, a few trail records, and params reading them locally."""
    sys.path.insert(0, str(REPO / "tests" / "iam"))
    try:
        from fixtures import estate as fx
    finally:
        sys.path.pop(0)
    seed = fx.write_snapshot(root / "seed")
    evaluator = {"type": "AssumedRole", "arn": f"arn:aws:sts::{fx.S}:assumed-role/synth-evaluator/i-1",
                 "accountId": fx.S}
    records = [{"eventVersion": "1.09", "eventTime": f"2026-11-0{d}T10:00:00Z", "eventSource": "s3.amazonaws.com",
                "eventName": name, "awsRegion": "us-east-1", "recipientAccountId": fx.S, "userIdentity": evaluator,
                "requestParameters": {"bucketName": "phi-records", "key": "a.csv"}}
               for d, name in ((1, "GetObject"), (2, "ListObjectsV2"), (3, "GetObject"))]
    logs = root / "logs"
    logs.mkdir()
    (logs / "a.json").write_text(json.dumps({"Records": records}))
    params = root / "params.yaml"
    params.write_text(yaml.safe_dump({
        "label": "seam", "estate": "aws",
        "accounts": [{"id": fx.P, "name": "prod"}, {"id": fx.S, "name": "synth"}],
        "cloudtrail": {"source": "local", "local_path": str(logs), "cache_dir": str(root / "cache")},
    }))
    return seed, params


@pytest.mark.slow
def test_cloudtrail_command_and_runbook_04_write_the_same_findings(tmp_path):
    import papermill as pm

    seed, params = _small_estate(tmp_path)
    cli_run, nb_run = tmp_path / "cli", tmp_path / "nb"
    for run in (cli_run, nb_run):
        shutil.copytree(seed, run / "snapshot")
    assert main(["cloudtrail", "--params", str(params), "--run", str(cli_run)]) in (ExitCode.CLEAN, ExitCode.FINDINGS)
    pm.execute_notebook(str(REPO / "runbooks" / "04_cloudtrail.ipynb"), str(nb_run / "04_cloudtrail.ipynb"),
                        parameters={"params_path": str(params), "run_dir": str(nb_run)}, kernel_name="python3",
                        progress_bar=False, cwd=str(REPO))
    from_cli = (cli_run / "findings" / "cloudtrail.json").read_text()
    assert from_cli == (nb_run / "findings" / "cloudtrail.json").read_text()
    unused = [f for f in json.loads(from_cli) if f["check_id"] == "IAM_UNUSED_GRANTS"]
    assert {f["status"] for f in unused} >= {"PASS", "FAIL"}  # judged from the trail, not NOT_ASSESSED
    assert json.loads(from_cli)[-len(unused):] == unused      # after the review's own findings, as before


def test_cloudtrail_phase_without_a_snapshot_skips_unused_grants(tmp_path):
    _, params = _small_estate(tmp_path)
    ctx = open_run(params, tmp_path / "run")
    result = phases.get("cloudtrail").run(ctx)
    assert not [f for f in result.findings if f.check_id == "IAM_UNUSED_GRANTS"]
    assert "suggested_policies" not in result.scraps


def test_cloudtrail_scan_runs_the_same_unused_grants_step(tmp_path, capsys):
    """``cloudtrail scan --snapshot … --out <run>/cloudtrail`` appends what the phase appends."""
    seed, params = _small_estate(tmp_path)
    phase_run, scan_run = tmp_path / "phase", tmp_path / "scan"
    for run in (phase_run, scan_run):
        shutil.copytree(seed, run / "snapshot")
    main(["cloudtrail", "--params", str(params), "--run", str(phase_run)])
    main(["cloudtrail", "scan", "--params", str(params), "--snapshot", str(scan_run / "snapshot"),
          "--out", str(scan_run / "cloudtrail")])
    phase_findings = json.loads((phase_run / "findings" / "cloudtrail.json").read_text())
    scan_findings = json.loads((scan_run / "cloudtrail" / "findings.json").read_text())
    assert any(f["check_id"] == "IAM_UNUSED_GRANTS" for f in scan_findings)
    assert [(f["check_id"], f["resource"], f["status"]) for f in scan_findings] == \
        [(f["check_id"], f["resource"], f["status"]) for f in phase_findings]
    capsys.readouterr()
    other = tmp_path / "elsewhere"
    main(["cloudtrail", "scan", "--params", str(params), "--snapshot", str(scan_run / "snapshot"), "--out", str(other)])
    assert "unused grants not assessed" in capsys.readouterr().err
    assert not [f for f in json.loads((other / "findings.json").read_text()) if f["check_id"] == "IAM_UNUSED_GRANTS"]
