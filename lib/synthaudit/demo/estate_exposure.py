"""External exposure plants: production data granted to the partner account outside the
organisation (a bucket policy, an RDS snapshot's restore attribute), each with a clean twin
(a "*" bounded by aws:PrincipalOrgID; a snapshot shared inside the organisation only).

The partner, acme-analytics (estate_iam.EXTERNAL_VENDOR), is listed in the demo params as
a third party (classification.external.third_parties); the kit would flag it unlisted too.
"""
from __future__ import annotations

from synthaudit.demo import ids
from synthaudit.demo.estate_core import ENV_TAGS, Estate
from synthaudit.demo.estate_iam import EXTERNAL_VENDOR
from synthaudit.demo.estate_storage import BucketSpec, create_bucket

CHECK = "EXTERNAL_ACCESS_TO_RESOURCE"
REGION = ids.HOME_REGION
ORG_BOUNDED_BUCKET = "shared-reference-data"
VENDOR_SNAPSHOT = "prod-ehr-db-2026-10-01"      # built by estate_services
INTERNAL_SNAPSHOT = "prod-labs-db-2026-11-01"   # shared with the logging account by estate_services


def _rds_snapshot(account: str, name: str) -> str:
    return f"arn:aws:rds:{REGION}:{account}:snapshot:{name}"


def build_exposure(estate: Estate) -> None:
    p, lg = ids.PRODUCTION, ids.LOGGING
    arn = f"arn:aws:s3:::{ORG_BOUNDED_BUCKET}"
    create_bucket(estate, BucketSpec(lg, ORG_BOUNDED_BUCKET, "AES256", tags={**ENV_TAGS["shared"],
                                                                                    "Owner": "data-platform"},
                                     extra_statements=({"Sid": "OrganisationReads", "Effect": "Allow", "Principal": "*",
                                                        "Action": "s3:GetObject", "Resource": f"{arn}/*",
                                                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ids.ORG_ID}}},),
                                     objects=(("codes/icd10.csv", {}),)), estate.facts["keys"])
    estate.client(p, "rds").modify_db_snapshot_attribute(DBSnapshotIdentifier=VENDOR_SNAPSHOT, AttributeName="restore",
                                                          ValuesToAdd=[EXTERNAL_VENDOR])

    plant, P = estate.plant, "production"
    plant("P160", "FAIL", CHECK, "arn:aws:s3:::prod-partner-inbound", p, P,
          f"production bucket policy grants s3:PutObject to role acme-uploader of the partner account "
          f"{EXTERNAL_VENDOR} (acme-analytics, outside the organisation)")
    plant("P161", "PASS", CHECK, arn, lg, "shared",
          "clean twin: bucket policy grants s3:GetObject to '*' bounded by aws:PrincipalOrgID (the organisation)")
    plant("P162", "FAIL", CHECK, _rds_snapshot(p, VENDOR_SNAPSHOT), p, P,
          f"production RDS snapshot shared (restore attribute) with the partner account {EXTERNAL_VENDOR}")
    plant("P163", "PASS", CHECK, _rds_snapshot(p, INTERNAL_SNAPSHOT), p, P,
          "clean twin: production RDS snapshot shared with the logging/shared-services account only")
