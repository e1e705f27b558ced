"""EC2 and VPC: networks, security groups (rules flattened, referenced groups kept),
peering, routes, endpoints with policies, instances with profiles and their image's
owner, volumes with their source snapshot, snapshots with createVolumePermission
sharing and, for copies, their source, and the account's AMIs with the snapshots
behind them and their launchPermission sharing (the data-lineage graph of
checks/lineage.py and the sharing read by checks/exposure.py are built from these)."""
from __future__ import annotations

import re
from typing import Any

from synthaudit import arn as aws_arn
from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope, iso, paginate, parse_policy, to_jsonable

SERVICE = "ec2"
SCOPE = "region"
ACCOUNTLESS_KINDS = frozenset({"snapshot", "image"})     # arn:aws:ec2:REGION::snapshot/snap-…, ::image/ami-…
ROUTE_TARGETS = (
    ("VpcPeeringConnectionId", "vpc_peering"), ("NatGatewayId", "nat_gateway"),
    ("TransitGatewayId", "transit_gateway"), ("InstanceId", "instance"),
    ("NetworkInterfaceId", "network_interface"), ("VpcEndpointId", "vpc_endpoint"),
    ("EgressOnlyInternetGatewayId", "egress_only_gateway"), ("CarrierGatewayId", "carrier_gateway"),
    ("LocalGatewayId", "local_gateway"), ("GatewayId", "gateway"),
)


# CopySnapshot's default description: "[Copied snap-0123… from us-east-1]" (also without brackets).
COPIED = re.compile(r"Copied (snap-[0-9a-f]+) from ([a-z]{2}(?:-[a-z]+)+-\d+)")
SNAPSHOT_REF = re.compile(r"^(?:arn:aws[a-z-]*:ec2:([a-z0-9-]*):\d*:snapshot/)?(snap-[0-9a-f]+)$")


def copy_source(description: str | None, tags: dict[str, str]) -> tuple[str | None, str | None]:
    """(source snapshot id, its region) of an EBS snapshot copy: from CopySnapshot's description,
    else from a tag whose key names a source and whose value is a snapshot id or ARN."""
    match = COPIED.search(description or "")
    if match:
        return match.group(1), match.group(2)
    for key in sorted(tags):
        if "source" in key.lower() and (ref := SNAPSHOT_REF.match(str(tags[key]).strip())):
            return ref.group(2), ref.group(1) or None
    return None, None


def launch_grantees(perms: list[dict[str, Any]]) -> list[str]:
    """Accounts, organisations and OUs (their ARNs) an AMI's launchPermission names, sorted."""
    keys = ("UserId", "OrganizationArn", "OrganizationalUnitArn")
    return sorted({str(p[k]) for p in perms for k in keys if p.get(k)})


def _name(item: dict[str, Any], default: str) -> tuple[str, dict[str, str]]:
    tags = tags_to_dict(item.get("Tags"))
    return tags.get("Name") or default, tags


def collect(scope: Scope) -> None:
    ec2 = scope.client("ec2")
    acct, region = scope.account, scope.region
    out = scope.output

    def arn(kind: str, ident: str) -> str:
        # AWS writes EBS snapshot and AMI ARNs without an account; the row's account column is the owner
        return aws_arn.build("ec2", region, "" if kind in ACCOUNTLESS_KINDS else acct, f"{kind}/{ident}")

    def common(kind: str, ident: str, item: dict[str, Any]) -> dict[str, Any]:
        name, tags = _name(item, ident)
        return {"arn": arn(kind, ident), "account": acct, "region": region, "name": name, "tags": tags}

    for vpc in sorted(paginate(ec2, "describe_vpcs", "Vpcs"), key=lambda v: v["VpcId"]):
        out.add("ec2_vpcs", {
            **common("vpc", vpc["VpcId"], vpc), "vpc_id": vpc["VpcId"], "cidr_block": vpc.get("CidrBlock"),
            "cidr_blocks": sorted(c["CidrBlock"] for c in vpc.get("CidrBlockAssociationSet", []) or []),
            "is_default": vpc.get("IsDefault"), "state": vpc.get("State"),
        })
    for sub in sorted(paginate(ec2, "describe_subnets", "Subnets"), key=lambda s: s["SubnetId"]):
        out.add("ec2_subnets", {
            **common("subnet", sub["SubnetId"], sub), "subnet_id": sub["SubnetId"], "vpc_id": sub.get("VpcId"),
            "cidr_block": sub.get("CidrBlock"), "availability_zone": sub.get("AvailabilityZone"),
            "map_public_ip_on_launch": sub.get("MapPublicIpOnLaunch"),
        })
    for sg in sorted(paginate(ec2, "describe_security_groups", "SecurityGroups"), key=lambda g: g["GroupId"]):
        gid = sg["GroupId"]
        base = common("security-group", gid, sg)
        if base["name"] == gid:
            base["name"] = sg.get("GroupName") or gid
        out.add("ec2_security_groups", {
            **base, "group_id": gid, "group_name": sg.get("GroupName"), "vpc_id": sg.get("VpcId"),
            "description": sg.get("Description"),
            "ingress": to_jsonable(sg.get("IpPermissions", [])), "egress": to_jsonable(sg.get("IpPermissionsEgress", [])),
        })
        for direction, perms in (("ingress", sg.get("IpPermissions", [])), ("egress", sg.get("IpPermissionsEgress", []))):
            for perm in perms or []:
                for rule in _rules(perm):
                    out.add("ec2_security_group_rules", {**base, "group_id": gid, "vpc_id": sg.get("VpcId"),
                                                         "direction": direction, **rule})
    for pcx in sorted(paginate(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections"),
                      key=lambda p: p["VpcPeeringConnectionId"]):
        pid = pcx["VpcPeeringConnectionId"]
        req, acc = pcx.get("RequesterVpcInfo", {}) or {}, pcx.get("AccepterVpcInfo", {}) or {}
        out.add("ec2_vpc_peering", {
            **common("vpc-peering-connection", pid, pcx), "peering_id": pid,
            "status": (pcx.get("Status") or {}).get("Code"),
            "requester_account": req.get("OwnerId"), "requester_vpc_id": req.get("VpcId"),
            "requester_region": req.get("Region"), "requester_cidr": req.get("CidrBlock"),
            "accepter_account": acc.get("OwnerId"), "accepter_vpc_id": acc.get("VpcId"),
            "accepter_region": acc.get("Region"), "accepter_cidr": acc.get("CidrBlock"),
        })
    for rt in sorted(paginate(ec2, "describe_route_tables", "RouteTables"), key=lambda r: r["RouteTableId"]):
        rid = rt["RouteTableId"]
        base = common("route-table", rid, rt)
        assocs = rt.get("Associations", []) or []
        out.add("ec2_route_tables", {
            **base, "route_table_id": rid, "vpc_id": rt.get("VpcId"),
            "subnet_ids": sorted(a["SubnetId"] for a in assocs if a.get("SubnetId")),
            "main": any(a.get("Main") for a in assocs), "routes": to_jsonable(rt.get("Routes", [])),
        })
        for route in rt.get("Routes", []) or []:
            target_type, target_id = "other", None
            for key, label in ROUTE_TARGETS:
                if route.get(key):
                    target_type, target_id = label, route[key]
                    break
            if target_id == "local":
                target_type = "local"
            out.add("ec2_routes", {
                **base, "route_table_id": rid, "vpc_id": rt.get("VpcId"),
                "destination": route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
                or route.get("DestinationPrefixListId"),
                "target_type": target_type, "target_id": target_id, "state": route.get("State"),
            })
    for ep in sorted(paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints"), key=lambda e: e["VpcEndpointId"]):
        eid = ep["VpcEndpointId"]
        row = {
            **common("vpc-endpoint", eid, ep), "endpoint_id": eid, "vpc_id": ep.get("VpcId"),
            "service_name": ep.get("ServiceName"), "endpoint_type": ep.get("VpcEndpointType"),
            "state": ep.get("State"), "policy": parse_policy(ep.get("PolicyDocument")),
            "route_table_ids": sorted(ep.get("RouteTableIds", []) or []), "subnet_ids": sorted(ep.get("SubnetIds", []) or []),
        }
        out.add("ec2_vpc_endpoints", row)
        out.policy(row["arn"], acct, region, "ec2", row["policy"])
    images = sorted(paginate(ec2, "describe_images", "Images", Owners=["self"]), key=lambda i: i["ImageId"])
    for image in images:
        mid = image["ImageId"]
        source_image = image.get("SourceImageId")
        perms, _ = scope.detail(f"ec2:DescribeImageAttribute {mid}", lambda: ec2.describe_image_attribute(
            ImageId=mid, Attribute="launchPermission").get("LaunchPermissions", []))
        out.add("ec2_images", {
            **common("image", mid, image), "image_id": mid, "state": image.get("State"),
            "owner_id": image.get("OwnerId"), "description": image.get("Description"),
            "public": bool(image.get("Public")) or any(p.get("Group") == "all" for p in perms or []),
            "shared_with": None if perms is None else launch_grantees(perms),
            "block_device_snapshot_ids": sorted({(m.get("Ebs") or {}).get("SnapshotId") for m in
                                                 image.get("BlockDeviceMappings", []) or []} - {None}),
            "source_image_id": source_image, "source_region": image.get("SourceImageRegion"),
            "creation_date": iso(image.get("CreationDate")),
        })
    instances = [i for r in paginate(ec2, "describe_instances", "Reservations") for i in r.get("Instances", [])]
    owners = {i["ImageId"]: i.get("ImageOwnerAlias") or i.get("OwnerId") for i in images}
    unknown = sorted({i["ImageId"] for i in instances if i.get("ImageId")} - set(owners))
    if unknown:  # images of other owners: who owns them tells a public image from another account's
        described, _ = scope.detail("ec2:DescribeImages (instance images)", lambda: list(paginate(
            ec2, "describe_images", "Images", Filters=[{"Name": "image-id", "Values": unknown}])))
        owners.update({i["ImageId"]: i.get("ImageOwnerAlias") or i.get("OwnerId") for i in described or []})
    for inst in sorted(instances, key=lambda i: i["InstanceId"]):
        iid = inst["InstanceId"]
        out.add("ec2_instances", {
            **common("instance", iid, inst), "instance_id": iid, "state": (inst.get("State") or {}).get("Name"),
            "instance_type": inst.get("InstanceType"), "image_id": inst.get("ImageId"),
            "vpc_id": inst.get("VpcId"), "subnet_id": inst.get("SubnetId"),
            "instance_profile_arn": (inst.get("IamInstanceProfile") or {}).get("Arn"),
            "security_group_ids": sorted(g["GroupId"] for g in inst.get("SecurityGroups", []) or []),
            "private_ip": inst.get("PrivateIpAddress"), "public_ip": inst.get("PublicIpAddress"),
            "launch_time": iso(inst.get("LaunchTime")), "image_owner": owners.get(inst.get("ImageId")),
        })
    for vol in sorted(paginate(ec2, "describe_volumes", "Volumes"), key=lambda v: v["VolumeId"]):
        vid = vol["VolumeId"]
        out.add("ec2_volumes", {
            **common("volume", vid, vol), "volume_id": vid, "snapshot_id": vol.get("SnapshotId") or None,
            "encrypted": vol.get("Encrypted"), "kms_key_id": vol.get("KmsKeyId"), "size_gib": vol.get("Size"),
            "state": vol.get("State"), "availability_zone": vol.get("AvailabilityZone"),
            "attached_instance_ids": sorted(a["InstanceId"] for a in vol.get("Attachments", []) or [] if a.get("InstanceId")),
            "create_time": iso(vol.get("CreateTime")),
        })
    for snap in sorted(paginate(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"]), key=lambda s: s["SnapshotId"]):
        sid = snap["SnapshotId"]
        perms, _ = scope.detail(f"ec2:DescribeSnapshotAttribute {sid}", lambda: ec2.describe_snapshot_attribute(
            SnapshotId=sid, Attribute="createVolumePermission").get("CreateVolumePermissions", []))
        base = common("snapshot", sid, snap)
        source, source_region = copy_source(snap.get("Description"), base["tags"])
        out.add("ec2_snapshots", {
            **base, "snapshot_id": sid, "volume_id": snap.get("VolumeId"),
            "encrypted": snap.get("Encrypted"), "kms_key_id": snap.get("KmsKeyId"), "owner_id": snap.get("OwnerId"),
            "description": snap.get("Description"), "state": snap.get("State"), "start_time": iso(snap.get("StartTime")),
            "shared_with": None if perms is None else sorted({p["UserId"] for p in perms if p.get("UserId")}),
            "public": None if perms is None else any(p.get("Group") == "all" for p in perms),
            "source_snapshot_id": source, "source_region": source_region or (region if source else None),
        })


def _rules(perm: dict[str, Any]) -> list[dict[str, Any]]:
    proto = str(perm.get("IpProtocol"))
    ports = {"ip_protocol": proto, "from_port": perm.get("FromPort"), "to_port": perm.get("ToPort")}
    if proto == "-1":
        ports["from_port"] = ports["to_port"] = None
    rules = []
    for r in perm.get("IpRanges", []) or []:
        rules.append({**ports, "peer_type": "cidr", "peer": r.get("CidrIp"), "peer_account": None,
                      "description": r.get("Description")})
    for r in perm.get("Ipv6Ranges", []) or []:
        rules.append({**ports, "peer_type": "ipv6", "peer": r.get("CidrIpv6"), "peer_account": None,
                      "description": r.get("Description")})
    for r in perm.get("PrefixListIds", []) or []:
        rules.append({**ports, "peer_type": "prefix_list", "peer": r.get("PrefixListId"), "peer_account": None,
                      "description": r.get("Description")})
    for r in perm.get("UserIdGroupPairs", []) or []:
        rules.append({**ports, "peer_type": "group", "peer": r.get("GroupId"), "peer_account": r.get("UserId"),
                      "description": r.get("Description")})
    return rules
