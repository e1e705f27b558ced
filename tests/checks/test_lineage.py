"""The lineage graph (checks/lineage.py): the evidence of SYNTHETIC_RESTORED_FROM_PRODUCTION is the
whole chain, in order, from the production origin to the restored resource, across accounts and
at any depth; cycles end; and the inventory reads a copy's source from what CopySnapshot leaves."""
from __future__ import annotations

from synthaudit.checks import run_all
from synthaudit.checks.context import CheckContext
from synthaudit.checks.lineage import Lineage
from synthaudit.inventory.collectors.ec2 import copy_source

from .builders import PARAMS, PROD, REGION, SHARED, SYNTH, FakeStore, ec2, write
from .test_cases import LINEAGE_CHAIN, ebs

CHECK = "SYNTHETIC_RESTORED_FROM_PRODUCTION"


def _finding(tmp_path, rows, resource):
    found = run_all(write(tmp_path, rows), PARAMS, store=FakeStore(), only=[CHECK])
    return next(f for f in found if f.resource == resource)


def test_chain_runs_from_the_production_origin_to_the_restored_volume(tmp_path):
    f = _finding(tmp_path, LINEAGE_CHAIN, ebs("volume", "vol-9", SYNTH))
    assert f.status == "FAIL"
    assert f.evidence["chain"] == [ebs("volume", "vol-p", PROD), ebs("snapshot", "snap-p", PROD),
                                   ebs("snapshot", "snap-c1", SHARED), ebs("snapshot", "snap-c2", SYNTH),
                                   ebs("volume", "vol-9", SYNTH)]
    assert f.evidence["depth"] == 4
    assert [s["account"] for s in f.evidence["steps"]] == [PROD, PROD, SHARED, SYNTH, SYNTH]
    assert [s.get("via") for s in f.evidence["steps"]] == [
        None, "snapshot of volume", "snapshot copied from", "snapshot copied from", "volume created from snapshot"]


def test_a_cycle_ends_and_names_each_node_once(tmp_path):
    rows = [ec2("ec2_snapshots", "snapshot", f"snap-{i}", SYNTH, snapshot_id=f"snap-{i}",
                source_snapshot_id=f"snap-{(i + 1) % 5}") for i in range(5)]
    ctx = CheckContext(write(tmp_path, rows), PARAMS, store=FakeStore())
    trace = Lineage(ctx).trace(ebs("snapshot", "snap-0", SYNTH))
    assert not trace.from_production and len(trace.ancestors) == 4 and not trace.unresolved


def test_production_origin_is_the_farthest_production_ancestor(tmp_path):
    rows = LINEAGE_CHAIN[1:]  # the production volume is gone: the snapshot is the origin
    f = _finding(tmp_path, rows, ebs("volume", "vol-9", SYNTH))
    assert f.evidence["chain"][0] == ebs("snapshot", "snap-p", PROD) and f.evidence["depth"] == 3


def test_copy_source_from_description_and_tags():
    assert copy_source("[Copied snap-0abc123 from eu-west-1]", {}) == ("snap-0abc123", "eu-west-1")
    assert copy_source("Copied snap-0abc123 from us-east-1", {}) == ("snap-0abc123", "us-east-1")
    assert copy_source("nightly", {"SourceSnapshot": f"arn:aws:ec2:{REGION}::snapshot/snap-9f"}) == ("snap-9f", REGION)
    assert copy_source("nightly", {"source-id": "snap-77"}) == ("snap-77", None)
    assert copy_source("snap-1 backup", {"Name": "snap-1"}) == (None, None)

