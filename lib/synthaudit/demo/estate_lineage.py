"""Data lineage through copies: a production EBS snapshot copied twice (as CopySnapshot leaves
it: the copy's description names its source), the last copy shared with the synthetic account
and restored as a synthetic volume; and its clean twin, a synthetic-origin snapshot copied and
restored. Built last, so the seeded ids of everything built before stay as they were.

moto gap (docs/estate.md): a volume cannot be created from a snapshot another account shares,
so the restored volume sits in the production account, tagged synthetic, as P74's does.
"""
from __future__ import annotations

from typing import Any

from synthaudit.demo import ids
from synthaudit.demo.estate_core import Estate
from synthaudit.demo.estate_network import spec_tags, ec2_arn

REGION = ids.HOME_REGION


def build_lineage(estate: Estate) -> None:
    p, s = ids.PRODUCTION, ids.SYNTHETIC

    def volume(account: str, name: str, env: str, snapshot: str | None = None) -> str:
        kwargs: dict[str, Any] = {"AvailabilityZone": f"{REGION}a", "Size": 50, "VolumeType": "gp3",
                                  "TagSpecifications": spec_tags("volume", name, env)}
        kwargs.update({"SnapshotId": snapshot} if snapshot else {"Encrypted": True})
        estate.count(account, "ec2_volume")
        return estate.client(account, "ec2", REGION).create_volume(**kwargs)["VolumeId"]

    def snapshot(account: str, vol: str, name: str, env: str) -> str:
        estate.count(account, "ec2_snapshot")
        return estate.client(account, "ec2", REGION).create_snapshot(
            VolumeId=vol, Description=name, TagSpecifications=spec_tags("snapshot", name, env))["SnapshotId"]

    def copy(account: str, source: str) -> str:
        """A copy as the console and CLI make it: untagged, described by its source."""
        estate.count(account, "ec2_snapshot")
        return estate.client(account, "ec2", REGION).copy_snapshot(
            SourceSnapshotId=source, SourceRegion=REGION, Description=f"[Copied {source} from {REGION}]")["SnapshotId"]

    claims = volume(p, "prod-claims-extract-data", "production")
    origin = snapshot(p, claims, "prod-claims-extract-2026-11-20", "production")
    first = copy(p, origin)
    second = copy(p, first)
    estate.client(p, "ec2", REGION).modify_snapshot_attribute(
        SnapshotId=second, Attribute="createVolumePermission", OperationType="add", UserIds=[s])
    restored = volume(p, "synth-claims-scratch", "synthetic", snapshot=second)

    cohort = volume(s, "synth-cohort-build-data", "synthetic")
    cohort_snap = snapshot(s, cohort, "synth-cohort-build-2026-11-20", "synthetic")
    cohort_copy = copy(s, cohort_snap)
    cohort_restored = volume(s, "synth-cohort-build-restore", "synthetic", snapshot=cohort_copy)

    plant = estate.plant
    plant("P76", "FAIL", "SYNTHETIC_RESTORED_FROM_PRODUCTION", ec2_arn(REGION, p, "volume", restored), p, "synthetic",
          f"volume synth-claims-scratch (tagged synthetic) was restored from {second}, a copy of {first}, itself a copy "
          f"of the production snapshot {origin}: the chain is followed through both copies; the last copy is shared "
          "with the synthetic account")
    plant("P77", "PASS", "SYNTHETIC_RESTORED_FROM_PRODUCTION", ec2_arn(REGION, s, "volume", cohort_restored), s,
          "synthetic", f"clean twin: synthetic volume restored from {cohort_copy}, a copy of the synthetic snapshot "
          f"{cohort_snap}")
