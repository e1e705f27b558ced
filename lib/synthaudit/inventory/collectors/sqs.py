"""SQS: queues with their resource policy and encryption, for the external-exposure check
(production records flow through queues between pipeline stages)."""
from __future__ import annotations

from synthaudit import arn as aws_arn
from synthaudit.inventory.base import Scope, paginate, parse_policy

SERVICE = "sqs"
SCOPE = "region"
ATTRIBUTES = ["QueueArn", "Policy", "KmsMasterKeyId", "SqsManagedSseEnabled"]
PAGE = {"PageSize": 1000}  # AWS pages ListQueues (NextToken) only when MaxResults is sent
GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")  # deleted since it was listed


def collect(scope: Scope) -> None:
    sqs = scope.client("sqs")
    acct, region = scope.account, scope.region
    for url in sorted(paginate(sqs, "list_queues", "QueueUrls", PaginationConfig=PAGE)):
        name = url.rstrip("/").rsplit("/", 1)[-1]
        attrs, gap = scope.detail(f"sqs:GetQueueAttributes {name}", lambda: sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=ATTRIBUTES).get("Attributes", {}), GONE)
        if attrs is None and gap is None:
            continue
        tags, _ = scope.detail(f"sqs:ListQueueTags {name}", lambda: sqs.list_queue_tags(QueueUrl=url).get("Tags", {}),
                               GONE)
        attrs = attrs or {}
        arn = attrs.get("QueueArn") or aws_arn.build("sqs", region, acct, name)
        policy = parse_policy(attrs.get("Policy"))
        sse = attrs.get("SqsManagedSseEnabled")
        scope.output.add("sqs_queues", {
            "arn": arn, "account": acct, "region": region, "name": name, "tags": tags or {},
            "queue_url": url, "policy": policy, "kms_master_key_id": attrs.get("KmsMasterKeyId"),
            "sqs_managed_sse": None if sse is None else str(sse).lower() == "true",
            "detail_errors": {f"sqs:GetQueueAttributes {name}": f"{gap.status}: {gap.error}"} if gap else {},
        })
        scope.output.policy(arn, acct, region, "sqs", policy)
