"""Record builders of the demo's CloudTrail: the fixed names and times every log file shares,
who calls (``Principal``, its ``identity``), what a call's request fields are, and the
``LogWriter`` that collects records into delivery blocks with seeded request/event ids.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from synthaudit.demo import ids

END = dt.datetime(2026, 11, 20, 23, 59, 59)
DAYS = 90
SEED = 20261125
START = dt.datetime.combine((END - dt.timedelta(days=DAYS - 1)).date(), dt.time())
ORG_PREFIX = f"AWSLogs/{ids.ORG_ID}"
TRAIL_ARN = f"arn:aws:cloudtrail:{ids.HOME_REGION}:{ids.MANAGEMENT}:trail/{ids.TRAIL_NAME}"
PROD_KEY_ID = "7f3c2a10-5b1e-4c8a-9d2f-6e4b3a1c0d21"
SYNTH_KEY_ID = "1a2b3c4d-0000-4e5f-8a9b-0c1d2e3f4a5b"
PROD_KEY_ARN = f"arn:aws:kms:{ids.HOME_REGION}:{ids.PRODUCTION}:key/{PROD_KEY_ID}"
SYNTH_KEY_ARN = f"arn:aws:kms:{ids.HOME_REGION}:{ids.SYNTHETIC}:key/{SYNTH_KEY_ID}"
PROD_CLUSTER_ARN = f"arn:aws:rds:{ids.HOME_REGION}:{ids.PRODUCTION}:cluster:phi-claims-db"
PROD_CLUSTER_SNAPSHOT_ARN = f"arn:aws:rds:{ids.HOME_REGION}:{ids.PRODUCTION}:cluster-snapshot:phi-claims-weekly"


def day(offset_from_end: int) -> dt.date:
    """The date ``offset_from_end`` days before END (0 = END's day)."""
    return END.date() - dt.timedelta(days=offset_from_end)


# Days with almost no human activity (weekends are quiet anyway); nothing is planted on them.
QUIET_DAYS = (day(16), day(9))  # a public holiday and a maintenance freeze, both weekdays


@dataclass(frozen=True)
class Principal:
    kind: str  # role | user | root
    account: str
    name: str
    hours: tuple[int, ...]
    weekdays_only: bool
    per_hour: tuple[int, int]
    actions: tuple[tuple[str, str, str | None], ...]  # (eventSource, eventName, resource ARN or None)
    ips: tuple[str, ...] = ("10.20.1.15",)
    user_agent: str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64"
    region: str = ids.HOME_REGION

    @property
    def arn(self) -> str:
        if self.kind == "root":
            return f"arn:aws:iam::{self.account}:root"
        return f"arn:aws:iam::{self.account}:{self.kind}/{self.name}"


def bucket_arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"



@functools.cache
def identity(p: Principal, mfa: bool = False) -> dict[str, Any]:
    if p.kind == "root":
        return {"type": "Root", "principalId": p.account, "arn": p.arn, "accountId": p.account,
                "accessKeyId": "ASIAEXAMPLEROOT00001"}
    if p.kind == "user":
        return {"type": "IAMUser", "principalId": "AIDA" + hashlib.md5(p.arn.encode()).hexdigest()[:16].upper(),
                "arn": p.arn, "accountId": p.account, "userName": p.name,
                "accessKeyId": "AKIA" + hashlib.md5(p.arn.encode()).hexdigest()[:16].upper()}
    role_id = "AROA" + hashlib.md5(p.arn.encode()).hexdigest()[:16].upper()
    return {
        "type": "AssumedRole", "principalId": f"{role_id}:session", "accountId": p.account,
        "arn": f"arn:aws:sts::{p.account}:assumed-role/{p.name}/session",
        "accessKeyId": "ASIA" + hashlib.md5(p.arn.encode()).hexdigest()[16:32].upper(),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": p.arn, "accountId": p.account,
                              "userName": p.name},
            "attributes": {"creationDate": "2026-08-01T00:00:00Z", "mfaAuthenticated": str(mfa).lower()},
        },
    }


def request_fields(source: str, name: str, resource: str | None) -> tuple[dict | None, list | None, str]:
    """requestParameters, resources and the recipient account for a baseline call."""
    if resource and resource.startswith("arn:aws:s3:::"):
        bucket = resource.split(":::")[1]
        params = {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com"}
        if name in ("GetObject", "PutObject"):
            params["key"] = "batch/part-0000.parquet"
        owner = ids.PRODUCTION if "prod" in bucket else ids.SYNTHETIC if "synth" in bucket else ids.LOGGING
        return params, [{"type": "AWS::S3::Object", "ARN": f"{resource}/batch/part-0000.parquet"},
                        {"accountId": owner, "type": "AWS::S3::Bucket", "ARN": resource}], owner
    if resource and ":kms:" in resource:
        owner = resource.split(":")[4]
        return {"keyId": resource, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, [
            {"accountId": owner, "type": "AWS::KMS::Key", "ARN": resource}], owner
    if resource and ":rds:" in resource:
        return {"resourceArn": resource, "database": "claims"}, None, resource.split(":")[4]
    return None, None, ""


@dataclass
class LogWriter:
    """Collects records per (account, region, delivery block)."""

    files: dict[tuple[str, str, dt.datetime], list[dict]] = field(default_factory=lambda: defaultdict(list))
    counter: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(SEED + 2))

    def block(self, region: str, when: dt.datetime) -> dt.datetime:
        hours = 12 if region == ids.HOME_REGION else 24
        return when.replace(hour=when.hour - when.hour % hours, minute=0, second=0, microsecond=0)

    def add(self, when: dt.datetime, account: str, region: str, identity: dict, source: str, name: str,
            params: dict | None = None, resources: list | None = None, error: str | None = None,
            ip: str = "10.0.0.1", ua: str = "aws-cli/2.15.30", read_only: bool | None = None,
            response: dict | None = None, additional: dict | None = None, event_type: str = "AwsApiCall",
            error_message: str | None = None) -> None:
        """One record; ``error_message`` alone (no ``error``) is a failure CloudTrail records without an
        errorCode (a failed console sign-in)."""
        self.counter += 1
        rng = self.rng
        record: dict[str, Any] = {
            "eventVersion": "1.09", "userIdentity": identity, "eventTime": when.isoformat(timespec="seconds") + "Z",
            "eventSource": source, "eventName": name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua,
            "requestParameters": params, "responseElements": response,
            "requestID": str(uuid.UUID(int=rng.getrandbits(128))), "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
            "readOnly": read_only if read_only is not None else name.startswith(("Get", "List", "Describe", "Head")),
            "eventType": event_type, "managementEvent": source != "s3.amazonaws.com" or "Object" not in name,
            "recipientAccountId": account, "eventCategory": "Data" if "Object" in name or source == "rds-data.amazonaws.com" else "Management",
        }
        if resources:
            record["resources"] = resources
        if error:
            record["errorCode"] = error
        if error or error_message:
            record["errorMessage"] = error_message or f"User is not authorized to perform: {source.split('.')[0]}:{name}"
        if additional:
            record["additionalEventData"] = additional
        self.files[(account, region, self.block(region, when))].append(record)

    def call(self, p: Principal, when: dt.datetime, source: str, name: str, resource: str | None = None, **kw) -> None:
        params, resources, owner = request_fields(source, name, resource)
        kw.setdefault("ip", p.ips[0])
        kw.setdefault("ua", p.user_agent)
        self.add(when, kw.pop("account", None) or owner or p.account, kw.pop("region", p.region), identity(p),
                 source, name, kw.pop("params", params), kw.pop("resources", resources), **kw)
