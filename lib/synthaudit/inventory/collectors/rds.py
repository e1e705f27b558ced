"""RDS and Aurora: instances, clusters, snapshots and cluster snapshots with their
'restore' sharing attribute and, for copies, the source snapshot."""
from __future__ import annotations

from typing import Any

from synthaudit import arn as aws_arn
from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope, iso, paginate

SERVICE = "rds"
SCOPE = "region"


def collect(scope: Scope) -> None:
    rds = scope.client("rds")
    acct, region = scope.account, scope.region
    out = scope.output

    def tags(item: dict[str, Any], arn: str) -> dict[str, str]:
        if "TagList" in item:
            return tags_to_dict(item.get("TagList"))
        listed, _ = scope.detail(f"rds:ListTagsForResource {arn}",
                                 lambda: rds.list_tags_for_resource(ResourceName=arn).get("TagList", []))
        return tags_to_dict(listed)

    for db in sorted(paginate(rds, "describe_db_instances", "DBInstances"), key=lambda d: d["DBInstanceIdentifier"]):
        ident = db["DBInstanceIdentifier"]
        arn = db.get("DBInstanceArn") or aws_arn.build("rds", region, acct, f"db:{ident}")
        endpoint = db.get("Endpoint") or {}
        subnet_group = db.get("DBSubnetGroup") or {}
        out.add("rds_instances", {
            "arn": arn, "account": acct, "region": region, "name": ident, "tags": tags(db, arn),
            "db_instance_id": ident, "engine": db.get("Engine"), "engine_version": db.get("EngineVersion"),
            "status": db.get("DBInstanceStatus"), "db_cluster_id": db.get("DBClusterIdentifier"),
            "endpoint_address": endpoint.get("Address"), "endpoint_port": endpoint.get("Port"),
            "storage_encrypted": db.get("StorageEncrypted"), "kms_key_id": db.get("KmsKeyId"),
            "publicly_accessible": db.get("PubliclyAccessible"), "vpc_id": subnet_group.get("VpcId"),
            "security_group_ids": sorted(g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", []) or []),
            "subnet_ids": sorted(s["SubnetIdentifier"] for s in subnet_group.get("Subnets", []) or []),
            "read_replica_source": db.get("ReadReplicaSourceDBInstanceIdentifier"),
            "iam_database_authentication_enabled": db.get("IAMDatabaseAuthenticationEnabled"),
        })
    for cl in sorted(paginate(rds, "describe_db_clusters", "DBClusters"), key=lambda c: c["DBClusterIdentifier"]):
        ident = cl["DBClusterIdentifier"]
        arn = cl.get("DBClusterArn") or aws_arn.build("rds", region, acct, f"cluster:{ident}")
        out.add("rds_clusters", {
            "arn": arn, "account": acct, "region": region, "name": ident, "tags": tags(cl, arn),
            "db_cluster_id": ident, "engine": cl.get("Engine"), "engine_version": cl.get("EngineVersion"),
            "status": cl.get("Status"), "endpoint": cl.get("Endpoint"), "reader_endpoint": cl.get("ReaderEndpoint"),
            "port": cl.get("Port"), "storage_encrypted": cl.get("StorageEncrypted"), "kms_key_id": cl.get("KmsKeyId"),
            "security_group_ids": sorted(g["VpcSecurityGroupId"] for g in cl.get("VpcSecurityGroups", []) or []),
            "db_subnet_group": cl.get("DBSubnetGroup"),
            "members": sorted(m["DBInstanceIdentifier"] for m in cl.get("DBClusterMembers", []) or []),
            "replication_source": cl.get("ReplicationSourceIdentifier"), "clone_group_id": cl.get("CloneGroupId"),
            "iam_database_authentication_enabled": cl.get("IAMDatabaseAuthenticationEnabled"),
            "http_endpoint_enabled": cl.get("HttpEndpointEnabled"),
        })
    for snap in sorted(paginate(rds, "describe_db_snapshots", "DBSnapshots"), key=lambda s: s["DBSnapshotIdentifier"]):
        ident = snap["DBSnapshotIdentifier"]
        arn = snap.get("DBSnapshotArn") or aws_arn.build("rds", region, acct, f"snapshot:{ident}")
        attrs, _ = scope.detail(f"rds:DescribeDBSnapshotAttributes {ident}", lambda: rds.describe_db_snapshot_attributes(
            DBSnapshotIdentifier=ident)["DBSnapshotAttributesResult"].get("DBSnapshotAttributes", []))
        out.add("rds_snapshots", {
            "arn": arn, "account": acct, "region": region, "name": ident, "tags": tags(snap, arn),
            "db_instance_id": snap.get("DBInstanceIdentifier"),
            **_snapshot(snap, ident, attrs, "SourceDBSnapshotIdentifier"),
        })
    for snap in sorted(paginate(rds, "describe_db_cluster_snapshots", "DBClusterSnapshots"),
                       key=lambda s: s["DBClusterSnapshotIdentifier"]):
        ident = snap["DBClusterSnapshotIdentifier"]
        arn = snap.get("DBClusterSnapshotArn") or aws_arn.build("rds", region, acct, f"cluster-snapshot:{ident}")
        attrs, _ = scope.detail(f"rds:DescribeDBClusterSnapshotAttributes {ident}",
                                lambda: rds.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier=ident)
                                ["DBClusterSnapshotAttributesResult"].get("DBClusterSnapshotAttributes", []))
        out.add("rds_cluster_snapshots", {
            "arn": arn, "account": acct, "region": region, "name": ident, "tags": tags(snap, arn),
            "db_cluster_id": snap.get("DBClusterIdentifier"),
            **_snapshot(snap, ident, attrs, "SourceDBClusterSnapshotArn"),
        })


def _snapshot(snap: dict[str, Any], ident: str, attrs: list[dict[str, Any]] | None, source_key: str) -> dict[str, Any]:
    restore = None
    if attrs is not None:
        restore = sorted({v for a in attrs if a.get("AttributeName") == "restore" for v in a.get("AttributeValues", []) or []})
    return {
        "snapshot_id": ident, "snapshot_type": snap.get("SnapshotType"), "engine": snap.get("Engine"),
        "status": snap.get("Status"), "encrypted": snap.get("Encrypted") if "Encrypted" in snap else snap.get("StorageEncrypted"),
        "kms_key_id": snap.get("KmsKeyId"), "create_time": iso(snap.get("SnapshotCreateTime")),
        "shared_with": None if restore is None else [v for v in restore if v != "all"],
        "public": None if restore is None else "all" in restore,
        "source_snapshot": snap.get(source_key) or snap.get("SourceDBSnapshotIdentifier"),
        "source_region": snap.get("SourceRegion"),
    }
