"""Network: synthetic workloads in production networks, security-group paths from
synthetic sources to production database ports, wide peering routes (between
environments high, within one low), open admin
ports and VPC endpoint policies not bounded to the organisation."""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable

from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.policy import org_unrestricted_statements
from synthaudit.checks.rows import RowRule, every_row, fail_if

FAMILY = "network"
ANYWHERE = ("0.0.0.0/0", "::/0")
# A wide peering route inside one environment crosses no segregation line: least privilege only.
SAME_ENVIRONMENT_SEVERITY = "low"


def _net(cidr: str | None) -> ipaddress._BaseNetwork | None:
    try:
        return ipaddress.ip_network(cidr, strict=False) if cidr else None
    except ValueError:
        return None


def covers_port(rule: dict[str, Any], port: int) -> bool:
    protocol = str(rule.get("ip_protocol") or "-1").lower()
    if protocol not in ("-1", "tcp", "6", "all"):
        return False
    low, high = rule.get("from_port"), rule.get("to_port")
    if low is None or high is None or protocol in ("-1", "all") or low == -1:
        return True
    return int(low) <= port <= int(high)


class Networks:
    """VPCs and subnets of the estate by id, with their environment and CIDRs."""

    def __init__(self, ctx: CheckContext) -> None:
        self.vpcs = {r.get("vpc_id"): r for r in ctx.rows_or_empty("ec2_vpcs")}
        self.subnets = {r.get("subnet_id"): r for r in ctx.rows_or_empty("ec2_subnets")}
        self.groups = {r.get("group_id"): r for r in ctx.rows_or_empty("ec2_security_groups")}

    def vpc_cidrs(self, vpc_id: str | None) -> list[ipaddress._BaseNetwork]:
        row = self.vpcs.get(vpc_id)
        if not row:
            return []
        return [n for c in (row.get("cidr_blocks") or [row.get("cidr_block")]) if (n := _net(c))]

    def cidrs_in(self, environment: str) -> list[tuple[ipaddress._BaseNetwork, str]]:
        out = []
        for vpc in self.vpcs.values():
            if vpc.get("environment") == environment:
                out += [(n, vpc["arn"]) for n in self.vpc_cidrs(vpc.get("vpc_id"))]
        for subnet in self.subnets.values():
            if subnet.get("environment") == environment and (n := _net(subnet.get("cidr_block"))):
                out.append((n, subnet["arn"]))
        return out


# --- synthetic workloads in production networks -------------------------------------------
# (table, VPC column, subnet column holding one id or a list)
WORKLOADS: tuple[tuple[str, str | None, str | None], ...] = (
    ("ec2_instances", "vpc_id", "subnet_id"),
    ("lambda_functions", "vpc_id", "subnet_ids"),
    ("sagemaker_notebooks", None, "subnet_id"),
    ("sagemaker_training_jobs", None, "subnet_ids"),
    ("rds_instances", "vpc_id", "subnet_ids"),
    ("glue_connections", None, "subnet_id"),
)


def _ids(value: Any) -> list[str]:
    if not value:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _workloads(ctx: CheckContext) -> list[Finding]:
    nets = Networks(ctx)
    out = []
    for kind, vpc_col, subnet_col in WORKLOADS:
        for row in ctx.rows_or_empty(kind):
            if row.get("environment") != "synthetic":
                continue
            subnets = _ids(row.get(subnet_col)) if subnet_col else []
            vpcs = set(_ids(row.get(vpc_col))) if vpc_col else set()
            vpcs |= {nets.subnets[s].get("vpc_id") for s in subnets if s in nets.subnets}
            placed = [(v, nets.vpcs.get(v)) for v in sorted(vpcs)] + [(s, nets.subnets.get(s)) for s in sorted(subnets)]
            if not placed:
                out.append(ctx.finding("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", row, "PASS",
                                       evidence={"network": "none (not in a VPC)"}))
                continue
            envs = {ident: (r.get("environment") if r else None) for ident, r in placed}
            production = sorted(i for i, env in envs.items() if env == "production")
            evidence: dict[str, Any] = {"network_environments": envs}
            if production:
                evidence["edges"] = [{"source": row["arn"], "target": (nets.vpcs.get(i) or nets.subnets.get(i))["arn"],
                                      "via": "placed in"} for i in production]
                out.append(ctx.finding("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", row, "FAIL", evidence=evidence))
            elif any(env is None for env in envs.values()):
                out.append(ctx.finding("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", row, "NOT_ASSESSED", evidence=evidence,
                                       reason="its VPC/subnet is not in the snapshot"))
            else:
                out.append(ctx.finding("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", row, "PASS", evidence=evidence))
    return out


# --- ingress rules -----------------------------------------------------------------------------
def _ingress_by_group(ctx: CheckContext) -> dict[str, list[dict[str, Any]]]:
    rules: dict[str, list[dict[str, Any]]] = {}
    for rule in ctx.rows_or_empty("ec2_security_group_rules"):
        if rule.get("direction") == "ingress":
            rules.setdefault(rule["arn"], []).append(rule)
    return rules


def _rule_text(rule: dict[str, Any]) -> dict[str, Any]:
    return {k: rule.get(k) for k in ("ip_protocol", "from_port", "to_port", "peer_type", "peer", "description")}


def _synthetic_sources(ctx: CheckContext, nets: Networks, group: dict[str, Any],
                       rules: Iterable[dict[str, Any]], ports: list[int]) -> list[dict[str, Any]]:
    """Ingress rules of ``group`` that admit a synthetic source on one of ``ports``."""
    synthetic_nets = nets.cidrs_in("synthetic")
    own = nets.vpc_cidrs(group.get("vpc_id"))
    hits = []
    for rule in rules:
        open_ports = [p for p in ports if covers_port(rule, p)]
        if not open_ports:
            continue
        peer = rule.get("peer")
        why = None
        if rule.get("peer_type") == "group":
            peer_group = nets.groups.get(peer)
            env = peer_group.get("environment") if peer_group else ctx.account_environments.get(rule.get("peer_account") or "")
            if env == "synthetic":
                why = f"security group {peer} is synthetic"
        elif (net := _net(peer)) is not None:
            if str(net) in ANYWHERE:
                why = f"{peer} includes every synthetic network"
            elif not any(net.version == o.version and net.subnet_of(o) for o in own):
                overlap = sorted({arn for s, arn in synthetic_nets if s.version == net.version and s.overlaps(net)})
                if overlap:
                    why = f"{peer} overlaps synthetic network(s) {', '.join(overlap)}"
        if why:
            hits.append({**_rule_text(rule), "ports": open_ports, "why": why})
    return hits


def _db_ports(ctx: CheckContext) -> list[Finding]:
    nets = Networks(ctx)
    ingress = _ingress_by_group(ctx)
    out = []
    for group in ctx.rows_or_empty("ec2_security_groups"):
        if group.get("environment") != "production":
            continue
        hits = _synthetic_sources(ctx, nets, group, ingress.get(group["arn"], []), ctx.seg.database_ports)
        evidence: dict[str, Any] = {"rules": hits, "database_ports": ctx.seg.database_ports}
        if hits:
            evidence["edges"] = [{"source": h["peer"], "target": group["arn"], "via": f"tcp/{h['ports'][0]}"} for h in hits]
        out.append(ctx.finding("SG_SYNTHETIC_TO_PRODUCTION_DB_PORT", group, "FAIL" if hits else "PASS", evidence=evidence))
    return out


def _admin_ports(ctx: CheckContext) -> list[Finding]:
    ingress = _ingress_by_group(ctx)
    out = []
    for group in ctx.rows_or_empty("ec2_security_groups"):
        hits = [{**_rule_text(r), "ports": [p for p in ctx.seg.admin_ports if covers_port(r, p)]}
                for r in ingress.get(group["arn"], [])
                if r.get("peer") in ANYWHERE and any(covers_port(r, p) for p in ctx.seg.admin_ports)]
        out.append(ctx.finding("SG_OPEN_ADMIN_PORT", group, "FAIL" if hits else "PASS",
                               evidence={"rules": hits, "admin_ports": ctx.seg.admin_ports}))
    return out


# --- peering -----------------------------------------------------------------------------------
def _peering(ctx: CheckContext) -> list[Finding]:
    nets = Networks(ctx)
    routes: dict[str, list[dict[str, Any]]] = {}
    for route in ctx.rows_or_empty("ec2_routes"):
        if route.get("target_id"):
            routes.setdefault(route["target_id"], []).append(route)
    rows: dict[str, dict[str, Any]] = {}
    for row in ctx.rows_or_empty("ec2_vpc_peering"):  # one finding per connection, from the requester's side
        current = rows.get(row.get("peering_id"))
        if current is None or (row["account"] == row.get("requester_account") and current["account"] != current.get("requester_account")):
            rows[row.get("peering_id")] = row
    out = []
    for pcx_id, row in sorted(rows.items()):
        sides = {row.get("requester_vpc_id"): row.get("accepter_vpc_id"), row.get("accepter_vpc_id"): row.get("requester_vpc_id")}
        env_of = {v: (nets.vpcs[v].get("environment") if v in nets.vpcs else
                      ctx.account_environments.get(row.get("requester_account" if v == row.get("requester_vpc_id") else "accepter_account") or "", "unknown"))
                  for v in sides}
        cross = len(set(env_of.values())) > 1
        wide = []
        for route in routes.get(pcx_id, []):
            peer_vpc = sides.get(route.get("vpc_id"))
            destination = _net(route.get("destination"))
            if destination is None or peer_vpc is None:
                continue
            allowed = [n for s in nets.subnets.values() if s.get("vpc_id") == peer_vpc and (n := _net(s.get("cidr_block")))]
            if not allowed:  # subnets of the peer unknown: only its VPC CIDR bounds the route
                allowed = [n for n in nets.vpc_cidrs(peer_vpc) if n.prefixlen < 32]
                too_wide = not any(destination.version == n.version and destination.subnet_of(n) and destination != n
                                   for n in allowed)
            else:
                too_wide = not any(destination.version == n.version and destination.subnet_of(n) for n in allowed)
            if too_wide:
                wide.append({"route_table": route.get("route_table_id"), "vpc": route.get("vpc_id"),
                             "destination": route.get("destination"), "peer_vpc": peer_vpc,
                             "peer_subnets": sorted(str(n) for n in allowed)})
        evidence: dict[str, Any] = {"vpc_environments": env_of, "cross_environment": cross, "wide_routes": wide}
        if wide:
            evidence["edges"] = [{"source": w["vpc"], "target": w["peer_vpc"], "via": f"route {w['destination']}"} for w in wide]
        out.append(ctx.finding("VPC_PEERING_ROUTES_TOO_WIDE", row, "FAIL" if wide else "PASS", evidence=evidence,
                               severity=None if cross else SAME_ENVIRONMENT_SEVERITY))
    return out


# --- endpoint policies -------------------------------------------------------------------------------
def _endpoint_policy(ctx: CheckContext, row: dict[str, Any]):
    org = ctx.organization.get("organization") or {}
    org_accounts = set(ctx.all_accounts())
    loose = org_unrestricted_statements(row.get("policy"), org_accounts, org.get("Id") or ctx.params.organization_id)
    return fail_if(bool(loose), {"unrestricted_statements": loose, "endpoint_type": row.get("endpoint_type"),
                                 "service_name": row.get("service_name")})


CHECKS: tuple[Check, ...] = (
    Check("SYNTHETIC_WORKLOAD_IN_PRODUCTION_VPC", FAMILY,
          tuple(k for k, _, _ in WORKLOADS) + ("ec2_vpcs", "ec2_subnets"), _workloads,
          judges=tuple(k for k, _, _ in WORKLOADS)),
    Check("SG_SYNTHETIC_TO_PRODUCTION_DB_PORT", FAMILY,
          ("ec2_security_groups", "ec2_security_group_rules", "ec2_vpcs", "ec2_subnets"), _db_ports,
          judges=("ec2_security_groups",)),
    Check("SG_OPEN_ADMIN_PORT", FAMILY, ("ec2_security_groups", "ec2_security_group_rules"), _admin_ports),
    Check("VPC_PEERING_ROUTES_TOO_WIDE", FAMILY,
          ("ec2_vpc_peering", "ec2_routes", "ec2_vpcs", "ec2_subnets"), _peering),
    RowRule("VPC_ENDPOINT_POLICY_NOT_ORG_RESTRICTED", FAMILY, ("ec2_vpc_endpoints",), every_row,
            _endpoint_policy).as_check(),
)
