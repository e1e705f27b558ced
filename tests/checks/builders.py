"""Small snapshot fixtures for the segregation checks: rows written with the inventory's
own writer, so the tests read exactly what phase 01 writes."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthaudit.config import parse_params
from synthaudit.inventory.snapshot import write_snapshot

PROD, SYNTH, SHARED, MGMT = "210987654321", "310000000003", "410000000004", "100000000001"
REGION = "us-east-1"
ORG_ID = "o-test"
ENV_OF_ACCOUNT = {PROD: "production", SYNTH: "synthetic", SHARED: "shared", MGMT: "shared"}

PARAMS = parse_params({
    "label": "test", "estate": "aws", "management_account": MGMT, "organization_id": ORG_ID,
    "accounts": [{"id": a, "name": n} for a, n in ((MGMT, "mgmt"), (PROD, "prod"), (SYNTH, "synth"), (SHARED, "shared"))],
    "aws": {"regions": [REGION]},
    "classification": {
        "production": {"accounts": [PROD], "tags": {"Environment": ["production"], "DataClass": ["phi"]},
                       "name_patterns": ["*prod*", "phi-*"]},
        "synthetic": {"accounts": [SYNTH], "tags": {"Environment": ["synthetic"], "DataClass": ["synthetic"]},
                      "name_patterns": ["*synth*"]},
        "shared": {"accounts": [SHARED, MGMT]},
        "external": {"third_parties": [{"id": "999988887777", "name": "acme-analytics"}]},
    },
}, "test-params")
PARTNER = "999988887777"  # a named third party outside the organisation


def row(kind: str, arn: str, account: str, name: str, environment: str | None = None,
        region: str = REGION, tags: dict[str, str] | None = None, **columns: Any) -> tuple[str, dict[str, Any]]:
    return kind, {"arn": arn, "account": account, "region": region, "name": name,
                  "environment": environment or ENV_OF_ACCOUNT[account], "environment_rule": "test",
                  "tags": tags or {}, **columns}


def org_rows() -> list[tuple[str, dict[str, Any]]]:
    return [row("org_accounts", f"arn:aws:organizations::{MGMT}:account/{ORG_ID}/{a}", a, a, region="global",
                account_id=a, parent_id="r-root", ou_ids=[], in_params=True, in_organization=True)
            for a in (MGMT, PROD, SYNTH, SHARED)]


# --- resource shorthands ---------------------------------------------------------------
def bucket(name: str, account: str = PROD, env: str | None = None, **cols: Any):
    defaults = dict(sse_algorithm="aws:kms", kms_key_id=key_arn("k-" + name, account), block_public_acls=True,
                    ignore_public_acls=True, block_public_policy=True, restrict_public_buckets=True,
                    acl_public_write=False, key_sample=[], key_prefixes=[])
    return row("s3_buckets", f"arn:aws:s3:::{name}", account, name, env, **{**defaults, **cols})


def key_arn(key_id: str, account: str = PROD) -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/{key_id}"


def key(key_id: str, account: str = PROD, env: str | None = None, **cols: Any):
    return row("kms_keys", key_arn(key_id, account), account, key_id, env, key_id=key_id, key_manager="CUSTOMER", **cols)


def role_arn(name: str, account: str = SYNTH) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def role(name: str, account: str = SYNTH, env: str | None = None, **cols: Any):
    return row("iam_roles", role_arn(name, account), account, name, env, region="global", **cols)


def ec2(kind: str, rtype: str, ident: str, account: str, env: str | None = None, **cols: Any):
    return row(kind, f"arn:aws:ec2:{REGION}:{account}:{rtype}/{ident}", account, ident, env, **cols)


def rds(kind: str, rtype: str, ident: str, account: str, env: str | None = None, **cols: Any):
    return row(kind, f"arn:aws:rds:{REGION}:{account}:{rtype}:{ident}", account, ident, env, **cols)


def sg_rule(group_id: str, account: str, port: int, peer: str, peer_type: str = "cidr", env: str | None = None):
    return ec2("ec2_security_group_rules", "security-group", group_id, account, env, group_id=group_id,
               direction="ingress", ip_protocol="tcp", from_port=port, to_port=port, peer_type=peer_type, peer=peer)


def trail(name: str, account: str = SHARED, **cols: Any):
    defaults = dict(home_region=REGION, s3_bucket_name="trail-logs", is_multi_region=True, is_organization_trail=True,
                    log_file_validation_enabled=True, kms_key_id=key_arn("trail", account), is_logging=True,
                    event_selectors=[], advanced_event_selectors=[])
    return row("cloudtrail_trails", f"arn:aws:cloudtrail:{REGION}:{account}:trail/{name}", account, name,
               **{**defaults, **cols})


# --- a fake IAM engine ---------------------------------------------------------------------
@dataclass(frozen=True)
class FakeDecision:
    principal: str
    action: str
    resource: str
    outcome: str
    statements: tuple = ()
    conditions: tuple = ()


@dataclass
class FakeStore:
    """Allows exactly the (principal, action, resource-pattern) triples it is given; ``denies`` are explicit."""

    grants: list[tuple[str, str, str]] = field(default_factory=list)
    denies: list[tuple[str, str, str]] = field(default_factory=list)

    def evaluate(self, principal: str, action: str, resource: str) -> FakeDecision:
        for p, a, r in self.denies:
            if p == principal and fnmatch.fnmatchcase(action, a) and fnmatch.fnmatchcase(resource, r):
                return FakeDecision(principal, action, resource, "denied", (("fence", "scp", "Deny", "Deny"),))
        for p, a, r in self.grants:
            if p == principal and fnmatch.fnmatchcase(action, a) and fnmatch.fnmatchcase(resource, r):
                return FakeDecision(principal, action, resource, "allowed", (("test-policy", "identity", "Grant", "Allow"),))
        return FakeDecision(principal, action, resource, "implicit_deny")


# --- writing a snapshot ---------------------------------------------------------------------
def write(tmp: Path, rows: list[tuple[str, dict[str, Any]]], coverage: list[tuple[str, str, str, str]] = (),
          missing: tuple[str, ...] = (), organizations: dict[str, Any] | None = None) -> Path:
    """A snapshot folder under ``tmp`` with ``rows`` (plus the organisation's accounts);
    ``coverage`` rows are (account, region, service, status); ``missing`` tables are deleted."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for kind, data in org_rows() + list(rows):
        tables.setdefault(kind, []).append(data)
    cov = [{"account": a, "region": r, "service": s, "status": st, "error": "AccessDenied: test", "resources": 0}
           for a, r, s, st in coverage]
    snap = tmp / "snapshot"
    write_snapshot(snap, tables, cov, organizations or {"organization": {"Id": ORG_ID, "MasterAccountId": MGMT},
                                                         "roots": [{"Id": "r-root"}]}, {}, [], {})
    for kind in missing:
        (snap / "tables" / f"{kind}.parquet").unlink()
    return snap
