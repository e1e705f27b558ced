"""Granted but unused: actions a principal may perform that CloudTrail never saw it use,
and the least-privilege policy its observed use suggests.

Reads the CloudTrail phase's normalised events (``<run>/cloudtrail/events.parquet``:
event_time, event_source, event_name, principal_arn, account). Without that table
the check is NOT_ASSESSED, never a pass.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from synthaudit import arn as aws_arn
from synthaudit.iam.actions import database
from synthaudit.iam.escalation import allowed_action_mask
from synthaudit.iam.matching import statement_matches_action
from synthaudit.errors import EventsError

if TYPE_CHECKING:
    from synthaudit.iam.model import Principal

EVENT_COLUMNS = ("event_time", "event_source", "event_name", "principal_arn", "account")
# CloudTrail eventSource host -> IAM service prefix, where the two differ
SOURCE_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "runtime.sagemaker": "sagemaker",
                 "api.sagemaker": "sagemaker", "runtime.lex": "lex", "models.lex": "lex",
                 "elasticloadbalancing": "elasticloadbalancing", "sso-directory": "sso-directory",
                 "data.iot": "iot", "streams.dynamodb": "dynamodb", "execute-api": "execute-api"}
# event names that are not action names
EVENT_ACTION = {("s3", "ListObjects"): "ListBucket", ("s3", "ListObjectsV2"): "ListBucket",
                ("s3", "HeadObject"): "GetObject", ("s3", "HeadBucket"): "ListBucket",
                ("s3", "ListObjectVersions"): "ListBucketVersions", ("lambda", "Invoke"): "InvokeFunction",
                ("s3", "CreateMultipartUpload"): "PutObject", ("s3", "UploadPart"): "PutObject",
                ("s3", "CompleteMultipartUpload"): "PutObject", ("s3", "CopyObject"): "PutObject"}
_LAMBDA_VERSION = re.compile(r"\d{8}(v\d+)?$")


def event_action(event_source: str, event_name: str) -> str:
    host = event_source.split(".amazonaws.com")[0]
    prefix = SOURCE_PREFIX.get(host, host.split(".")[-1] if host.count(".") else host)
    name = _LAMBDA_VERSION.sub("", event_name) if prefix == "lambda" else event_name
    name = EVENT_ACTION.get((prefix, name), name)
    return database().canonical(f"{prefix}:{name}")


@dataclass(frozen=True)
class UsageWindow:
    start: dt.datetime
    end: dt.datetime
    events: int
    used: dict[str, frozenset[str]]          # principal ARN (role ARN for sessions) -> canonical actions
    accounts: frozenset[str] = frozenset()    # accounts with at least one event in the window


def load_usage(run_dir: Path, review_days: int) -> UsageWindow | None:
    path = Path(run_dir) / "cloudtrail" / "events.parquet"
    if not path.exists():
        return None
    try:
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
        df = pd.read_parquet(path, columns=list(EVENT_COLUMNS) + (["error_code"] if "error_code" in names else []))
    except Exception as exc:  # noqa: BLE001 - any unreadable table is reported the same way
        raise EventsError(f"{path}: cannot read columns {', '.join(EVENT_COLUMNS)} ({exc}); re-run phase 04") from None
    if "error_code" in df.columns:
        df = df[df["error_code"].isna() | (df["error_code"] == "")]   # a refused call is not use
    if df.empty:
        return UsageWindow(dt.datetime.min, dt.datetime.min, 0, {})
    times = pd.to_datetime(df["event_time"], utc=True)
    end = times.max()
    start = end - pd.Timedelta(days=review_days)
    df = df[times >= start]
    used: dict[str, set[str]] = {}
    pairs = df[["principal_arn", "event_source", "event_name"]].dropna().drop_duplicates()
    for arn, src, name in pairs.itertuples(index=False):
        used.setdefault(_normal_principal(arn), set()).add(event_action(src, name))
    accounts = frozenset(str(a) for a in df["account"].dropna().unique() if str(a))
    return UsageWindow(start.to_pydatetime(), end.to_pydatetime(), len(df),
                       {k: frozenset(v) for k, v in used.items()}, accounts)


def _normal_principal(arn: str) -> str:
    """Role ARNs keyed by account + role name (CloudTrail may drop the path)."""
    parsed = aws_arn.parse(arn)
    if parsed is not None and parsed.service == "sts" and parsed.resource.startswith("assumed-role/"):
        return f"{parsed.account}:role:{parsed.resource.split('/')[1]}"
    if parsed is not None and parsed.service == "iam":
        kind, _, rest = parsed.resource.partition("/")
        return f"{parsed.account}:{kind}:{rest.rsplit('/', 1)[-1]}"
    return arn


# Principals whose permissions the organisation does not write, or the kit's own: their unused
# grants are not a finding to act on (the rule, its id and why). Service-linked roles are left out
# of every IAM check before this (review._reviewed). See docs/iam.md, "Unused grants".
AWS_RESERVED_PATH = "/aws-reserved/"
RULE_AUDIT_ROLE = ("rule:audit-role", "the kit's own read-only audit role: it is granted reads it uses only while "
                   "auditing; it is checked to be read-only (iam.read_only) instead")
RULE_AWS_RESERVED = ("rule:aws-reserved", "an AWS-reserved role (IAM Identity Center permission set): AWS writes "
                     "its policies from the permission set; review the permission set and its assignments in "
                     "IAM Identity Center, not the role")
RULE_OWNER = "synthaudit (built-in rule)"


def handled_by_rule(p: "Principal") -> tuple[str, str] | None:
    """(rule id, reason) when the principal's unused grants are handled by rule, not judged."""
    if p.environment_rule == "audit-role":
        return RULE_AUDIT_ROLE
    if p.kind == "role" and (p.path.startswith(AWS_RESERVED_PATH) or p.name.startswith("AWSReservedSSO_")):
        return RULE_AWS_RESERVED
    return None


def rule_exception(rule: tuple[str, str]) -> dict[str, str]:
    """What a finding handled by a built-in rule carries in ``exception`` (no expiry: it is not
    an accepted risk of the organisation's, but the kit's own rule, stated in the docs)."""
    return {"id": rule[0], "owner": RULE_OWNER, "reason": rule[1], "kind": "rule"}


def used_by(window: UsageWindow, p: "Principal") -> frozenset[str]:
    return window.used.get(f"{p.account}:{p.kind}:{p.name}", frozenset())


def unused_actions(p: "Principal", used: frozenset[str]) -> tuple[list[str], list[str]]:
    """(granted-and-used, granted-but-unused) canonical actions."""
    db = database()
    granted = allowed_action_mask(p)
    used_mask = np.zeros(len(db), dtype=bool)
    for a in used:
        i = db.index(a)
        if i is not None:
            used_mask[i] = True
    return list(db.actions_at(granted & used_mask)), list(db.actions_at(granted & ~used_mask))


def suggested_policy(p: "Principal", used_actions: list[str]) -> dict[str, Any] | None:
    """Only the used actions, each on the resources (and conditions) of the statements that granted it;
    None when no observed action is granted by the principal's own statements (never an empty policy)."""
    groups: dict[tuple, list[str]] = {}
    for action in used_actions:
        for pol in p.identity:
            for s in pol.statements:
                if s.effect == "Allow" and statement_matches_action(s, action):
                    resource = ("*",) if s.not_resource else tuple(sorted(s.resources))
                    cond = json.dumps({c.operator: {c.key: list(c.values)} for c in s.conditions}, sort_keys=True)
                    groups.setdefault((resource, cond), []).append(action)
    statements = []
    for i, ((resource, cond), actions) in enumerate(sorted(groups.items())):
        stmt: dict[str, Any] = {"Sid": f"Used{i + 1}", "Effect": "Allow", "Action": sorted(set(actions)),
                                "Resource": list(resource) if len(resource) > 1 else resource[0]}
        conditions = json.loads(cond)
        if conditions:
            stmt["Condition"] = conditions
        statements.append(stmt)
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


def by_service(actions: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in actions:
        svc = a.split(":")[0]
        out[svc] = out.get(svc, 0) + 1
    return dict(sorted(out.items()))
