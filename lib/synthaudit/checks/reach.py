"""The family of "can X reach Y" checks, answered by the IAM engine (synthaudit.iam).

Two shapes, both parameterised:

- ``StoreReach``: for each examined data store (a production bucket, a production
  key, the trail bucket), which synthetic-environment principals the engine allows
  a data action on it, through identity and/or resource policies, same- or cross-account.
- ``ComputeReach``: for each synthetic-environment compute resource (instance profile,
  Lambda function, Glue job, SageMaker notebook/job), which production data stores
  its role can reach.

``conditional`` decisions (allowed only if an undecidable condition holds) count as
reachable and carry the condition in evidence: an auditor must see them.

Every grant is a data path (synthaudit.iam.data_path): an object read on an SSE-KMS bucket
also needs kms:Decrypt on its key, IAM database auth needs the database to have it enabled.
A finding whose every grant misses a link is reported one severity step lower, naming the
missing links (``reach_severity``): both runners use it, so every reach check does.
"""
from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from synthaudit import arn as aws_arn
from synthaudit import catalogue
from synthaudit.findings import Finding, lowered
from synthaudit.iam.data_path import data_path, link_of, needs_of
from synthaudit.iam.keys import KeyResolver

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.keys import key_resolver
from synthaudit.checks.policy import as_list, statement_allows_action, statements
from synthaudit.checks.rows import judged_kinds

REACHABLE = ("allowed", "conditional")
PRINCIPAL_KINDS = ("iam_roles", "iam_users")


@dataclass(frozen=True)
class DataStore:
    """A kind of data store and the data actions that reach its contents."""

    kind: str
    actions: tuple[str, ...]
    resources: Callable[[dict[str, Any]], list[str]]
    select: Callable[[dict[str, Any]], bool] = lambda row: True


def _bucket_objects(row: dict[str, Any]) -> list[str]:
    return [f"{row['arn']}/*"]


def _self(row: dict[str, Any]) -> list[str]:
    return [row["arn"]]


def _rds_db_user(row: dict[str, Any]) -> list[str]:
    # rds-db:connect is authorised on arn:aws:rds-db:<region>:<acct>:dbuser:<resource-id>/<user>;
    # the resource id is not in the snapshot, so the engine is asked about any id and user.
    return [aws_arn.rds_db_user(row["region"], row["account"], "*/*")]


S3_READ_WRITE = DataStore("s3_buckets", ("s3:GetObject", "s3:PutObject"), _bucket_objects)
S3_READ = DataStore("s3_buckets", ("s3:GetObject",), _bucket_objects)
KMS_DECRYPT = DataStore("kms_keys", ("kms:Decrypt",), _self,
                        select=lambda row: (row.get("key_manager") or "CUSTOMER") == "CUSTOMER")
# Data stores a compute role must not reach in production: object reads, database
# data-plane access (Data API, IAM database auth, snapshot export), key decrypt.
PRODUCTION_STORES: tuple[DataStore, ...] = (
    DataStore("s3_buckets", ("s3:GetObject",), _bucket_objects),
    DataStore("rds_clusters", ("rds-data:ExecuteStatement", "rds:CreateDBClusterSnapshot"), _self),
    DataStore("rds_clusters", ("rds-db:connect",), _rds_db_user),
    DataStore("rds_instances", ("rds:CreateDBSnapshot",), _self),
    DataStore("rds_instances", ("rds-db:connect",), _rds_db_user),
    KMS_DECRYPT,
)


def jsonable(value: Any) -> Any:
    """Engine objects (dataclasses, tuples, sets) as plain JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class Reacher:
    """Memoised engine questions for one run (the same pair is asked by several checks)."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self._memo: dict[tuple[str, str, str], Any] = {}
        self._keys: KeyResolver | None = None

    def key_of(self, row: dict[str, Any]) -> tuple[str | None, str]:
        """The row's KMS key ARN, and "" when the key (so its key policy) is in the snapshot, else why not."""
        if self._keys is None:
            self._keys = key_resolver(self.ctx)
        return self._keys.key_of(row)

    def decide(self, principal: str, action: str, resource: str) -> Any:
        """The engine's Decision, or the error text when the engine cannot decide."""
        key = (principal, action, resource)
        if key not in self._memo:
            try:
                self._memo[key] = self.ctx.store.evaluate(principal, action, resource)
            except KeyError:
                self._memo[key] = f"principal {principal} is not in the IAM data of the snapshot"
            except ValueError as exc:  # PolicyError: a policy on the path could not be parsed
                self._memo[key] = f"{type(exc).__name__}: {exc}"[:300]
        return self._memo[key]

    def grants(self, principal: str, store: DataStore, row: dict[str, Any],
               errors: list[str] | None = None) -> list[dict[str, Any]]:
        """Every (action, resource) of ``store`` on ``row`` the principal can perform, with the
        deciding statements; undecidable questions are appended to ``errors``."""
        found = []
        for resource in store.resources(row):
            for action in store.actions:
                decision = self.decide(principal, action, resource)
                if isinstance(decision, str):
                    if errors is not None:
                        errors.append(decision)
                    continue
                outcome = getattr(decision, "outcome", None)
                if outcome in REACHABLE:
                    grant = {
                        "principal": principal, "action": action, "resource": resource, "outcome": outcome,
                        "statements": jsonable(getattr(decision, "statements", ())),
                        "conditions": jsonable(getattr(decision, "conditions", ())),
                    }
                    needs = needs_of(store.kind, row, action, self.key_of)
                    if needs:
                        grant["path"] = data_path(principal, action, resource, link_of(decision), needs,
                                                  self.decide).evidence()
                    found.append(grant)
        return found


def reach_severity(check_id: str, grants: list[dict[str, Any]], evidence: dict[str, Any]) -> str | None:
    """None (the catalogue's severity) when some grant reaches the data; one step lower when every
    grant misses a link of its data path, which ``evidence`` then names under ``missing``."""
    partial = [g["path"] for g in grants if g.get("path", {}).get("reach") == "partial"]
    if not grants or len(partial) < len(grants):
        return None
    missing = sorted({m for p in partial for m in ([p["missing"]] if isinstance(p["missing"], str) else p["missing"])})
    evidence["reach"] = "partial"
    evidence["missing"] = missing[0] if len(missing) == 1 else missing
    return lowered(catalogue.get(check_id).severity)


def _reacher(ctx: CheckContext) -> Reacher:
    cached = getattr(ctx, "_reacher", None)
    if cached is None:
        cached = Reacher(ctx)
        ctx._reacher = cached  # type: ignore[attr-defined]
    return cached


def principals_in(ctx: CheckContext, environment: str) -> list[dict[str, Any]]:
    """Roles and users of one environment (service-linked roles and the kit's own role excluded)."""
    out = []
    for kind in PRINCIPAL_KINDS:
        for row in ctx.rows_or_empty(kind):
            if row.get("environment") == environment and not row.get("is_service_linked") and not row.get("is_audit_role"):
                out.append(row)
    return sorted(out, key=lambda r: r["arn"])


def _edges(grants: Iterable[dict[str, Any]], target: str) -> list[dict[str, str]]:
    seen = {(g["principal"], g["action"]) for g in grants}
    return [{"source": p, "target": target, "via": a} for p, a in sorted(seen)]


def _named_aws_principals(stmt: dict[str, Any]) -> list[str]:
    principal = stmt.get("Principal")
    if isinstance(principal, dict):
        return [str(v) for v in as_list(principal.get("AWS"))]
    return []


def _resource_matches(stmt: dict[str, Any], resource: str) -> bool:
    import fnmatch

    if "NotResource" in stmt:
        return not any(fnmatch.fnmatchcase(resource, str(p)) for p in as_list(stmt["NotResource"]))
    return any(fnmatch.fnmatchcase(resource, str(p)) for p in as_list(stmt.get("Resource", "*")))


def delegated_grants(ctx: CheckContext, store: DataStore, row: dict[str, Any], principals: list[dict[str, Any]],
                     reacher: "Reacher", granted: set[str]) -> list[dict[str, Any]]:
    """Cross-account resource-policy statements that grant the store's data actions to a synthetic
    principal (or a synthetic account) the engine found without effective access only because its own
    identity policy is silent. The synthetic account's IAM administrators can close that gap at will,
    so the production resource has handed its decision to the synthetic side. An explicit deny (a
    policy or an SCP fence) on the principal keeps the resource closed and is respected."""
    by_arn = {p["arn"]: p for p in principals}
    by_account: dict[str, list[str]] = {}
    for p in principals:
        by_account.setdefault(p["account"], []).append(p["arn"])
    found = []
    for stmt in statements(row.get("policy")):
        if stmt.get("Effect") != "Allow":
            continue
        for value in _named_aws_principals(stmt):
            if value in by_arn:
                candidates = [value]
            else:
                account = value if value.isdigit() else (aws_arn.account_of(value) if value.endswith(":root") else "")
                candidates = by_account.get(account, [])
            for resource in store.resources(row):
                if not _resource_matches(stmt, resource):
                    continue
                for action in store.actions:
                    if not statement_allows_action(stmt, action):
                        continue
                    open_to = [c for c in candidates if c not in granted and aws_arn.account_of(c) != row["account"]
                               and getattr(reacher.decide(c, action, resource), "outcome", "denied") != "denied"]
                    if open_to:
                        found.append({"granted_to": value, "principals": sorted(open_to)[:20], "action": action,
                                      "resource": resource, "sid": stmt.get("Sid", ""),
                                      "note": "resource policy grants it; only the principal's own identity policy, "
                                              "which the synthetic account controls, is missing"})
    return found


# --- data store examined, synthetic principals asked ----------------------------------
@dataclass(frozen=True)
class StoreReach:
    check_id: str
    family: str
    store: DataStore
    select: Callable[[CheckContext, dict[str, Any]], bool]
    principal_environment: str = "synthetic"

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.store.kind,) + PRINCIPAL_KINDS

    def as_check(self) -> Check:
        return Check(self.check_id, self.family, self.tables, functools.partial(run_store_reach, self),
                     judges=judged_kinds(self.select, (self.store.kind,)))


def run_store_reach(spec: StoreReach, ctx: CheckContext) -> list[Finding]:
    targets = [r for r in ctx.rows_or_empty(spec.store.kind) if spec.store.select(r) and spec.select(ctx, r)]
    if not targets:
        return []
    if ctx.store_error:
        return [ctx.finding(spec.check_id, r, "NOT_ASSESSED", reason=ctx.store_error) for r in targets]
    principals = principals_in(ctx, spec.principal_environment)
    principal_accounts = sorted({p["account"] for p in principals} | set(ctx.accounts_in(spec.principal_environment)))
    iam_gaps = {a: ctx.gap("iam", a) for a in principal_accounts if ctx.gap("iam", a)}
    reacher = _reacher(ctx)
    out = []
    for row in targets:
        errors: list[str] = []
        grants = [g for p in principals for g in reacher.grants(p["arn"], spec.store, row, errors)]
        evidence: dict[str, Any] = {
            "principals_examined": len(principals),
            "actions": list(spec.store.actions),
        }
        delegated = delegated_grants(ctx, spec.store, row, principals, reacher, {g["principal"] for g in grants})
        if grants or delegated:
            evidence["grants"] = grants
            if delegated:
                evidence["delegated_grants"] = delegated
            edges = _edges(grants, row["arn"]) + [{"source": d["granted_to"], "target": row["arn"], "via": d["action"]}
                                                  for d in delegated]
            evidence["edges"] = [dict(t) for t in sorted({tuple(sorted(e.items())) for e in edges})]
            severity = None if delegated else reach_severity(spec.check_id, grants, evidence)
            out.append(ctx.finding(spec.check_id, row, "FAIL", evidence=evidence, severity=severity))
        elif iam_gaps or errors:
            reasons = [f"principals of {a} not read ({r})" for a, r in sorted(iam_gaps.items())]
            reasons += sorted(set(errors))[:5]
            out.append(ctx.finding(spec.check_id, row, "NOT_ASSESSED", evidence=evidence, reason="; ".join(reasons)))
        else:
            out.append(ctx.finding(spec.check_id, row, "PASS", evidence=evidence))
    return out


# --- compute examined, production stores asked ------------------------------------------
@dataclass(frozen=True)
class ComputeReach:
    check_id: str
    family: str
    kinds: tuple[str, ...]
    roles: Callable[[dict[str, Any]], list[str]]
    environment: str = "synthetic"
    target_environment: str = "production"

    @property
    def tables(self) -> tuple[str, ...]:
        return self.kinds + tuple(dict.fromkeys(s.kind for s in PRODUCTION_STORES)) + ("iam_roles",)

    def as_check(self) -> Check:
        return Check(self.check_id, self.family, self.tables, functools.partial(run_compute_reach, self),
                     judges=self.kinds)


def run_compute_reach(spec: ComputeReach, ctx: CheckContext) -> list[Finding]:
    examined = [r for kind in spec.kinds for r in ctx.rows_or_empty(kind) if r.get("environment") == spec.environment]
    if not examined:
        return []
    if ctx.store_error:
        return [ctx.finding(spec.check_id, r, "NOT_ASSESSED", reason=ctx.store_error) for r in examined]
    stores = [(s, r) for s in PRODUCTION_STORES for r in ctx.rows_or_empty(s.kind)
              if s.select(r) and r.get("environment") == spec.target_environment]
    reacher = _reacher(ctx)
    out = []
    for row in examined:
        roles = sorted(set(spec.roles(row)))
        evidence: dict[str, Any] = {"roles": roles, "production_stores_examined": len({r["arn"] for _, r in stores})}
        if not roles:
            out.append(ctx.finding(spec.check_id, row, "PASS", evidence={**evidence, "note": "no role attached"}))
            continue
        errors: list[str] = []
        grants = [g for role in roles for store, target in stores for g in reacher.grants(role, store, target, errors)]
        if grants:
            evidence["grants"] = grants
            evidence["edges"] = [{"source": row["arn"], "target": e["target"], "via": e["via"]}
                                 for g in grants for e in _edges([g], _store_arn(g["resource"], stores))]
            evidence["edges"] = sorted({json.dumps(e, sort_keys=True) for e in evidence["edges"]})
            evidence["edges"] = [json.loads(e) for e in evidence["edges"]]
            severity = reach_severity(spec.check_id, grants, evidence)
            out.append(ctx.finding(spec.check_id, row, "FAIL", evidence=evidence, severity=severity))
            continue
        gaps = sorted({g for role in roles if (g := ctx.gap("iam", aws_arn.account_of(role)))} | set(errors))[:5]
        if gaps:
            out.append(ctx.finding(spec.check_id, row, "NOT_ASSESSED", evidence=evidence, reason="; ".join(gaps)))
        else:
            out.append(ctx.finding(spec.check_id, row, "PASS", evidence=evidence))
    return out


def _store_arn(resource: str, stores: list[tuple[DataStore, dict[str, Any]]]) -> str:
    for store, row in stores:
        if resource in store.resources(row):
            return row["arn"]
    return resource


