"""Exceptions: matching FAILs become EXCEPTED (kept), expired ones are findings, bad files are refused."""
from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from evidence.fabricate import PROD, SYNTH, baseline_findings, seg, write_params
from synthaudit.config import load_params
from synthaudit.evidence.exceptions import (
    ExceptionsError, apply_exceptions, exceptions_path, load_exceptions, parse_exceptions,
    resource_tags_from_snapshot,
)

TODAY = dt.date(2026, 11, 25)


def entry(**kw):
    base = {"id": "EX-1", "check": "S3_PRODUCTION_NO_SSE_KMS", "resource": "arn:aws:s3:::phi-archive-*",
            "owner": "ciso@example.org", "reason": "archive bucket migrates to SSE-KMS in Q1",
            "approved": "2026-10-01", "expires": "2027-01-31"}
    base.update(kw)
    return base


def findings():
    return [f for items in baseline_findings().values() for f in items]


def test_matching_fail_becomes_excepted_and_is_kept():
    items = findings()
    rules = parse_exceptions({"exceptions": [entry()]}, "exceptions.yaml")
    out = apply_exceptions(items, rules, TODAY)
    assert len(out.findings) == len(items)  # never removed
    target = next(f for f in out.findings if f.resource == "arn:aws:s3:::phi-archive-prod")
    assert target.status == "EXCEPTED"
    assert target.exception["id"] == "EX-1" and target.exception["owner"] == "ciso@example.org"
    assert target.id == next(f for f in items if f.resource == "arn:aws:s3:::phi-archive-prod").id
    # the PASS twin on another bucket and other FAILs are untouched
    assert {f.status for f in out.findings if f.id != target.id} == {f.status for f in items if f.id != target.id}
    assert out.matched == {"EX-1": [target.id]}
    states = {(f.check_id, f.status) for f in out.exception_findings}
    assert states == {("EXCEPTION_EXPIRED", "PASS"), ("EXCEPTION_UNMATCHED", "PASS")}


def test_expired_exception_does_not_apply_and_is_reported():
    rules = parse_exceptions([entry(expires="2026-11-24")], "exceptions.yaml")
    out = apply_exceptions(findings(), rules, TODAY)
    target = next(f for f in out.findings if f.resource == "arn:aws:s3:::phi-archive-prod")
    assert target.status == "FAIL" and target.exception is None
    expired = [f for f in out.exception_findings if f.check_id == "EXCEPTION_EXPIRED"]
    assert [f.status for f in expired] == ["FAIL"]
    assert expired[0].evidence["days_overdue"] == 1
    assert expired[0].evidence["findings_no_longer_excepted"] == [target.id]
    assert expired[0].severity == "high"


def test_expiry_day_itself_still_applies():
    rules = parse_exceptions([entry(expires=TODAY.isoformat())], "x.yaml")
    out = apply_exceptions(findings(), rules, TODAY)
    assert sum(f.status == "EXCEPTED" for f in out.findings) == 1


def test_unmatched_exception_is_a_low_finding():
    rules = parse_exceptions([entry(resource="arn:aws:s3:::no-such-bucket")], "x.yaml")
    out = apply_exceptions(findings(), rules, TODAY)
    assert not any(f.status == "EXCEPTED" for f in out.findings)
    unmatched = [f for f in out.exception_findings if f.check_id == "EXCEPTION_UNMATCHED"]
    assert [(f.status, f.severity) for f in unmatched] == [("FAIL", "low")]


def test_pending_exception_is_not_in_force():
    rules = parse_exceptions([entry(approved="2026-12-01", expires="2027-01-01")], "x.yaml")
    out = apply_exceptions(findings(), rules, TODAY)
    assert not any(f.status == "EXCEPTED" for f in out.findings)
    assert {f.status for f in out.exception_findings} == {"NOT_ASSESSED"}


def test_account_and_tags_narrow_the_match(tmp_path):
    items = [seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod"), seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-old")]
    wrong_account = parse_exceptions([entry(account=SYNTH)], "x.yaml")
    assert not any(f.status == "EXCEPTED" for f in apply_exceptions(items, wrong_account, TODAY).findings)
    right_account = parse_exceptions([entry(account=PROD)], "x.yaml")
    assert sum(f.status == "EXCEPTED" for f in apply_exceptions(items, right_account, TODAY).findings) == 2
    # tags come from the snapshot tables (arn + tags JSON per row)
    tables = tmp_path / "snapshot" / "tables"
    tables.mkdir(parents=True)
    pq.write_table(pa.table({
        "arn": ["arn:aws:s3:::phi-archive-prod", "arn:aws:s3:::phi-archive-old"],
        "tags": [json.dumps({"Lifecycle": "legacy-2019"}), json.dumps({"Lifecycle": "active"})],
    }), tables / "s3_buckets.parquet")
    tags = resource_tags_from_snapshot(tmp_path / "snapshot")
    by_tag = parse_exceptions([entry(tags={"Lifecycle": "legacy-*"})], "x.yaml")
    out = apply_exceptions(items, by_tag, TODAY, tags)
    assert [f.resource for f in out.findings if f.status == "EXCEPTED"] == ["arn:aws:s3:::phi-archive-prod"]
    # unknown tags never match
    assert not any(f.status == "EXCEPTED" for f in apply_exceptions(items, by_tag, TODAY, {}).findings)


def test_only_fail_findings_are_excepted():
    items = [seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod", "PASS"),
             seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-x", "NOT_ASSESSED")]
    out = apply_exceptions(items, parse_exceptions([entry()], "x.yaml"), TODAY)
    assert [f.status for f in out.findings] == [f.status for f in sorted(items, key=lambda f: f.sort_key())]


@pytest.mark.parametrize("bad, message", [
    (entry(expires="2026-09-01"), "before approved"),
    (entry(owner=None), "owner"),
    ({k: v for k, v in entry().items() if k != "reason"}, "reason: required key is missing"),
    (entry(colour="red"), "colour: unknown key"),
    (entry(check="S3_NO_SUCH_CHECK"), "matches no check id"),
    (entry(account=210987654321), "quoted 12-digit"),
    (entry(expires="next year"), "expected a date"),
])
def test_invalid_entries_name_file_and_entry(tmp_path, bad, message):
    path = tmp_path / "exceptions.yaml"
    path.write_text(yaml.safe_dump({"exceptions": [entry(id="EX-OK"), {**bad, "id": "EX-BAD"}]}))
    with pytest.raises(ExceptionsError) as err:
        load_exceptions(path)
    text = str(err.value)
    assert str(path) in text and "exceptions[1]" in text and "EX-BAD" in text and message in text


def test_duplicate_ids_and_bad_shapes_are_refused(tmp_path):
    with pytest.raises(ExceptionsError, match="used twice"):
        parse_exceptions([entry(), entry()], "x.yaml")
    with pytest.raises(ExceptionsError, match="unknown top-level"):
        parse_exceptions({"exception": []}, "x.yaml")
    with pytest.raises(ExceptionsError, match="expected a list"):
        parse_exceptions({"exceptions": "EX-1"}, "x.yaml")
    bad = tmp_path / "broken.yaml"
    bad.write_text("exceptions: [\n")
    with pytest.raises(ExceptionsError, match="broken.yaml: not valid YAML"):
        load_exceptions(bad)


def test_exceptions_file_resolves_relative_to_params_file(tmp_path):
    sub = tmp_path / "conf"
    sub.mkdir()
    (sub / "risks.yaml").write_text(yaml.safe_dump({"exceptions": [entry()]}))
    params_path = write_params(sub / "p.yaml", exceptions_file="risks.yaml")
    params = load_params(params_path)
    assert exceptions_path(params, params_path) == (sub / "risks.yaml").resolve()
    missing = write_params(sub / "q.yaml", exceptions_file="nope.yaml")
    with pytest.raises(ExceptionsError, match="exceptions_file 'nope.yaml' not found"):
        exceptions_path(load_params(missing), missing)
