"""S3: every bucket of the account with policy, tags, encryption, public access block,
ACL-derived public flags, a small sample of keys and top-level prefixes, and the tags of
a bounded sample of objects per top-level prefix (params segregation.object_sample), so a
check can see production and synthetic data mixed in one bucket by data class, not by
file name. Object keys never leave the snapshot's key_sample; the tag sample holds
prefixes and tags only.

S3 has no batch read: per-bucket reads fan out on a bounded pool of their own.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from synthaudit import arn as aws_arn
from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope, iso, paginate, parse_policy

SERVICE = "s3"
SCOPE = "account"
KEY_SAMPLE = 20
PREFIX_SAMPLE = 50
PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
WRITE_PERMISSIONS = {"WRITE", "WRITE_ACP", "FULL_CONTROL"}


def collect(scope: Scope) -> None:
    s3 = scope.client("s3")
    buckets = sorted(paginate(s3, "list_buckets", "Buckets"), key=lambda b: b["Name"])
    workers = max(1, min(scope.params.aws.max_workers, len(buckets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="s3-bucket") as pool:
        rows = list(pool.map(lambda b: _bucket(scope, b), buckets))
    for row in rows:
        scope.output.add("s3_buckets", row)
        scope.output.policy(row["arn"], scope.account, row["region"], "s3", row["policy"])


def _bucket(scope: Scope, bucket: dict[str, Any]) -> dict[str, Any]:
    name = bucket["Name"]
    errors: dict[str, str] = {}

    def read(call: str, fn: Any, missing: tuple[str, ...] = ()) -> Any:
        value, gap = scope.detail(f"s3:{call} {name}", fn, missing)
        if gap:
            errors[call] = f"{gap.status}: {gap.error}"
        return value

    base = scope.client("s3")
    location = read("GetBucketLocation", lambda: base.get_bucket_location(Bucket=name))
    region = bucket.get("BucketRegion") or ((location or {}).get("LocationConstraint") or "us-east-1")
    if region == "EU":
        region = "eu-west-1"
    s3 = scope.client("s3", region)
    policy = read("GetBucketPolicy", lambda: s3.get_bucket_policy(Bucket=name)["Policy"], ("NoSuchBucketPolicy",))
    tags = read("GetBucketTagging", lambda: s3.get_bucket_tagging(Bucket=name)["TagSet"], ("NoSuchTagSet",))
    enc = read("GetBucketEncryption", lambda: s3.get_bucket_encryption(Bucket=name),
               ("ServerSideEncryptionConfigurationNotFoundError",))
    pab = read("GetPublicAccessBlock", lambda: s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
               ("NoSuchPublicAccessBlockConfiguration",))
    acl = read("GetBucketAcl", lambda: s3.get_bucket_acl(Bucket=name))
    versioning = read("GetBucketVersioning", lambda: s3.get_bucket_versioning(Bucket=name))
    sample = read("ListObjectsV2", lambda: s3.list_objects_v2(Bucket=name, MaxKeys=KEY_SAMPLE))
    prefixes = read("ListObjectsV2(Delimiter)",
                    lambda: s3.list_objects_v2(Bucket=name, Delimiter="/", MaxKeys=PREFIX_SAMPLE))

    tag_sample = _object_tags(scope, s3, name, prefixes, read)

    rule = {}
    if enc:
        rules = enc.get("ServerSideEncryptionConfiguration", {}).get("Rules", []) or [{}]
        rule = rules[0]
    default = rule.get("ApplyServerSideEncryptionByDefault", {}) or {}
    grants = []
    for grant in (acl or {}).get("Grants", []) or []:
        grantee = grant.get("Grantee", {})
        grants.append({"grantee": grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress"),
                       "type": grantee.get("Type"), "permission": grant.get("Permission")})
    public = [g for g in grants if g["grantee"] in PUBLIC_GRANTEES]
    pab = pab if pab is not None or "GetPublicAccessBlock" in errors else {}
    return {
        "arn": aws_arn.s3_bucket(name), "account": scope.account, "region": region, "name": name,
        "tags": tags_to_dict(tags),
        "creation_date": iso(bucket.get("CreationDate")),
        "policy": parse_policy(policy),
        "sse_algorithm": default.get("SSEAlgorithm"),
        "kms_key_id": default.get("KMSMasterKeyID"),
        "bucket_key_enabled": rule.get("BucketKeyEnabled") if enc else None,
        **{col: (pab.get(key) if pab is not None else None) for col, key in (
            ("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))},
        "acl_public_read": None if acl is None else any(g["permission"] in {"READ", "FULL_CONTROL"} for g in public),
        "acl_public_write": None if acl is None else any(g["permission"] in WRITE_PERMISSIONS for g in public),
        "acl_grants": sorted(grants, key=lambda g: (str(g["grantee"]), str(g["permission"]))),
        "versioning": (versioning or {}).get("Status"),
        "key_sample": sorted(o["Key"] for o in (sample or {}).get("Contents", []) or []),
        "key_prefixes": sorted(p["Prefix"] for p in (prefixes or {}).get("CommonPrefixes", []) or []),
        "key_sample_truncated": None if sample is None else bool(sample.get("IsTruncated")),
        "object_tag_sample": tag_sample,
        "detail_errors": dict(sorted(errors.items())),
    }


def _object_tags(scope: Scope, s3: Any, bucket: str, listing: dict[str, Any] | None, read: Any) -> list[dict[str, Any]] | None:
    """[{prefix, objects, tags: [{k: v} per object]}] for up to ``per_prefix`` objects under each of the
    first ``max_prefixes`` top-level prefixes ("" = the root); None when the prefixes are unknown."""
    sample = scope.params.segregation.object_sample
    if listing is None:
        return None
    if sample.per_prefix == 0:
        return []
    groups: list[tuple[str, list[str]]] = []
    root = sorted(o["Key"] for o in listing.get("Contents", []) or [])[:sample.per_prefix]
    if root:
        groups.append(("", root))
    for prefix in sorted(p["Prefix"] for p in listing.get("CommonPrefixes", []) or [])[:sample.max_prefixes]:
        page = read("ListObjectsV2(Prefix)", lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix,
                                                                        MaxKeys=sample.per_prefix))
        groups.append((prefix, sorted(o["Key"] for o in (page or {}).get("Contents", []) or [])))
    out = []
    for prefix, keys in groups:
        tags = []
        for key in keys:
            found = read("GetObjectTagging", lambda: s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])
            if found is not None:
                tags.append(dict(sorted(tags_to_dict(found).items())))
        out.append({"prefix": prefix, "objects": len(tags), "tags": tags})
    return out
