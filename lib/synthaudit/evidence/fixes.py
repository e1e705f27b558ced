"""Concrete fixes: a check's remediation template with the finding's own values filled in,
and the findings grouped into root causes (one check, one concrete fix).

A catalogue remediation names what to change with placeholders (``BUCKET``, ``KEY_ID``,
``PRODUCTION_ACCOUNT_ID``, ``SYNTHETIC_OU_ID`` ...). Each placeholder here says what it
means and how a finding fills it: from the resource ARN's type (a bucket, a key, a role),
from ARNs and account ids its evidence names, or from the estate (accounts and OUs as
classified in the snapshot). A placeholder the kit cannot fill, or can fill only with a
guess among several values, stays in the text and is returned as such, so the page marks it.
The rules are by resource type and environment, never by a resource's name.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from synthaudit import arn as arn_mod
from synthaudit.findings import SEVERITY_ORDER, Finding

ACCOUNT_RE = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Estate:
    """Accounts and organisational units by environment, as the snapshot classified them."""

    accounts: tuple[tuple[str, str], ...] = ()      # (account id, environment)
    ous: tuple[tuple[str, str, str], ...] = ()      # (ou id, environment, parent id)

    def accounts_in(self, environment: str) -> tuple[str, ...]:
        return tuple(sorted(a for a, e in self.accounts if e == environment))

    def top_ous_in(self, environment: str) -> tuple[str, ...]:
        """The OUs of an environment whose parent is not of it (attach a guard rail there once)."""
        inside = {o for o, e, _ in self.ous if e == environment}
        return tuple(sorted(o for o, e, parent in self.ous if e == environment and parent not in inside))


def estate_of(run_dir: Path) -> Estate:
    """The estate from ``snapshot/tables/org_{accounts,units}.parquet``; empty when absent."""
    tables = Path(run_dir) / "snapshot" / "tables"

    def read(name: str, cols: list[str]) -> list[tuple[str, ...]]:
        try:
            frame = pd.read_parquet(tables / f"{name}.parquet")
        except Exception:  # noqa: BLE001 - no snapshot: placeholders of the estate stay unfilled
            return []
        if not set(cols) <= set(frame.columns):
            return []
        return sorted({tuple("" if v is None else str(v) for v in row) for row in frame[cols].itertuples(index=False)})

    return Estate(tuple(read("org_accounts", ["account", "environment"])),
                  tuple(read("org_units", ["ou_id", "environment", "parent_id"])))


def _strings(data: Any) -> Iterable[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _strings(value)


def _values_at(data: Any, keys: frozenset[str]) -> Iterable[str]:
    """Strings stored under any of ``keys`` anywhere in the evidence."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in keys and isinstance(value, str):
                yield value
            else:
                yield from _values_at(value, keys)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _values_at(value, keys)


def _resource(service: str, *types: str, part: str = "resource_id") -> Callable[[Finding, Estate], tuple[str, ...]]:
    """The finding's resource when its ARN is of ``service`` and one of ``types`` ("" = untyped)."""
    def resolve(f: Finding, _: Estate) -> tuple[str, ...]:
        parsed = arn_mod.parse(f.resource)
        if parsed is None or parsed.service != service or parsed.resource_type not in (types or ("",)):
            return ()
        value = {"arn": parsed.format(), "bucket": parsed.bucket, "name": parsed.name}.get(part)
        return (value if value is not None else parsed.resource_id,)
    return resolve


def _queue_url(f: Finding, _: Estate) -> tuple[str, ...]:
    """An SQS queue's URL, from its ARN (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)."""
    parsed = arn_mod.parse(f.resource)
    if parsed is None or parsed.service != "sqs" or not parsed.account:
        return ()
    return (f"https://sqs.{parsed.region}.amazonaws.com/{parsed.account}/{parsed.resource_id}",)


def _principal_role(part: str) -> Callable[[Finding, Estate], tuple[str, ...]]:
    """The role itself, else the one role the evidence names as the principal granted access."""
    def resolve(f: Finding, estate: Estate) -> tuple[str, ...]:
        own = _resource("iam", "role", part=part)(f, estate)
        if own:
            return own
        roles = sorted({v for v in _values_at(f.evidence, frozenset({"principal", "granted_to"}))
                        if (p := arn_mod.parse(v)) and p.service == "iam" and p.resource_type == "role"})
        return tuple(roles if part == "arn" else [arn_mod.parse(r).name for r in roles])
    return resolve


def _environment_accounts(environment: str) -> Callable[[Finding, Estate], tuple[str, ...]]:
    """Accounts of ``environment`` the evidence names; else every account of it in the estate."""
    def resolve(f: Finding, estate: Estate) -> tuple[str, ...]:
        known = set(estate.accounts_in(environment))
        named = {n for s in _strings(f.evidence) for n in re.findall(r"(?<!\d)\d{12}(?!\d)", s)}
        return tuple(sorted(known & named)) or tuple(sorted(known))
    return resolve


def _evidence_bucket(key: str) -> Callable[[Finding, Estate], tuple[str, ...]]:
    def resolve(f: Finding, _: Estate) -> tuple[str, ...]:
        value = f.evidence.get(key)
        return (value[5:].split("/", 1)[0],) if isinstance(value, str) and value.startswith("s3://") else ()
    return resolve


def _region(f: Finding, _: Estate) -> tuple[str, ...]:
    region = f.region or arn_mod.region_of(f.resource)
    return (region,) if region and region != "global" else ()


def _account(f: Finding, _: Estate) -> tuple[str, ...]:
    return (f.account,) if f.account and ACCOUNT_RE.match(f.account) else ()


def _nothing(*_: Any) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Placeholder:
    name: str
    meaning: str
    resolve: Callable[[Finding, Estate], tuple[str, ...]] = _nothing
    per_resource: bool = True      # False: the same for every finding of an estate (accounts, OUs)


PLACEHOLDERS = {p.name: p for p in (
    Placeholder("BUCKET", "the bucket", _resource("s3", part="bucket")),
    Placeholder("MIXED", "the bucket holding both environments", _resource("s3", part="bucket")),
    Placeholder("TRAIL-BUCKET", "the trail's log bucket", _resource("s3", part="bucket")),
    Placeholder("OUTPUT-BUCKET", "the job's output bucket", _evidence_bucket("output_s3_path")),
    Placeholder("KEY_ID", "the KMS key id", _resource("kms", "key")),
    Placeholder("KEY_ARN", "a KMS key ARN (yours to choose unless the finding is on a key)",
                _resource("kms", "key", part="arn")),
    Placeholder("ACCOUNT", "the account id", _account),
    Placeholder("ACCOUNT_ID", "the outside account granted access",
                lambda f, e: tuple(sorted({v for v in _values_at(f.evidence, frozenset({"grantee"}))
                                           if ACCOUNT_RE.match(v)}))),
    Placeholder("REGION", "the region", _region),
    Placeholder("ROLE", "the role name", _principal_role("name")),
    Placeholder("ROLE_ARN", "the role ARN", _principal_role("arn")),
    Placeholder("SYNTH_ROLE_ARN", "the synthetic role granted access", _principal_role("arn")),
    Placeholder("SNAP", "the snapshot id", lambda f, e: (_resource("ec2", "snapshot")(f, e)
                                                         or _resource("rds", "snapshot", "cluster-snapshot")(f, e))),
    Placeholder("VOLUME_ID", "the volume id", _resource("ec2", "volume")),
    Placeholder("TRAIL", "the trail name", _resource("cloudtrail", "trail")),
    Placeholder("NB", "the notebook instance", _resource("sagemaker", "notebook-instance")),
    Placeholder("JOB", "the Glue job", _resource("glue", "job")),
    Placeholder("CONNECTION", "the Glue connection", _resource("glue", "connection")),
    Placeholder("FN", "the Lambda function", _resource("lambda", "function")),
    Placeholder("AMI_ID", "the AMI id", _resource("ec2", "image")),
    Placeholder("QUEUE_URL", "the SQS queue URL", _queue_url),
    Placeholder("TOPIC_ARN", "the SNS topic ARN", _resource("sns", part="arn")),
    Placeholder("DB", "the Glue database", lambda f, e: tuple(v.split("/")[0] for v in _resource("glue", "table")(f, e))),
    Placeholder("TABLE", "the Glue table", lambda f, e: tuple(v.split("/")[-1] for v in _resource("glue", "table")(f, e))),
    Placeholder("SG", "the security group", _resource("ec2", "security-group")),
    Placeholder("PROD_SG", "the production security group", _resource("ec2", "security-group")),
    Placeholder("VPC", "the VPC", _resource("ec2", "vpc")),
    Placeholder("VPCE", "the VPC endpoint", _resource("ec2", "vpc-endpoint")),
    Placeholder("PCX", "the peering connection", _resource("ec2", "vpc-peering-connection")),
    Placeholder("RTB", "the route table", _resource("ec2", "route-table")),
    Placeholder("SUBNET", "a subnet of your choice"),
    Placeholder("SYNTH_SUBNET", "a subnet in the synthetic VPC"),
    Placeholder("SYNTH_SG", "the synthetic security group"),
    Placeholder("SYNTH-BUCKET", "a bucket in the synthetic account"),
    Placeholder("NEW_KEY_ARN", "the ARN of the key you create"),
    Placeholder("SCOPED_ROLE", "a role scoped to synthetic resources"),
    Placeholder("POLICY", "the granting policy named in the evidence"),
    Placeholder("POLICY_ID", "the id create-policy returns"),
    Placeholder("CONFIG_BUCKET", "the bucket for AWS Config deliveries"),
    Placeholder("DB_SECRET", "the secret holding the database credentials"),
    Placeholder("PRODUCTION_ACCOUNT_ID", "production account id(s)", _environment_accounts("production"), False),
    Placeholder("SYNTHETIC_ACCOUNT_ID", "synthetic account id(s)", _environment_accounts("synthetic"), False),
    Placeholder("SYNTHETIC_OU_ID", "the synthetic OU", lambda f, e: e.top_ous_in("synthetic"), False),
)}
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(" + "|".join(re.escape(n) for n in sorted(PLACEHOLDERS, key=len, reverse=True))
                    + r")(?![A-Za-z0-9_]|-[A-Z])")


@dataclass(frozen=True)
class Fix:
    """A remediation as parts: plain text, or a placeholder left for the reader (name, why)."""

    parts: tuple[tuple[str, str | None], ...]

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)

    @property
    def unfilled(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(text for text, why in self.parts if why is not None))


def fill(remediation: str, finding: Finding, estate: Estate, *, per_resource: bool = True) -> Fix:
    """The remediation with each placeholder the finding determines replaced by its value
    (``per_resource=False``: only those that are the same for every resource, the fix's shape)."""
    parts: list[tuple[str, str | None]] = []
    pos = 0
    for match in _TOKEN.finditer(remediation or ""):
        placeholder = PLACEHOLDERS[match.group(1)]
        values = placeholder.resolve(finding, estate) if per_resource or not placeholder.per_resource else ()
        in_list = remediation[max(0, match.start() - 2):match.start()] == '["' and \
            remediation[match.end():match.end() + 2] == '"]'
        if len(values) == 1 or (values and in_list):
            parts.append((remediation[pos:match.start()] + '", "'.join(values), None))
        else:
            why = placeholder.meaning + (f": one of {', '.join(values)}" if values else "")
            parts += [(remediation[pos:match.start()], None), (match.group(1), f"fill in {why}")]
        pos = match.end()
    parts.append((remediation[pos:], None))
    merged: list[tuple[str, str | None]] = []
    for text, why in parts:   # adjacent plain text as one part
        if merged and why is None and merged[-1][1] is None:
            merged[-1] = (merged[-1][0] + text, None)
        elif text:
            merged.append((text, why))
    return Fix(tuple(merged))


@dataclass(frozen=True)
class RootCause:
    """Findings of one check that one fix resolves: the same concrete fix, or the same fix applied
    to each resource with its own values (``fix`` is then the first resource's, ``per_resource``)."""

    key: str
    check_id: str
    title: str
    severity: str
    fix: Fix
    findings: tuple[Finding, ...]
    per_resource: bool = False

    @property
    def resources(self) -> tuple[str, ...]:
        return tuple(sorted({f.resource for f in self.findings}))

    @property
    def environments(self) -> tuple[str, ...]:
        return tuple(sorted({f.environment or "unknown" for f in self.findings}))


def root_causes(findings: Iterable[Finding], estate: Estate) -> list[RootCause]:
    """Open findings grouped by check and the shape of their fix, worst first, then the most resources."""
    groups: dict[tuple[str, str], list[tuple[Finding, Fix]]] = {}
    for f in findings:
        shape = fill(f.remediation, f, estate, per_resource=False).text
        groups.setdefault((f.check_id, shape), []).append((f, fill(f.remediation, f, estate)))
    causes = []
    for (check_id, _), members in groups.items():
        members.sort(key=lambda m: (m[0].resource, m[0].id))
        items = tuple(f for f, _ in members)
        worst = max((f.severity for f in items), key=SEVERITY_ORDER.get)
        varies = len({fix.text for _, fix in members}) > 1
        causes.append(RootCause("", check_id, items[0].title, worst, members[0][1], items, varies))
    causes.sort(key=lambda c: (-SEVERITY_ORDER[c.severity], -len(c.resources), c.check_id, c.fix.text))
    return [RootCause(f"rc{i + 1}", c.check_id, c.title, c.severity, c.fix, c.findings, c.per_resource)
            for i, c in enumerate(causes)]
