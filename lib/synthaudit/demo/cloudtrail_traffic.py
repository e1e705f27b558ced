"""The demo's everyday CloudTrail traffic: a few dozen principals with daily rhythms
(24/7 pipelines, office-hours people, AWS services every hour) written day by day
from one seeded stream, so the same build gives the same baseline.
"""
from __future__ import annotations

import datetime as dt
import random

from synthaudit.demo import ids
from synthaudit.demo.cloudtrail_records import (
    DAYS,
    PROD_CLUSTER_ARN,
    PROD_KEY_ARN,
    QUIET_DAYS,
    START,
    SYNTH_KEY_ARN,
    LogWriter,
    Principal,
    day,
    identity,
)
from synthaudit.demo.cloudtrail_records import bucket_arn as _bucket

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


def baseline(w: LogWriter, rng: random.Random) -> None:
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
            w.add(dt.datetime.combine(date, dt.time(8, 2)), admin.account, ids.HOME_REGION, identity(admin),
                  "signin.amazonaws.com", "ConsoleLogin", None, response={"ConsoleLogin": "Success"},
                  additional={"LoginTo": "https://console.aws.amazon.com/", "MFAUsed": "Yes", "MobileVersion": "No"},
                  ip=admin.ips[0], ua="Mozilla/5.0", event_type="AwsConsoleSignIn")


def quiet_members(w: LogWriter, rng: random.Random) -> None:
    """Members that only AWS services touch (the research account): an organisation trail still
    records their service-role sessions, a few a day in the home region. Drawn from a stream of
    their own, so the main baseline's events stay what they were."""
    from synthaudit.demo.estate_org import EXTRA_ACCOUNTS

    for offset in range(DAYS):
        date = START.date() + dt.timedelta(days=offset)
        for account in EXTRA_ACCOUNTS:
            for hour in range(0, 24, 6):
                svc = SERVICES[(hour // 6) % 2]
                w.add(dt.datetime.combine(date, dt.time(hour)) + dt.timedelta(minutes=rng.randrange(60)), account,
                      ids.HOME_REGION, {"type": "AWSService", "invokedBy": svc}, "sts.amazonaws.com", "AssumeRole",
                      {"roleArn": f"arn:aws:iam::{account}:role/aws-service-role/{svc}", "roleSessionName": svc},
                      ip=svc, ua=svc, read_only=True)

