"""The second round of the demo's CloudTrail plants: the exposure and data-leaving detectors'
failures (a policy granting the partner account, a database made public, access logging
removed, objects copied into another account) and clean twins for the plants of the first
round (``cloudtrail_plants``) that had none: each a near-identical event the detector must
not flag. Written after the first round, so the events before keep their ids; every event
lands in a delivery block the baseline already fills, so the log files keep their keys.

Detectors about files or absences (coverage gaps, integrity, digests, unreadable files,
dropped records) get no twin here: they report nothing on a healthy file or account.
"""
from __future__ import annotations

import datetime as dt

from synthaudit.demo import ids
from synthaudit.demo.cloudtrail_records import (
    PROD_KEY_ARN,
    LogWriter,
    Principal,
    bucket_arn,
    day,
)
from synthaudit.demo.cloudtrail_traffic import P
from synthaudit.demo.plant import Plant

PARTNER = "999988887777"  # acme-analytics, outside the organisation (estate_iam.EXTERNAL_VENDOR)
REGION = ids.HOME_REGION


def at(offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(hour, minute))


def _account_arn(account: str) -> str:
    return f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{account}"


def _copy_resources(src: tuple[str, str], dst: tuple[str, str], key: str) -> list[dict]:
    """A CopyObject record's resources: destination object and bucket, then the source's (bucket owners named)."""
    out = []
    for bucket, owner in (dst, src):
        out += [{"type": "AWS::S3::Object", "ARN": f"{bucket_arn(bucket)}/{key}"},
                {"accountId": owner, "type": "AWS::S3::Bucket", "ARN": bucket_arn(bucket)}]
    return out


def _bucket_policy(bucket: str, principal: object, condition: dict | None = None) -> dict:
    statement = {"Sid": "Read", "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def twin_events(w: LogWriter) -> list[Plant]:
    """Write the second round's events into ``w``; return their records."""
    out: list[Plant] = []

    def plant(pid, expect, check, resource, account, description, severity=None):
        out.append(Plant(pid, expect, check, resource, account, description, severity=severity))

    dba, etl = P["prod-dba-admin"], P[ids.PROD_ETL_ROLE]
    analyst1, analyst2 = P["prod-analyst-1"], P["prod-analyst-2"]
    researcher1, synth_analyst = P["synth-researcher-1"], P[ids.SYNTH_ANALYST_ROLE]
    _data_leaving(w, plant, etl, analyst1)
    _exposure(w, plant, dba, analyst2, researcher1)
    _logging_twins(w, plant, dba, synth_analyst)
    _cross_environment_twins(w, plant, dba, etl, researcher1)
    _behaviour_twins(w, plant)
    _sign_in_twins(w, plant)
    return out


def _copy_object(w: LogWriter, who: Principal, when, source: tuple[str, str], target: tuple[str, str],
                 key: str) -> None:
    """A CopyObject by ``who`` (in the source's account) of ``key`` from one (bucket, account) to another."""
    w.call(who, when, "s3.amazonaws.com", "CopyObject", account=source[1],
           params={"bucketName": target[0], "key": key, "x-amz-copy-source": f"{source[0]}/{key}",
                   "Host": f"{target[0]}.s3.amazonaws.com"},
           resources=_copy_resources(source, target, key))


def _data_leaving(w: LogWriter, plant, etl: Principal, analyst1: Principal) -> None:
    prod, synth = ids.PRODUCTION, ids.SYNTHETIC
    plant("CT33", "FAIL", "CT_DATA_COPIED_TO_ANOTHER_ACCOUNT", bucket_arn(ids.PROD_IMAGING_BUCKET), prod,
          "imaging bucket replicates into the synthetic account's output bucket (the event of CT15)")
    _copy_object(w, etl, at(5, 3, 10), (ids.PROD_PHI_BUCKET, prod), ("synth-ingest-drop", synth),
                 "claims/2026/10/part-0007.parquet")
    plant("CT34", "FAIL", "CT_DATA_COPIED_TO_ANOTHER_ACCOUNT", bucket_arn(ids.PROD_PHI_BUCKET), prod,
          "ETL copied a claims object into a bucket of the synthetic account")
    _copy_object(w, etl, at(5, 3, 20), (ids.PROD_SAMPLES_BUCKET, prod), ("phi-archive-prod", prod),
                 "cohort-2026q3/patients.csv")
    plant("CT34-twin", "PASS", "CT_DATA_COPIED_TO_ANOTHER_ACCOUNT", bucket_arn(ids.PROD_SAMPLES_BUCKET), prod,
          "ETL copied a samples object into the production archive bucket of its own account")
    w.call(etl, at(2, 4, 10), "s3.amazonaws.com", "PutBucketReplication", account=prod,
           params={"bucketName": ids.PROD_PHI_BUCKET, "ReplicationConfiguration": {"Role": etl.arn, "Rule": {
               "Status": "Enabled", "Destination": {"Bucket": bucket_arn("phi-archive-prod")}}}})
    plant("CT15-twin", "PASS", "CT_PRODUCTION_BUCKET_REPLICATED_OUT", bucket_arn(ids.PROD_PHI_BUCKET), prod,
          "claims bucket replicates into the production archive bucket")
    logging_off = {"bucketName": ids.PROD_SAMPLES_BUCKET, "Host": f"{ids.PROD_SAMPLES_BUCKET}.s3.amazonaws.com",
                   "BucketLoggingStatus": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}, "logging": [""]}
    w.call(analyst1, at(2, 15, 10), "s3.amazonaws.com", "PutBucketLogging", account=prod, params=logging_off)
    plant("CT37", "FAIL", "CT_ACCESS_LOGGING_REMOVED", bucket_arn(ids.PROD_SAMPLES_BUCKET), prod,
          "server access logging switched off on the research samples bucket (after its policy was opened)")
    logging_moved = {"bucketName": ids.PROD_PHI_BUCKET, "Host": f"{ids.PROD_PHI_BUCKET}.s3.amazonaws.com", "logging": [""],
                     "BucketLoggingStatus": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", "LoggingEnabled": {
                         "TargetBucket": f"s3-access-logs-{ids.LOGGING}", "TargetPrefix": f"{ids.PROD_PHI_BUCKET}/"}}}
    w.call(analyst1, at(2, 15, 20), "s3.amazonaws.com", "PutBucketLogging", account=prod, params=logging_moved)
    plant("CT37-twin", "PASS", "CT_ACCESS_LOGGING_REMOVED", bucket_arn(ids.PROD_PHI_BUCKET), prod,
          "claims bucket's access logs redirected to the log archive: logging stays on")


def _exposure(w: LogWriter, plant, dba: Principal, analyst2: Principal, researcher1: Principal) -> None:
    prod, synth = ids.PRODUCTION, ids.SYNTHETIC
    lab = "phi-lab-results-prod"
    w.call(analyst2, at(22, 14, 20), "s3.amazonaws.com", "PutBucketPolicy", account=prod,
           params={"bucketName": lab, "Host": f"{lab}.s3.amazonaws.com",
                   "bucketPolicy": _bucket_policy(lab, {"AWS": f"arn:aws:iam::{PARTNER}:root"})})
    plant("CT35", "FAIL", "CT_RESOURCE_POLICY_EXPOSED", bucket_arn(lab), prod,
          "lab-results bucket policy grants the partner account outside the organisation", severity="critical")
    w.call(analyst2, at(22, 14, 0), "s3.amazonaws.com", "PutBucketPolicy", account=prod,
           params={"bucketName": ids.PROD_PHI_BUCKET, "Host": f"{ids.PROD_PHI_BUCKET}.s3.amazonaws.com",
                   "bucketPolicy": _bucket_policy(ids.PROD_PHI_BUCKET, "*",
                                                  {"StringEquals": {"aws:PrincipalOrgID": ids.ORG_ID}})})
    for pid, check in (("CT35-twin", "CT_RESOURCE_POLICY_EXPOSED"), ("CT16-twin", "CT_PRODUCTION_BUCKET_POLICY_OPENED")):
        plant(pid, "PASS", check, bucket_arn(ids.PROD_PHI_BUCKET), prod,
              "claims bucket policy grants \"*\" bounded by aws:PrincipalOrgID: the organisation only")
    replica = f"arn:aws:rds:{REGION}:{prod}:db:phi-reporting-replica"
    w.call(dba, at(25, 11, 0), "rds.amazonaws.com", "ModifyDBInstance", account=prod,
           params={"dBInstanceIdentifier": "phi-reporting-replica", "publiclyAccessible": True, "applyImmediately": True})
    plant("CT36", "FAIL", "CT_DATABASE_MADE_PUBLIC", replica, prod,
          "production reporting replica made publicly accessible", severity="critical")
    w.call(researcher1, at(24, 10, 30), "rds.amazonaws.com", "CreateDBInstance", account=synth, error="AccessDenied",
           params={"dBInstanceIdentifier": "synth-scratch-db", "engine": "postgres", "dBInstanceClass": "db.t4g.micro",
                   "publiclyAccessible": True})
    plant("CT36b", "FAIL", "CT_DATABASE_MADE_PUBLIC", f"arn:aws:rds:{REGION}:{synth}:db:synth-scratch-db", synth,
          "attempt (denied by SCP) to create a public database in the synthetic account: reported as attempted",
          severity="medium")
    w.call(researcher1, at(24, 10, 45), "rds.amazonaws.com", "ModifyDBInstance", account=synth,
           params={"dBInstanceIdentifier": "synth-analytics-db", "publiclyAccessible": False, "applyImmediately": True})
    plant("CT36-twin", "PASS", "CT_DATABASE_MADE_PUBLIC", f"arn:aws:rds:{REGION}:{synth}:db:synth-analytics-db", synth,
          "synthetic analytics database modified with PubliclyAccessible false")


def _logging_twins(w: LogWriter, plant, dba: Principal, synth_analyst: Principal) -> None:
    prod, synth, logging = ids.PRODUCTION, ids.SYNTHETIC, ids.LOGGING
    prod_trail = f"arn:aws:cloudtrail:{REGION}:{prod}:trail/prod-data-events"
    w.call(dba, at(25, 10, 15), "cloudtrail.amazonaws.com", "StartLogging", account=prod, params={"name": prod_trail})
    plant("CT01-twin", "PASS", "CT_TRAIL_STOPPED", prod_trail, prod, "production data-event trail started, not stopped")
    w.call(synth_analyst, at(14, 15, 30), "cloudtrail.amazonaws.com", "CreateTrail", account=synth,
           params={"name": "synth-audit-trail", "s3BucketName": f"synth-audit-trail-logs-{synth}", "isMultiRegionTrail": True,
                   "enableLogFileValidation": True})
    plant("CT03-twin", "PASS", "CT_TRAIL_DELETED", f"arn:aws:cloudtrail:{REGION}:{synth}:trail/synth-audit-trail", synth,
          "a new trail created in the synthetic account")
    w.call(dba, at(12, 16, 50), "ec2.amazonaws.com", "CreateFlowLogs", account=prod,
           params={"CreateFlowLogsRequest": {"ResourceId": {"content": "vpc-0prodclaims00000e5", "tag": 1},
                                             "ResourceType": "VPC", "TrafficType": "ALL"}},
           response={"CreateFlowLogsResponse": {"flowLogIdSet": {"item": "fl-0c1d2e3f4a5b60719"}}})
    plant("CT04-twin", "PASS", "CT_FLOW_LOGS_DELETED", f"arn:aws:ec2:{REGION}:{prod}:vpc-flow-log/fl-0c1d2e3f4a5b60719",
          prod, "flow logs created for the production claims VPC")
    audit = P["security-audit"]
    w.call(audit, at(11, 6, 20), "config.amazonaws.com", "StartConfigurationRecorder", account=logging,
           params={"configurationRecorderName": "default"})
    plant("CT05-twin", "PASS", "CT_CONFIG_RECORDING_STOPPED", f"arn:aws:config:{REGION}:{logging}:config-recorder/default",
          logging, "Config recorder started in the logging account")
    w.call(dba, at(8, 11, 0), "kms.amazonaws.com", "EnableKeyRotation", account=prod, params={"keyId": PROD_KEY_ARN},
           resources=[{"accountId": prod, "type": "AWS::KMS::Key", "ARN": PROD_KEY_ARN}])
    plant("CT07-twin", "PASS", "CT_KMS_KEY_DISABLED", PROD_KEY_ARN, prod, "rotation enabled on the production PHI key")
    w.call(dba, at(8, 11, 5), "organizations.amazonaws.com", "DescribeOrganization", account=prod)
    plant("CT08-twin", "PASS", "CT_LEFT_ORGANIZATION", _account_arn(prod), prod,
          "production account reads its organisation: a member call that leaves nothing")


def _cross_environment_twins(w: LogWriter, plant, dba: Principal, etl: Principal, researcher1: Principal) -> None:
    prod, synth = ids.PRODUCTION, ids.SYNTHETIC
    synth_cluster = f"arn:aws:rds:{REGION}:{synth}:cluster:synth-claims-db"
    w.call(P[ids.SYNTH_PIPELINE_ROLE], at(4, 2, 20), "rds-data.amazonaws.com", "ExecuteStatement", synth_cluster)
    plant("CT11-twin", "PASS", "CT_SYNTHETIC_ACCESSES_PRODUCTION_RDS", synth_cluster, synth,
          "synthetic pipeline queried the synthetic claims database via the Data API")
    daily = f"arn:aws:rds:{REGION}:{prod}:cluster-snapshot:phi-claims-daily"
    w.call(dba, at(7, 13, 40), "rds.amazonaws.com", "CopyDBClusterSnapshot", account=prod,
           params={"sourceDBClusterSnapshotIdentifier": daily, "targetDBClusterSnapshotIdentifier": "phi-claims-daily-dr"})
    plant("CT13-twin", "PASS", "CT_SNAPSHOT_COPIED_ACROSS_ACCOUNTS", daily, prod,
          "production cluster snapshot copied within the production account")
    nightly = f"arn:aws:rds:{REGION}:{synth}:cluster-snapshot:synth-claims-nightly"
    w.call(researcher1, at(3, 11, 50), "rds.amazonaws.com", "RestoreDBClusterFromSnapshot", account=synth,
           params={"dBClusterIdentifier": "synth-claims-restore", "snapshotIdentifier": nightly, "engine": "aurora-postgresql"})
    plant("CT14-twin", "PASS", "CT_SYNTHETIC_RESTORED_FROM_PRODUCTION", nightly, synth,
          "database restored in the synthetic account from a synthetic snapshot")


def _behaviour_twins(w: LogWriter, plant) -> None:
    """Established behaviour beside each new-behaviour plant: a known action, resource, network and
    client (a newer version of the same CLI), usual hours, a few denied calls."""
    prod, synth, mgmt = ids.PRODUCTION, ids.SYNTHETIC, ids.MANAGEMENT
    finops = P["finops-reader"]
    w.call(finops, at(10, 13, 25), "ce.amazonaws.com", "GetCostAndUsage", account=mgmt)
    plant("CT18-twin", "PASS", "CT_NEW_PRINCIPAL_ACTION", finops.arn, mgmt, "cost reader calls its usual cost API")
    researcher4 = P["synth-researcher-4"]
    for minute in range(3):
        w.call(researcher4, at(15, 14, 10 + minute), "s3.amazonaws.com", "GetObject", bucket_arn(ids.SYNTH_OUTPUT_BUCKET),
               ua="aws-cli/2.17.20 Python/3.12.1 Linux/6.5 exe/x86_64")
    plant("CT19-twin", "PASS", "CT_NEW_PRINCIPAL_RESOURCE", bucket_arn(ids.SYNTH_OUTPUT_BUCKET), synth,
          "synthetic output bucket read only by principals that read it in the baseline")
    plant("CT20-twin", "PASS", "CT_NEW_PRINCIPAL_SOURCE", researcher4.arn, synth,
          "researcher role from its usual network with a newer version of the same CLI")
    analyst5 = P["prod-analyst-5"]
    for minute in (5, 19, 41):
        w.call(analyst5, at(21, 14, minute), "s3.amazonaws.com", "GetObject", bucket_arn(ids.PROD_PHI_BUCKET),
               error="AccessDenied")
    plant("CT22-twin", "PASS", "CT_ACCESS_DENIED_BURST", analyst5.arn, prod, "three denied reads in an hour: no burst")
    analyst6 = P["prod-analyst-6"]
    for minute in (44, 52):
        w.call(analyst6, at(22, 17, minute), "athena.amazonaws.com", "GetQueryResults", account=prod)
    plant("CT23-twin", "PASS", "CT_OFF_HOURS_ACTIVITY", analyst6.arn, prod, "analyst active late in its usual last hour")


def _sign_in_twins(w: LogWriter, plant) -> None:
    prod, synth = ids.PRODUCTION, ids.SYNTHETIC
    role = f"arn:aws:iam::{prod}:role/clinical-analysts"
    session = f"arn:aws:sts::{prod}:assumed-role/clinical-analysts/jane.doe@example.org"
    saml = {"type": "AssumedRole", "principalId": "AROACLINICALANALYSTS:jane.doe@example.org", "arn": session,
            "accountId": prod, "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": "AROACLINICALANALYSTS", "arn": role, "accountId": prod,
                                  "userName": "clinical-analysts"},
                "attributes": {"creationDate": f"{day(23)}T08:30:00Z", "mfaAuthenticated": "false"}}}
    w.add(at(23, 8, 30), prod, REGION, saml, "signin.amazonaws.com", "ConsoleLogin", None,
          response={"ConsoleLogin": "Success"}, ip="192.0.2.57", ua="Mozilla/5.0", event_type="AwsConsoleSignIn",
          additional={"LoginTo": "https://console.aws.amazon.com/", "MobileVersion": "No", "MFAUsed": "No",
                      "SamlProviderArn": f"arn:aws:iam::{prod}:saml-provider/corp-idp"})
    plant("CT25-saml", "PASS", "CT_CONSOLE_LOGIN_WITHOUT_MFA", session, prod,
          "SAML console sign-in (MFA is the identity provider's): not an IAM user's login without MFA")
    contractor = Principal("user", synth, "contractor-asmith", (), False, (0, 0), ())
    w.call(contractor, at(24, 9, 0), "signin.amazonaws.com", "ConsoleLogin", account=synth, ip="198.51.100.98", ua="Mozilla/5.0",
           response={"ConsoleLogin": "Failure"}, additional={"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"},
           event_type="AwsConsoleSignIn", error_message="Failed authentication")
    plant("CT25-failed", "PASS", "CT_CONSOLE_LOGIN_WITHOUT_MFA", contractor.arn, synth,
          "failed console sign-in without MFA (errorMessage, no errorCode): nobody signed in")
