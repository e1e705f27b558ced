"""The CloudTrail fields the kit reads, as one explicit DuckDB JSON type.

Ingest parses every record with ``json_transform`` into exactly this shape, so
auto-detection never runs (real CloudTrail has keys that differ only in case, which
breaks it) and fields nobody reads cost nothing. Nested request/response payloads
stay raw JSON: detectors pick single values out of them. Field names match the
column names of the standard Athena CloudTrail table (case-insensitively), so
``sql/normalize.sql`` reads either.
"""
from __future__ import annotations

import json

SESSION_ISSUER = {"type": "VARCHAR", "principalId": "VARCHAR", "arn": "VARCHAR",
                  "accountId": "VARCHAR", "userName": "VARCHAR"}
USER_IDENTITY = {
    "type": "VARCHAR", "principalId": "VARCHAR", "arn": "VARCHAR", "accountId": "VARCHAR",
    "accessKeyId": "VARCHAR", "userName": "VARCHAR", "invokedBy": "VARCHAR",
    "sessionContext": {
        "attributes": {"mfaAuthenticated": "VARCHAR", "creationDate": "VARCHAR"},
        "sessionIssuer": SESSION_ISSUER,
    },
}
RECORD = {
    "eventVersion": "VARCHAR",
    "eventTime": "VARCHAR",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "userAgent": "VARCHAR",
    "errorCode": "VARCHAR",
    "errorMessage": "VARCHAR",
    "requestParameters": "JSON",
    "responseElements": "JSON",
    "additionalEventData": "JSON",
    "eventID": "VARCHAR",
    "eventType": "VARCHAR",
    "eventCategory": "VARCHAR",
    "readOnly": "VARCHAR",
    "managementEvent": "VARCHAR",
    "recipientAccountId": "VARCHAR",
    "sharedEventID": "VARCHAR",
    "vpcEndpointId": "VARCHAR",
    "userIdentity": USER_IDENTITY,
    "resources": [{"ARN": "VARCHAR", "accountId": "VARCHAR", "type": "VARCHAR"}],
}
# One parse covers both shapes of a top-level object: the S3 envelope {"Records": [...]}
# and a bare record (JSON arrays and JSON lines of records).
# ``@timestamp`` stands in for eventTime in records re-shipped by Logstash (ingest fills it in).
SHIPPER_TIME = {"@timestamp": "VARCHAR"}
RECORD_IN = {**RECORD, **SHIPPER_TIME}
TOP_LEVEL = {"Records": [RECORD_IN], **RECORD_IN}


def json_type(structure: dict) -> str:
    """The structure as the string ``json_transform`` takes."""
    return json.dumps(structure, separators=(",", ":"))


def record_struct_pack(alias: str) -> str:
    """SQL building a RECORD struct from the same-named fields of ``alias`` (a bare record)."""
    return "struct_pack(" + ", ".join(f'"{name}" := {alias}."{name}"' for name in RECORD_IN) + ")"


# Columns of a normalised event (the Parquet cache, events.parquet, what detectors read).
EVENT_COLUMNS = (
    "event_time", "event_day", "account", "region", "event_source", "event_name", "event_type",
    "event_category", "read_only", "management_event", "principal_type", "principal_arn",
    "identity_arn", "principal_account", "user_name", "invoked_by", "mfa_authenticated",
    "source_ip", "user_agent", "error_code", "request_parameters", "response_elements",
    "additional_event_data", "resource_arn", "bucket_name", "shared_with", "event_id", "source_file",
)
