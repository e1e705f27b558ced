"""Two runs of the same estate diff to nothing: 0 new, 0 resolved, 0 changed.

The second "run" re-runs phases 02 and 03 (pure functions of the snapshot) on a copy of the
session's demo snapshot in which every automated RDS snapshot carries the name a later build
of the estate gives it (``rds:<db>-<another time>``): the diff against the full run's own
findings must see no change at all."""
from __future__ import annotations

import re
import shutil

import pandas as pd

from synthaudit.checks import run_all
from synthaudit.config import load_params
from synthaudit.evidence.diff import diff_findings, run_findings
from synthaudit.iam import PolicyStore
from synthaudit.iam.review import review

from conftest import DEMO_PARAMS

STAMP = re.compile(r"(rds:[A-Za-z0-9-]+?)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}")


def _rotate(snapshot):
    """The automated snapshots as a later build names them; returns how many were renamed."""
    renamed = 0
    for table in ("rds_snapshots", "rds_cluster_snapshots"):
        path = snapshot / "tables" / f"{table}.parquet"
        df = pd.read_parquet(path)
        for column in ("arn", "name", "snapshot_id"):
            before = df[column].astype(str)
            df[column] = before.str.replace(STAMP, r"\1-2031-01-02-03-04", regex=True)
            renamed += int((before != df[column]).sum()) if column == "arn" else 0
        df.to_parquet(path)
    return renamed


def test_two_runs_of_the_same_estate_diff_to_nothing(full_demo_run, tmp_path):
    params = load_params(DEMO_PARAMS)
    snapshot = tmp_path / "snapshot"
    shutil.copytree(full_demo_run.run_dir / "snapshot", snapshot)
    assert _rotate(snapshot) > 0, "the demo estate has automated RDS snapshots to rotate"
    again = run_all(snapshot, params)
    again += [f for f in review(PolicyStore.from_snapshot(snapshot), run_dir=None, regions=params.aws.regions,
                                include_unused=False).findings]
    checks = {f.check_id for f in again}
    first = [f for f in run_findings(full_demo_run.run_dir) if f.check_id in checks]
    assert {f.resource for f in again} != {f.resource for f in first}, "names rotated"
    result = diff_findings(first, again)
    counts = result.counts()
    assert (counts["new"], counts["resolved"], counts["changed"]) == (0, 0, 0), result.table()[:3000]
