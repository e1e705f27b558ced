"""Governance: an SCP fence between synthetic and production, AWS Config recording and
required rules, and Lake Formation grants of production tables to synthetic principals."""
from __future__ import annotations

import fnmatch
from collections import Counter
from typing import Any

from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.inventory.schema import TABLES
from synthaudit.checks.context import CheckContext
from synthaudit.checks.policy import as_list, statement_allows_action, statements

FAMILY = "governance"
# Data actions an SCP fence must cover (any one of them is enough to call it a fence).
FENCE_ACTIONS = ("s3:GetObject", "kms:Decrypt", "rds-db:connect", "rds-data:ExecuteStatement", "glue:GetTable")
# Data-store tables whose production rows an SCP resource pattern may name.
PRODUCTION_STORE_KINDS = ("s3_buckets", "kms_keys", "rds_clusters", "rds_instances", "glue_tables")
# Managed-rule names whose source identifier is not the name in upper case.
RULE_IDENTIFIERS = {
    "restricted-ssh": "INCOMING_SSH_DISABLED",
    "restricted-common-ports": "RESTRICTED_INCOMING_TRAFFIC",
    "multi-region-cloudtrail-enabled": "MULTI_REGION_CLOUD_TRAIL_ENABLED",
    "cloud-trail-encryption-enabled": "CLOUD_TRAIL_ENCRYPTION_ENABLED",
    "cloud-trail-log-file-validation-enabled": "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
}
CONFIG_RULE_ENVIRONMENTS = ("synthetic", "production")


# --- SCP fence ---------------------------------------------------------------------------------
def _targets_of(ctx: CheckContext, account: str) -> list[str]:
    """Ids an SCP can be attached to that govern the account: root, every OU on its path, itself."""
    row = next((r for r in ctx.rows_or_empty("org_accounts") if r["account"] == account), None)
    ids = [account]
    if row:
        ids += list(row.get("ou_ids") or [])
        parents = {u.get("ou_id"): u.get("parent_id") for u in ctx.rows_or_empty("org_units")}
        node = row.get("parent_id")
        while node:
            ids.append(node)
            node = parents.get(node)
    ids += [r.get("Id") for r in ctx.organization.get("roots") or [] if isinstance(r, dict)]
    return sorted({i for i in ids if i})


def _condition_scope(ctx: CheckContext, stmt: dict[str, Any]) -> bool | None:
    """True if the statement's conditions select production resources, False if they exclude
    them, None if it has no resource-scoping condition."""
    production_accounts = set(ctx.accounts_in("production"))
    production_ous = {u.get("ou_id") for u in ctx.rows_or_empty("org_units") if u.get("environment") == "production"}
    tag_values = {k.lower(): {v.lower() for v in vals} for k, vals in ctx.params.classification.production.tags.items()}
    verdicts = []
    for operator, body in (stmt.get("Condition") or {}).items():
        if not isinstance(body, dict):
            continue
        negated = "Not" in operator
        for key, values in body.items():
            key_l, vals = key.lower(), {str(v).lower() for v in as_list(values)}
            if key_l == "aws:resourceaccount":
                hit = bool(vals & production_accounts)
            elif key_l.startswith("aws:resourcetag/"):
                hit = bool(vals & tag_values.get(key_l.split("/", 1)[1], set()))
            elif key_l == "aws:resourceorgpaths":
                hit = any(ou and ou.lower() in v for v in vals for ou in production_ous)
            else:
                continue
            verdicts.append(hit != negated)
    return None if not verdicts else all(verdicts)


def fence_statements(ctx: CheckContext, document: Any) -> list[dict[str, Any]]:
    """Deny statements that stop data actions on production resources."""
    production_arns = [r["arn"] for k in PRODUCTION_STORE_KINDS for r in ctx.rows_or_empty(k)
                       if r.get("environment") == "production"]
    production_arns += [f"{a}/*" for a in production_arns if a.startswith("arn:aws:s3:::")]
    fences = []
    for stmt in statements(document):
        if stmt.get("Effect") != "Deny" or not any(statement_allows_action(stmt, a) for a in FENCE_ACTIONS):
            continue
        scope = _condition_scope(ctx, stmt)
        if scope is False:
            continue
        patterns = [str(p) for p in as_list(stmt.get("Resource"))] or ["*"]
        names_production = any(fnmatch.fnmatchcase(arn, p) for p in patterns for arn in production_arns)
        if scope is True or (names_production and patterns != ["*"]):
            fences.append(stmt)
    return fences


def attach_point(ctx: CheckContext, account: str) -> tuple[str, dict[str, Any] | None]:
    """Where a deny for ``account`` belongs: the highest OU on its path whose subtree holds only
    synthetic accounts (one attachment fences them all and nothing else), else the account itself.
    Returns (target id, its org_units row or None for the account)."""
    accounts = ctx.rows_or_empty("org_accounts")
    row = next((r for r in accounts if r["account"] == account), None)
    units = {u.get("ou_id"): u for u in ctx.rows_or_empty("org_units")}
    for ou in (row.get("ou_ids") or []) if row else []:
        subtree = [a for a in accounts if ou in (a.get("ou_ids") or [])]
        if ou in units and subtree and all(a.get("environment") == "synthetic" for a in subtree):
            return ou, units[ou]
    return account, None


def _scp_fence(ctx: CheckContext) -> list[Finding]:
    check = "SCP_NO_SYNTHETIC_PRODUCTION_DENY"
    if not ctx.rows_or_empty("org_policies") and ctx.gap("organizations", ctx.params.management_account or ""):
        return []  # the coverage gap says why; run_check adds it
    synthetic = ctx.accounts_in("synthetic")
    if not synthetic:
        where = ctx.params.management_account or next(iter(ctx.all_accounts()), "")
        return [ctx.account_finding(check, where, "NOT_ASSESSED", evidence={"synthetic_accounts": []},
                                    reason="no account is classified synthetic (params.classification.synthetic "
                                           "names no account, OU, tag or name pattern that matches one), so there "
                                           "is nothing to fence from production")]
    policies = [p for p in ctx.rows_or_empty("org_policies") if (p.get("type") or "SERVICE_CONTROL_POLICY") == "SERVICE_CONTROL_POLICY"]
    out = []
    gaps: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    units: dict[str, dict[str, Any]] = {}
    for account in synthetic:
        targets = set(_targets_of(ctx, account))
        effective = [p for p in policies if targets & set(p.get("targets") or [])]
        fences = [{"policy": p["arn"], "name": p.get("name"), "statement": s}
                  for p in effective for s in fence_statements(ctx, p.get("content"))]
        evidence = {"effective_scps": sorted(p["arn"] for p in effective), "fences": fences,
                    "governing_targets": sorted(targets)}
        if fences:
            out.append(ctx.account_finding(check, account, "PASS", evidence=evidence))
            continue
        target, unit = attach_point(ctx, account)
        gaps.setdefault(target, []).append((account, evidence))
        if unit:
            units[target] = unit
    for target, missing in sorted(gaps.items()):
        evidence = {"attach_to": target, "affected_accounts": [a for a, _ in missing],
                    "accounts": {a: e for a, e in missing}}
        if target in units:
            unit = units[target]
            evidence["ou_path"] = unit.get("ou_path")
            out.append(ctx.finding(check, unit, "FAIL", evidence=evidence))
        else:
            out.append(ctx.account_finding(check, target, "FAIL", evidence=evidence))
    return out


# --- AWS Config ----------------------------------------------------------------------------------
def _regions(ctx: CheckContext) -> list[str]:
    return list(ctx.params.aws.regions)


def _config_recorder(ctx: CheckContext) -> list[Finding]:
    recorders: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in ctx.rows_or_empty("config_recorders"):
        recorders.setdefault((row["account"], row["region"]), []).append(row)
    out = []
    for account in ctx.all_accounts():
        if (why := ctx.not_inventoried(account)):
            out.append(ctx.account_finding("CONFIG_RECORDER_OFF", account, "NOT_ASSESSED", reason=why))
            continue
        per_region: dict[str, str] = {}
        for region in _regions(ctx):
            if ctx.gap("config", account, region):
                per_region[region] = "not assessed"
                continue
            rows = recorders.get((account, region), [])
            per_region[region] = "recording" if any(r.get("recording") is True for r in rows) else (
                "stopped" if rows else "no recorder")
        assessed = {r: s for r, s in per_region.items() if s != "not assessed"}
        if not assessed:
            continue  # every region is a coverage gap; run_check reports those
        failed = any(s != "recording" for s in assessed.values())
        out.append(ctx.account_finding("CONFIG_RECORDER_OFF", account, "FAIL" if failed else "PASS",
                                       evidence={"regions": per_region}))
    return out


def rule_present(rule_name: str, rules: list[dict[str, Any]]) -> dict[str, Any] | None:
    identifier = RULE_IDENTIFIERS.get(rule_name, rule_name.upper().replace("-", "_"))
    for row in rules:
        if row.get("name") == rule_name or (row.get("source_identifier") or "").upper() == identifier:
            return row
    return None


def _config_rules(ctx: CheckContext) -> list[Finding]:
    rules: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in ctx.rows_or_empty("config_rules"):
        rules.setdefault((row["account"], row["region"]), []).append(row)
    out = []
    for account in sorted(a for env in CONFIG_RULE_ENVIRONMENTS for a in ctx.accounts_in(env)):
        if (why := ctx.not_inventoried(account)):
            out.append(ctx.account_finding("CONFIG_REQUIRED_RULE_MISSING", account, "NOT_ASSESSED", reason=why))
            continue
        missing: dict[str, list[str]] = {}
        found: dict[str, list[str]] = {}
        regions = [r for r in _regions(ctx) if not ctx.gap("config", account, r)]
        if not regions:
            continue
        for region in regions:
            for name in ctx.seg.required_config_rules:
                row = rule_present(name, rules.get((account, region), []))
                (found if row else missing).setdefault(region, []).append(name)
        out.append(ctx.account_finding("CONFIG_REQUIRED_RULE_MISSING", account, "FAIL" if missing else "PASS",
                                       evidence={"required": ctx.seg.required_config_rules,
                                                 "missing": missing, "present": found}))
    return out


# --- Lake Formation ------------------------------------------------------------------------------
DATA_PERMISSIONS = {"SELECT", "ALL"}


def unrestricted(grant: dict[str, Any]) -> bool:
    """A grant that exposes every column and every row of the table."""
    if grant.get("cell_filter") or grant.get("resource_type") == "data_cells_filter":
        return False
    if grant.get("column_names"):
        return False
    return not grant.get("excluded_column_names")


def _lakeformation(ctx: CheckContext) -> list[Finding]:
    tables = {r["arn"]: r for r in ctx.rows_or_empty("glue_tables") if r.get("environment") == "production"}
    by_db: dict[tuple[str, str, str], list[str]] = {}
    for arn, table in tables.items():
        by_db.setdefault((table["account"], table["region"], table.get("database_name")), []).append(arn)
    grants: dict[str, list[dict[str, Any]]] = {arn: [] for arn in tables}
    for grant in ctx.rows_or_empty("lakeformation_permissions"):
        if grant.get("resource_type") not in ("table", "table_with_columns", "data_cells_filter", "database"):
            continue
        if grant.get("table_name") in (None, "*") or grant.get("resource_type") == "database":
            targets = by_db.get((grant["account"], grant["region"], grant.get("database_name")), [])
        else:
            targets = [grant["arn"]] if grant["arn"] in tables or grant.get("environment") == "production" else []
        for arn in targets:
            grants.setdefault(arn, []).append(grant)
    out = []
    for arn in sorted(grants):
        table = tables.get(arn) or next(g for g in grants[arn])
        offending = [
            {k: g.get(k) for k in ("principal", "principal_environment", "resource_type", "permissions",
                                   "column_names", "excluded_column_names", "cell_filter")}
            for g in grants[arn]
            if g.get("principal_environment") == "synthetic" and unrestricted(g)
            and DATA_PERMISSIONS & {str(p).upper() for p in (g.get("permissions") or [])}
        ]
        evidence: dict[str, Any] = {"grants_examined": len(grants[arn]), "unrestricted_synthetic_grants": offending}
        if offending:
            evidence["edges"] = [{"source": g["principal"], "target": arn, "via": "lakeformation SELECT"} for g in offending]
        out.append(ctx.finding("LAKEFORMATION_UNRESTRICTED_PHI_GRANT", table, "FAIL" if offending else "PASS",
                               resource=arn, evidence=evidence))
    return out


# --- the role the kit audits with ----------------------------------------------------------------
def _audit_role(ctx: CheckContext) -> list[Finding]:
    """A role named as the audit role is left out of the analysis only when it grants nothing beyond
    reading (inventory sets ``audit_role_beyond_reading``; see ``iam.read_only``)."""
    out = []
    for row in ctx.rows_or_empty("iam_roles"):
        beyond = row.get("audit_role_beyond_reading")
        if beyond is None:
            continue  # not named as the audit role
        out.append(ctx.finding("AUDIT_ROLE_NOT_READ_ONLY", row, "FAIL" if beyond else "PASS",
                               evidence={"beyond_reading": list(beyond),
                                         "analysed_as_any_principal": bool(beyond)}))
    return out


# --- what no rule classifies --------------------------------------------------------------------
RESOURCE_KINDS = tuple(kind for kind in TABLES if not kind.startswith("org_"))
UNCLASSIFIED_SHOWN = 25


def _unclassified(ctx: CheckContext) -> list[Finding]:
    """One finding per inventoried account: the resources and principals no classification rule
    matched (environment ``unknown``). Checks that compare environments cannot judge those."""
    unknown: dict[str, list[tuple[str, str]]] = {}
    for kind in RESOURCE_KINDS:
        for row in ctx.rows_or_empty(kind):
            if row.get("environment") == "unknown" and row.get("arn"):
                unknown.setdefault(row["account"], []).append((kind, row["arn"]))
    services = sorted({TABLES[kind].service for kind in RESOURCE_KINDS})
    out = []
    for account in ctx.all_accounts():
        if ctx.not_inventoried(account):
            continue  # CONFIG_RECORDER_OFF and the others already say the account was not read
        rows = sorted(unknown.get(account, []))
        by_kind = dict(Counter(kind for kind, _ in rows))
        evidence = {"unclassified": len(rows), "by_kind": by_kind, "sample": [arn for _, arn in rows[:UNCLASSIFIED_SHOWN]]}
        unread = sorted({f"{service} {region}: {reason}" for service in services
                         for (acct, region), reason in ctx.gaps(service).items() if acct == account})
        if unread:  # the list is incomplete: say what was not read, with what was found in the rest
            out.append(ctx.account_finding("UNCLASSIFIED_RESOURCES", account, "NOT_ASSESSED",
                                           reason="; ".join(unread)[:500], evidence={**evidence, "not_read": unread}))
            continue
        out.append(ctx.account_finding("UNCLASSIFIED_RESOURCES", account, "FAIL" if rows else "PASS",
                                       evidence=evidence))
    return out


CHECKS: tuple[Check, ...] = (
    Check("SCP_NO_SYNTHETIC_PRODUCTION_DENY", FAMILY,
          ("org_accounts", "org_units", "org_policies") + PRODUCTION_STORE_KINDS, _scp_fence),
    Check("CONFIG_RECORDER_OFF", FAMILY, ("config_recorders",), _config_recorder),
    Check("CONFIG_REQUIRED_RULE_MISSING", FAMILY, ("config_rules",), _config_rules),
    Check("LAKEFORMATION_UNRESTRICTED_PHI_GRANT", FAMILY, ("lakeformation_permissions", "glue_tables"), _lakeformation),
    Check("AUDIT_ROLE_NOT_READ_ONLY", FAMILY, ("iam_roles", "iam_policies"), _audit_role),
    Check("UNCLASSIFIED_RESOURCES", FAMILY, RESOURCE_KINDS, _unclassified),
)
