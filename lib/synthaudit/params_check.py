"""``synthaudit params check``: what a params file leaves the kit unable to judge, and how it classifies.

Validation itself is ``config.load_params``. This module adds, without any AWS call:
warnings for configurations under which a family of checks cannot find anything (no
synthetic or production rule at all, no synthetic account or OU for the SCP check, no
CloudTrail source, no dataset), and, on request, how each account and a sample of a
snapshot's resources would be classified, with the rule that decided.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthaudit.config import EnvironmentRule, Params

SAMPLE_PER_TABLE = 3
SAMPLE_TABLES = ("iam_roles", "s3_buckets", "kms_keys", "rds_instances", "ec2_instances", "lambda_functions",
                 "glue_jobs", "sagemaker_notebooks")


def _has_any(rule: EnvironmentRule) -> bool:
    return bool(rule.accounts or rule.ous or rule.tags or rule.tags_all or rule.name_patterns)


def _pinned(params: Params, environment: str) -> bool:
    return any(a.environment == environment for a in params.accounts)


def warnings(params: Params) -> list[str]:
    """Configurations under which whole families of checks cannot find anything."""
    rules = params.classification
    out = []
    for environment in ("production", "synthetic"):
        if not _has_any(getattr(rules, environment)) and not _pinned(params, environment):
            out.append(f"no {environment} rule and no account pinned {environment}: nothing can be classified "
                       f"{environment}, so the checks that compare synthetic with production find nothing "
                       f"(classification.{environment}: accounts, ous, tags, tags_all or name_patterns)")
    synthetic = rules.synthetic
    if not (synthetic.accounts or synthetic.ous or _pinned(params, "synthetic")):
        out.append("no synthetic account or OU: SCP_NO_SYNTHETIC_PRODUCTION_DENY judges synthetic accounts and "
                   "will judge only those that account tags or names classify (classification.synthetic.accounts "
                   "or .ous)")
    if params.cloudtrail.source == "none":
        out.append("cloudtrail.source is none: every phase 04 detector will be NOT_ASSESSED")
    if not params.datasets:
        out.append("no datasets: phase 05 has nothing to score (datasets: real, synthetic, holdout)")
    return out


@dataclass(frozen=True)
class Classified:
    what: str          # "account" or a snapshot table
    name: str
    environment: str
    rule: str


def classification_sample(params: Params, snapshot_dir: Path | None = None) -> list[Classified]:
    """Every params account (and, with a snapshot, every account of its organisation) and a few
    resources of each main table of the snapshot, classified by ``params`` as they stand now."""
    from synthaudit.classify import Classifier

    organizations: dict[str, Any] = {}
    snapshot = None
    if snapshot_dir is not None:
        from synthaudit.inventory import Snapshot

        snapshot = Snapshot(snapshot_dir)
        organizations = snapshot.organizations()
    classifier = Classifier(params, organizations)
    if snapshot is not None and "iam_roles" in snapshot.kinds():  # as the run judged them (iam.read_only)
        roles = snapshot.table("iam_roles", decode_json=True)
        for row in roles.to_dict("records"):
            if row.get("audit_role_beyond_reading") is not None and len(row["audit_role_beyond_reading"]):
                classifier.mark_not_read_only(row["arn"])
    names = {a.id: a.name for a in params.accounts}
    names.update({a["Id"]: a.get("Name", "") for a in organizations.get("accounts", [])})
    out = [Classified("account", f"{account} {names[account]}".strip(), v.environment, v.rule)
           for account in sorted(names) for v in [classifier.account(account)]]
    if snapshot is not None:
        for kind in SAMPLE_TABLES:
            if kind not in snapshot.kinds():
                continue
            table = snapshot.table(kind, decode_json=True)
            for row in table.head(SAMPLE_PER_TABLE).to_dict("records"):
                verdict = classifier.resource(row.get("account"), row.get("name"), row.get("tags") or {},
                                              arn=row.get("arn"))
                out.append(Classified(kind, row.get("arn") or row.get("name") or "?", verdict.environment,
                                      verdict.rule))
    return out


def report(params: Params, source: str, show_classification: bool = False, snapshot_dir: Path | None = None) -> str:
    lines = [f"{source}: valid ({len(params.accounts)} accounts, regions {', '.join(params.aws.regions)}, "
             f"estate {params.estate}, label {params.label})"]
    lines += [f"warning: {w}" for w in warnings(params)]
    if show_classification or snapshot_dir is not None:
        sample = classification_sample(params, snapshot_dir)
        width = max((len(c.what) for c in sample), default=7)
        lines.append("classification (what, name, environment, rule that decided):")
        lines += [f"  {c.what:<{width}}  {c.name}  {c.environment}  {c.rule}" for c in sample]
    return "\n".join(lines)
