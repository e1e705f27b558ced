"""KMS: keys with aliases, key policy and tags; aliases as their own table."""
from __future__ import annotations

from collections import defaultdict

from synthaudit import arn as aws_arn
from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope, iso, paginate, parse_policy

SERVICE = "kms"
SCOPE = "region"


def collect(scope: Scope) -> None:
    kms = scope.client("kms")
    acct, region = scope.account, scope.region
    aliases = list(paginate(kms, "list_aliases", "Aliases"))
    by_key: dict[str, list[str]] = defaultdict(list)
    for alias in sorted(aliases, key=lambda a: a["AliasName"]):
        key_id = alias.get("TargetKeyId")
        if key_id:
            by_key[key_id].append(alias["AliasName"])
        scope.output.add("kms_aliases", {
            "arn": alias.get("AliasArn") or aws_arn.build("kms", region, acct, alias["AliasName"]),
            "account": acct, "region": region, "name": alias["AliasName"], "tags": {},
            "target_key_id": key_id,
            "target_key_arn": aws_arn.kms_key(region, acct, key_id) if key_id else None,
        })
    for key in sorted(paginate(kms, "list_keys", "Keys"), key=lambda k: k["KeyId"]):
        key_id = key["KeyId"]
        meta, _ = scope.detail(f"kms:DescribeKey {key_id}", lambda: kms.describe_key(KeyId=key_id)["KeyMetadata"])
        meta = meta or {}
        policy, _ = scope.detail(f"kms:GetKeyPolicy {key_id}",
                                 lambda: kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        tags = None
        if meta.get("KeyManager") != "AWS":
            tags, _ = scope.detail(f"kms:ListResourceTags {key_id}",
                                   lambda: list(paginate(kms, "list_resource_tags", "Tags", KeyId=key_id)))
        arn = key.get("KeyArn") or aws_arn.kms_key(region, acct, key_id)
        policy = parse_policy(policy)
        aliases_of_key = sorted(by_key.get(key_id, []))
        scope.output.add("kms_keys", {
            "arn": arn, "account": acct, "region": region,
            "name": aliases_of_key[0].removeprefix("alias/") if aliases_of_key else key_id,
            "tags": tags_to_dict(tags),
            "key_id": key_id, "aliases": aliases_of_key, "description": meta.get("Description"),
            "key_state": meta.get("KeyState"), "key_manager": meta.get("KeyManager"),
            "key_usage": meta.get("KeyUsage"), "key_spec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
            "multi_region": meta.get("MultiRegion"), "creation_date": iso(meta.get("CreationDate")),
            "policy": policy,
        })
        scope.output.policy(arn, acct, region, "kms", policy)
