"""Run-to-run diff: a changed estate gives exactly the fixed finding resolved and the added one new."""
from __future__ import annotations

import dataclasses
import json

from evidence.fabricate import baseline_findings, make_run, seg
from synthaudit.cli import main
from synthaudit.evidence.diff import diff_findings, diff_runs, previous_run, run_findings


def flat(by_phase):
    return [f for items in by_phase.values() for f in items]


def test_changed_estate_gives_exactly_one_resolved_and_one_new(tmp_path):
    before = baseline_findings()
    after = baseline_findings()
    fixed = seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod", "PASS")
    added = seg("S3_PRODUCTION_PUBLIC_WRITE", "phi-intake-prod")
    after["segregation"][1] = fixed
    after["segregation"].append(added)
    a = make_run(tmp_path, "2026-10-01T0200Z_demo", before)
    b = make_run(tmp_path, "2026-11-01T0200Z_demo", after)
    result = diff_runs(a, b)
    assert [c.id for c in result.resolved] == [fixed.id]
    assert [c.id for c in result.new] == [added.id]
    assert result.changed == []
    fails_in_both = {f.id for f in flat(before) if f.status == "FAIL"} - {fixed.id}
    assert {c.id for c in result.persisting} == fails_in_both


def test_identical_runs_have_no_changes():
    items = flat(baseline_findings())
    result = diff_findings(items, items)
    assert result.new == result.resolved == result.changed == []
    assert len(result.persisting) == sum(1 for f in items if f.status == "FAIL")


def test_losing_sight_is_a_change_not_a_resolution():
    failing = seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod")
    blind = seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod", "NOT_ASSESSED")
    result = diff_findings([failing], [blind])
    assert result.resolved == [] and result.new == []
    assert [c.id for c in result.changed] == [failing.id]
    assert result.changed[0].after.status == "NOT_ASSESSED"


def test_evidence_or_severity_change_is_reported_as_changed():
    old = seg("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "phi-claims-prod", evidence={"principals": ["a"]})
    new = dataclasses.replace(old, evidence={"principals": ["a", "b"]})
    worse = dataclasses.replace(old, severity="low" if old.severity != "low" else "high")
    assert [c.fields for c in diff_findings([old], [new]).changed] == [("evidence",)]
    assert [c.fields for c in diff_findings([old], [worse]).changed] == [("severity",)]


def test_removed_failing_resource_is_resolved_and_removed_pass_is_unchanged():
    gone_fail = seg("S3_PRODUCTION_NO_SSE_KMS", "deleted-prod")
    gone_pass = seg("S3_PRODUCTION_NO_SSE_KMS", "other-prod", "PASS")
    result = diff_findings([gone_fail, gone_pass], [])
    assert [c.id for c in result.resolved] == [gone_fail.id]
    assert result.unchanged == 1


def test_run_findings_prefers_combined_file_and_rejects_non_runs(tmp_path):
    run = make_run(tmp_path, "2026-10-01T0200Z_demo", baseline_findings(), notebooks=False)
    assert len(run_findings(run)) == len(flat(baseline_findings()))
    (run / "findings.json").write_text("[]\n")
    assert run_findings(run) == []
    empty = tmp_path / "not-a-run"
    empty.mkdir()
    try:
        run_findings(empty)
    except FileNotFoundError as exc:
        assert "not-a-run" in str(exc)
    else:
        raise AssertionError("a folder without findings must be refused")


def test_previous_run_is_newest_earlier_sealed_run_of_the_same_label(tmp_path):
    make_run(tmp_path, "2026-09-01T0200Z_demo", {}, manifest_label="demo")
    older_same = make_run(tmp_path, "2026-10-01T0200Z_demo", {}, manifest_label="demo")
    make_run(tmp_path, "2026-10-15T0200Z_adhoc", {}, manifest_label="adhoc")      # other label
    make_run(tmp_path, "2026-10-20T0200Z_demo", {})                               # unsealed (no manifest)
    current = make_run(tmp_path, "2026-11-01T0200Z_demo", {})
    make_run(tmp_path, "2026-12-01T0200Z_demo", {}, manifest_label="demo")        # later: never a baseline
    assert previous_run(current, "demo") == older_same.resolve()
    assert previous_run(current, None).name == "2026-10-15T0200Z_adhoc"
    assert previous_run(tmp_path / "2026-09-01T0200Z_demo", "demo") is None


def test_cli_diff_table_and_json(tmp_path, capsys):
    before = baseline_findings()
    after = baseline_findings()
    after["segregation"].append(seg("S3_PRODUCTION_PUBLIC_WRITE", "phi-intake-prod"))
    a = make_run(tmp_path, "2026-10-01T0200Z_demo", before)
    b = make_run(tmp_path, "2026-11-01T0200Z_demo", after)
    assert main(["diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "1 new" in out and "S3_PRODUCTION_PUBLIC_WRITE" in out
    assert main(["diff", str(a), str(b), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["new"] == 1 and data["new"][0]["resource"] == "arn:aws:s3:::phi-intake-prod"
    assert main(["diff", str(a), str(tmp_path / "missing")]) == 2


def test_undated_folders_are_never_runs_to_compare(tmp_path):
    make_run(tmp_path, "2026-10-15_scratch", {}, manifest_label="demo")  # sorts between, but not a run name
    make_run(tmp_path, "2026-10-01T0200Z_demo", {}, manifest_label="demo")
    assert previous_run(make_run(tmp_path, "2026-11-01T0200Z_demo", {}), "demo").name == "2026-10-01T0200Z_demo"
    assert previous_run(make_run(tmp_path, "synthaudit-nbval-x", {}), "demo") is None


def _sealed(root, name, label, org=None):
    run = make_run(root, name, {})
    manifest = {"params": {"label": label}, "files": {}}
    if org:
        manifest["organization"] = {"id": org}
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def test_previous_run_is_found_by_organisation_whatever_its_label(tmp_path):
    _sealed(tmp_path, "2026-09-01T0200Z_quarterly", "quarterly", "o-acme")
    _sealed(tmp_path, "2026-10-01T0200Z_other", "demo", "o-other")          # same label, other organisation
    current = make_run(tmp_path, "2026-11-01T0200Z_demo", {})
    snapshot = current / "snapshot" / "raw"
    snapshot.mkdir(parents=True)
    (snapshot / "organizations.json").write_text(json.dumps({"organization": {"Id": "o-acme"}}))
    assert previous_run(current, "demo").name == "2026-09-01T0200Z_quarterly"
    assert previous_run(current, "demo", organization="o-other").name == "2026-10-01T0200Z_other"
    assert previous_run(current, "demo", organization="o-none") is None


def test_rotating_snapshots_are_matched_by_what_they_are_a_snapshot_of():
    """Two builds of one estate: automated snapshot names carry their creation time."""
    def snap(stamp, status="PASS"):
        name = f"rds:prod-ehr-db-{stamp}"
        f = seg("PRODUCTION_SNAPSHOT_UNENCRYPTED", name, status)
        arn = f"arn:aws:rds:us-east-1:210987654321:snapshot:{name}"
        return dataclasses.replace(f, resource=arn, evidence={
            "encrypted": status == "PASS", "snapshot_of": "arn:aws:rds:us-east-1:210987654321:db:prod-ehr-db",
            "edges": [{"source": arn, "target": "x"}]})

    before = [snap("2026-12-04-23-54"), snap("2026-12-03-23-54")]
    after = [snap("2026-12-05-09-10"), snap("2026-12-04-23-54")]
    assert diff_findings(before, after).counts() == {"new": 0, "resolved": 0, "persisting": 0, "changed": 0,
                                                      "unchanged": 2}
    broken = diff_findings(before, [snap("2026-12-05-09-10", "FAIL"), snap("2026-12-04-23-54")])
    assert broken.counts()["new"] == 1
    # an ARN alone (older findings without snapshot_of) is matched by its name without the time
    plain = [dataclasses.replace(f, evidence={}) for f in before[:1]]
    later = [dataclasses.replace(f, evidence={}) for f in after[:1]]
    assert diff_findings(plain, later).counts()["unchanged"] == 1
