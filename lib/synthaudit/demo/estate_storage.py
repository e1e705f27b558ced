"""KMS keys and S3 buckets in every account, with the planted storage failures.

Buckets carry what a real estate's buckets carry: default encryption (SSE-KMS or
SSE-S3), public access blocks, tags, policies (TLS-only plus grants), a few objects.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from synthaudit.demo import ids
from synthaudit.demo.estate_core import ACCOUNT_ENV, ENV_TAGS, Estate, role_arn, tags_list
from synthaudit.demo.estate_iam import PREFIX

# ------------------------------------------------------------------------- KMS


@dataclass(frozen=True)
class KeySpec:
    account: str
    alias: str
    description: str
    users: tuple[str, ...] = ()          # principal ARNs allowed to use the key (besides the account)
    service_users: tuple[str, ...] = ()  # service principals (cloudtrail.amazonaws.com, ...)
    region: str = ids.HOME_REGION
    tags: dict[str, str] = field(default_factory=dict)


def key_policy(spec: KeySpec) -> str:
    stmts: list[dict[str, Any]] = [{
        "Sid": "AccountAdministers", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{spec.account}:root"}, "Action": "kms:*", "Resource": "*"}]
    if spec.users:
        stmts.append({"Sid": "KeyUsers", "Effect": "Allow", "Principal": {"AWS": sorted(spec.users)},
                      "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*",
                                 "kms:DescribeKey"], "Resource": "*"})
    if spec.service_users:
        stmts.append({"Sid": "ServiceUse", "Effect": "Allow", "Principal": {"Service": list(spec.service_users)},
                      "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
                      "Condition": {"StringEquals": {"aws:SourceOrgID": ids.ORG_ID}}})
    return json.dumps({"Version": "2012-10-17", "Id": f"{spec.alias}-policy", "Statement": stmts})


def _planted_key_specs() -> list[KeySpec]:
    p, s, lg = ids.PRODUCTION, ids.SYNTHETIC, ids.LOGGING
    prod, syn = ENV_TAGS["production"], ENV_TAGS["synthetic"]
    synth_readers = tuple(role_arn(s, n) for n in (ids.SYNTH_GENERATOR_ROLE, "synth-lambda-sampler", "synth-glue-etl",
                                                   "synth-notebook-exec"))
    return [
        # the audit role decrypts through the key policy (the leak phase reads phi-research-samples-prod)
        KeySpec(p, "phi-claims", "PHI claims data", users=(role_arn(p, ids.PROD_ETL_ROLE), *synth_readers,
                                                           role_arn(p, ids.AUDIT_ROLE)), tags=prod),
        KeySpec(p, "phi-ehr", "EHR data: production principals only", users=(role_arn(p, ids.PROD_ETL_ROLE),),
                tags=prod),
        KeySpec(p, "phi-imaging", "Imaging archive", users=(role_arn(p, ids.PROD_ETL_ROLE),), tags=prod),
        KeySpec(p, "data-platform-shared", "One key for the data platform (both environments)",
                users=(f"arn:aws:iam::{s}:root", role_arn(p, ids.PROD_ETL_ROLE)), tags={"Team": "data-platform"}),
        KeySpec(s, "synth-data", "Synthetic datasets", users=(role_arn(s, ids.SYNTH_PIPELINE_ROLE),
                                                             role_arn(s, ids.AUDIT_ROLE)), tags=syn),
        KeySpec(s, "synth-models", "Synthetic model artifacts", users=(role_arn(s, "synth-sagemaker-eval"),), tags=syn),
        KeySpec(lg, "org-cloudtrail", "Organisation trail log files", service_users=("cloudtrail.amazonaws.com",),
                tags=ENV_TAGS["shared"]),
    ]


BULK_KEY_PURPOSES = ["s3", "rds", "ebs", "backup", "logs", "lambda", "glue", "sagemaker", "sqs", "secrets"]
BULK_KEYS_PER_ACCOUNT = {ids.MANAGEMENT: 3, ids.PRODUCTION: 10, ids.SYNTHETIC: 8, ids.LOGGING: 4}


def build_keys(estate: Estate) -> dict[str, str]:
    """Create keys and aliases; returns alias name -> key ARN (bulk: <prefix>-<purpose>[-eu])."""
    specs = _planted_key_specs()
    for account, n in BULK_KEYS_PER_ACCOUNT.items():
        env = ACCOUNT_ENV[account]
        prefix = PREFIX[env] if account != ids.MANAGEMENT else "org"
        for purpose in BULK_KEY_PURPOSES[:n]:
            specs.append(KeySpec(account, f"{prefix}-{purpose}", f"{purpose} encryption", tags=ENV_TAGS[env]))
        specs.append(KeySpec(account, f"{prefix}-s3-eu", "s3 encryption (eu-west-1)", region=ids.REGIONS[1],
                             tags=ENV_TAGS[env]))
    keys: dict[str, str] = {}
    for spec in specs:
        kms = estate.client(spec.account, "kms", spec.region)
        meta = kms.create_key(Policy=key_policy(spec), Description=spec.description,
                              Tags=tags_list(spec.tags, "TagKey", "TagValue"))["KeyMetadata"]
        kms.create_alias(AliasName=f"alias/{spec.alias}", TargetKeyId=meta["KeyId"])
        if spec.alias != "data-platform-shared":
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        keys[spec.alias] = meta["Arn"]
        estate.count(spec.account, "kms_key")
    estate.facts["keys"] = keys
    return keys


# -------------------------------------------------------------------------- S3

SSE_S3 = "AES256"


@dataclass(frozen=True)
class BucketSpec:
    account: str
    name: str
    encryption: str | None           # KMS alias, "AES256", or None (no default encryption configured)
    block_public: bool = True
    tags: dict[str, str] = field(default_factory=dict)
    readers: tuple[str, ...] = ()    # principal ARNs granted s3:GetObject + s3:ListBucket
    extra_statements: tuple[dict[str, Any], ...] = ()
    objects: tuple[tuple[str, dict[str, str]], ...] = ()  # (key, object tags)
    region: str = ids.HOME_REGION
    versioning: bool = True


def bucket_policy(spec: BucketSpec) -> str:
    arn = f"arn:aws:s3:::{spec.name}"
    # moto evaluates bucket policies over plain HTTP, so the usual aws:SecureTransport deny would
    # refuse every demo read; a deny on deleting the bucket keeps a Deny statement in every policy.
    stmts: list[dict[str, Any]] = [{
        "Sid": "DenyBucketDeletion", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
        "Resource": arn}]
    if spec.readers:
        stmts.append({"Sid": "NamedReaders", "Effect": "Allow", "Principal": {"AWS": sorted(spec.readers)},
                      "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [arn, f"{arn}/*"]})
    stmts.extend(spec.extra_statements)
    return json.dumps({"Version": "2012-10-17", "Statement": stmts})


def create_bucket(estate: Estate, spec: BucketSpec, keys: dict[str, str]) -> None:
    s3 = estate.client(spec.account, "s3", spec.region)
    kwargs: dict[str, Any] = {"Bucket": spec.name}
    if spec.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
    s3.create_bucket(**kwargs)
    if spec.encryption == SSE_S3:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    elif spec.encryption:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                       "KMSMasterKeyID": keys[spec.encryption]},
                "BucketKeyEnabled": True}
    else:
        rule = None
    if rule:
        s3.put_bucket_encryption(Bucket=spec.name, ServerSideEncryptionConfiguration={"Rules": [rule]})
    if spec.block_public:
        s3.put_public_access_block(Bucket=spec.name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
    if spec.tags:
        s3.put_bucket_tagging(Bucket=spec.name, Tagging={"TagSet": tags_list(spec.tags)})
    if spec.versioning:
        s3.put_bucket_versioning(Bucket=spec.name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket=spec.name, Policy=bucket_policy(spec))
    for key, obj_tags in spec.objects:
        body = f"synthaudit demo object {spec.name}/{key}\n".encode()
        extra: dict[str, Any] = {}
        if obj_tags:
            extra["Tagging"] = "&".join(f"{k}={v}" for k, v in obj_tags.items())
        s3.put_object(Bucket=spec.name, Key=key, Body=body, **extra)
    estate.count(spec.account, "s3_bucket")


def _planted_bucket_specs() -> list[BucketSpec]:
    p, s, lg = ids.PRODUCTION, ids.SYNTHETIC, ids.LOGGING
    prod, syn = ENV_TAGS["production"], ENV_TAGS["synthetic"]
    etl = role_arn(p, ids.PROD_ETL_ROLE)
    prod_readers = (etl, role_arn(p, "prod-claims-etl"), role_arn(p, "prod-research-cohort"))
    phi_obj = {"DataClass": "phi", "Environment": "production"}
    syn_obj = {"DataClass": "synthetic", "Environment": "synthetic"}
    lineage = {**syn, "SourceDataset": "phi-research-samples-prod", "Generator": "synth-generator/ctgan-v3",
               "GeneratedOn": "2026-11-02"}
    return [
        BucketSpec(p, ids.PROD_PHI_BUCKET, "phi-claims", tags={**prod, "Owner": "claims"},
                   readers=(*prod_readers, role_arn(s, ids.SYNTH_GENERATOR_ROLE), role_arn(s, "synth-lambda-sampler"),
                            role_arn(s, "synth-glue-etl")),
                   objects=(("claims/2026/10/claims-000.parquet", phi_obj), ("claims/2026/11/claims-000.parquet", phi_obj))),
        BucketSpec(p, ids.PROD_IMAGING_BUCKET, "phi-imaging", tags={**prod, "Owner": "imaging"},
                   readers=(etl, role_arn(p, "synth-imaging-sampler")),
                   objects=(("dicom/study-0001/series-01/img-0001.dcm", phi_obj),)),
        BucketSpec(p, "phi-lab-results-prod", "phi-ehr", tags={**prod, "Owner": "labs"}, readers=prod_readers,
                   objects=(("results/2026/11/batch-0001.csv", phi_obj),)),
        BucketSpec(p, ids.PROD_SAMPLES_BUCKET, "phi-claims", tags={**prod, "Owner": "research"},
                   readers=(etl, role_arn(s, "synth-notebook-exec"))),
        BucketSpec(p, "prod-claims-archive", SSE_S3, tags={**prod, "Owner": "claims"}, readers=(etl,),
                   objects=(("archive/2019/claims-2019.parquet", phi_obj),)),
        BucketSpec(p, "prod-partner-dropbox", "phi-ehr", block_public=False, tags={**prod, "Owner": "partnerships"},
                   extra_statements=({"Sid": "PartnersUpload", "Effect": "Allow", "Principal": "*",
                                      "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::prod-partner-dropbox/*"},)),
        BucketSpec(p, "prod-partner-inbound", "phi-ehr", tags={**prod, "Owner": "partnerships"},
                   extra_statements=({"Sid": "PartnerUpload", "Effect": "Allow",
                                      "Principal": {"AWS": "arn:aws:iam::999988887777:role/acme-uploader"},
                                      "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::prod-partner-inbound/*",
                                      "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},)),
        BucketSpec(p, "prod-shared-exports", "data-platform-shared", tags={**prod, "Owner": "data-platform"},
                   readers=(etl,)),
        BucketSpec(p, "prod-legacy-cloudtrail-logs", SSE_S3, tags={**prod, "Owner": "platform"},
                   readers=(role_arn(s, ids.SYNTH_ANALYST_ROLE),),
                   extra_statements=(*_cloudtrail_write("prod-legacy-cloudtrail-logs", p),)),
        # synthetic account
        BucketSpec(s, ids.SYNTH_OUTPUT_BUCKET, "synth-data", tags={**lineage, "Owner": "generation"},
                   readers=(role_arn(s, ids.SYNTH_ANALYST_ROLE), role_arn(s, "synth-vendor-reader"))),
        BucketSpec(s, "synth-cohorts-curated", "synth-data", tags={**lineage, "Owner": "analytics"},
                   objects=(("synthetic/cohort-a.parquet", syn_obj), ("synthetic/cohort-b.parquet", syn_obj))),
        BucketSpec(s, "synth-model-artifacts", "synth-models", tags={**lineage, "Owner": "research"}),
        BucketSpec(s, "synth-ml-staging", "synth-data", tags={**syn, "Owner": "research"},
                   objects=(("production-extract/claims_2026q3.csv", phi_obj),
                            ("production-extract/members_2026q3.csv", phi_obj),
                            ("synthetic/claims_synth_v3.csv", syn_obj))),
        BucketSpec(s, "synth-adhoc-exports", "synth-data", tags={"Owner": "analytics"}),
        BucketSpec(s, "synth-cohorts-2026q3", "synth-data", tags={**syn, "Owner": "analytics"},
                   objects=(("synthetic/cohort-2026q3.parquet", syn_obj),)),
        BucketSpec(s, "synth-staging-exports", "data-platform-shared", tags={**syn, "Owner": "data-platform"}),
        BucketSpec(s, "synth-training-unencrypted", None, tags={**syn, "Owner": "research"}, versioning=False,
                   objects=(("training/claims-synth-train.csv", syn_obj),)),
        # logging account: the organisation trail's bucket
        BucketSpec(lg, ids.TRAIL_BUCKET, "org-cloudtrail", tags={**ENV_TAGS["shared"], "Owner": "security"},
                   readers=tuple(role_arn(a, ids.AUDIT_ROLE) for a in ids.ACCOUNTS),
                   extra_statements=(*_cloudtrail_write(ids.TRAIL_BUCKET, ids.MANAGEMENT, organisation=True),)),
    ]


def _cloudtrail_write(bucket: str, trail_account: str, organisation: bool = False) -> list[dict[str, Any]]:
    """The statements AWS documents for a trail bucket (organisation trails write under the org id)."""
    arn = f"arn:aws:s3:::{bucket}"
    prefixes = [f"{arn}/AWSLogs/{trail_account}/*"]
    if organisation:
        prefixes.append(f"{arn}/AWSLogs/{ids.ORG_ID}/*")
    return [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": arn},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": prefixes,
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]


BULK_DATA = ["claims", "eligibility", "encounters", "pharmacy", "labs", "imaging", "billing", "members",
             "providers", "referrals", "vitals", "notes"]
BULK_STAGES = ["raw", "curated", "reports"]
BULK_BUCKET_ACCOUNTS = {ids.PRODUCTION: BULK_DATA, ids.SYNTHETIC: BULK_DATA[:8],
                        ids.LOGGING: ["flowlogs", "config", "access-logs", "alb-logs"], ids.MANAGEMENT: ["billing-cur"]}


def _bulk_bucket_specs() -> list[BucketSpec]:
    specs = []
    for account, topics in BULK_BUCKET_ACCOUNTS.items():
        env = ACCOUNT_ENV[account]
        prefix = PREFIX[env] if account != ids.MANAGEMENT else "org"
        stages = BULK_STAGES if account in (ids.PRODUCTION, ids.SYNTHETIC) else ["logs"]
        for i, topic in enumerate(topics):
            for j, stage in enumerate(stages):
                eu = (i + j) % 5 == 4
                region = ids.REGIONS[1] if eu else ids.HOME_REGION
                name = f"{prefix}-{topic}-{stage}-{account[-4:]}" + ("-eu" if eu else "")
                specs.append(BucketSpec(account, name, f"{prefix}-s3-eu" if eu else f"{prefix}-s3",
                                        tags={**ENV_TAGS[env], "Owner": topic, "Stage": stage}, region=region,
                                        objects=((f"{stage}/{topic}/part-0000.parquet", {}),) if i % 4 == 0 else ()))
    return specs


def build_storage(estate: Estate) -> None:
    keys = build_keys(estate)
    for spec in _planted_bucket_specs() + _bulk_bucket_specs():
        create_bucket(estate, spec, keys)
    _plant_storage(estate, keys)


def _plant_storage(estate: Estate, keys: dict[str, str]) -> None:
    p, s = ids.PRODUCTION, ids.SYNTHETIC
    P, S = "production", "synthetic"

    def b(name: str) -> str:
        return f"arn:aws:s3:::{name}"

    plant = estate.plant
    plant("P30", "FAIL", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", b(ids.PROD_PHI_BUCKET), p, P,
          "bucket policy grants s3:GetObject to synthetic-account roles synth-generator, synth-lambda-sampler and "
          "synth-glue-etl (cross-account); the claims key's policy and their own policies allow kms:Decrypt: full "
          "reach", severity="critical")
    plant("P31", "FAIL", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", b(ids.PROD_IMAGING_BUCKET), p, P,
          "bucket policy grants s3:GetObject to role synth-imaging-sampler in the production account itself, "
          "tagged Environment=synthetic (same-account), but nothing grants it kms:Decrypt on the SSE-KMS imaging "
          "key: partial reach (ciphertext at most), one severity step lower, naming the missing link",
          severity="high")
    plant("P32", "FAIL", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", b(ids.PROD_SAMPLES_BUCKET), p, P,
          "bucket policy grants s3:GetObject to the synthetic SageMaker role synth-notebook-exec")
    plant("P33", "PASS", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", b("phi-lab-results-prod"), p, P,
          "clean twin: bucket policy grants production principals only")
    plant("P34", "FAIL", "S3_MIXED_ENVIRONMENT_DATA", b("synth-ml-staging"), s, S,
          "synthetic bucket holding production extracts: objects under production-extract/ tagged "
          "DataClass=phi,Environment=production beside synthetic/ objects tagged DataClass=synthetic")
    plant("P35", "PASS", "S3_MIXED_ENVIRONMENT_DATA", b("synth-cohorts-curated"), s, S,
          "clean twin: only synthetic/ objects tagged DataClass=synthetic")
    plant("P36", "FAIL", "S3_PRODUCTION_NO_SSE_KMS", b("prod-claims-archive"), p, P,
          "production claims archive encrypted by default with SSE-S3 (AES256) only, no KMS key")
    plant("P37", "PASS", "S3_PRODUCTION_NO_SSE_KMS", b(ids.PROD_PHI_BUCKET), p, P,
          "clean twin: default encryption aws:kms with a customer-managed key and bucket key")
    plant("P38", "FAIL", "S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", b("prod-partner-dropbox"), p, P,
          "production bucket with no bucket-level public access block (and none at account level)")
    plant("P39", "PASS", "S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", b(ids.PROD_PHI_BUCKET), p, P,
          "clean twin: all four public access block settings on")
    plant("P40", "FAIL", "S3_PRODUCTION_PUBLIC_WRITE", b("prod-partner-dropbox"), p, P,
          "bucket policy allows s3:PutObject to Principal '*' with no condition")
    plant("P41", "PASS", "S3_PRODUCTION_PUBLIC_WRITE", b("prod-partner-inbound"), p, P,
          "clean twin: s3:PutObject granted to one named partner role only, public access blocked")
    plant("P42", "FAIL", "KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", keys["data-platform-shared"], p, P,
          "alias/data-platform-shared encrypts production bucket prod-shared-exports and synthetic bucket "
          "synth-staging-exports; its key policy admits the synthetic account")
    plant("P43", "PASS", "KMS_KEY_SHARED_ACROSS_ENVIRONMENTS", keys["phi-ehr"], p, P,
          "clean twin: alias/phi-ehr encrypts production resources only")
    plant("P44", "FAIL", "KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", keys["phi-claims"], p, P,
          "key policy of alias/phi-claims lets synthetic roles (synth-generator, synth-lambda-sampler, "
          "synth-glue-etl, synth-notebook-exec) call kms:Decrypt")
    plant("P45", "PASS", "KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", keys["phi-ehr"], p, P,
          "clean twin: key policy of alias/phi-ehr names production principals only")
    plant("P46", "FAIL", "SYNTHETIC_OUTPUT_NOT_LABELLED", b("synth-adhoc-exports"), s, S,
          "synthetic output bucket without Environment/DataClass labels (only an Owner tag)")
    plant("P47", "PASS", "SYNTHETIC_OUTPUT_NOT_LABELLED", b(ids.SYNTH_OUTPUT_BUCKET), s, S,
          "clean twin: tagged Environment=synthetic, DataClass=synthetic")
    plant("P48", "FAIL", "SYNTHETIC_DATASET_NO_LINEAGE", b("synth-cohorts-2026q3"), s, S,
          "labelled synthetic dataset with no lineage tags (SourceDataset, Generator, GeneratedOn)")
    plant("P49", "PASS", "SYNTHETIC_DATASET_NO_LINEAGE", b(ids.SYNTH_OUTPUT_BUCKET), s, S,
          "clean twin: SourceDataset, Generator and GeneratedOn tags name its lineage")


def build_object_class_buckets(estate: Estate) -> None:
    """Object-level data classes: synthetic objects in a production bucket, and its twin holding a file
    named like a synthetic pattern inside a production folder, tagged as PHI (not mixed). Built after
    the other services so the simulator's random ids of earlier resources stay as they were."""
    p, P = ids.PRODUCTION, "production"
    prod, etl = ENV_TAGS["production"], role_arn(p, ids.PROD_ETL_ROLE)
    phi_obj = {"DataClass": "phi", "Environment": "production"}
    syn_obj = {"DataClass": "synthetic", "Environment": "synthetic"}
    for spec in (BucketSpec(p, "prod-claims-curated", "phi-claims", tags={**prod, "Owner": "claims"}, readers=(etl,),
                            objects=(("claims/2026/11/claims-000.parquet", phi_obj),
                                     ("claims/2026/11/cohort-sample-000.parquet", syn_obj))),
                 BucketSpec(p, "prod-member-extracts", "phi-claims", tags={**prod, "Owner": "members"}, readers=(etl,),
                            objects=(("production/members/members-2026-11.csv", phi_obj),
                                     ("production/members/synth_match_keys.csv", phi_obj)))):
        create_bucket(estate, spec, estate.facts["keys"])
    estate.plant("P164", "FAIL", "S3_MIXED_ENVIRONMENT_DATA", "arn:aws:s3:::prod-claims-curated", p, P,
                 "production bucket holding an object tagged DataClass=synthetic,Environment=synthetic (sampled by "
                 "GetObjectTagging under claims/) beside PHI objects")
    estate.plant("P165", "PASS", "S3_MIXED_ENVIRONMENT_DATA", "arn:aws:s3:::prod-member-extracts", p, P,
                 "clean twin: a file named synth_match_keys.csv inside the production/ folder, tagged DataClass=phi: "
                 "a file name is not a data class")
