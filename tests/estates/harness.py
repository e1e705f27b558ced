"""Runs phases 01-03 (inventory, segregation, IAM) as libraries on an estate built over HTTP into
a moto server, and scores the findings against that estate's planted list.

The estates here are built with other conventions than the demo (tag keys, OU names, neutral
resource names, a partner account): the kit sees only the params each organisation's analyst
would write (conventions, never resource names); the planted list is read here, never by the kit.
"""
from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

from synthaudit.aws.session import SessionFactory
from synthaudit.checks import run_all
from synthaudit.config import Params, parse_params
from synthaudit.demo.estate import seed_moto
from synthaudit.demo.estate_core import Estate, policy, role_arn
from synthaudit.demo.plant import Plant
from synthaudit.demo.server import DUMMY_CREDENTIALS
from synthaudit.findings import Finding
from synthaudit.iam import PolicyStore
from synthaudit.iam.review import review
from synthaudit.inventory.collect import run_inventory

ORG_ID = "o-synthaudit"  # the test server's launcher pins every organisation's id (moto_launcher)
REGION = "us-east-1"
AUDIT_POLICY = json.loads(resources.files("synthaudit.aws").joinpath("audit_role_policy.json").read_text())


@dataclass(frozen=True)
class BuiltEstate:
    """What a builder hands the test: the analyst's params (a dict, as the YAML file would hold) and
    the planted list."""

    name: str
    params: dict[str, Any]
    planted: tuple[Plant, ...]
    known_gaps: dict[str, str] = field(default_factory=dict)  # plant id -> why the kit does not yet get it right


def connect(endpoint_url: str, seed: int) -> Estate:
    """A builder handle with moto's random ids made repeatable."""
    seed_moto(endpoint_url, seed)
    return Estate.connect(endpoint_url)


def account_arn(management: str, account: str) -> str:
    return f"arn:aws:organizations::{management}:account/{ORG_ID}/{account}"


def ou_arn(management: str, ou_id: str) -> str:
    return f"arn:aws:organizations::{management}:ou/{ORG_ID}/{ou_id}"


def build_organisation(estate: Estate, management: str, ou_tree: list[tuple[str, str | None]],
                       placement: dict[str, str | None], account_tags: dict[str, dict[str, str]] | None = None,
                       ) -> tuple[dict[str, str], dict[str | None, str]]:
    """The organisation: OUs (name, parent name or None for the root), then each account created,
    tagged, moved into its OU (None: left at the root) and entered. Returns (account name -> id,
    OU name -> id, with None -> the root)."""
    estate.enter(management)
    org = estate.client(management, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ous: dict[str | None, str] = {None: root}
    for name, parent in ou_tree:
        ous[name] = org.create_organizational_unit(ParentId=ous[parent], Name=name)["OrganizationalUnit"]["Id"]
    accounts = {}
    for name, ou in placement.items():
        tags = [{"Key": k, "Value": v} for k, v in (account_tags or {}).get(name, {}).items()]
        account = org.create_account(AccountName=name, Email=f"{name}@example.org",
                                     Tags=tags)["CreateAccountStatus"]["AccountId"]
        if ou:
            org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[ou])
        estate.enter(account)
        accounts[name] = account
    return accounts, ous


def create_role(estate: Estate, account: str, name: str, trust: dict[str, Any], grants: Iterable[dict[str, Any]] = (),
                tags: dict[str, str] | None = None) -> str:
    """A role with one trust statement and, when given, an inline policy of ``grants``; its ARN."""
    iam = estate.client(account, "iam")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=policy(trust),
                    Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    grants = list(grants)
    if grants:
        iam.put_role_policy(RoleName=name, PolicyName="access", PolicyDocument=policy(*grants))
    return role_arn(account, name)


def service_trust(service: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}


def create_audit_roles(estate: Estate, management: str, accounts: Iterable[str], name: str) -> None:
    """The kit's read-only role in every account, trusted by the management account inside the organisation."""
    trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
                    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}})
    for account in accounts:
        iam = estate.client(account, "iam")
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=json.dumps(AUDIT_POLICY))


@contextmanager
def dummy_credentials() -> Iterator[None]:
    """The server's dummy credentials and nothing else of the shell's AWS settings, for one block."""
    saved = dict(os.environ)
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update(DUMMY_CREDENTIALS)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_estate(built: BuiltEstate, endpoint_url: str, run_dir: Path) -> list[Finding]:
    """The estate's params pointed at the server, then phases 01-03 with the server's dummy credentials."""
    params = parse_params({**built.params, "aws": {**built.params["aws"], "endpoint_url": endpoint_url}})
    with dummy_credentials():
        return run_phases(params, run_dir)


def run_phases(params: Params, run_dir: Path) -> list[Finding]:
    """Phase 01 into ``run_dir/snapshot``, then phases 02 and 03 on that snapshot (no CloudTrail)."""
    snapshot = run_dir / "snapshot"
    run_inventory(params, SessionFactory(params), snapshot)
    segregation = run_all(snapshot, params)
    iam = review(PolicyStore.from_snapshot(snapshot), run_dir=run_dir, review_days=params.cloudtrail.review_days,
                 regions=params.aws.regions, include_unused=False)
    return [*segregation, *iam.findings]


@dataclass(frozen=True)
class Score:
    """Planted failures found / clean twins flagged, with what went wrong by plant id."""

    estate: str
    failures: int
    found: int
    twins: int
    flagged: int
    missed: tuple[tuple[str, str, str, tuple[str, ...]], ...]
    flagged_twins: tuple[tuple[str, str, str, tuple[str, ...]], ...]
    wrong_severity: tuple[tuple[str, str, tuple[str, ...]], ...]

    def wrong(self) -> set[str]:
        """Ids of the plants the kit got wrong (missed, flagged, or found at another severity)."""
        return {w[0] for w in (*self.missed, *self.flagged_twins, *self.wrong_severity)}

    def line(self) -> str:
        return (f"estate {self.estate}: planted failures found {self.found}/{self.failures}, "
                f"clean twins flagged {self.flagged}/{self.twins}, "
                f"found at another severity {len(self.wrong_severity)}"
                + (f" ({', '.join(w[0] for w in self.wrong_severity)})" if self.wrong_severity else ""))


def score(name: str, planted: Iterable[Plant], findings: Iterable[Finding]) -> Score:
    """A FAIL plant is found when some finding of its check on its resource FAILs; a PASS twin is
    flagged unless every finding of its check on its resource PASSes (none at all counts as flagged:
    a twin the kit did not examine proves nothing)."""
    by_key: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        by_key.setdefault((f.check_id, f.resource), []).append(f)
    planted = tuple(planted)
    missed, flagged, severity = [], [], []
    for p in planted:
        got = by_key.get((p.check, p.resource), [])
        statuses = tuple(sorted(f.status for f in got))
        if p.expect == "FAIL":
            fails = [f for f in got if f.status == "FAIL"]
            if not fails:
                missed.append((p.id, p.check, p.resource, statuses))
            elif p.severity and any(f.severity != p.severity for f in fails):
                severity.append((p.id, p.severity, tuple(f.severity for f in fails)))
        elif not got or any(f.status != "PASS" for f in got):
            flagged.append((p.id, p.check, p.resource, statuses))
    failures = sum(p.expect == "FAIL" for p in planted)
    return Score(name, failures, failures - len(missed), len(planted) - failures, len(flagged),
                 tuple(missed), tuple(flagged), tuple(severity))
