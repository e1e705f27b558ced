"""Commands that read a finished run (export, exceptions, summary) take its params from the
manifest together with what its preflight discovered: a discovering params file lists no account."""
from __future__ import annotations

import json

from synthaudit.aws.preflight import write_preflight, PreflightReport
from synthaudit.config import parse_params
from synthaudit.evidence.cli import _run_params
from synthaudit.evidence.exports import context_for

DISCOVERING = {"label": "t", "estate": "aws", "accounts": "discover",
               "cloudtrail": {"source": "s3", "bucket": "trail"}}


def test_a_discovering_run_is_read_with_the_accounts_it_found(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"params": DISCOVERING}))
    found = parse_params({**DISCOVERING, "management_account": "111111111111", "organization_id": "o-abc",
                          "accounts": [{"id": "111111111111", "name": "mgmt"}, {"id": "222222222222", "name": "p"}],
                          "cloudtrail": {"source": "s3", "bucket": "trail", "account": "222222222222"}})
    write_preflight(tmp_path, found, PreflightReport("AWS", (), "o-abc"))
    params, _ = _run_params(tmp_path, None)
    assert params.account_ids() == ["111111111111", "222222222222"]
    assert params.cloudtrail.account == "222222222222"
    assert context_for(tmp_path, params).default_account == "111111111111"


def test_without_preflight_the_export_context_still_has_an_account(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"params": DISCOVERING}))
    params, _ = _run_params(tmp_path, None)
    assert params.accounts == [] and context_for(tmp_path, params).default_account == "000000000000"
