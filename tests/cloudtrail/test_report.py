"""Runbook 04's tables and heatmap, drawn from what the review of the demo's logs wrote (fast: local files)."""
from __future__ import annotations


def test_coverage_and_activity_come_from_the_review_folder(demo_review):
    from synthaudit.cloudtrail import report

    result, out = demo_review
    coverage = report.coverage_summary(out)
    assert list(coverage.columns[:4]) == ["account", "region", "events", "principals"]
    assert coverage.events.sum() > 1000 and (coverage.active_days > 0).all()
    matrix = report.activity_matrix(out, top=5)
    assert 0 < len(matrix) <= 5 and matrix.values.sum() > 0


def test_heatmap_marks_anomalies_and_family_tables_split_by_family(demo_review):
    from synthaudit.cloudtrail import report

    result, out = demo_review
    fig = report.heatmap(out, result.anomalies, top=40)
    assert fig.data[0].type == "heatmap"
    tables = report.family_tables(result.anomalies)
    assert sorted(tables) == sorted({a.family for a in result.anomalies}) and len(tables) > 1
    assert sum(len(t) for t in tables.values()) == len(result.anomalies)
    assert "family" not in next(iter(tables.values())).columns
