"""Networks and compute: VPCs, subnets, route tables, security groups that reference
each other, VPC peering with routes, VPC endpoints with policies, EC2 instances with
instance profiles, EBS volumes and snapshots; with the planted network failures.

moto gaps met here (documented in docs/estate.md): a security group rule cannot
reference a group in another account, and a shared EBS snapshot cannot be used from
the account it is shared with (create_volume / copy_snapshot say NotFound).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from synthaudit.demo import ids
from synthaudit.demo.estate_core import ENV_TAGS, Estate, tags_list

AMI = "ami-0b5eea76982371e91"  # moto keeps no default AMIs here; instances name a fixed image id


@dataclass(frozen=True)
class VpcSpec:
    account: str
    name: str
    cidr: str
    env: str
    region: str = ids.HOME_REGION
    apps: tuple[str, ...] = ()
    sg_prefix: str = ""  # default: the VPC name's first word (prod, synth, ...)


VPCS = [
    VpcSpec(ids.PRODUCTION, "prod-core", "10.10.0.0/16", "production",
            apps=("claims", "ehr", "imaging", "labs", "billing", "portal")),
    VpcSpec(ids.PRODUCTION, "prod-analytics", "10.11.0.0/16", "production", apps=("research", "reporting")),
    VpcSpec(ids.PRODUCTION, "prod-dr", "10.12.0.0/16", "production", region="eu-west-1", apps=("claims", "ehr"),
            sg_prefix="prod-dr"),
    VpcSpec(ids.SYNTHETIC, "synth-main", "10.20.0.0/16", "synthetic",
            apps=("generator", "evaluator", "cohorts", "notebooks")),
    VpcSpec(ids.SYNTHETIC, "synth-sandbox", "10.21.0.0/16", "synthetic", apps=("sandbox",)),
    VpcSpec(ids.LOGGING, "shared-services", "10.40.0.0/16", "shared", apps=("siem", "monitoring")),
    VpcSpec(ids.MANAGEMENT, "org-tools", "10.0.0.0/16", "shared", apps=("tooling",)),
]
TIERS = [("public", 0), ("app", 10), ("data", 20)]
APP_PORTS = {"data": 5432}
DB_PORT = 5432


def _tags(name: str, env: str, **extra: str) -> list[dict[str, str]]:
    return tags_list({"Name": name, **ENV_TAGS[env], **extra})


def spec_tags(kind: str, name: str, env: str, **extra: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": _tags(name, env, **extra)}]


def ec2_arn(region: str, account: str, kind: str, rid: str) -> str:
    """As AWS writes them: an EBS snapshot's and an AMI's ARN have an empty account field."""
    return f"arn:aws:ec2:{region}:{'' if kind in ('snapshot', 'image') else account}:{kind}/{rid}"


class Network:
    """Ids of what was built, for the services and the plants that refer to them."""

    def __init__(self) -> None:
        self.vpc: dict[str, str] = {}
        self.subnets: dict[str, list[str]] = {}       # vpc name -> subnet ids (data tier last)
        self.data_subnets: dict[str, list[str]] = {}
        self.route_tables: dict[str, dict[str, str]] = {}  # vpc name -> tier -> rtb id
        self.sg: dict[str, str] = {}                  # sg name -> id
        self.vpc_sgs: dict[str, list[str]] = {}       # vpc name -> sg ids in creation order
        self.instances: dict[str, str] = {}


def build_vpc(estate: Estate, spec: VpcSpec, net: Network) -> None:
    ec2 = estate.client(spec.account, "ec2", spec.region)
    vpc = ec2.create_vpc(CidrBlock=spec.cidr, TagSpecifications=spec_tags("vpc", spec.name, spec.env))["Vpc"]["VpcId"]
    net.vpc[spec.name] = vpc
    estate.count(spec.account, "ec2_vpc")
    igw = ec2.create_internet_gateway(TagSpecifications=spec_tags("internet-gateway", f"{spec.name}-igw", spec.env))
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc)
    base = spec.cidr.split(".")
    net.subnets[spec.name], net.data_subnets[spec.name], net.route_tables[spec.name] = [], [], {}
    for tier, offset in TIERS:
        rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec_tags("route-table", f"{spec.name}-{tier}",
                                                                            spec.env))["RouteTable"]["RouteTableId"]
        net.route_tables[spec.name][tier] = rtb
        if tier == "public":
            ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
        for az_index, az in enumerate("abc"):
            cidr = f"{base[0]}.{base[1]}.{offset + az_index + 1}.0/24"
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{spec.region}{az}",
                                       TagSpecifications=spec_tags("subnet", f"{spec.name}-{tier}-{az}", spec.env,
                                                                    Tier=tier))["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
            net.subnets[spec.name].append(subnet)
            if tier == "data":
                net.data_subnets[spec.name].append(subnet)
            estate.count(spec.account, "ec2_subnet")
    prefix = spec.sg_prefix or spec.name.split("-")[0]
    for app in spec.apps:
        alb = _sg(estate, spec, net, f"{prefix}-{app}-alb-sg", f"{app} load balancer")
        ec2.authorize_security_group_ingress(GroupId=alb, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": spec.cidr}]}])
        app_sg = _sg(estate, spec, net, f"{prefix}-{app}-app-sg", f"{app} application")
        ec2.authorize_security_group_ingress(GroupId=app_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "UserIdGroupPairs": [{"GroupId": alb}]}])
        db = _sg(estate, spec, net, f"{prefix}-{app}-db-sg", f"{app} database")
        ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": DB_PORT, "ToPort": DB_PORT, "UserIdGroupPairs": [{"GroupId": app_sg}]}])


def _sg(estate: Estate, spec: VpcSpec, net: Network, name: str, description: str, env: str | None = None) -> str:
    ec2 = estate.client(spec.account, "ec2", spec.region)
    gid = ec2.create_security_group(GroupName=name, Description=description, VpcId=net.vpc[spec.name],
                                    TagSpecifications=spec_tags("security-group", name, env or spec.env))["GroupId"]
    net.sg[name] = gid
    net.vpc_sgs.setdefault(spec.name, []).append(gid)
    estate.count(spec.account, "ec2_security_group")
    return gid


def _peer(estate: Estate, requester: VpcSpec, accepter: VpcSpec, net: Network, name: str,
          requester_routes: list[str], accepter_routes: list[str]) -> str:
    """Cross-account peering, accepted in the peer account, with routes on both sides."""
    req = estate.client(requester.account, "ec2", requester.region)
    pcx = req.create_vpc_peering_connection(
        VpcId=net.vpc[requester.name], PeerVpcId=net.vpc[accepter.name], PeerOwnerId=accepter.account,
        TagSpecifications=spec_tags("vpc-peering-connection", name, requester.env))["VpcPeeringConnection"]
    pcx_id = pcx["VpcPeeringConnectionId"]
    estate.client(accepter.account, "ec2", accepter.region).accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    for spec, routes in ((requester, requester_routes), (accepter, accepter_routes)):
        ec2 = estate.client(spec.account, "ec2", spec.region)
        for tier in ("app", "data"):
            for cidr in routes:
                ec2.create_route(RouteTableId=net.route_tables[spec.name][tier], DestinationCidrBlock=cidr,
                                 VpcPeeringConnectionId=pcx_id)
    estate.count(requester.account, "ec2_vpc_peering")
    return pcx_id


def _endpoint(estate: Estate, spec: VpcSpec, net: Network, service: str, policy_doc: dict[str, Any] | None,
              name: str) -> str:
    ec2 = estate.client(spec.account, "ec2", spec.region)
    kwargs: dict[str, Any] = {"VpcId": net.vpc[spec.name], "ServiceName": f"com.amazonaws.{spec.region}.{service}",
                              "TagSpecifications": spec_tags("vpc-endpoint", name, spec.env)}
    if service in ("s3", "dynamodb"):
        kwargs.update(VpcEndpointType="Gateway", RouteTableIds=list(net.route_tables[spec.name].values()))
    else:
        kwargs.update(VpcEndpointType="Interface", SubnetIds=net.subnets[spec.name][3:5])
    if policy_doc is not None:
        kwargs["PolicyDocument"] = json.dumps(policy_doc)
    estate.count(spec.account, "ec2_vpc_endpoint")
    return ec2.create_vpc_endpoint(**kwargs)["VpcEndpoint"]["VpcEndpointId"]


def _org_only_policy(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyThisOrganisation", "Effect": "Allow", "Principal": "*", "Action": f"{service}:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids.ORG_ID, "aws:ResourceOrgID": ids.ORG_ID}}}]}


# instances: (vpc name, name, instance profile or None, tier, count, extra tags)
INSTANCES = [
    ("prod-core", "prod-claims-app", "prod-imaging-convert", "app", 3, {}),
    ("prod-core", "prod-ehr-app", "prod-platform-patching", "app", 3, {}),
    ("prod-core", "prod-etl-worker", "prod-platform-backup", "app", 2, {}),
    ("prod-core", "prod-imaging-convert", "prod-imaging-convert", "app", 2, {}),
    ("prod-analytics", "prod-research-node", "prod-ops-runner", "app", 2, {}),
    ("prod-dr", "prod-dr-standby", None, "app", 1, {}),
    ("synth-main", "synth-generator", ids.SYNTH_GENERATOR_ROLE, "app", 2, {}),
    ("synth-main", "synth-evaluator", "synth-evaluator", "app", 2, {}),
    ("synth-main", "synth-cohort-worker", "synth-imaging-convert", "app", 2, {}),
    ("synth-sandbox", "synth-sandbox-box", None, "public", 1, {}),
    ("shared-services", "shared-siem-collector", "shared-ops-runner", "app", 2, {}),
    ("org-tools", "org-tooling", None, "app", 1, {}),
]


def _run(estate: Estate, spec: VpcSpec, net: Network, name: str, profile: str | None, subnet: str,
         sgs: list[str], env: str, extra_tags: dict[str, str] | None = None) -> str:
    ec2 = estate.client(spec.account, "ec2", spec.region)
    kwargs: dict[str, Any] = {
        "ImageId": AMI, "InstanceType": "m6i.large", "MinCount": 1, "MaxCount": 1, "SubnetId": subnet,
        "SecurityGroupIds": sgs,
        "TagSpecifications": spec_tags("instance", name, env, **(extra_tags or {})) + spec_tags("volume", f"{name}-root", env),
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 30, "Encrypted": True}}],
    }
    if profile:
        kwargs["IamInstanceProfile"] = {"Arn": estate.facts["instance_profiles"][(spec.account, profile)]}
    iid = ec2.run_instances(**kwargs)["Instances"][0]["InstanceId"]
    net.instances[name] = iid
    estate.count(spec.account, "ec2_instance")
    return iid


def _collect_instance_profiles(estate: Estate) -> None:
    profiles = {}
    for account in ids.ACCOUNTS:
        iam = estate.client(account, "iam")
        for page in iam.get_paginator("list_instance_profiles").paginate():
            for prof in page["InstanceProfiles"]:
                profiles[(account, prof["InstanceProfileName"])] = prof["Arn"]
    estate.facts["instance_profiles"] = profiles


def build_network(estate: Estate) -> None:
    net = Network()
    estate.facts["network"] = net
    specs = {s.name: s for s in VPCS}
    for spec in VPCS:
        build_vpc(estate, spec, net)
    _collect_instance_profiles(estate)
    p, s = ids.PRODUCTION, ids.SYNTHETIC
    region = ids.HOME_REGION
    core, analytics, synth, shared = specs["prod-core"], specs["prod-analytics"], specs["synth-main"], specs["shared-services"]

    # ---- peering: synthetic <-> production routed far wider than needed; shared <-> production narrowly
    wide = _peer(estate, synth, core, net, "synth-main-to-prod-core", ["10.0.0.0/8"], [synth.cidr])
    narrow = _peer(estate, shared, core, net, "shared-services-to-prod-core", ["10.10.21.0/24"], ["10.40.11.0/24"])

    # ---- security groups around the production claims database
    sampler_sg = _sg(estate, core, net, "synth-sampler-sg", "synthetic sampler in the production VPC", env="synthetic")
    aurora_sg = _sg(estate, core, net, "prod-aurora-claims-sg", "production claims Aurora cluster")
    ec2p = estate.client(p, "ec2", region)
    ec2p.authorize_security_group_ingress(GroupId=aurora_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": DB_PORT, "ToPort": DB_PORT,
         "UserIdGroupPairs": [{"GroupId": net.sg["prod-claims-app-sg"], "Description": "claims app"},
                              {"GroupId": sampler_sg, "Description": "synthetic sampler"}],
         "IpRanges": [{"CidrIp": synth.cidr, "Description": "synthetic VPC over peering"}]}])
    ehr_db_sg = net.sg["prod-ehr-db-sg"]  # bulk: only from prod-ehr-app-sg (the clean twin)

    # ---- open admin port in the synthetic account, and its internal-only twin
    ec2s = estate.client(s, "ec2", region)
    bastion = _sg(estate, synth, net, "synth-bastion-sg", "bastion for the synthetic environment")
    ec2s.authorize_security_group_ingress(GroupId=bastion, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    internal_ssh = _sg(estate, synth, net, "synth-ssh-internal-sg", "ssh from inside the synthetic VPC")
    ec2s.authorize_security_group_ingress(GroupId=internal_ssh, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": synth.cidr}]}])

    # ---- VPC endpoints
    core_s3 = _endpoint(estate, core, net, "s3", _org_only_policy("s3"), "prod-core-s3")
    _endpoint(estate, core, net, "kms", _org_only_policy("kms"), "prod-core-kms")
    analytics_s3 = _endpoint(estate, analytics, net, "s3", None, "prod-analytics-s3")  # default: full access
    _endpoint(estate, synth, net, "s3", _org_only_policy("s3"), "synth-main-s3")
    _endpoint(estate, shared, net, "logs", _org_only_policy("logs"), "shared-services-logs")

    # ---- instances
    for vpc_name, name, profile, tier, n, extra in INSTANCES:
        spec = specs[vpc_name]
        tier_index = [t for t, _ in TIERS].index(tier)
        subnets = net.subnets[vpc_name][tier_index * 3:(tier_index + 1) * 3]
        app = name.split("-")[1]
        sg_name = f"{vpc_name.split('-')[0]}-{app}-app-sg"
        sgs = [net.sg.get(sg_name) or net.vpc_sgs[vpc_name][1]]  # else the VPC's first application group
        for i in range(n):
            _run(estate, spec, net, f"{name}-{i + 1:02d}", profile, subnets[i % 3], sgs, spec.env, extra)
    sampler = _run(estate, core, net, "synth-sampler-01", "synth-imaging-sampler", net.subnets["prod-core"][3],
                   [sampler_sg], "synthetic", {"Team": "research", "Purpose": "sample-production-imaging"})
    evaluator = net.instances["synth-evaluator-01"]

    # ---- EBS: data volumes and snapshots
    def volume(account: str, name: str, env: str, encrypted: bool, snapshot: str | None = None) -> str:
        ec2 = estate.client(account, "ec2", region)
        kwargs: dict[str, Any] = {"AvailabilityZone": f"{region}a", "Size": 100, "VolumeType": "gp3",
                                  "TagSpecifications": spec_tags("volume", name, env)}
        if snapshot:
            kwargs["SnapshotId"] = snapshot
        else:
            kwargs["Encrypted"] = encrypted
        estate.count(account, "ec2_volume")
        return ec2.create_volume(**kwargs)["VolumeId"]

    def snapshot(account: str, vol: str, name: str, env: str) -> str:
        estate.count(account, "ec2_snapshot")
        return estate.client(account, "ec2", region).create_snapshot(
            VolumeId=vol, Description=name, TagSpecifications=spec_tags("snapshot", name, env))["SnapshotId"]

    bulk_snaps = []
    for account, env, names in [(p, "production", ["claims", "ehr", "imaging", "labs", "billing", "portal"]),
                                (s, "synthetic", ["generator", "cohorts", "notebooks"]),
                                (ids.LOGGING, "shared", ["siem"])]:
        prefix = {"production": "prod", "synthetic": "synth", "shared": "shared"}[env]
        for n in names:
            vol = volume(account, f"{prefix}-{n}-data", env, True)
            for day in ("2026-10-01", "2026-11-01"):
                bulk_snaps.append(snapshot(account, vol, f"{prefix}-{n}-data-{day}", env))
    ehr_vol = volume(p, "prod-ehr-export-data", "production", True)
    shared_snap = snapshot(p, ehr_vol, "prod-ehr-export-2026-11-15", "production")
    ec2p.modify_snapshot_attribute(SnapshotId=shared_snap, Attribute="createVolumePermission", OperationType="add",
                                   UserIds=[s])
    private_snap = snapshot(p, ehr_vol, "prod-ehr-export-2026-11-01", "production")
    legacy_vol = volume(p, "prod-billing-legacy-data", "production", False)
    unencrypted_snap = snapshot(p, legacy_vol, "prod-billing-legacy-2026-11-01", "production")
    restored = volume(p, "synth-sampler-scratch", "synthetic", True, snapshot=private_snap)
    ec2p.attach_volume(VolumeId=restored, InstanceId=sampler, Device="/dev/sdf")
    synth_src = volume(s, "synth-generator-corpus", "synthetic", True)
    synth_snap = snapshot(s, synth_src, "synth-generator-corpus-2026-11-01", "synthetic")
    synth_copy = volume(s, "synth-generator-corpus-restore", "synthetic", True, snapshot=synth_snap)

    # ---- answer key
    plant, P, S = estate.plant, "production", "synthetic"
    A = ec2_arn
    plant("P60", "FAIL", "SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", A(region, p, "instance", sampler), p, S,
          "instance synth-sampler-01 (tagged Environment=synthetic, profile synth-imaging-sampler) runs in the "
          "production VPC prod-core")
    plant("P61", "PASS", "SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", A(region, s, "instance", evaluator), s, S,
          "clean twin: synthetic evaluator instance in the synthetic VPC synth-main")
    plant("P62", "FAIL", "SG_SYNTHETIC_TO_PRODUCTION_DB_PORT", A(region, p, "security-group", aurora_sg), p, P,
          f"prod-aurora-claims-sg admits port {DB_PORT} from the synthetic VPC CIDR {synth.cidr} (over peering) and "
          "from synth-sampler-sg (a synthetic workload's group)")
    plant("P63", "PASS", "SG_SYNTHETIC_TO_PRODUCTION_DB_PORT", A(region, p, "security-group", ehr_db_sg), p, P,
          f"clean twin: prod-ehr-db-sg admits port {DB_PORT} only from the production group prod-ehr-app-sg")
    plant("P64", "FAIL", "VPC_PEERING_ROUTES_TOO_WIDE", A(region, s, "vpc-peering-connection", wide), s, S,
          "peering synth-main <-> prod-core: synthetic route tables send 10.0.0.0/8 (wider than the peer VPC "
          "10.10.0.0/16, and all of it) to the peering")
    plant("P65", "PASS", "VPC_PEERING_ROUTES_TOO_WIDE", A(region, ids.LOGGING, "vpc-peering-connection", narrow),
          ids.LOGGING, "shared",
          "clean twin: peering shared-services <-> prod-core routes one /24 subnet each way")
    plant("P66", "FAIL", "SG_OPEN_ADMIN_PORT", A(region, s, "security-group", bastion), s, S,
          "synth-bastion-sg admits tcp/22 from 0.0.0.0/0")
    plant("P67", "PASS", "SG_OPEN_ADMIN_PORT", A(region, s, "security-group", internal_ssh), s, S,
          f"clean twin: synth-ssh-internal-sg admits tcp/22 from the VPC CIDR {synth.cidr} only")
    plant("P68", "FAIL", "VPC_ENDPOINT_POLICY_NOT_ORG_RESTRICTED", A(region, p, "vpc-endpoint", analytics_s3), p, P,
          "S3 gateway endpoint of prod-analytics has the default full-access policy")
    plant("P69", "PASS", "VPC_ENDPOINT_POLICY_NOT_ORG_RESTRICTED", A(region, p, "vpc-endpoint", core_s3), p, P,
          "clean twin: S3 endpoint of prod-core allows only principals and resources of the organisation")
    plant("P70", "FAIL", "SNAPSHOT_SHARED_WITH_SYNTHETIC", A(region, p, "snapshot", shared_snap), p, P,
          "EBS snapshot prod-ehr-export-2026-11-15 grants createVolumePermission to the synthetic account")
    plant("P71", "PASS", "SNAPSHOT_SHARED_WITH_SYNTHETIC", A(region, p, "snapshot", private_snap), p, P,
          "clean twin: EBS snapshot of the same volume, not shared")
    plant("P72", "FAIL", "PRODUCTION_SNAPSHOT_UNENCRYPTED", A(region, p, "snapshot", unencrypted_snap), p, P,
          "EBS snapshot of the unencrypted production volume prod-billing-legacy-data")
    plant("P73", "PASS", "PRODUCTION_SNAPSHOT_UNENCRYPTED", A(region, p, "snapshot", private_snap), p, P,
          "clean twin: encrypted production EBS snapshot")
    plant("P74", "FAIL", "SYNTHETIC_RESTORED_FROM_PRODUCTION", A(region, p, "volume", restored), p, S,
          "volume synth-sampler-scratch (tagged synthetic, attached to synth-sampler-01) was created from production "
          "snapshot prod-ehr-export-2026-11-01: an unsanitised copy. It sits in the production account because moto "
          "cannot create a volume from a snapshot shared by another account")
    plant("P75", "PASS", "SYNTHETIC_RESTORED_FROM_PRODUCTION", A(region, s, "volume", synth_copy), s, S,
          "clean twin: synthetic volume restored from a synthetic-account snapshot")
    estate.facts["sg_aurora_claims"] = aurora_sg
