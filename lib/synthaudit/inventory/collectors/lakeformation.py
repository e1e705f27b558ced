"""Lake Formation: every grant (ListPermissions), flattened to principal, resource,
columns and permissions, so an unrestricted SELECT on a PHI table is visible."""
from __future__ import annotations

from typing import Any

from synthaudit import arn as aws_arn
from synthaudit.inventory.base import Scope, paginate, to_jsonable

SERVICE = "lakeformation"
SCOPE = "region"


def collect(scope: Scope) -> None:
    lf = scope.client("lakeformation")
    acct, region = scope.account, scope.region
    grants = list(paginate(lf, "list_permissions", "PrincipalResourcePermissions"))
    for grant in grants:
        principal = (grant.get("Principal") or {}).get("DataLakePrincipalIdentifier")
        resource = to_jsonable(grant.get("Resource") or {})
        info = describe_resource(resource, region, acct)
        scope.output.add("lakeformation_permissions", {
            "arn": info["arn"], "account": acct, "region": region,
            "name": f"{principal} -> {info['label']}", "tags": {}, "_classify_name": info["classify_name"],
            "principal": principal, "principal_environment": None, "principal_environment_rule": None,
            "resource_type": info["type"], "database_name": info.get("database"), "table_name": info.get("table"),
            "column_names": info.get("columns"), "excluded_column_names": info.get("excluded"),
            "cell_filter": info.get("filter"),
            "permissions": sorted(grant.get("Permissions", []) or []),
            "permissions_with_grant_option": sorted(grant.get("PermissionsWithGrantOption", []) or []),
            "resource": resource,
        })


def describe_resource(resource: dict[str, Any], region: str, acct: str) -> dict[str, Any]:
    """ARN, label and parts of a Lake Formation Resource structure."""
    if "TableWithColumns" in resource:
        t = resource["TableWithColumns"]
        catalog = t.get("CatalogId") or acct
        wildcard = t.get("ColumnWildcard")
        return {"type": "table_with_columns", "database": t.get("DatabaseName"), "table": t.get("Name"),
                "arn": aws_arn.build("glue", region, catalog, f"table/{t.get('DatabaseName')}/{t.get('Name')}"),
                "label": f"{t.get('DatabaseName')}.{t.get('Name')}", "classify_name": t.get("Name") or "",
                "columns": None if wildcard is not None else sorted(t.get("ColumnNames", []) or []),
                "excluded": sorted((wildcard or {}).get("ExcludedColumnNames", []) or []) if wildcard is not None else None}
    if "Table" in resource:
        t = resource["Table"]
        catalog = t.get("CatalogId") or acct
        name = t.get("Name") or ("*" if "TableWildcard" in t else None)
        return {"type": "table", "database": t.get("DatabaseName"), "table": name,
                "arn": aws_arn.build("glue", region, catalog, f"table/{t.get('DatabaseName')}/{name}"),
                "label": f"{t.get('DatabaseName')}.{name}", "classify_name": t.get("Name") or t.get("DatabaseName") or ""}
    if "DataCellsFilter" in resource:
        f = resource["DataCellsFilter"]
        catalog = f.get("TableCatalogId") or acct
        return {"type": "data_cells_filter", "database": f.get("DatabaseName"), "table": f.get("TableName"),
                "filter": f.get("Name"),
                "arn": aws_arn.build("glue", region, catalog, f"table/{f.get('DatabaseName')}/{f.get('TableName')}"),
                "label": f"{f.get('DatabaseName')}.{f.get('TableName')}[{f.get('Name')}]",
                "classify_name": f.get("TableName") or ""}
    if "Database" in resource:
        d = resource["Database"]
        catalog = d.get("CatalogId") or acct
        return {"type": "database", "database": d.get("Name"),
                "arn": aws_arn.build("glue", region, catalog, f"database/{d.get('Name')}"), "label": d.get("Name"),
                "classify_name": d.get("Name") or ""}
    if "DataLocation" in resource:
        loc = resource["DataLocation"]
        arn = loc.get("ResourceArn") or ""
        return {"type": "data_location", "arn": arn, "label": arn, "classify_name": arn.rsplit(":", 1)[-1]}
    if "Catalog" in resource:
        return {"type": "catalog", "arn": aws_arn.build("glue", region, acct, "catalog"), "label": "catalog", "classify_name": ""}
    kind = next(iter(resource), "unknown")
    return {"type": kind.lower(), "arn": aws_arn.build("lakeformation", region, acct, kind.lower()), "label": kind,
            "classify_name": ""}
