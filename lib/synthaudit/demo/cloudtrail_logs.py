"""The demo estate's CloudTrail: 90 days of log files and digests in the trail bucket.

Baseline activity of a few dozen principals with daily rhythms (24/7 pipelines,
office-hours people, AWS services every hour), plus the planted anomalies listed in
``planted_cloudtrail.yaml`` (every detector family, each with a clean twin where one
makes sense). Everything is derived from fixed ids and one seed, ending at END, so
the same build gives the same files and the same findings. Digests are signed with
an RSA key generated per build; its public key is put under ``public-keys/`` in the
bucket, where the kit looks for keys shipped with the logs.
"""
from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

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


def _bucket(name: str) -> str:
    return f"arn:aws:s3:::{name}"


OFFICE = tuple(range(8, 18))
ALWAYS = tuple(range(24))
S3_READ = ("s3.amazonaws.com", "GetObject")
PRINCIPALS: tuple[Principal, ...] = (
    Principal("role", ids.PRODUCTION, ids.PROD_ETL_ROLE, ALWAYS, False, (2, 4), (
        ("s3.amazonaws.com", "GetObject", _bucket(ids.PROD_PHI_BUCKET)),
        ("s3.amazonaws.com", "PutObject", _bucket(ids.PROD_SAMPLES_BUCKET)),
        ("kms.amazonaws.com", "Decrypt", PROD_KEY_ARN),
        ("rds-data.amazonaws.com", "ExecuteStatement", PROD_CLUSTER_ARN),
    ), ips=("10.20.4.11",), user_agent="Boto3/1.34.60 Python/3.11.8 Linux/6.1 Botocore/1.34.60"),
    Principal("role", ids.PRODUCTION, "prod-claims-api", ALWAYS, False, (1, 3), (
        ("s3.amazonaws.com", "GetObject", _bucket(ids.PROD_PHI_BUCKET)),
        ("kms.amazonaws.com", "GenerateDataKey", PROD_KEY_ARN),
    ), ips=("10.20.5.21",), user_agent="aws-sdk-java/2.25.1 Linux/6.1 OpenJDK_64-Bit_Server_VM/21"),
    Principal("role", ids.PRODUCTION, "prod-imaging-ingest", tuple(range(0, 24, 2)), False, (1, 2), (
        ("s3.amazonaws.com", "PutObject", _bucket(ids.PROD_IMAGING_BUCKET)),
        ("s3.amazonaws.com", "GetObject", _bucket(ids.PROD_IMAGING_BUCKET)),
    ), ips=("10.20.6.31",), user_agent="Boto3/1.34.60 Python/3.11.8 Linux/6.1 Botocore/1.34.60"),
    Principal("role", ids.PRODUCTION, "prod-dba-admin", OFFICE, True, (1, 2), (
        ("rds.amazonaws.com", "DescribeDBClusters", None),
        ("rds.amazonaws.com", "DescribeDBClusterSnapshots", None),
        ("cloudwatch.amazonaws.com", "GetMetricData", None),
    ), ips=("192.0.2.40",)),
    *(Principal("role", ids.PRODUCTION, f"prod-analyst-{n}", OFFICE, True, (1, 3), (
        ("athena.amazonaws.com", "StartQueryExecution", None),
        ("athena.amazonaws.com", "GetQueryResults", None),
        ("s3.amazonaws.com", "GetObject", _bucket(ids.PROD_PHI_BUCKET)),
    ), ips=(f"192.0.2.{50 + n}",), user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) console.amazonaws.com")
      for n in range(1, 7)),
    Principal("role", ids.SYNTHETIC, ids.SYNTH_GENERATOR_ROLE, ALWAYS, False, (1, 3), (
        ("s3.amazonaws.com", "PutObject", _bucket(ids.SYNTH_OUTPUT_BUCKET)),
        ("s3.amazonaws.com", "GetObject", _bucket(ids.SYNTH_OUTPUT_BUCKET)),
        ("kms.amazonaws.com", "GenerateDataKey", SYNTH_KEY_ARN),
    ), ips=("10.30.2.12",), user_agent="Boto3/1.34.60 Python/3.11.8 Linux/6.1 Botocore/1.34.60"),
    Principal("role", ids.SYNTHETIC, ids.SYNTH_PIPELINE_ROLE, (1, 2, 3), False, (3, 5), (
        ("glue.amazonaws.com", "StartJobRun", None),
        ("states.amazonaws.com", "StartExecution", None),
        ("s3.amazonaws.com", "PutObject", _bucket(ids.SYNTH_OUTPUT_BUCKET)),
    ), ips=("10.30.3.13",), user_agent="Boto3/1.34.60 Python/3.11.8 Linux/6.1 Botocore/1.34.60"),
    Principal("role", ids.SYNTHETIC, ids.SYNTH_ANALYST_ROLE, OFFICE, True, (1, 3), (
        ("s3.amazonaws.com", "GetObject", _bucket(ids.SYNTH_OUTPUT_BUCKET)),
        ("sagemaker.amazonaws.com", "DescribeNotebookInstance", None),
        ("athena.amazonaws.com", "StartQueryExecution", None),
    ), ips=("198.51.100.20",), user_agent="Mozilla/5.0 (Macintosh) console.amazonaws.com"),
    *(Principal("role", ids.SYNTHETIC, f"synth-researcher-{n}", OFFICE, True, (1, 2), (
        ("s3.amazonaws.com", "GetObject", _bucket(ids.SYNTH_OUTPUT_BUCKET)),
        ("sagemaker.amazonaws.com", "ListTrainingJobs", None),
    ), ips=(f"198.51.100.{30 + n}",)) for n in range(1, 5)),
    Principal("role", ids.LOGGING, "security-audit", (6,), False, (3, 5), (
        ("cloudtrail.amazonaws.com", "DescribeTrails", None),
        ("cloudtrail.amazonaws.com", "GetTrailStatus", None),
        ("config.amazonaws.com", "DescribeConfigurationRecorderStatus", None),
    ), ips=("10.40.1.5",)),
    Principal("role", ids.LOGGING, "log-archive-ops", OFFICE, True, (1, 1), (
        ("s3.amazonaws.com", "ListObjectsV2", _bucket(ids.TRAIL_BUCKET)),
        ("s3.amazonaws.com", "GetBucketPolicy", _bucket(ids.TRAIL_BUCKET)),
    ), ips=("10.40.1.6",)),
    Principal("user", ids.MANAGEMENT, "org-admin", OFFICE, True, (1, 2), (
        ("organizations.amazonaws.com", "ListAccounts", None),
        ("organizations.amazonaws.com", "DescribeOrganization", None),
        ("iam.amazonaws.com", "ListRoles", None),
    ), ips=("192.0.2.10",)),
    Principal("role", ids.MANAGEMENT, "finops-reader", (9, 13), True, (1, 2), (
        ("ce.amazonaws.com", "GetCostAndUsage", None),
    ), ips=("192.0.2.11",)),
)
SERVICES = ("config.amazonaws.com", "ec2.amazonaws.com")
P = {p.name: p for p in PRINCIPALS}


@functools.lru_cache(maxsize=None)
def _identity(p: Principal, mfa: bool = False) -> dict[str, Any]:
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


def _request(source: str, name: str, resource: str | None) -> tuple[dict | None, list | None, str]:
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
            response: dict | None = None, additional: dict | None = None, event_type: str = "AwsApiCall") -> None:
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
            record["errorMessage"] = f"User is not authorized to perform: {source.split('.')[0]}:{name}"
        if additional:
            record["additionalEventData"] = additional
        self.files[(account, region, self.block(region, when))].append(record)

    def call(self, p: Principal, when: dt.datetime, source: str, name: str, resource: str | None = None, **kw) -> None:
        params, resources, owner = _request(source, name, resource)
        kw.setdefault("ip", p.ips[0])
        kw.setdefault("ua", p.user_agent)
        self.add(when, kw.pop("account", None) or owner or p.account, kw.pop("region", p.region), _identity(p),
                 source, name, kw.pop("params", params), kw.pop("resources", resources), **kw)


def _baseline(w: LogWriter, rng: random.Random) -> None:
    quiet = set(QUIET_DAYS)
    for offset in range(DAYS):
        date = START.date() + dt.timedelta(days=offset)
        weekend = date.weekday() >= 5
        for hour in range(24):
            hour_start = dt.datetime.combine(date, dt.time(hour))
            for account in ids.ACCOUNTS:
                for region in ids.REGIONS:
                    if account == ids.MANAGEMENT and region != ids.HOME_REGION and date >= day(29):
                        continue
                    if region != ids.HOME_REGION and hour % 3:
                        continue  # the second region is quieter: a service call every three hours  # planted: the management account's eu-west-1 goes silent in the review window
                    svc = SERVICES[(hour + len(account)) % 2]
                    w.add(hour_start + dt.timedelta(minutes=rng.randrange(60)), account, region,
                          {"type": "AWSService", "invokedBy": svc}, "sts.amazonaws.com", "AssumeRole",
                          {"roleArn": f"arn:aws:iam::{account}:role/aws-service-role/{svc}", "roleSessionName": svc},
                          ip=svc, ua=svc, read_only=True)
            for p in PRINCIPALS:
                if hour not in p.hours or (p.weekdays_only and weekend):
                    continue
                if date in quiet and p.hours == OFFICE:
                    continue
                for n in range(rng.randint(*p.per_hour)):
                    source, name, resource = p.actions[(hour + n + offset) % len(p.actions)]
                    w.call(p, hour_start + dt.timedelta(minutes=rng.randrange(60), seconds=rng.randrange(60)),
                           source, name, resource)
        # a console login with MFA per working day (the clean twin of the no-MFA login)
        if not weekend and date not in quiet:
            admin = P["org-admin"]
            w.add(dt.datetime.combine(date, dt.time(8, 2)), admin.account, ids.HOME_REGION, _identity(admin),
                  "signin.amazonaws.com", "ConsoleLogin", None, response={"ConsoleLogin": "Success"},
                  additional={"LoginTo": "https://console.aws.amazon.com/", "MFAUsed": "Yes", "MobileVersion": "No"},
                  ip=admin.ips[0], ua="Mozilla/5.0", event_type="AwsConsoleSignIn")


@dataclass(frozen=True)
class Plant:
    id: str
    expect: str
    check: str
    resource: str
    account: str
    description: str


def _at(offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(hour, minute))


def _plants(w: LogWriter) -> list[Plant]:
    """Write the planted events; return the answer key (log-file plants are added by seed())."""
    out: list[Plant] = []

    def plant(pid, expect, check, resource, account, description):
        out.append(Plant(pid, expect, check, resource, account, description))

    mgmt_ops = Principal("role", ids.MANAGEMENT, "ops-automation", (), False, (0, 0), ())
    w.call(mgmt_ops, _at(21, 3, 12), "cloudtrail.amazonaws.com", "StopLogging", params={"name": TRAIL_ARN},
           account=ids.MANAGEMENT, ip="203.0.113.9")
    w.call(mgmt_ops, _at(21, 3, 41), "cloudtrail.amazonaws.com", "StartLogging", params={"name": TRAIL_ARN},
           account=ids.MANAGEMENT, ip="203.0.113.9")
    plant("CT01", "FAIL", "CT_TRAIL_STOPPED", TRAIL_ARN, ids.MANAGEMENT, "org trail stopped for half an hour at night")
    w.call(mgmt_ops, _at(19, 4, 5), "cloudtrail.amazonaws.com", "PutEventSelectors", account=ids.MANAGEMENT,
           params={"trailName": TRAIL_ARN, "eventSelectors": [{"readWriteType": "WriteOnly", "includeManagementEvents": True,
                                                                "dataResources": [], "excludeManagementEventSources": []}]})
    plant("CT02", "FAIL", "CT_TRAIL_COVERAGE_REDUCED", TRAIL_ARN, ids.MANAGEMENT, "org trail set to record write events only")
    prod_trail = f"arn:aws:cloudtrail:{ids.HOME_REGION}:{ids.PRODUCTION}:trail/prod-data-events"
    w.call(P["prod-dba-admin"], _at(18, 10, 30), "cloudtrail.amazonaws.com", "PutEventSelectors", account=ids.PRODUCTION,
           params={"trailName": prod_trail, "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": True,
                   "dataResources": [{"type": "AWS::S3::Object", "values": [f"arn:aws:s3:::{ids.PROD_PHI_BUCKET}/"]}],
                   "excludeManagementEventSources": []}]})
    plant("CT02-twin", "PASS", "CT_TRAIL_COVERAGE_REDUCED", prod_trail, ids.PRODUCTION,
          "production data-event trail widened to all events: not a reduction")
    synth_trail = f"arn:aws:cloudtrail:{ids.HOME_REGION}:{ids.SYNTHETIC}:trail/synth-local-trail"
    w.call(P[ids.SYNTH_ANALYST_ROLE], _at(14, 15, 2), "cloudtrail.amazonaws.com", "DeleteTrail",
           params={"name": "synth-local-trail"}, account=ids.SYNTHETIC)
    plant("CT03", "FAIL", "CT_TRAIL_DELETED", synth_trail, ids.SYNTHETIC, "synthetic account's local trail deleted")
    flow = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.PRODUCTION}:vpc-flow-log/fl-0a1b2c3d4e5f60718"
    w.call(P["prod-dba-admin"], _at(12, 16, 45), "ec2.amazonaws.com", "DeleteFlowLogs", account=ids.PRODUCTION,
           params={"DeleteFlowLogsRequest": {"FlowLogId": {"content": "fl-0a1b2c3d4e5f60718", "tag": 1}}})
    plant("CT04", "FAIL", "CT_FLOW_LOGS_DELETED", flow, ids.PRODUCTION, "production VPC flow logs deleted")
    recorder = f"arn:aws:config:{ids.HOME_REGION}:{ids.SYNTHETIC}:config-recorder/default"
    w.call(P[ids.SYNTH_PIPELINE_ROLE], _at(11, 2, 20), "config.amazonaws.com", "StopConfigurationRecorder",
           params={"configurationRecorderName": "default"}, account=ids.SYNTHETIC)
    plant("CT05", "FAIL", "CT_CONFIG_RECORDING_STOPPED", recorder, ids.SYNTHETIC, "Config recorder stopped in the synthetic account")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
              "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{ids.TRAIL_BUCKET}/*"},
              {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ids.LOGGING}:role/log-archive-ops"},
               "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{ids.TRAIL_BUCKET}/*"}]}
    w.call(P["log-archive-ops"], _at(10, 11, 3), "s3.amazonaws.com", "PutBucketPolicy", account=ids.LOGGING,
           params={"bucketName": ids.TRAIL_BUCKET, "bucketPolicy": policy, "Host": f"{ids.TRAIL_BUCKET}.s3.amazonaws.com"})
    plant("CT06", "FAIL", "CT_TRAIL_BUCKET_POLICY_CHANGED", _bucket(ids.TRAIL_BUCKET), ids.LOGGING,
          "trail bucket policy changed to let an ops role delete logs")
    artifacts = f"shared-artifacts-{ids.LOGGING}"
    w.call(P["log-archive-ops"], _at(10, 11, 20), "s3.amazonaws.com", "PutBucketPolicy", account=ids.LOGGING,
           params={"bucketName": artifacts, "bucketPolicy": {"Version": "2012-10-17", "Statement": []}})
    plant("CT06-twin", "PASS", "CT_TRAIL_BUCKET_POLICY_CHANGED", _bucket(artifacts), ids.LOGGING,
          "policy change on an ordinary shared bucket")
    w.call(P[ids.SYNTH_ANALYST_ROLE], _at(8, 14, 10), "kms.amazonaws.com", "ScheduleKeyDeletion", account=ids.SYNTHETIC,
           params={"keyId": SYNTH_KEY_ARN, "pendingWindowInDays": 7},
           resources=[{"accountId": ids.SYNTHETIC, "type": "AWS::KMS::Key", "ARN": SYNTH_KEY_ARN}])
    plant("CT07", "FAIL", "CT_KMS_KEY_DISABLED", SYNTH_KEY_ARN, ids.SYNTHETIC, "synthetic data key scheduled for deletion")
    w.call(P[ids.SYNTH_ANALYST_ROLE], _at(8, 14, 30), "organizations.amazonaws.com", "LeaveOrganization",
           account=ids.SYNTHETIC, error="AccessDenied", params=None)
    plant("CT08", "FAIL", "CT_LEFT_ORGANIZATION",
          f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{ids.SYNTHETIC}", ids.SYNTHETIC,
          "synthetic account tried to leave the organisation (denied by SCP)")
    gen = P[ids.SYNTH_GENERATOR_ROLE]
    for minute in range(0, 50, 7):
        w.call(gen, _at(6, 2, minute), "s3.amazonaws.com", "GetObject", _bucket(ids.PROD_PHI_BUCKET))
    plant("CT09", "FAIL", "CT_SYNTHETIC_READS_PRODUCTION_S3", _bucket(ids.PROD_PHI_BUCKET), ids.PRODUCTION,
          "synthetic generator read production claims objects")
    plant("CT09-twin", "PASS", "CT_SYNTHETIC_READS_PRODUCTION_S3", _bucket(ids.SYNTH_OUTPUT_BUCKET), ids.SYNTHETIC,
          "synthetic generator reading its own output bucket")
    analyst = P[ids.SYNTH_ANALYST_ROLE]
    for minute in (5, 6, 7):
        w.call(analyst, _at(5, 10, minute), "kms.amazonaws.com", "Decrypt", PROD_KEY_ARN)
    plant("CT10", "FAIL", "CT_SYNTHETIC_USES_PRODUCTION_KMS", PROD_KEY_ARN, ids.PRODUCTION,
          "synthetic analyst decrypted with the production PHI key")
    plant("CT10-twin", "PASS", "CT_SYNTHETIC_USES_PRODUCTION_KMS", SYNTH_KEY_ARN, ids.SYNTHETIC,
          "synthetic generator using the synthetic key")
    pipeline = P[ids.SYNTH_PIPELINE_ROLE]
    w.call(pipeline, _at(4, 2, 15), "rds-data.amazonaws.com", "ExecuteStatement", PROD_CLUSTER_ARN)
    plant("CT11", "FAIL", "CT_SYNTHETIC_ACCESSES_PRODUCTION_RDS", PROD_CLUSTER_ARN, ids.PRODUCTION,
          "synthetic pipeline queried the production claims database via the Data API")
    dba = P["prod-dba-admin"]
    w.call(dba, _at(7, 13, 0), "rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute", account=ids.PRODUCTION,
           params={"dBClusterSnapshotIdentifier": "phi-claims-weekly", "attributeName": "restore",
                   "valuesToAdd": [ids.SYNTHETIC]})
    plant("CT12", "FAIL", "CT_SNAPSHOT_SHARED", PROD_CLUSTER_SNAPSHOT_ARN, ids.PRODUCTION,
          "production cluster snapshot shared with the synthetic account")
    ami = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.PRODUCTION}:image/ami-0prodphi0000000a1"
    w.call(dba, _at(7, 13, 20), "ec2.amazonaws.com", "ModifyImageAttribute", account=ids.PRODUCTION,
           params={"imageId": "ami-0prodphi0000000a1", "attributeType": "launchPermission",
                   "launchPermission": {"add": {"items": [{"group": "all"}]}}})
    plant("CT12b", "FAIL", "CT_SNAPSHOT_SHARED", ami, ids.PRODUCTION, "production AMI made public")
    admin = P["org-admin"]
    shared_snap = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.MANAGEMENT}:snapshot/snap-0shared00000000b2"
    w.call(admin, _at(7, 9, 30), "ec2.amazonaws.com", "ModifySnapshotAttribute", account=ids.MANAGEMENT,
           params={"snapshotId": "snap-0shared00000000b2", "attributeType": "CREATE_VOLUME_PERMISSION",
                   "createVolumePermission": {"add": {"items": [{"userId": ids.LOGGING}]}}})
    plant("CT12-twin", "PASS", "CT_SNAPSHOT_SHARED", shared_snap, ids.MANAGEMENT,
          "shared-tooling snapshot shared between the two shared accounts")
    researcher = P["synth-researcher-1"]
    w.call(researcher, _at(3, 11, 0), "rds.amazonaws.com", "CopyDBClusterSnapshot", account=ids.SYNTHETIC,
           params={"sourceDBClusterSnapshotIdentifier": PROD_CLUSTER_SNAPSHOT_ARN,
                   "targetDBClusterSnapshotIdentifier": "claims-copy"})
    plant("CT13", "FAIL", "CT_SNAPSHOT_COPIED_ACROSS_ACCOUNTS", PROD_CLUSTER_SNAPSHOT_ARN, ids.SYNTHETIC,
          "production cluster snapshot copied into the synthetic account")
    w.call(researcher, _at(3, 11, 40), "rds.amazonaws.com", "RestoreDBClusterFromSnapshot", account=ids.SYNTHETIC,
           params={"dBClusterIdentifier": "claims-restore", "snapshotIdentifier": PROD_CLUSTER_SNAPSHOT_ARN,
                   "engine": "aurora-postgresql"})
    plant("CT14", "FAIL", "CT_SYNTHETIC_RESTORED_FROM_PRODUCTION", PROD_CLUSTER_SNAPSHOT_ARN, ids.SYNTHETIC,
          "claims database restored in the synthetic account from the production snapshot")
    imaging = P["prod-imaging-ingest"]
    w.call(imaging, _at(2, 4, 0), "s3.amazonaws.com", "PutBucketReplication", account=ids.PRODUCTION,
           params={"bucketName": ids.PROD_IMAGING_BUCKET, "ReplicationConfiguration": {"Role": imaging.arn, "Rule": {
               "Status": "Enabled", "Destination": {"Bucket": _bucket(ids.SYNTH_OUTPUT_BUCKET)}}}})
    plant("CT15", "FAIL", "CT_PRODUCTION_BUCKET_REPLICATED_OUT", _bucket(ids.PROD_IMAGING_BUCKET), ids.PRODUCTION,
          "imaging bucket replicates into the synthetic output bucket")
    w.call(P["prod-analyst-1"], _at(2, 15, 0), "s3.amazonaws.com", "PutBucketPolicy", account=ids.PRODUCTION,
           params={"bucketName": ids.PROD_SAMPLES_BUCKET, "bucketPolicy": {"Version": "2012-10-17", "Statement": [{
               "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ids.SYNTHETIC}:root"}, "Action": "s3:GetObject",
               "Resource": f"arn:aws:s3:::{ids.PROD_SAMPLES_BUCKET}/*"}]}})
    plant("CT16", "FAIL", "CT_PRODUCTION_BUCKET_POLICY_OPENED", _bucket(ids.PROD_SAMPLES_BUCKET), ids.PRODUCTION,
          "research samples bucket policy grants the synthetic account")
    sg = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.SYNTHETIC}:security-group/sg-0synthssh000000c3"
    sg_web = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.SYNTHETIC}:security-group/sg-0synthweb000000d4"
    for group, port in (("sg-0synthssh000000c3", 22), ("sg-0synthweb000000d4", 443)):
        w.call(researcher, _at(1, 10, port % 60), "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", account=ids.SYNTHETIC,
               params={"groupId": group, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": port, "toPort": port,
                       "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}})
    plant("CT17", "FAIL", "CT_SECURITY_GROUP_ADMIN_PORT_OPENED", sg, ids.SYNTHETIC, "SSH opened to the internet")
    plant("CT17-twin", "PASS", "CT_SECURITY_GROUP_ADMIN_PORT_OPENED", sg_web, ids.SYNTHETIC, "HTTPS opened to the internet")
    plant("CT18", "FAIL", "CT_NEW_PRINCIPAL_ACTION", dba.arn, ids.PRODUCTION,
          "DBA role shared a snapshot, an action it never used before")
    analyst2 = P["prod-analyst-2"]
    for minute in range(3):
        w.call(analyst2, _at(13, 11, minute), "s3.amazonaws.com", "GetObject", _bucket(ids.PROD_IMAGING_BUCKET))
    plant("CT19", "FAIL", "CT_NEW_PRINCIPAL_RESOURCE", _bucket(ids.PROD_IMAGING_BUCKET), ids.PRODUCTION,
          "claims analyst read the imaging bucket for the first time")
    synth3 = P["synth-researcher-3"]
    for minute in range(4):
        w.call(synth3, _at(15, 14, minute), "s3.amazonaws.com", "GetObject", _bucket(ids.SYNTH_OUTPUT_BUCKET),
               ip="203.0.113.77", ua="python-requests/2.31.0")
    plant("CT20", "FAIL", "CT_NEW_PRINCIPAL_SOURCE", synth3.arn, ids.SYNTHETIC,
          "researcher role used from an unknown network and client")
    analyst4 = P["prod-analyst-4"]
    for n in range(900):
        w.call(analyst4, _at(17, 9 + n // 100, (n * 7) % 60), "s3.amazonaws.com", "GetObject", _bucket(ids.PROD_PHI_BUCKET))
    plant("CT21", "FAIL", "CT_ACTIVITY_SPIKE", analyst4.arn, ids.PRODUCTION, "analyst downloaded 900 claims objects in a day")
    synth2 = P["synth-researcher-2"]
    for n in range(25):
        w.call(synth2, _at(20, 16, n * 2), "s3.amazonaws.com", "ListObjectsV2" if n % 2 else "GetObject",
               _bucket(ids.PROD_PHI_BUCKET), error="AccessDenied")
    plant("CT22", "FAIL", "CT_ACCESS_DENIED_BURST", synth2.arn, ids.SYNTHETIC, "researcher probed the production bucket")
    for minute in (3, 9, 17):
        w.call(dba, _at(22, 3, minute), "rds.amazonaws.com", "DescribeDBClusters", account=ids.PRODUCTION)
    plant("CT23", "FAIL", "CT_OFF_HOURS_ACTIVITY", dba.arn, ids.PRODUCTION, "DBA role active at 03:00 UTC")
    root = Principal("root", ids.MANAGEMENT, "root", (), False, (0, 0), ())
    w.call(root, _at(23, 19, 0), "signin.amazonaws.com", "ConsoleLogin", account=ids.MANAGEMENT, ip="192.0.2.10",
           response={"ConsoleLogin": "Success"}, additional={"MFAUsed": "Yes"}, event_type="AwsConsoleSignIn")
    w.call(root, _at(23, 19, 4), "iam.amazonaws.com", "CreateAccessKey", account=ids.MANAGEMENT, ip="192.0.2.10")
    plant("CT24", "FAIL", "CT_ROOT_ACTIVITY", root.arn, ids.MANAGEMENT, "management account root used")
    contractor = Principal("user", ids.SYNTHETIC, "contractor-jdoe", (), False, (0, 0), ())
    w.call(contractor, _at(24, 10, 0), "signin.amazonaws.com", "ConsoleLogin", account=ids.SYNTHETIC, ip="198.51.100.99",
           response={"ConsoleLogin": "Success"}, additional={"MFAUsed": "No"}, event_type="AwsConsoleSignIn")
    plant("CT25", "FAIL", "CT_CONSOLE_LOGIN_WITHOUT_MFA", contractor.arn, ids.SYNTHETIC, "contractor signed in without MFA")
    plant("CT25-twin", "PASS", "CT_CONSOLE_LOGIN_WITHOUT_MFA", admin.arn, ids.MANAGEMENT, "org admin signs in with MFA daily")
    plant("CT30", "FAIL", "CT_ACCOUNT_NOT_LOGGING",
          f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{ids.MANAGEMENT}", ids.MANAGEMENT,
          "management account's eu-west-1 delivered events in the baseline, none in the review window")
    # Not an event: an absence. The estate's production data-event trail selects this bucket
    # (estate_governance), but no data event for it is in the logs. Judged with the phase 01
    # snapshot (the trail's selectors); without one the detector is NOT_ASSESSED.
    plant("CT32", "FAIL", "CT_DATA_EVENTS_ABSENT", _bucket("phi-lab-results-prod"), ids.PRODUCTION,
          "production data-event trail selects the lab-results bucket, yet no data event for it arrived")
    for quiet in QUIET_DAYS:
        plant(f"Q-{quiet:%m%d}", "PASS", "CT_ACTIVITY_SPIKE", P["prod-analyst-3"].arn, ids.PRODUCTION,
              f"quiet day {quiet}: almost no human activity; no detector may fire on it")
    return out


# -- files, digests, upload ----------------------------------------------------------------------

GAP_BLOCK = (ids.PRODUCTION, ids.HOME_REGION, dt.datetime.combine(day(12), dt.time(0)))   # deleted log file
TAMPERED_BLOCK = (ids.SYNTHETIC, ids.HOME_REGION, dt.datetime.combine(day(6), dt.time(0)))  # edited after delivery
CORRUPT_BLOCK = (ids.LOGGING, ids.HOME_REGION, dt.datetime.combine(day(2), dt.time(12)))   # truncated gzip
NO_DIGEST_DAY = (ids.SYNTHETIC, "eu-west-1", day(3))                                     # digest deleted


def log_key(account: str, region: str, block: dt.datetime, rng: random.Random) -> str:
    stamp = (block + dt.timedelta(minutes=5)).strftime("%Y%m%dT%H%MZ")
    suffix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(16))
    return (f"{ORG_PREFIX}/{account}/CloudTrail/{region}/{block:%Y/%m/%d}/"
            f"{account}_CloudTrail_{region}_{stamp}_{suffix}.json.gz")


def build() -> tuple[dict[str, bytes], list[dict], list[Plant]]:
    """All log objects (key -> gzip bytes), digest documents (unsigned) and the answer key."""
    rng = random.Random(SEED)
    writer = LogWriter()
    _baseline(writer, rng)
    plants = _plants(writer)
    objects: dict[str, bytes] = {}
    digests: list[dict] = []
    per_day: dict[tuple[str, str, dt.date], list[tuple[str, str]]] = defaultdict(list)
    key_rng = random.Random(SEED + 1)
    for (account, region, block) in sorted(writer.files):
        records = sorted(writer.files[(account, region, block)], key=lambda r: (r["eventTime"], r["eventID"]))
        body = json.dumps({"Records": records}, separators=(",", ":")).encode()
        key = log_key(account, region, block, key_rng)
        per_day[(account, region, block.date())].append((key, hashlib.sha256(body).hexdigest()))
        if (account, region, block) == GAP_BLOCK:
            plants.append(Plant("CT26", "FAIL", "CT_COVERAGE_GAP",
                                f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{account}", account,
                                "production us-east-1 log file for 00:00-12:00 deleted: twelve hours without events"))
            plants.append(Plant("CT27", "FAIL", "CT_LOG_FILE_INTEGRITY", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "log file listed in its digest is missing from the bucket"))
            continue
        if (account, region, block) == TAMPERED_BLOCK:
            body = json.dumps({"Records": records[:-1]}, separators=(",", ":")).encode()
            plants.append(Plant("CT28", "FAIL", "CT_LOG_FILE_INTEGRITY", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "log file edited after delivery (one record removed): hash differs from digest"))
        data = gzip.compress(body, compresslevel=6, mtime=0)
        if (account, region, block) == CORRUPT_BLOCK:
            data = data[: len(data) // 2]
            plants.append(Plant("CT29", "FAIL", "CT_LOG_FILE_UNREADABLE", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "truncated gzip log file"))
        if (account, region, block.date()) == NO_DIGEST_DAY and len(plants) and not any(p.id == "CT31" for p in plants):
            plants.append(Plant("CT31", "FAIL", "CT_DIGEST_MISSING", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "log file of a day whose digest file was deleted"))
        objects[key] = data
    previous: dict[tuple[str, str], str] = {}
    for (account, region, date) in sorted(per_day):
        start = dt.datetime.combine(date, dt.time())
        end = start + dt.timedelta(days=1)
        digest_key = (f"{ORG_PREFIX}/{account}/CloudTrail-Digest/{region}/{date:%Y/%m/%d}/"
                      f"{account}_CloudTrail-Digest_{region}_{ids.TRAIL_NAME}_{ids.HOME_REGION}_{end:%Y%m%dT%H%M%SZ}.json.gz")
        digests.append({
            "key": digest_key, "skip": (account, region, date) == NO_DIGEST_DAY,
            "doc": {
                "awsAccountId": account, "digestStartTime": f"{start:%Y-%m-%dT%H:%M:%SZ}",
                "digestEndTime": f"{end:%Y-%m-%dT%H:%M:%SZ}", "digestS3Bucket": ids.TRAIL_BUCKET,
                "digestS3Object": digest_key, "digestSignatureAlgorithm": "SHA256withRSA",
                "previousDigestS3Bucket": ids.TRAIL_BUCKET if (account, region) in previous else None,
                "previousDigestS3Object": previous.get((account, region)),
                "logFiles": [{"s3Bucket": ids.TRAIL_BUCKET, "s3Object": k, "hashValue": h, "hashAlgorithm": "SHA-256"}
                             for k, h in per_day[(account, region, date)]],
            },
        })
        previous[(account, region)] = digest_key
    return objects, digests, sorted(plants, key=lambda p: p.id)


def sign_digests(digests: list[dict]) -> tuple[dict[str, tuple[bytes, str]], bytes, str]:
    """Chain and sign digests like CloudTrail: key -> (gzip bytes, hex signature); plus public key PEM, fingerprint."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from synthaudit.cloudtrail.integrity import signing_string

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    fingerprint = hashlib.md5(der).hexdigest()
    out: dict[str, tuple[bytes, str]] = {}
    last: dict[str, tuple[str, str]] = {}  # previous digest key -> (sha256 hex, signature)
    for item in digests:
        doc = dict(item["doc"])
        doc["digestPublicKeyFingerprint"] = fingerprint
        prev_key = doc.get("previousDigestS3Object")
        if prev_key:
            prev_hash, prev_sig = last[prev_key]
            doc["previousDigestHashValue"], doc["previousDigestHashAlgorithm"] = prev_hash, "SHA-256"
            doc["previousDigestSignature"] = prev_sig
        content = json.dumps(doc, separators=(",", ":")).encode()
        signature = private.sign(signing_string(doc, item["key"], content), padding.PKCS1v15(), hashes.SHA256()).hex()
        last[item["key"]] = (hashlib.sha256(content).hexdigest(), signature)
        if not item["skip"]:
            out[item["key"]] = (gzip.compress(content, mtime=0), signature)
    return out, pem, fingerprint


def write_local(folder) -> list[Plant]:
    """The same files into a local folder (for tests and the bench), public key under public-keys/."""
    from pathlib import Path

    folder = Path(folder)
    objects, digests, plants = build()
    signed, pem, fingerprint = sign_digests(digests)
    for key, data in list(objects.items()) + [(k, v[0]) for k, v in signed.items()]:
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for key, (_data, signature) in signed.items():  # S3 keeps it in object metadata; a folder beside the digest
        (folder / (key + ".signature")).write_text(signature + "\n")
    (folder / "public-keys").mkdir(parents=True, exist_ok=True)
    (folder / "public-keys" / f"{fingerprint}.pem").write_bytes(pem)
    return plants


def seed(endpoint_url: str) -> None:
    """Put the logs, digests (signature in object metadata) and public key into the trail bucket."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.config import Config

    from synthaudit.demo.estate_core import Estate

    objects, digests, _plants_ = build()
    signed, pem, fingerprint = sign_digests(digests)
    estate = Estate.connect(endpoint_url)
    estate.enter(ids.LOGGING)  # the trail bucket lives in the logging account
    s3 = estate.sessions[ids.LOGGING].client("s3", endpoint_url=endpoint_url, config=Config(max_pool_connections=16))
    puts: list[Callable[[], Any]] = []
    for key, data in objects.items():
        puts.append(lambda k=key, d=data: s3.put_object(Bucket=ids.TRAIL_BUCKET, Key=k, Body=d))
    for key, (data, signature) in signed.items():
        puts.append(lambda k=key, d=data, s=signature: s3.put_object(
            Bucket=ids.TRAIL_BUCKET, Key=k, Body=d, Metadata={"signature": s, "signature-algorithm": "SHA256withRSA"}))
    puts.append(lambda: s3.put_object(Bucket=ids.TRAIL_BUCKET, Key=f"public-keys/{fingerprint}.pem", Body=pem))
    with ThreadPoolExecutor(12) as pool:
        for _ in pool.map(lambda f: f(), puts):
            pass


def answer_key() -> list[dict[str, str]]:
    _objects, _digests, plants = build()
    return [{"id": p.id, "expect": p.expect, "check": p.check, "resource": p.resource, "account": p.account,
             "description": p.description} for p in plants]


if __name__ == "__main__":  # regenerate planted_cloudtrail.yaml
    import sys
    from pathlib import Path

    import yaml

    target = Path(__file__).with_name("planted_cloudtrail.yaml")
    header = "# Answer key of the demo's CloudTrail (tests only; the kit never reads it).\n" \
             "# Generated by `python -m synthaudit.demo.cloudtrail_logs`; tests check it matches.\n"
    target.write_text(header + yaml.safe_dump(answer_key(), sort_keys=False, width=140))
    print(f"wrote {target}", file=sys.stderr)
