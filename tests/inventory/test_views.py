"""Runbook 01's views over a small written snapshot: counts, coverage gaps, what to classify, crossovers."""
from __future__ import annotations

import pytest

from synthaudit.inventory import Snapshot, views
from synthaudit.inventory.snapshot import write_snapshot

PROD, SYNTH = "210987654321", "310000000003"


def row(kind_arn: str, account: str, name: str, environment: str, rule: str = "account:account-list") -> dict:
    return {"arn": kind_arn, "account": account, "region": "us-east-1", "name": name, "tags": {},
            "environment": environment, "environment_rule": rule}


@pytest.fixture
def snapshot(tmp_path) -> Snapshot:
    tables = {
        "org_accounts": [{**row(f"arn:aws:organizations::1:account/o-x/{a}", a, a, env), "account_id": a}
                         for a, env in ((PROD, "production"), (SYNTH, "synthetic"))],
        "s3_buckets": [row("arn:aws:s3:::phi-claims", PROD, "phi-claims", "production"),
                       row("arn:aws:s3:::synth-in-prod", PROD, "synth-in-prod", "synthetic", "name:*synth*"),
                       row("arn:aws:s3:::mystery", SYNTH, "mystery", "unknown", "unclassified")],
        "iam_roles": [row(f"arn:aws:iam::{SYNTH}:role/gen", SYNTH, "gen", "synthetic")],
    }
    coverage = [{"account": PROD, "region": "us-east-1", "service": "s3", "status": "assessed", "error": None,
                 "resources": 2, "detail_errors": 0},
                {"account": SYNTH, "region": "us-east-1", "service": "s3", "status": "access_denied",
                 "error": "AccessDenied", "resources": 0, "detail_errors": 0}]
    write_snapshot(tmp_path, tables, coverage, {}, {}, [], {"label": "t"})
    return Snapshot(tmp_path)


def test_counts_summary_and_pivot(snapshot):
    summary = views.summary(snapshot)
    assert summary["resources"] == 6
    assert summary["by_environment"] == {"production": 2, "synthetic": 3, "unknown": 1}
    assert summary["coverage"] == {"access_denied": 1, "assessed": 1}
    pivot = views.pivot(snapshot, by="account")
    assert list(pivot.columns) == ["production", "synthetic", "unknown"]
    assert pivot.loc[PROD].tolist() == [2, 1, 0]
    assert {t.name for t in views.counts_figure(snapshot).data} == {"production", "synthetic", "unknown"}


def test_coverage_views_show_the_gap(snapshot):
    gaps = views.coverage_table(snapshot, gaps_only=True)
    assert gaps[["account", "status"]].values.tolist() == [[SYNTH, "access_denied"]]
    assert views.coverage_matrix(snapshot).loc[SYNTH, "s3"] == "access_denied"


def test_unknown_items_and_crossovers(snapshot):
    assert views.unknown_items(snapshot).arn.tolist() == ["arn:aws:s3:::mystery"]
    cross = views.crossovers(snapshot)
    assert cross[["arn", "account_environment"]].values.tolist() == [["arn:aws:s3:::synth-in-prod", "production"]]
    assert views.records(cross)[0]["environment"] == "synthetic"
