"""The planted anomalies of the demo's CloudTrail: the events of every detector family,
each with a clean twin where one makes sense, and the ``Plant`` records that say what
the review must find. Log-file plants (deleted, edited, truncated files, a missing
digest) are made where the files are written (``cloudtrail_files``).
"""
from __future__ import annotations

import datetime as dt

from synthaudit.demo import ids
from synthaudit.demo.cloudtrail_records import (
    PROD_CLUSTER_ARN,
    PROD_CLUSTER_SNAPSHOT_ARN,
    PROD_KEY_ARN,
    QUIET_DAYS,
    SYNTH_KEY_ARN,
    TRAIL_ARN,
    LogWriter,
    Principal,
    day,
)
from synthaudit.demo.cloudtrail_records import bucket_arn as _bucket
from synthaudit.demo.cloudtrail_traffic import P
from synthaudit.demo.plant import Plant


def at(offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day(offset), dt.time(hour, minute))


def planted_events(w: LogWriter) -> list[Plant]:
    """Write the planted events into ``w``; return their records (log-file plants come with the files)."""
    out: list[Plant] = []

    def plant(pid, expect, check, resource, account, description):
        out.append(Plant(pid, expect, check, resource, account, description))

    mgmt_ops = Principal("role", ids.MANAGEMENT, "ops-automation", (), False, (0, 0), ())
    w.call(mgmt_ops, at(21, 3, 12), "cloudtrail.amazonaws.com", "StopLogging", params={"name": TRAIL_ARN},
           account=ids.MANAGEMENT, ip="203.0.113.9")
    w.call(mgmt_ops, at(21, 3, 41), "cloudtrail.amazonaws.com", "StartLogging", params={"name": TRAIL_ARN},
           account=ids.MANAGEMENT, ip="203.0.113.9")
    plant("CT01", "FAIL", "CT_TRAIL_STOPPED", TRAIL_ARN, ids.MANAGEMENT, "org trail stopped for half an hour at night")
    w.call(mgmt_ops, at(19, 4, 5), "cloudtrail.amazonaws.com", "PutEventSelectors", account=ids.MANAGEMENT,
           params={"trailName": TRAIL_ARN, "eventSelectors": [{"readWriteType": "WriteOnly", "includeManagementEvents": True,
                                                                "dataResources": [], "excludeManagementEventSources": []}]})
    plant("CT02", "FAIL", "CT_TRAIL_COVERAGE_REDUCED", TRAIL_ARN, ids.MANAGEMENT, "org trail set to record write events only")
    prod_trail = f"arn:aws:cloudtrail:{ids.HOME_REGION}:{ids.PRODUCTION}:trail/prod-data-events"
    w.call(P["prod-dba-admin"], at(18, 10, 30), "cloudtrail.amazonaws.com", "PutEventSelectors", account=ids.PRODUCTION,
           params={"trailName": prod_trail, "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": True,
                   "dataResources": [{"type": "AWS::S3::Object", "values": [f"arn:aws:s3:::{ids.PROD_PHI_BUCKET}/"]}],
                   "excludeManagementEventSources": []}]})
    plant("CT02-twin", "PASS", "CT_TRAIL_COVERAGE_REDUCED", prod_trail, ids.PRODUCTION,
          "production data-event trail widened to all events: not a reduction")
    synth_trail = f"arn:aws:cloudtrail:{ids.HOME_REGION}:{ids.SYNTHETIC}:trail/synth-local-trail"
    w.call(P[ids.SYNTH_ANALYST_ROLE], at(14, 15, 2), "cloudtrail.amazonaws.com", "DeleteTrail",
           params={"name": "synth-local-trail"}, account=ids.SYNTHETIC)
    plant("CT03", "FAIL", "CT_TRAIL_DELETED", synth_trail, ids.SYNTHETIC, "synthetic account's local trail deleted")
    flow = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.PRODUCTION}:vpc-flow-log/fl-0a1b2c3d4e5f60718"
    w.call(P["prod-dba-admin"], at(12, 16, 45), "ec2.amazonaws.com", "DeleteFlowLogs", account=ids.PRODUCTION,
           params={"DeleteFlowLogsRequest": {"FlowLogId": {"content": "fl-0a1b2c3d4e5f60718", "tag": 1}}})
    plant("CT04", "FAIL", "CT_FLOW_LOGS_DELETED", flow, ids.PRODUCTION, "production VPC flow logs deleted")
    recorder = f"arn:aws:config:{ids.HOME_REGION}:{ids.SYNTHETIC}:config-recorder/default"
    w.call(P[ids.SYNTH_PIPELINE_ROLE], at(11, 2, 20), "config.amazonaws.com", "StopConfigurationRecorder",
           params={"configurationRecorderName": "default"}, account=ids.SYNTHETIC)
    plant("CT05", "FAIL", "CT_CONFIG_RECORDING_STOPPED", recorder, ids.SYNTHETIC, "Config recorder stopped in the synthetic account")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
              "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{ids.TRAIL_BUCKET}/*"},
              {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ids.LOGGING}:role/log-archive-ops"},
               "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{ids.TRAIL_BUCKET}/*"}]}
    w.call(P["log-archive-ops"], at(10, 11, 3), "s3.amazonaws.com", "PutBucketPolicy", account=ids.LOGGING,
           params={"bucketName": ids.TRAIL_BUCKET, "bucketPolicy": policy, "Host": f"{ids.TRAIL_BUCKET}.s3.amazonaws.com"})
    plant("CT06", "FAIL", "CT_TRAIL_BUCKET_POLICY_CHANGED", _bucket(ids.TRAIL_BUCKET), ids.LOGGING,
          "trail bucket policy changed to let an ops role delete logs")
    artifacts = f"shared-artifacts-{ids.LOGGING}"
    w.call(P["log-archive-ops"], at(10, 11, 20), "s3.amazonaws.com", "PutBucketPolicy", account=ids.LOGGING,
           params={"bucketName": artifacts, "bucketPolicy": {"Version": "2012-10-17", "Statement": []}})
    plant("CT06-twin", "PASS", "CT_TRAIL_BUCKET_POLICY_CHANGED", _bucket(artifacts), ids.LOGGING,
          "policy change on an ordinary shared bucket")
    w.call(P[ids.SYNTH_ANALYST_ROLE], at(8, 14, 10), "kms.amazonaws.com", "ScheduleKeyDeletion", account=ids.SYNTHETIC,
           params={"keyId": SYNTH_KEY_ARN, "pendingWindowInDays": 7},
           resources=[{"accountId": ids.SYNTHETIC, "type": "AWS::KMS::Key", "ARN": SYNTH_KEY_ARN}])
    plant("CT07", "FAIL", "CT_KMS_KEY_DISABLED", SYNTH_KEY_ARN, ids.SYNTHETIC, "synthetic data key scheduled for deletion")
    w.call(P[ids.SYNTH_ANALYST_ROLE], at(8, 14, 30), "organizations.amazonaws.com", "LeaveOrganization",
           account=ids.SYNTHETIC, error="AccessDenied", params=None)
    plant("CT08", "FAIL", "CT_LEFT_ORGANIZATION",
          f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{ids.SYNTHETIC}", ids.SYNTHETIC,
          "synthetic account tried to leave the organisation (denied by SCP)")
    gen = P[ids.SYNTH_GENERATOR_ROLE]
    for minute in range(0, 50, 7):
        w.call(gen, at(6, 2, minute), "s3.amazonaws.com", "GetObject", _bucket(ids.PROD_PHI_BUCKET))
    plant("CT09", "FAIL", "CT_SYNTHETIC_READS_PRODUCTION_S3", _bucket(ids.PROD_PHI_BUCKET), ids.PRODUCTION,
          "synthetic generator read production claims objects")
    plant("CT09-twin", "PASS", "CT_SYNTHETIC_READS_PRODUCTION_S3", _bucket(ids.SYNTH_OUTPUT_BUCKET), ids.SYNTHETIC,
          "synthetic generator reading its own output bucket")
    analyst = P[ids.SYNTH_ANALYST_ROLE]
    for minute in (5, 6, 7):
        w.call(analyst, at(5, 10, minute), "kms.amazonaws.com", "Decrypt", PROD_KEY_ARN)
    plant("CT10", "FAIL", "CT_SYNTHETIC_USES_PRODUCTION_KMS", PROD_KEY_ARN, ids.PRODUCTION,
          "synthetic analyst decrypted with the production PHI key")
    plant("CT10-twin", "PASS", "CT_SYNTHETIC_USES_PRODUCTION_KMS", SYNTH_KEY_ARN, ids.SYNTHETIC,
          "synthetic generator using the synthetic key")
    pipeline = P[ids.SYNTH_PIPELINE_ROLE]
    w.call(pipeline, at(4, 2, 15), "rds-data.amazonaws.com", "ExecuteStatement", PROD_CLUSTER_ARN)
    plant("CT11", "FAIL", "CT_SYNTHETIC_ACCESSES_PRODUCTION_RDS", PROD_CLUSTER_ARN, ids.PRODUCTION,
          "synthetic pipeline queried the production claims database via the Data API")
    dba = P["prod-dba-admin"]
    w.call(dba, at(7, 13, 0), "rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute", account=ids.PRODUCTION,
           params={"dBClusterSnapshotIdentifier": "phi-claims-weekly", "attributeName": "restore",
                   "valuesToAdd": [ids.SYNTHETIC]})
    plant("CT12", "FAIL", "CT_SNAPSHOT_SHARED", PROD_CLUSTER_SNAPSHOT_ARN, ids.PRODUCTION,
          "production cluster snapshot shared with the synthetic account")
    ami = f"arn:aws:ec2:{ids.HOME_REGION}::image/ami-0prodphi0000000a1"  # no account in an AMI's ARN
    w.call(dba, at(7, 13, 20), "ec2.amazonaws.com", "ModifyImageAttribute", account=ids.PRODUCTION,
           params={"imageId": "ami-0prodphi0000000a1", "attributeType": "launchPermission",
                   "launchPermission": {"add": {"items": [{"group": "all"}]}}})
    plant("CT12b", "FAIL", "CT_SNAPSHOT_SHARED", ami, ids.PRODUCTION, "production AMI made public")
    admin = P["org-admin"]
    shared_snap = f"arn:aws:ec2:{ids.HOME_REGION}::snapshot/snap-0shared00000000b2"  # nor in a snapshot's
    w.call(admin, at(7, 9, 30), "ec2.amazonaws.com", "ModifySnapshotAttribute", account=ids.MANAGEMENT,
           params={"snapshotId": "snap-0shared00000000b2", "attributeType": "CREATE_VOLUME_PERMISSION",
                   "createVolumePermission": {"add": {"items": [{"userId": ids.LOGGING}]}}})
    plant("CT12-twin", "PASS", "CT_SNAPSHOT_SHARED", shared_snap, ids.MANAGEMENT,
          "shared-tooling snapshot shared between the two shared accounts")
    researcher = P["synth-researcher-1"]
    w.call(researcher, at(3, 11, 0), "rds.amazonaws.com", "CopyDBClusterSnapshot", account=ids.SYNTHETIC,
           params={"sourceDBClusterSnapshotIdentifier": PROD_CLUSTER_SNAPSHOT_ARN,
                   "targetDBClusterSnapshotIdentifier": "claims-copy"})
    plant("CT13", "FAIL", "CT_SNAPSHOT_COPIED_ACROSS_ACCOUNTS", PROD_CLUSTER_SNAPSHOT_ARN, ids.SYNTHETIC,
          "production cluster snapshot copied into the synthetic account")
    w.call(researcher, at(3, 11, 40), "rds.amazonaws.com", "RestoreDBClusterFromSnapshot", account=ids.SYNTHETIC,
           params={"dBClusterIdentifier": "claims-restore", "snapshotIdentifier": PROD_CLUSTER_SNAPSHOT_ARN,
                   "engine": "aurora-postgresql"})
    plant("CT14", "FAIL", "CT_SYNTHETIC_RESTORED_FROM_PRODUCTION", PROD_CLUSTER_SNAPSHOT_ARN, ids.SYNTHETIC,
          "claims database restored in the synthetic account from the production snapshot")
    imaging = P["prod-imaging-ingest"]
    w.call(imaging, at(2, 4, 0), "s3.amazonaws.com", "PutBucketReplication", account=ids.PRODUCTION,
           params={"bucketName": ids.PROD_IMAGING_BUCKET, "ReplicationConfiguration": {"Role": imaging.arn, "Rule": {
               "Status": "Enabled", "Destination": {"Bucket": _bucket(ids.SYNTH_OUTPUT_BUCKET)}}}})
    plant("CT15", "FAIL", "CT_PRODUCTION_BUCKET_REPLICATED_OUT", _bucket(ids.PROD_IMAGING_BUCKET), ids.PRODUCTION,
          "imaging bucket replicates into the synthetic output bucket")
    w.call(P["prod-analyst-1"], at(2, 15, 0), "s3.amazonaws.com", "PutBucketPolicy", account=ids.PRODUCTION,
           params={"bucketName": ids.PROD_SAMPLES_BUCKET, "bucketPolicy": {"Version": "2012-10-17", "Statement": [{
               "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ids.SYNTHETIC}:root"}, "Action": "s3:GetObject",
               "Resource": f"arn:aws:s3:::{ids.PROD_SAMPLES_BUCKET}/*"}]}})
    plant("CT16", "FAIL", "CT_PRODUCTION_BUCKET_POLICY_OPENED", _bucket(ids.PROD_SAMPLES_BUCKET), ids.PRODUCTION,
          "research samples bucket policy grants the synthetic account")
    sg = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.SYNTHETIC}:security-group/sg-0synthssh000000c3"
    sg_web = f"arn:aws:ec2:{ids.HOME_REGION}:{ids.SYNTHETIC}:security-group/sg-0synthweb000000d4"
    for group, port in (("sg-0synthssh000000c3", 22), ("sg-0synthweb000000d4", 443)):
        w.call(researcher, at(1, 10, port % 60), "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", account=ids.SYNTHETIC,
               params={"groupId": group, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": port, "toPort": port,
                       "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}})
    plant("CT17", "FAIL", "CT_SECURITY_GROUP_ADMIN_PORT_OPENED", sg, ids.SYNTHETIC, "SSH opened to the internet")
    plant("CT17-twin", "PASS", "CT_SECURITY_GROUP_ADMIN_PORT_OPENED", sg_web, ids.SYNTHETIC, "HTTPS opened to the internet")
    plant("CT18", "FAIL", "CT_NEW_PRINCIPAL_ACTION", dba.arn, ids.PRODUCTION,
          "DBA role shared a snapshot, an action it never used before")
    analyst2 = P["prod-analyst-2"]
    for minute in range(3):
        w.call(analyst2, at(13, 11, minute), "s3.amazonaws.com", "GetObject", _bucket(ids.PROD_IMAGING_BUCKET))
    plant("CT19", "FAIL", "CT_NEW_PRINCIPAL_RESOURCE", _bucket(ids.PROD_IMAGING_BUCKET), ids.PRODUCTION,
          "claims analyst read the imaging bucket for the first time")
    synth3 = P["synth-researcher-3"]
    for minute in range(4):
        w.call(synth3, at(15, 14, minute), "s3.amazonaws.com", "GetObject", _bucket(ids.SYNTH_OUTPUT_BUCKET),
               ip="203.0.113.77", ua="python-requests/2.31.0")
    plant("CT20", "FAIL", "CT_NEW_PRINCIPAL_SOURCE", synth3.arn, ids.SYNTHETIC,
          "researcher role used from an unknown network and client")
    analyst4 = P["prod-analyst-4"]
    for n in range(900):
        w.call(analyst4, at(17, 9 + n // 100, (n * 7) % 60), "s3.amazonaws.com", "GetObject", _bucket(ids.PROD_PHI_BUCKET))
    plant("CT21", "FAIL", "CT_ACTIVITY_SPIKE", analyst4.arn, ids.PRODUCTION, "analyst downloaded 900 claims objects in a day")
    synth2 = P["synth-researcher-2"]
    for n in range(25):
        w.call(synth2, at(20, 16, n * 2), "s3.amazonaws.com", "ListObjectsV2" if n % 2 else "GetObject",
               _bucket(ids.PROD_PHI_BUCKET), error="AccessDenied")
    plant("CT22", "FAIL", "CT_ACCESS_DENIED_BURST", synth2.arn, ids.SYNTHETIC, "researcher probed the production bucket")
    for minute in (3, 9, 17):
        w.call(dba, at(22, 3, minute), "rds.amazonaws.com", "DescribeDBClusters", account=ids.PRODUCTION)
    plant("CT23", "FAIL", "CT_OFF_HOURS_ACTIVITY", dba.arn, ids.PRODUCTION, "DBA role active at 03:00 UTC")
    root = Principal("root", ids.MANAGEMENT, "root", (), False, (0, 0), ())
    w.call(root, at(23, 19, 0), "signin.amazonaws.com", "ConsoleLogin", account=ids.MANAGEMENT, ip="192.0.2.10",
           response={"ConsoleLogin": "Success"}, additional={"MFAUsed": "Yes"}, event_type="AwsConsoleSignIn")
    w.call(root, at(23, 19, 4), "iam.amazonaws.com", "CreateAccessKey", account=ids.MANAGEMENT, ip="192.0.2.10")
    plant("CT24", "FAIL", "CT_ROOT_ACTIVITY", root.arn, ids.MANAGEMENT, "management account root used")
    contractor = Principal("user", ids.SYNTHETIC, "contractor-jdoe", (), False, (0, 0), ())
    w.call(contractor, at(24, 10, 0), "signin.amazonaws.com", "ConsoleLogin", account=ids.SYNTHETIC, ip="198.51.100.99",
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
