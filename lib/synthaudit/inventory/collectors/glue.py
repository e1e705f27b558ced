"""Glue: the Data Catalog's encryption settings and resource policy, catalog databases and tables,
connections (HidePassword=True, secret-like properties dropped) and jobs with their
role and connections."""
from __future__ import annotations

import re


from synthaudit import arn as aws_arn
from synthaudit.inventory.base import Scope, paginate, parse_policy

SERVICE = "glue"
SCOPE = "region"
SECRET_PROPERTY = re.compile(r"PASSWORD|TOKEN|PRIVATE_KEY|CREDENTIAL", re.I)
JDBC_HOST = re.compile(r"(?://|@)(?:[^@/]*@)?\[?([A-Za-z0-9.\-_:]+?)\]?(?::(\d+))?(?:[/;?]|$)")


def parse_jdbc(url: str | None) -> tuple[str | None, int | None]:
    """Host and port of a JDBC URL (postgresql, mysql, sqlserver, oracle thin, redshift)."""
    if not url:
        return None, None
    match = JDBC_HOST.search(url.split("jdbc:", 1)[-1])
    if not match:
        return None, None
    return match.group(1), int(match.group(2)) if match.group(2) else None


def collect(scope: Scope) -> None:
    glue = scope.client("glue")
    acct, region = scope.account, scope.region
    out = scope.output

    def tags_of(arn: str) -> dict[str, str]:
        tags, _ = scope.detail(f"glue:GetTags {arn}", lambda: glue.get_tags(ResourceArn=arn).get("Tags", {}),
                               ("EntityNotFoundException",))
        return tags or {}

    _catalog(scope)
    databases = sorted(paginate(glue, "get_databases", "DatabaseList"), key=lambda d: d["Name"])
    for db in databases:
        arn = aws_arn.build("glue", region, acct, f"database/{db['Name']}")
        out.add("glue_databases", {
            "arn": arn, "account": acct, "region": region, "name": db["Name"], "tags": tags_of(arn),
            "database_name": db["Name"], "location_uri": db.get("LocationUri"), "description": db.get("Description"),
            "parameters": db.get("Parameters") or {},
        })
        tables, _ = scope.detail(f"glue:GetTables {db['Name']}",
                                 lambda: list(paginate(glue, "get_tables", "TableList", DatabaseName=db["Name"])))
        for table in sorted(tables or [], key=lambda t: t["Name"]):
            storage = table.get("StorageDescriptor") or {}
            out.add("glue_tables", {
                "arn": aws_arn.build("glue", region, acct, f"table/{db['Name']}/{table['Name']}"),
                "account": acct, "region": region, "name": table["Name"], "tags": {},
                "database_name": db["Name"], "table_name": table["Name"], "location": storage.get("Location"),
                "table_type": table.get("TableType"),
                "columns": [{"Name": c.get("Name"), "Type": c.get("Type")} for c in storage.get("Columns", []) or []],
                "parameters": table.get("Parameters") or {},
            })
    for conn in sorted(paginate(glue, "get_connections", "ConnectionList", HidePassword=True), key=lambda c: c["Name"]):
        props = {k: v for k, v in (conn.get("ConnectionProperties") or {}).items() if not SECRET_PROPERTY.search(k)}
        url = props.get("JDBC_CONNECTION_URL")
        host, port = parse_jdbc(url)
        phys = conn.get("PhysicalConnectionRequirements") or {}
        arn = aws_arn.build("glue", region, acct, f"connection/{conn['Name']}")
        out.add("glue_connections", {
            "arn": arn, "account": acct, "region": region, "name": conn["Name"], "tags": tags_of(arn),
            "connection_name": conn["Name"], "connection_type": conn.get("ConnectionType"), "jdbc_url": url,
            "host": host, "port": port, "properties": props, "subnet_id": phys.get("SubnetId"),
            "security_group_ids": sorted(phys.get("SecurityGroupIdList", []) or []),
        })
    for job in sorted(paginate(glue, "get_jobs", "Jobs"), key=lambda j: j["Name"]):
        role = job.get("Role")
        role_arn = role if not role or role.startswith("arn:") else aws_arn.iam_role(acct, role)
        arn = aws_arn.build("glue", region, acct, f"job/{job['Name']}")
        command = job.get("Command") or {}
        out.add("glue_jobs", {
            "arn": arn, "account": acct, "region": region, "name": job["Name"], "tags": tags_of(arn),
            "job_name": job["Name"], "role": role, "role_arn": role_arn,
            "connections": sorted((job.get("Connections") or {}).get("Connections", []) or []),
            "command_name": command.get("Name"), "script_location": command.get("ScriptLocation"),
            "glue_version": job.get("GlueVersion"),
            "default_argument_names": sorted((job.get("DefaultArguments") or {}).keys()),
            "security_configuration": job.get("SecurityConfiguration"),
        })


def _catalog(scope: Scope) -> None:
    """One row per account and region: the catalog's encryption at rest and of connection
    passwords, and its resource policy. A failed read (access denied, not supported) is kept
    in ``settings_error`` / ``detail_errors`` (the check cannot tell "no policy" from "unread")."""
    acct, region = scope.account, scope.region
    glue = scope.client("glue")
    settings, gap = scope.detail("glue:GetDataCatalogEncryptionSettings", lambda: glue.get_data_catalog_encryption_settings(
        CatalogId=acct)["DataCatalogEncryptionSettings"])
    # no policy: EntityNotFoundException from AWS, an empty answer from moto
    policy, policy_gap = scope.detail("glue:GetResourcePolicy", lambda: glue.get_resource_policy().get("PolicyInJson"),
                                      ("EntityNotFoundException",))
    at_rest = (settings or {}).get("EncryptionAtRest") or {}
    password = (settings or {}).get("ConnectionPasswordEncryption") or {}
    scope.output.add("glue_catalogs", {
        "arn": aws_arn.build("glue", region, acct, "catalog"), "account": acct, "region": region,
        "name": f"catalog {acct} {region}", "tags": {}, "catalog_id": acct,
        "encryption_at_rest": None if settings is None else at_rest.get("CatalogEncryptionMode") or "DISABLED",
        "encryption_kms_key_id": at_rest.get("SseAwsKmsKeyId"),
        "connection_password_encrypted": None if settings is None else bool(
            password.get("ReturnConnectionPasswordEncrypted")),
        "connection_password_kms_key_id": password.get("AwsKmsKeyId"),
        "settings_error": None if settings is not None else (gap.reason if gap else "not reported"),
        "policy": parse_policy(policy),
        "detail_errors": {"glue:GetResourcePolicy": f"{policy_gap.status}: {policy_gap.error}"} if policy_gap else {},
    })
    scope.output.policy(aws_arn.build("glue", region, acct, "catalog"), acct, region, "glue", parse_policy(policy))
