"""Logging coverage: multi-region trails, log validation, trail encryption, data events
on production buckets and pipeline functions (on each resource, and on each trail that
misses them: the resource to change), and who can read the trail bucket."""
from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from typing import Any, Callable

from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.policy import as_list
from synthaudit.checks.reach import S3_READ, StoreReach
from synthaudit.checks.rows import RowRule, every_row, fail_if, in_environments, judged_kinds, unknown

FAMILY = "logging"


def _active(trail: dict[str, Any]) -> bool:
    return trail.get("is_logging") is not False


def trails_covering(ctx: CheckContext, account: str, region: str | None) -> list[dict[str, Any]]:
    """Logging trails that record activity of ``account`` in ``region`` (org trails count for members)."""
    out = []
    for trail in ctx.rows_or_empty("cloudtrail_trails"):
        if not _active(trail):
            continue
        if trail["account"] != account and not trail.get("is_organization_trail"):
            continue
        if region and not trail.get("is_multi_region") and (trail.get("home_region") or trail.get("region")) != region:
            continue
        out.append(trail)
    return out


# --- trail settings -------------------------------------------------------------------------------
def _flag(column: str, what: str):
    def decide(ctx: CheckContext, row: dict[str, Any]):
        if row.get(column) is None:
            return unknown(f"{what} not reported for this trail")
        return fail_if(row.get(column) is not True, {column: row.get(column)})
    return decide


def _kms(ctx: CheckContext, row: dict[str, Any]):
    return fail_if(not row.get("kms_key_id"), {"kms_key_id": row.get("kms_key_id")})


ROW_RULES = (
    RowRule("CLOUDTRAIL_LOG_VALIDATION_OFF", FAMILY, ("cloudtrail_trails",), every_row,
            _flag("log_file_validation_enabled", "log file validation")),
    RowRule("CLOUDTRAIL_NOT_KMS_ENCRYPTED", FAMILY, ("cloudtrail_trails",), every_row, _kms),
)


def _multi_region(ctx: CheckContext) -> list[Finding]:
    out = []
    for account in ctx.all_accounts():
        covering = [t for t in trails_covering(ctx, account, None) if t.get("is_multi_region")]
        if not covering and ctx.gap("cloudtrail", account, ctx.params.aws.regions[0]):
            continue  # not read; run_check reports the gap
        if not covering and (why := ctx.not_inventoried(account)):
            out.append(ctx.account_finding("CLOUDTRAIL_NO_MULTI_REGION", account, "NOT_ASSESSED", reason=why))
            continue
        out.append(ctx.account_finding("CLOUDTRAIL_NO_MULTI_REGION", account, "PASS" if covering else "FAIL",
                                       evidence={"multi_region_trails": sorted(t["arn"] for t in covering)}))
    return out


# --- data events -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataEventTarget:
    """Which resources need data events, and how selectors name them."""

    check_id: str
    kind: str
    resource_type: str            # AWS::S3::Object, AWS::Lambda::Function
    service_prefix: str           # the "all resources" value in basic selectors
    select: Callable[[CheckContext, dict[str, Any]], bool]
    selector_arn: Callable[[dict[str, Any]], str]   # what a selector value must prefix

    def as_check(self) -> Check:
        return Check(self.check_id, FAMILY, (self.kind, "cloudtrail_trails"), functools.partial(_data_events, self),
                     judges=judged_kinds(self.select, (self.kind,)))


def _basic_match(selectors: Any, target: DataEventTarget, arn: str) -> list[dict[str, Any]]:
    hits = []
    for sel in as_list(selectors):
        if not isinstance(sel, dict) or sel.get("ReadWriteType", "All") == "WriteOnly":
            continue
        for res in as_list(sel.get("DataResources")):
            if not isinstance(res, dict) or res.get("Type") != target.resource_type:
                continue
            for value in as_list(res.get("Values")):
                value = str(value)
                if value in (target.service_prefix, target.service_prefix + ":::") or arn.startswith(value) \
                        or value.rstrip("/") == arn.rstrip("/*").rstrip("/"):
                    hits.append(sel)
    return hits


def _field_ok(fields: dict[str, dict[str, Any]], name: str, value: str) -> bool:
    """Whether an advanced selector's field conditions admit ``value`` (absent field = any)."""
    spec = fields.get(name)
    if not spec:
        return True
    checks = [
        ("Equals", lambda v: value in v), ("StartsWith", lambda v: any(value.startswith(x) for x in v)),
        ("EndsWith", lambda v: any(value.endswith(x) for x in v)),
        ("NotEquals", lambda v: value not in v), ("NotStartsWith", lambda v: not any(value.startswith(x) for x in v)),
        ("NotEndsWith", lambda v: not any(value.endswith(x) for x in v)),
    ]
    return all(test([str(x) for x in as_list(spec[op])]) for op, test in checks if op in spec)


def _advanced_match(selectors: Any, target: DataEventTarget, arn: str) -> list[dict[str, Any]]:
    hits = []
    for sel in as_list(selectors):
        if not isinstance(sel, dict):
            continue
        fields = {f.get("Field"): f for f in as_list(sel.get("FieldSelectors")) if isinstance(f, dict)}
        if not (_field_ok(fields, "eventCategory", "Data") and "eventCategory" in fields):
            continue
        if not (_field_ok(fields, "resources.type", target.resource_type) and "resources.type" in fields):
            continue
        if not _field_ok(fields, "readOnly", "true"):
            continue  # write-only selector: reads of the data go unrecorded
        if _field_ok(fields, "resources.ARN", arn):
            hits.append(sel)
    return hits


def data_event_coverage(target: DataEventTarget, ctx: CheckContext):
    """(row, trails covering it, trails logging its data events) for every resource ``target`` selects."""
    for row in ctx.rows_or_empty(target.kind):
        if not target.select(ctx, row):
            continue
        arn = target.selector_arn(row)
        trails = trails_covering(ctx, row["account"], row.get("region"))
        logging = sorted(t["arn"] for t in trails
                         if _basic_match(t.get("event_selectors"), target, arn)
                         or _advanced_match(t.get("advanced_event_selectors"), target, arn))
        yield row, trails, logging


def _data_events(target: DataEventTarget, ctx: CheckContext) -> list[Finding]:
    out = []
    for row, trails, logging in data_event_coverage(target, ctx):
        evidence = {"trails_covering": sorted(t["arn"] for t in trails), "trails_logging_data_events": logging,
                    "resource_type": target.resource_type}
        if not logging and ctx.gap("cloudtrail", row["account"], row.get("region")):
            out.append(ctx.finding(target.check_id, row, "NOT_ASSESSED", evidence=evidence,
                                   reason=ctx.gap("cloudtrail", row["account"], row.get("region"))))
            continue
        out.append(ctx.finding(target.check_id, row, "PASS" if logging else "FAIL", evidence=evidence))
    return out


def _trail_misses(ctx: CheckContext) -> list[Finding]:
    """The same gaps, on the trail to change: every active trail whose scope holds production buckets or
    pipeline functions whose data events no trail records, naming each of them by type."""
    missed: dict[str, dict[str, list[str]]] = {}
    for target in DATA_EVENT_TARGETS:
        for row, trails, logging in data_event_coverage(target, ctx):
            if logging:
                continue
            for trail in trails:
                missed.setdefault(trail["arn"], {}).setdefault(target.resource_type, []).append(row["arn"])
    out = []
    for trail in ctx.rows_or_empty("cloudtrail_trails"):
        if not _active(trail):
            continue
        misses = {kind: sorted(arns) for kind, arns in sorted(missed.get(trail["arn"], {}).items())}
        evidence = {"misses": misses, "missed": sum(len(a) for a in misses.values()),
                    "organization_trail": bool(trail.get("is_organization_trail"))}
        out.append(ctx.finding("CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS", trail, "FAIL" if misses else "PASS",
                               evidence=evidence))
    return out


def _pipeline_function(ctx: CheckContext, row: dict[str, Any]) -> bool:
    name = (row.get("function_name") or row.get("name") or "").lower()
    return any(fnmatch.fnmatch(name, p.lower()) for p in ctx.seg.pipeline_lambda_patterns)


DATA_EVENT_TARGETS = (
    DataEventTarget("CLOUDTRAIL_NO_S3_DATA_EVENTS", "s3_buckets", "AWS::S3::Object", "arn:aws:s3",
                    in_environments("production"), lambda r: f"{r['arn']}/"),
    DataEventTarget("CLOUDTRAIL_NO_LAMBDA_DATA_EVENTS", "lambda_functions", "AWS::Lambda::Function", "arn:aws:lambda",
                    _pipeline_function, lambda r: r["arn"]),
)

# --- trail bucket readers ------------------------------------------------------------------------------
def _is_trail_bucket(ctx: CheckContext, row: dict[str, Any]) -> bool:
    return row.get("name") in {t.get("s3_bucket_name") for t in ctx.rows_or_empty("cloudtrail_trails")}


REACH = (StoreReach("CLOUDTRAIL_BUCKET_READABLE_BY_SYNTHETIC", FAMILY, S3_READ, _is_trail_bucket),)

CHECKS: tuple[Check, ...] = (
    *(spec.as_check() for spec in ROW_RULES + DATA_EVENT_TARGETS + REACH),
    Check("CLOUDTRAIL_NO_MULTI_REGION", FAMILY, ("cloudtrail_trails",), _multi_region),
    Check("CLOUDTRAIL_TRAIL_MISSES_DATA_EVENTS", FAMILY,
          ("cloudtrail_trails",) + tuple(t.kind for t in DATA_EVENT_TARGETS), _trail_misses),
)
