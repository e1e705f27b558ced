"""AWS Config: recorders with their recording status, and rules."""
from __future__ import annotations

from synthaudit import arn as aws_arn
from synthaudit.inventory.base import Scope, paginate, parse_policy

SERVICE = "config"
SCOPE = "region"


def collect(scope: Scope) -> None:
    cfg = scope.client("config")
    acct, region = scope.account, scope.region
    recorders = cfg.describe_configuration_recorders().get("ConfigurationRecorders", [])
    statuses = {}
    if recorders:
        statuses = {s["name"]: s for s in cfg.describe_configuration_recorder_status().get("ConfigurationRecordersStatus", [])}
    for rec in sorted(recorders, key=lambda r: r["name"]):
        group = rec.get("recordingGroup") or {}
        status = statuses.get(rec["name"])
        scope.output.add("config_recorders", {
            "arn": aws_arn.build("config", region, acct, f"configuration-recorder/{rec['name']}"),
            "account": acct, "region": region, "name": rec["name"], "tags": {},
            "role_arn": rec.get("roleARN"), "all_supported": group.get("allSupported"),
            "include_global_resource_types": group.get("includeGlobalResourceTypes"),
            "resource_types": sorted(group.get("resourceTypes", []) or []),
            "recording": None if status is None else status.get("recording"),
            "last_status": None if status is None else status.get("lastStatus"),
        })
    for rule in sorted(paginate(cfg, "describe_config_rules", "ConfigRules"), key=lambda r: r["ConfigRuleName"]):
        source = rule.get("Source") or {}
        scope.output.add("config_rules", {
            "arn": rule.get("ConfigRuleArn") or aws_arn.build("config", region, acct, f"config-rule/{rule['ConfigRuleName']}"),
            "account": acct, "region": region, "name": rule["ConfigRuleName"], "tags": {},
            "rule_id": rule.get("ConfigRuleId"), "state": rule.get("ConfigRuleState"),
            "source_owner": source.get("Owner"), "source_identifier": source.get("SourceIdentifier"),
            "scope": rule.get("Scope") or {}, "input_parameters": parse_policy(rule.get("InputParameters")) or {},
        })

