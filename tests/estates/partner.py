"""Estate "partner": OU names and account tags of its own, one tag key for resources, and a
partner account outside the organisation that production data is shared with.

Production is whatever sits under the "Care Delivery" OU (nested: Care Delivery/Hospitals), or
an account tagged ``tier=care`` (a legacy account left at the root), or a resource tagged
``sensitivity=restricted``; synthetic is the "Data Science Sandbox" OU or
``sensitivity=synthetic``; shared is "Shared Services" or ``sensitivity=internal``. The
partner, northwind-analytics, is listed as a third party. Names are neutral (store-01, role-ml-1).
"""
from __future__ import annotations

from typing import Any

from synthaudit.demo.estate_core import Estate, allow, role_arn
from synthaudit.demo.estate_storage import BucketSpec, KeySpec, create_bucket, key_policy

from .harness import (ORG_ID, REGION, BuiltEstate, build_organisation, connect, create_audit_roles, create_role, ou_arn,
                      service_trust)

NAME = "partner"
SEED = 7302
MANAGEMENT = "620000000001"
PARTNER = "444455556666"
AUDIT_ROLE = "ops-inventory-reader"
RESTRICTED, SYNTHETIC, INTERNAL = ({"sensitivity": v} for v in ("restricted", "synthetic", "internal"))
OU_TREE = [("Care Delivery", None), ("Hospitals", "Care Delivery"), ("Data Science Sandbox", None),
           ("Shared Services", None)]
ACCOUNTS = {"hosp-records": "Hospitals", "ds-lab": "Data Science Sandbox", "svc-hub": "Shared Services",
            "acct-legacy": None}
ACCOUNT_TAGS = {"acct-legacy": {"tier": "care"}}


# Plants the kit does not yet get right, with why (the test xfails them, strictly: a fix must drop them here).
KNOWN_GAPS: dict[str, str] = {}   # none: phase 03 judges data paths as phase 02 does


def params(accounts: dict[str, str]) -> dict[str, Any]:
    """What this organisation's analyst writes: accounts, its OU names, its tag keys, its partner. No names."""
    return {
        "label": NAME, "estate": "aws", "management_account": MANAGEMENT,
        "accounts": [{"id": MANAGEMENT, "name": "management"}, *({"id": a, "name": n} for n, a in accounts.items())],
        "aws": {"audit_role_name": AUDIT_ROLE, "regions": [REGION], "max_workers": 4},
        "classification": {
            "production": {"ous": ["Care Delivery"], "tags": {"sensitivity": ["restricted"], "tier": ["care"]}},
            "synthetic": {"ous": ["Data Science Sandbox"], "tags": {"sensitivity": ["synthetic"]}},
            "shared": {"ous": ["Shared Services"], "accounts": [MANAGEMENT], "tags": {"sensitivity": ["internal"]}},
            "external": {"third_parties": [{"id": PARTNER, "name": "northwind-analytics"}]},
        },
    }


def _reads(*buckets: str) -> dict[str, Any]:
    return allow(["s3:GetObject", "s3:ListBucket"], [r for b in buckets for r in (f"arn:aws:s3:::{b}",
                                                                                 f"arn:aws:s3:::{b}/*")])


def _catalogue(estate: Estate, hosp: str) -> str:
    """A care-delivery Glue table, granted through Lake Formation to the partner account."""
    glue = estate.client(hosp, "glue")
    glue.create_database(DatabaseInput={"Name": "cat_01"})
    glue.create_table(DatabaseName="cat_01", TableInput={"Name": "t_01", "StorageDescriptor": {
        "Columns": [{"Name": "c1", "Type": "string"}], "Location": "s3://store-03/d/"}})
    estate.client(hosp, "lakeformation").grant_permissions(
        Principal={"DataLakePrincipalIdentifier": PARTNER}, Resource={"Table": {"DatabaseName": "cat_01", "Name": "t_01"}},
        Permissions=["SELECT"])
    return f"arn:aws:glue:{REGION}:{hosp}:table/cat_01/t_01"


def build(endpoint_url: str) -> BuiltEstate:
    estate = connect(endpoint_url, SEED)
    accounts, ous = build_organisation(estate, MANAGEMENT, OU_TREE, ACCOUNTS, ACCOUNT_TAGS)
    hosp, lab, hub, legacy = (accounts[n] for n in ACCOUNTS)
    create_audit_roles(estate, MANAGEMENT, [MANAGEMENT, hosp, lab, hub, legacy], AUDIT_ROLE)

    app, ml1, ml2 = role_arn(hosp, "role-app-1"), role_arn(lab, "role-ml-1"), role_arn(lab, "role-ml-2")
    keys: dict[str, str] = {}
    for spec in (KeySpec(hosp, "kp-1", "1", users=(app, ml1), tags=RESTRICTED),
                 KeySpec(hosp, "kp-2", "2", users=(app,), tags=RESTRICTED),
                 KeySpec(hosp, "kp-3", "3", users=(app, f"arn:aws:iam::{PARTNER}:root"), tags=RESTRICTED),
                 KeySpec(lab, "kl-1", "3", users=(role_arn(lab, "role-ml-3"),), tags=SYNTHETIC),
                 KeySpec(hub, "kh-1", "4", tags=INTERNAL),
                 KeySpec(legacy, "kg-1", "5")):
        kms = estate.client(spec.account, "kms")
        meta = kms.create_key(Policy=key_policy(spec),
                              Tags=[{"TagKey": k, "TagValue": v} for k, v in spec.tags.items()])["KeyMetadata"]
        kms.create_alias(AliasName=f"alias/{spec.alias}", TargetKeyId=meta["KeyId"])
        keys[spec.alias] = meta["Arn"]

    create_role(estate, hosp, "role-app-1", service_trust("ecs-tasks.amazonaws.com"),
          [_reads("store-01", "store-02", "store-03", "store-04", "store-06", "store-07"),
           allow("kms:Decrypt", [keys["kp-1"], keys["kp-2"]])])
    create_role(estate, lab, "role-ml-1", service_trust("sagemaker.amazonaws.com"),
          [_reads("store-01"), allow("kms:Decrypt", keys["kp-1"])])
    create_role(estate, lab, "role-ml-2", service_trust("sagemaker.amazonaws.com"), [_reads("store-02")])
    create_role(estate, lab, "role-ml-3", service_trust("sagemaker.amazonaws.com"),
          [_reads("store-08"), allow("kms:Decrypt", keys["kl-1"])])
    create_role(estate, hosp, "role-feed-1", {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                                        "Action": "sts:AssumeRole"}, [_reads("store-04")])
    create_role(estate, hosp, "role-feed-2", {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                                        "Action": "sts:AssumeRole",
                                        "Condition": {"StringEquals": {"sts:ExternalId": "nw-7731"}}})
    create_role(estate, hosp, "role-batch-1", {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{hosp}:root"},
                                         "Action": "sts:AssumeRole"}, [_reads("store-03")])

    partner_read = {"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::store-04/*"}
    org_read = {"Sid": "OrgRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::store-05/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}}
    for spec in (
            BucketSpec(hosp, "store-01", "kp-1", tags=RESTRICTED, readers=(app, ml1)),
            BucketSpec(hosp, "store-02", "kp-2", tags=RESTRICTED, readers=(app, ml2)),
            BucketSpec(hosp, "store-03", "kp-2", tags=RESTRICTED, readers=(app,)),
            BucketSpec(hosp, "store-04", "kp-2", tags=RESTRICTED, readers=(app,), extra_statements=(partner_read,)),
            BucketSpec(hub, "store-05", "kh-1", tags=INTERNAL, extra_statements=(org_read,)),
            BucketSpec(hosp, "store-06", "kp-2", tags=RESTRICTED, readers=(app,),
                       objects=(("d/2026/11/p-0001.parquet", RESTRICTED), ("d/2026/11/p-0002.parquet", SYNTHETIC))),
            BucketSpec(hosp, "store-07", "kp-2", tags=RESTRICTED, readers=(app,),
                       objects=(("d/2026/11/p-0001.parquet", RESTRICTED), ("d/2026/11/synthetic-keys.csv", RESTRICTED))),
            BucketSpec(lab, "store-08", "kl-1", tags=SYNTHETIC, objects=(("g/0001.parquet", SYNTHETIC),)),
            BucketSpec(legacy, "store-09", "kg-1", block_public=False)):
        create_bucket(estate, spec, keys)

    ec2 = estate.client(hosp, "ec2")
    vol = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, Encrypted=True, KmsKeyId=keys["kp-2"])["VolumeId"]
    snaps = {name: ec2.create_snapshot(VolumeId=vol, Description=name)["SnapshotId"] for name in ("e-1", "e-2")}
    for name, grantee in (("e-1", PARTNER), ("e-2", hub)):
        ec2.modify_snapshot_attribute(SnapshotId=snaps[name], Attribute="createVolumePermission",
                                      OperationType="add", UserIds=[grantee])
    rds = estate.client(hosp, "rds")
    rds.create_db_instance(DBInstanceIdentifier="db-01", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="dbadmin", MasterUserPassword="not-a-real-pw1", AllocatedStorage=20,
                           StorageEncrypted=True, KmsKeyId=keys["kp-2"])
    for name in ("r-1", "r-2"):
        rds.create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier="db-01")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="r-1", AttributeName="restore", ValuesToAdd=[lab])

    table = _catalogue(estate, hosp)
    b = lambda n: f"arn:aws:s3:::{n}"  # noqa: E731
    snap = lambda n: f"arn:aws:ec2:{REGION}::snapshot/{snaps[n]}"  # noqa: E731
    rsnap = lambda n: f"arn:aws:rds:{REGION}:{hosp}:snapshot:{n}"  # noqa: E731
    P, S, SH = "production", "synthetic", "shared"
    plant = estate.plant
    plant("B01", "FAIL", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", b("store-01"), hosp, P,
          "bucket policy grants role-ml-1 of the sandbox account s3:GetObject; kp-1 lets it decrypt: full reach",
          severity="critical")
    plant("B02", "FAIL", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", b("store-02"), hosp, P,
          "role-ml-2 of the sandbox account can list and get objects of the SSE-KMS bucket, but kp-2 does not let it "
          "decrypt: partial reach, one step lower, naming the missing kms:Decrypt", severity="high")
    plant("B03", "PASS", "S3_SYNTHETIC_ACCESS_TO_PRODUCTION", b("store-03"), hosp, P,
          "clean twin: readable by the care-delivery application role only")
    plant("B04", "FAIL", "EXTERNAL_ACCESS_TO_RESOURCE", b("store-04"), hosp, P,
          f"production bucket policy grants s3:GetObject to the partner account {PARTNER} (northwind-analytics)")
    plant("B05", "PASS", "EXTERNAL_ACCESS_TO_RESOURCE", b("store-05"), hub, SH,
          "clean twin: '*' bounded by aws:PrincipalOrgID of the organisation")
    plant("B06", "FAIL", "EXTERNAL_ACCESS_TO_RESOURCE", snap("e-1"), hosp, P,
          f"production EBS snapshot shared (createVolumePermission) with the partner account {PARTNER}")
    plant("B07", "PASS", "EXTERNAL_ACCESS_TO_RESOURCE", snap("e-2"), hosp, P,
          "clean twin: the same volume's snapshot shared with the Shared Services account only")
    plant("B08", "PASS", "SNAPSHOT_SHARED_WITH_SYNTHETIC", snap("e-2"), hosp, P,
          "clean twin: shared with the Shared Services account, not the sandbox")
    plant("B09", "FAIL", "SNAPSHOT_SHARED_WITH_SYNTHETIC", rsnap("r-1"), hosp, P,
          "RDS snapshot of db-01 shared (restore) with the Data Science Sandbox account")
    plant("B10", "PASS", "SNAPSHOT_SHARED_WITH_SYNTHETIC", rsnap("r-2"), hosp, P, "clean twin: not shared")
    plant("B11", "FAIL", "S3_MIXED_ENVIRONMENT_DATA", b("store-06"), hosp, P,
          "production bucket holding an object tagged sensitivity=synthetic beside restricted ones")
    plant("B12", "PASS", "S3_MIXED_ENVIRONMENT_DATA", b("store-07"), hosp, P,
          "clean twin: every object tagged restricted (one is named synthetic-keys.csv: a name is not a class)")
    plant("B13", "FAIL", "KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", keys["kp-1"], hosp, P,
          "key policy of kp-1 lets role-ml-1 of the sandbox account decrypt")
    plant("B14", "PASS", "KMS_SYNTHETIC_DECRYPT_PRODUCTION_KEY", keys["kp-2"], hosp, P,
          "clean twin: kp-2 names the application role only")
    plant("B15", "FAIL", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", role_arn(hosp, "role-feed-1"), hosp, P,
          f"production role reading store-04 assumable by the partner account {PARTNER} with no sts:ExternalId")
    plant("B16", "FAIL", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", role_arn(hosp, "role-feed-2"), hosp, P,
          "the partner again, narrowed by sts:ExternalId, and the role reaches no data: reported, low",
          severity="low")
    plant("B17", "PASS", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", role_arn(hosp, "role-batch-1"), hosp, P,
          "clean twin: trusts its own account's root (not outside the organisation)")
    plant("B18", "FAIL", "IAM_SYNTHETIC_REACHES_PRODUCTION", ml1, lab, S,
          "role-ml-1 reads and decrypts store-01")
    plant("B19", "PASS", "IAM_SYNTHETIC_REACHES_PRODUCTION", role_arn(lab, "role-ml-3"), lab, S,
          "clean twin: role-ml-3 reads the sandbox's own bucket only")
    plant("B20", "FAIL", "S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", b("store-09"), legacy, P,
          "bucket of the legacy account (at the root, production by its account tag tier=care) with no public "
          "access block")
    plant("B21", "PASS", "S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", b("store-01"), hosp, P,
          "clean twin: all four settings on")
    plant("B22", "FAIL", "EXTERNAL_ACCESS_TO_RESOURCE", keys["kp-3"], hosp, P,
          f"key policy of kp-3 (restricted) lets the partner account {PARTNER} decrypt")
    plant("B23", "PASS", "EXTERNAL_ACCESS_TO_RESOURCE", keys["kp-2"], hosp, P,
          "clean twin: kp-2 names the application role only")
    plant("B24", "FAIL", "EXTERNAL_ACCESS_TO_RESOURCE", table, hosp, P,
          f"Lake Formation grants SELECT on a care-delivery table to the partner account {PARTNER}")
    plant("B25", "FAIL", "IAM_SYNTHETIC_REACHES_PRODUCTION", ml2, lab, S,
          "role-ml-2 gets and lists store-02 but cannot decrypt with kp-2: partial reach, one step lower, as phase 02 "
          "reports the same path (B02)", severity="high")
    plant("B26", "FAIL", "SCP_NO_SYNTHETIC_PRODUCTION_DENY", ou_arn(MANAGEMENT, ous["Data Science Sandbox"]), MANAGEMENT, S,
          "no SCP fences the Data Science Sandbox from care-delivery resources; the deny belongs on that OU")
    return BuiltEstate(NAME, params(accounts), tuple(estate.planted), KNOWN_GAPS)
