"""Preflight: before any kernel starts, check in seconds that the run can reach what it needs.

A wrong endpoint, a missing profile or a role that cannot be assumed used to surface minutes
later as hundreds of NOT_ASSESSED units and a phase's KeyError. Here each is found with a
short timeout and no retries storm, and named: the account, how the kit reads it (profile,
role), the endpoint and AWS's own error, with what to do. ``run_preflight`` returns the
params the run will use (accounts discovered when asked) and a report; it raises
``PreflightError`` listing every problem unless ``keep_going`` is set and the only problems are
accounts that cannot be read: those stay in the run, where inventory records each of their
units as not assessed with AWS's error (and every check says NOT_ASSESSED for them).
"""
from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from synthaudit.aws.errors import classify_error
from synthaudit.aws.discovery import Organization, read_organization, resolve_accounts
from synthaudit.aws.owners import find_owners, missing_owner_problems, unowned_buckets, with_owners
from synthaudit.aws.session import SessionFactory
from synthaudit.config import Params
from synthaudit.errors import DiscoveryError, PreflightError

CONNECT_TIMEOUT = 3
READ_TIMEOUT = 15
FAST = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
              retries={"mode": "standard", "max_attempts": 2})


@dataclass(frozen=True)
class AccountCheck:
    account: str
    access: str                       # how the kit reads it, in words
    ok: bool
    identity: str | None = None       # the caller ARN when ok
    error: str | None = None


@dataclass(frozen=True)
class PreflightReport:
    endpoint: str
    accounts: tuple[AccountCheck, ...]
    organization: str | None
    problems: tuple[str, ...] = field(default=())

    @property
    def unreadable(self) -> tuple[str, ...]:
        return tuple(c.account for c in self.accounts if not c.ok)

    def as_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "organization": self.organization, "problems": list(self.problems),
                "accounts": [c.__dict__ for c in self.accounts]}


def aws_error(exc: BaseException) -> str:
    """AWS's own words for a failed call (code and message), as inventory records them."""
    return classify_error(exc).error


def _endpoint_problem(endpoint: str | None) -> str | None:
    """A custom endpoint that does not accept connections (AWS's own endpoints are left to the SDK)."""
    if not endpoint:
        return None
    url = urlparse(endpoint)
    if not url.hostname:
        return f"aws.endpoint_url {endpoint!r} is not a URL: write it as http(s)://host:port"
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=CONNECT_TIMEOUT):
            return None
    except OSError as exc:
        return (f"endpoint {endpoint} is not reachable ({exc.strerror or exc}): check aws.endpoint_url "
                "(or AWS_ENDPOINT_URL), or remove it to use AWS's own endpoints")


def _starting_problem(factory: SessionFactory, params: Params, endpoint: str) -> str | None:
    who = f"profile {params.aws.profile}" if params.aws.profile else "the default credential chain"
    try:
        factory.base_client("sts").get_caller_identity()
    except ProfileNotFound:
        return (f"aws.profile {params.aws.profile!r} is not in the AWS config files: "
                "run `aws configure list-profiles`, or set aws.profile to null for the default chain")
    except (ClientError, BotoCoreError) as exc:
        return (f"the starting credentials ({who}) do not work at {endpoint}: {aws_error(exc)}; "
                "sign in again (e.g. `aws sso login`) or fix the credentials")
    return None


def _organization(factory: SessionFactory, endpoint: str) -> Organization:
    try:
        return read_organization(factory.base_client("organizations"))
    except (ClientError, BotoCoreError) as exc:
        raise DiscoveryError(
            f"AWS Organizations is not readable with the starting credentials at {endpoint}: {aws_error(exc)}",
            hint="run from the management account or a delegated administrator (organizations:List*, "
                 "organizations:Describe*), or list the accounts under `accounts` and set discovery.enabled: false",
        ) from None


def _check_account(factory: SessionFactory, account: str, endpoint: str) -> AccountCheck:
    access = factory.access_path(account)
    try:
        ident = factory.client(account, "sts").get_caller_identity()
    except ProfileNotFound as exc:
        return AccountCheck(account, access, False, error=(
            f"account {account}: {exc}; add the profile to the AWS config files or remove `profile` from the account"))
    except (ClientError, BotoCoreError) as exc:
        return AccountCheck(account, access, False, error=(
            f"account {account}: cannot be read through {access} at {endpoint}: {aws_error(exc)}; "
            "check the role exists there and trusts the starting credentials (and the ExternalId), "
            "or set this account's role_arn / profile"))
    if str(ident.get("Account")) != account:
        return AccountCheck(account, access, False, error=(
            f"account {account}: {access} lands in account {ident.get('Account')} ({ident.get('Arn')}), "
            "not in the account listed; fix the account id or its role_arn / profile"))
    return AccountCheck(account, access, True, identity=str(ident.get("Arn")))


def _region_problems(factory: SessionFactory, params: Params, account: str) -> list[str]:
    try:
        enabled = {r["RegionName"] for r in factory.client(account, "ec2").describe_regions()["Regions"]}
    except (ClientError, BotoCoreError) as exc:
        return [f"cannot list the enabled regions in account {account}: {aws_error(exc)}; "
                "the audit role needs ec2:DescribeRegions"]
    return [f"region {r} (aws.regions) is not enabled in account {account}: enable it or remove it from aws.regions"
            for r in params.aws.regions if r not in enabled]


def _reachable_factory(params: Params, what: str) -> tuple[SessionFactory, str]:
    """A session factory with short timeouts, once the endpoint answers and the starting credentials work."""
    factory = SessionFactory(params)
    factory.config = factory.config.merge(FAST)
    endpoint = factory.endpoint_url or "AWS's own endpoints"
    fatal = _endpoint_problem(factory.endpoint_url) or _starting_problem(factory, params, endpoint)
    if fatal:
        raise PreflightError(f"{what}: {fatal}", problems=(fatal,))
    return factory, endpoint


def run_preflight(params: Params, *, keep_going: bool = False) -> tuple[Params, PreflightReport]:
    """Check the run's path to AWS; return the params to run with (accounts discovered when asked)."""
    factory, endpoint = _reachable_factory(params, "preflight")
    org: Organization | None = None
    if params.discovers_accounts:
        org = _organization(factory, endpoint)
        params = resolve_accounts(params, org)
        factory.params = params
    problems: list[str] = []
    if org is not None:
        problems += [f"account {a.id} ({a.name}) is listed in params but is not in organisation {org.id}: "
                     "fix its id or remove it" for a in params.accounts if org.account(a.id) is None]
    checks = tuple(_check_account(factory, a, endpoint) for a in params.account_ids())
    problems += [c.error for c in checks if c.error]
    readable = [c.account for c in checks if c.ok]
    if readable:
        problems += _region_problems(factory, params, readable[0])
        params, owner_problems = _bucket_owners(factory, params, readable)
        problems += owner_problems
    report = PreflightReport(endpoint, checks, org.id if org else params.organization_id, tuple(problems))
    account_problems = {c.error for c in checks if c.error}
    others = [p for p in problems if p not in account_problems]
    if others or (account_problems and not keep_going) or not readable:
        listed = problems or ["no account could be read"]
        raise PreflightError(f"preflight failed ({len(listed)} problem{'s' if len(listed) > 1 else ''}): "
                             + " | ".join(listed), problems=tuple(listed))
    return params, report


def _bucket_owners(factory: SessionFactory, params: Params, readable: list[str]) -> tuple[Params, list[str]]:
    """Fill in the account of each bucket the params name without one (see aws/owners.py)."""
    unowned = unowned_buckets(params)
    if not unowned:
        return params, []

    def names(account: str) -> list[str]:
        pages = factory.client(account, "s3").get_paginator("list_buckets").paginate()
        return [b["Name"] for page in pages for b in page.get("Buckets", [])]

    owners, errors = find_owners(unowned, readable, names)
    return with_owners(params, owners), missing_owner_problems(unowned, owners, errors)


def read_organization_for_init(profile: str | None, endpoint_url: str | None, region: str) -> Organization:
    """The organisation, read once for ``synthaudit init --organization`` (guarded, short timeouts)."""
    from synthaudit.config import parse_params

    params = parse_params({"label": "init", "estate": "aws", "discovery": {"enabled": True},
                           "aws": {"profile": profile, "endpoint_url": endpoint_url, "regions": [region]}})
    factory, endpoint = _reachable_factory(params, "init")
    return _organization(factory, endpoint)


PREFLIGHT_FILE = "preflight.json"


def write_preflight(run_dir: Path, params: Params, report: PreflightReport) -> Path:
    """The report and the accounts the run uses, in the run folder: every phase's kernel reads the
    discovered accounts from here (``apply_discovered``), so all phases audit the same accounts."""
    path = Path(run_dir) / PREFLIGHT_FILE
    data = {**report.as_dict(), "discovered": params.discovers_accounts,
            "organization_id": params.organization_id, "management_account": params.management_account,
            "accounts": [a.model_dump(mode="json") for a in params.accounts],
            "cloudtrail_account": params.cloudtrail.account,
            "dataset_accounts": {d.name: [d.account, d.synthetic_account] for d in params.datasets}}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


def apply_discovered(params: Params, run_dir: Path) -> Params:
    """``params`` with the accounts preflight discovered for this run (unchanged when none were)."""
    path = Path(run_dir) / PREFLIGHT_FILE
    if not path.is_file():
        return params
    data = json.loads(path.read_text())
    merged = params.model_dump(mode="json")
    if params.discovers_accounts:
        merged.update(accounts=data["accounts"], organization_id=data.get("organization_id"),
                      management_account=data.get("management_account"))
    if data.get("cloudtrail_account") and not merged["cloudtrail"].get("account"):
        merged["cloudtrail"]["account"] = data["cloudtrail_account"]
    for ds in merged["datasets"]:  # bucket owners preflight found (aws/owners.py)
        account, synthetic = (data.get("dataset_accounts") or {}).get(ds["name"], [None, None])
        ds["account"] = ds.get("account") or account
        ds["synthetic_account"] = ds.get("synthetic_account") or synthetic
    return type(params).model_validate(merged)
