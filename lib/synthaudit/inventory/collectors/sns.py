"""SNS: topics with their resource policy and encryption, for the external-exposure check
(a topic a pipeline publishes production records to)."""
from __future__ import annotations

from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope, paginate, parse_policy

SERVICE = "sns"
SCOPE = "region"
GONE = ("NotFound", "NotFoundException")  # deleted since it was listed


def collect(scope: Scope) -> None:
    sns = scope.client("sns")
    acct, region = scope.account, scope.region
    for arn in sorted(t["TopicArn"] for t in paginate(sns, "list_topics", "Topics")):
        name = arn.rsplit(":", 1)[-1]
        attrs, gap = scope.detail(f"sns:GetTopicAttributes {name}",
                                  lambda: sns.get_topic_attributes(TopicArn=arn).get("Attributes", {}), GONE)
        if attrs is None and gap is None:
            continue
        tags, _ = scope.detail(f"sns:ListTagsForResource {name}",
                               lambda: sns.list_tags_for_resource(ResourceArn=arn).get("Tags", []), GONE)
        attrs = attrs or {}
        policy = parse_policy(attrs.get("Policy"))
        scope.output.add("sns_topics", {
            "arn": arn, "account": acct, "region": region, "name": name, "tags": tags_to_dict(tags),
            "policy": policy, "kms_master_key_id": attrs.get("KmsMasterKeyId"),
            "detail_errors": {f"sns:GetTopicAttributes {name}": f"{gap.status}: {gap.error}"} if gap else {},
        })
        scope.output.policy(arn, acct, region, "sns", policy)
