"""Governance: CloudTrail trails with event selectors, and AWS Config recorders and rules;
with the planted logging and Config gaps.

The organisation trail (management account, bucket in the logging account) is the
reference: multi-region, log-file validation, KMS, advanced selectors for S3 data
events on production buckets and Lambda data events on the synthetic pipeline. The
gaps are a production bucket outside every selector, a production pipeline Lambda
nobody logs, and a legacy production trail with none of the good settings.
"""
from __future__ import annotations

from synthaudit.demo import ids
from synthaudit.demo.estate_core import ENV_TAGS, Estate, org_account_arn, tags_list
from synthaudit.demo.estate_org import EXTRA_ACCOUNTS

REGION = ids.HOME_REGION
ORG_TRAIL_S3_PREFIXES = ["arn:aws:s3:::prod-", f"arn:aws:s3:::{ids.PROD_PHI_BUCKET}/",
                         f"arn:aws:s3:::{ids.PROD_SAMPLES_BUCKET}/", "arn:aws:s3:::synth-"]


def _trail_arn(account: str, name: str) -> str:
    return f"arn:aws:cloudtrail:{REGION}:{account}:trail/{name}"


def build_cloudtrail(estate: Estate) -> None:
    p, s, m = ids.PRODUCTION, ids.SYNTHETIC, ids.MANAGEMENT
    keys = estate.facts["keys"]
    ct = estate.client(m, "cloudtrail")
    ct.create_trail(Name=ids.TRAIL_NAME, S3BucketName=ids.TRAIL_BUCKET, IsMultiRegionTrail=True,
                    IsOrganizationTrail=True, EnableLogFileValidation=True, IncludeGlobalServiceEvents=True,
                    KmsKeyId=keys["org-cloudtrail"], TagsList=tags_list(ENV_TAGS["shared"]))
    ct.put_event_selectors(TrailName=ids.TRAIL_NAME, AdvancedEventSelectors=[
        {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "Object access on production and synthetic data",
         "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                            {"Field": "resources.ARN", "StartsWith": ORG_TRAIL_S3_PREFIXES}]},
        {"Name": "Synthetic pipeline invocations",
         "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
                            {"Field": "resources.ARN", "StartsWith": [f"arn:aws:lambda:{REGION}:{s}:function:synth-"]}]},
    ])
    ct.start_logging(Name=ids.TRAIL_NAME)
    estate.count(m, "cloudtrail_trail")

    pct = estate.client(p, "cloudtrail")
    # A production account trail using basic selectors: covers the lab results bucket the org trail omits.
    pct.create_trail(Name="prod-phi-access-trail", S3BucketName="prod-legacy-cloudtrail-logs", IsMultiRegionTrail=True,
                     EnableLogFileValidation=True, KmsKeyId=keys["prod-logs"], TagsList=tags_list(ENV_TAGS["production"]))
    pct.put_event_selectors(TrailName="prod-phi-access-trail", EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": False,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::phi-lab-results-prod/"]}]}])
    pct.start_logging(Name="prod-phi-access-trail")
    # The legacy trail: single region, no validation, no KMS, management events only.
    pct.create_trail(Name="prod-legacy-trail", S3BucketName="prod-legacy-cloudtrail-logs", IsMultiRegionTrail=False,
                     EnableLogFileValidation=False, TagsList=tags_list(ENV_TAGS["production"]))
    pct.put_event_selectors(TrailName="prod-legacy-trail", EventSelectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}])
    pct.start_logging(Name="prod-legacy-trail")
    estate.count(p, "cloudtrail_trail", 2)

    org_trail, legacy = _trail_arn(m, ids.TRAIL_NAME), _trail_arn(p, "prod-legacy-trail")
    plant, P, SH = estate.plant, "production", "shared"
    plant("P130", "FAIL", "CLOUDTRAIL_LOG_VALIDATION_OFF", legacy, p, P,
          "prod-legacy-trail has log-file validation disabled")
    plant("P131", "PASS", "CLOUDTRAIL_LOG_VALIDATION_OFF", org_trail, m, SH,
          "clean twin: the organisation trail validates its log files")
    plant("P132", "FAIL", "CLOUDTRAIL_NOT_KMS_ENCRYPTED", legacy, p, P,
          "prod-legacy-trail delivers log files without a KMS key (SSE-S3 only)")
    plant("P133", "PASS", "CLOUDTRAIL_NOT_KMS_ENCRYPTED", org_trail, m, SH,
          "clean twin: the organisation trail encrypts with alias/org-cloudtrail")
    plant("P134", "FAIL", "CLOUDTRAIL_NO_S3_DATA_EVENTS", f"arn:aws:s3:::{ids.PROD_IMAGING_BUCKET}", p, P,
          "no trail records object-level (data) events on the PHI imaging bucket: the organisation trail's advanced "
          "selectors list other production buckets, prod-legacy-trail logs management events only")
    plant("P135", "PASS", "CLOUDTRAIL_NO_S3_DATA_EVENTS", f"arn:aws:s3:::{ids.PROD_PHI_BUCKET}", p, P,
          "clean twin: the organisation trail's advanced selector (resources.ARN StartsWith) covers phi-claims-prod")
    plant("P136", "PASS", "CLOUDTRAIL_NO_S3_DATA_EVENTS", "arn:aws:s3:::phi-lab-results-prod", p, P,
          "clean twin: covered by the basic event selector (DataResources) of prod-phi-access-trail")
    plant("P137", "FAIL", "CLOUDTRAIL_NO_LAMBDA_DATA_EVENTS",
          f"arn:aws:lambda:{REGION}:{p}:function:prod-phi-deidentify", p, P,
          "the production de-identification Lambda (a pipeline function) is invoked with no trail recording "
          "Lambda data events for it")
    plant("P138", "PASS", "CLOUDTRAIL_NO_LAMBDA_DATA_EVENTS",
          f"arn:aws:lambda:{REGION}:{s}:function:synth-deidentify-sampler", s, "synthetic",
          "clean twin: the organisation trail records invocations of synthetic pipeline functions (synth-*)")
    plant("P139", "FAIL", "CLOUDTRAIL_BUCKET_READABLE_BY_SYNTHETIC", "arn:aws:s3:::prod-legacy-cloudtrail-logs", p, P,
          "the production trails' log bucket policy lets the synthetic role synth-data-analyst read (s3:GetObject)")
    plant("P140", "PASS", "CLOUDTRAIL_BUCKET_READABLE_BY_SYNTHETIC", f"arn:aws:s3:::{ids.TRAIL_BUCKET}", ids.LOGGING, SH,
          "clean twin: the organisation trail bucket is readable by CloudTrail (ACL check) and the audit roles only")


# ------------------------------------------------------------------------------ Config

REQUIRED_RULES = {"restricted-ssh": "INCOMING_SSH_DISABLED",
                  "s3-bucket-public-write-prohibited": "S3_BUCKET_PUBLIC_WRITE_PROHIBITED"}
OTHER_RULES = {"encrypted-volumes": "ENCRYPTED_VOLUMES", "rds-storage-encrypted": "RDS_STORAGE_ENCRYPTED",
               "cloudtrail-enabled": "CLOUD_TRAIL_ENABLED", "iam-user-mfa-enabled": "IAM_USER_MFA_ENABLED",
               "s3-bucket-ssl-requests-only": "S3_BUCKET_SSL_REQUESTS_ONLY"}
# account -> (regions recording, regions with a stopped recorder, rules present)
CONFIG_LAYOUT = {
    ids.MANAGEMENT: (ids.REGIONS, (), {**REQUIRED_RULES, **OTHER_RULES}),
    ids.PRODUCTION: (ids.REGIONS, (), {**REQUIRED_RULES, **OTHER_RULES}),
    ids.SYNTHETIC: (ids.REGIONS, (), dict(OTHER_RULES)),                 # required rules missing
    ids.LOGGING: ((ids.HOME_REGION,), (ids.REGIONS[1],), {**REQUIRED_RULES, **OTHER_RULES}),  # eu recorder stopped
    **{a: (ids.REGIONS, (), {**REQUIRED_RULES, **OTHER_RULES}) for a in EXTRA_ACCOUNTS},
}


def build_config(estate: Estate) -> None:
    for account, (recording, stopped, rules) in CONFIG_LAYOUT.items():
        for region in (*recording, *stopped):
            cfg = estate.client(account, "config", region)
            cfg.put_configuration_recorder(ConfigurationRecorder={
                "name": "default", "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/"
                                              "AWSServiceRoleForConfig",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == ids.HOME_REGION}})
            cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": f"shared-config-logs-{ids.LOGGING[-4:]}"})
            if region in recording:
                cfg.start_configuration_recorder(ConfigurationRecorderName="default")
            estate.count(account, "config_recorder")
            for name, identifier in rules.items():
                cfg.put_config_rule(ConfigRule={"ConfigRuleName": name,
                                                "Source": {"Owner": "AWS", "SourceIdentifier": identifier}})
                estate.count(account, "config_rule")
    plant = estate.plant
    plant("P150", "FAIL", "CONFIG_REQUIRED_RULE_MISSING", org_account_arn(ids.SYNTHETIC), ids.SYNTHETIC, "synthetic",
          "the synthetic account has Config rules, but neither restricted-ssh (INCOMING_SSH_DISABLED) nor "
          "s3-bucket-public-write-prohibited, in either region")
    plant("P151", "PASS", "CONFIG_REQUIRED_RULE_MISSING", org_account_arn(ids.PRODUCTION), ids.PRODUCTION, "production",
          "clean twin: the production account has both required rules in both regions")
    plant("P152", "FAIL", "CONFIG_RECORDER_OFF", org_account_arn(ids.LOGGING), ids.LOGGING, "shared",
          f"the logging account's Config recorder in {ids.REGIONS[1]} exists but is stopped")
    plant("P153", "PASS", "CONFIG_RECORDER_OFF", org_account_arn(ids.SYNTHETIC), ids.SYNTHETIC, "synthetic",
          "clean twin: the synthetic account records in both regions")


def build_trail_findings(estate: Estate) -> None:
    """The data-event gap on the trail to change, beside P134/P137 on the bucket and function; its twin is a
    synthetic-account trail whose scope holds no production bucket and only logged pipeline functions.
    Built after Config, so the seeded ids drawn before stay as they were."""
    s, m = ids.SYNTHETIC, ids.MANAGEMENT
    sct = estate.client(s, "cloudtrail")
    sct.create_trail(Name="synth-pipeline-trail", S3BucketName=ids.TRAIL_BUCKET, IsMultiRegionTrail=True,
                     EnableLogFileValidation=True, KmsKeyId=estate.facts["keys"]["synth-data"],
                     TagsList=tags_list(ENV_TAGS["synthetic"]))
    sct.put_event_selectors(TrailName="synth-pipeline-trail", AdvancedEventSelectors=[
        {"Name": "Synthetic pipeline invocations",
         "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}]}])
    sct.start_logging(Name="synth-pipeline-trail")
    estate.count(s, "cloudtrail_trail")
    estate.plant("P141", "FAIL", "CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS", _trail_arn(m, ids.TRAIL_NAME), m, "shared",
                 f"the organisation trail's selectors miss the production bucket {ids.PROD_IMAGING_BUCKET} and the "
                 "pipeline function prod-phi-deidentify: the finding on the trail names both")
    estate.plant("P142", "PASS", "CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS", _trail_arn(s, "synth-pipeline-trail"), s,
                 "synthetic", "clean twin: a synthetic-account trail; its scope holds no production bucket, and "
                              "its pipeline functions' invocations are recorded")


def build_governance(estate: Estate) -> None:
    build_cloudtrail(estate)
    build_config(estate)
    build_trail_findings(estate)
