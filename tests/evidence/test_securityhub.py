"""Security Hub: every batch is a BatchImportFindings request botocore's own validator accepts,
one account and region per batch, at most 100 findings, a real region, severity and types in
FindingProviderFields; ``synthaudit export securityhub`` writes them and calls nothing."""
from __future__ import annotations

import json

import botocore.session
import pytest
from botocore.validate import ParamValidator

from evidence.fabricate import PROD, SHARED, baseline_findings, make_run, seg, write_params
from synthaudit import catalogue
from synthaudit.cli import main
from synthaudit.config import load_params
from synthaudit.evidence import securityhub
from synthaudit.evidence.exports import context_for


def _input_shape():
    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


def _validate(request):
    report = ParamValidator().validate(request, _input_shape())
    assert not report.has_errors(), report.generate_report()


@pytest.fixture
def estate(tmp_path):
    """The baseline findings plus 230 IAM findings (region "global") in one account and a few elsewhere."""
    items = [f for v in baseline_findings().values() for f in v]
    items += [catalogue.finding("IAM_UNUSED_GRANTS", f"arn:aws:iam::{PROD}:role/r{i:03d}", "FAIL", account=PROD,
                                region="global", environment="production") for i in range(230)]
    items += [seg("S3_PRODUCTION_NO_SSE_KMS", "eu-bucket", account=SHARED, region="eu-west-1")]
    params = load_params(write_params(tmp_path / "p.yaml"))
    return items, params


def test_every_batch_is_accepted_by_botocore(tmp_path, estate):
    items, params = estate
    ctx = context_for(tmp_path / "2026-11-25T0200Z_demo", params)
    found = securityhub.batches(items, ctx)
    assert sum(len(b.findings) for b in found) == len(items)
    for b in found:
        _validate(b.request())
        assert 1 <= len(b.findings) <= securityhub.MAX_BATCH
        assert {r["AwsAccountId"] for r in b.findings} == {b.account}
        for r in b.findings:
            assert r["ProductArn"] == f"arn:aws:securityhub:{b.region}:{b.account}:product/{b.account}/default"
            assert r["Resources"][0]["Region"] == b.region != "global"
            assert r["FindingProviderFields"]["Severity"]["Label"] and r["FindingProviderFields"]["Types"]
    assert "global" not in json.dumps([b.request() for b in found])
    prod_iam = [b for b in found if b.account == PROD and b.region == params.aws.regions[0]]
    assert [len(b.findings) for b in prod_iam][:3] == [100, 100, len(prod_iam[2].findings)]
    assert {(b.account, b.region) for b in found} >= {(PROD, "us-east-1"), (SHARED, "eu-west-1")}


def test_an_invalid_record_is_refused_by_the_validator(tmp_path, estate):
    items, params = estate
    request = securityhub.batches(items[:1], context_for(tmp_path / "2026-11-25T0200Z_demo", params))[0].request()
    del request["Findings"][0]["ProductArn"]
    with pytest.raises(AssertionError):
        _validate(request)


def test_cli_writes_one_file_per_batch(tmp_path, estate, capsys):
    items, _ = estate
    run = make_run(tmp_path, "2026-11-25T0200Z_demo", {"iam": items})
    out = tmp_path / "hub"
    code = main(["export", "securityhub", str(run), "--out", str(out), "--params", str(tmp_path / "p.yaml")])
    assert code == 0
    files = sorted(out.glob("asff-*.json"))
    assert len(files) >= 4 and "batches" in capsys.readouterr().out
    for path in files:
        request = json.loads(path.read_text())
        _validate(request)
        account, region = path.name.split("-")[1], "-".join(path.name.split("-")[2:-1])
        assert {r["AwsAccountId"] for r in request["Findings"]} == {account}
        assert {r["Resources"][0]["Region"] for r in request["Findings"]} == {region}
    assert not (run / "securityhub").exists()   # the run folder is never written to
