"""CloudTrail: trails homed in this region with status and (advanced) event selectors.

Shadow copies of multi-region trails are not listed again in other regions. An
organisation trail owned by an account outside params is kept once (from the
first member account that sees it) so it is not lost."""
from __future__ import annotations

from synthaudit import arn as aws_arn
from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope

SERVICE = "cloudtrail"
SCOPE = "region"


def collect(scope: Scope) -> None:
    ct = scope.client("cloudtrail")
    acct, region = scope.account, scope.region
    audited = set(scope.params.account_ids())
    trails = ct.describe_trails(includeShadowTrails=False).get("trailList", [])
    for trail in sorted(trails, key=lambda t: t.get("TrailARN", "")):
        arn = trail["TrailARN"]
        owner = aws_arn.account_of(arn)
        home = trail.get("HomeRegion") or region
        if home != region or (owner != acct and owner in audited):
            continue
        status, _ = scope.detail(f"cloudtrail:GetTrailStatus {arn}", lambda: ct.get_trail_status(Name=arn))
        selectors, _ = scope.detail(f"cloudtrail:GetEventSelectors {arn}", lambda: ct.get_event_selectors(TrailName=arn))
        tags, _ = scope.detail(f"cloudtrail:ListTags {arn}", lambda: [
            t for r in ct.list_tags(ResourceIdList=[arn]).get("ResourceTagList", []) for t in r.get("TagsList", []) or []])
        scope.output.add("cloudtrail_trails", {
            "arn": arn, "account": owner, "region": home, "name": trail.get("Name"), "tags": tags_to_dict(tags),
            "home_region": home, "s3_bucket_name": trail.get("S3BucketName"), "s3_key_prefix": trail.get("S3KeyPrefix"),
            "is_multi_region": trail.get("IsMultiRegionTrail"), "is_organization_trail": trail.get("IsOrganizationTrail"),
            "include_global_service_events": trail.get("IncludeGlobalServiceEvents"),
            "log_file_validation_enabled": trail.get("LogFileValidationEnabled"), "kms_key_id": trail.get("KmsKeyId"),
            "cloudwatch_logs_log_group_arn": trail.get("CloudWatchLogsLogGroupArn"),
            "is_logging": None if status is None else status.get("IsLogging"),
            "event_selectors": None if selectors is None else selectors.get("EventSelectors", []) or [],
            "advanced_event_selectors": None if selectors is None else selectors.get("AdvancedEventSelectors", []) or [],
        })
