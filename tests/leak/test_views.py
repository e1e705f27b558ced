"""Runbook 05's tables and figure from the demo's scores: counts and positions, never values."""
from __future__ import annotations

from synthaudit.leak import views


def test_summary_and_parts_table_cover_every_part_and_the_verdict(demo_scores):
    scores = [demo_scores["clean"], demo_scores["leaky"]]
    summary = views.summary(scores)
    assert [s["verdict"] for s in summary] == ["PASS", "FAIL"]
    table = views.parts_table(scores)
    for ds in scores:
        rows = table[table.dataset == ds.name]
        assert list(rows.part) == [p.part for p in ds.parts] + ["combined"]
        assert rows[rows.part == "combined"].status.item() == ds.verdict


def test_dcr_figure_and_worst_rows_show_positions_only(demo_scores):
    leaky = demo_scores["leaky"]
    fig = views.dcr_figure(leaky)
    assert [t.type for t in fig.data] == ["histogram"] * len(fig.data) and len(fig.data) >= 2
    worst = views.worst_rows(leaky, limit=5)
    assert 0 < len(worst) <= 5
    assert set(worst["values"]) == {"hidden (see evidence tokens)"}
    assert list(worst.n_parts) == sorted(worst.n_parts, reverse=True)
