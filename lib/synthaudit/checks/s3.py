"""S3: production buckets reachable by synthetic principals, buckets mixing both
worlds, and the production bucket guard rails (SSE-KMS, public access block, public write)."""
from __future__ import annotations

import fnmatch
from typing import Any

from synthaudit.classify import tag_match
from synthaudit.findings import Finding

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.policy import public_statements
from synthaudit.checks.reach import S3_READ_WRITE, StoreReach
from synthaudit.checks.rows import RowRule, detail_gap, fail_if, in_environments

FAMILY = "s3"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
PAB_COLUMNS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:PutObjectAcl", "s3:DeleteObjectVersion")
production = in_environments("production")


def _no_sse_kms(ctx: CheckContext, row: dict[str, Any]):
    return fail_if(row.get("sse_algorithm") not in KMS_ALGORITHMS,
                   {"sse_algorithm": row.get("sse_algorithm"), "kms_key_id": row.get("kms_key_id")})


def _no_public_access_block(ctx: CheckContext, row: dict[str, Any]):
    settings = {c: row.get(c) for c in PAB_COLUMNS}
    return fail_if(not all(v is True for v in settings.values()), {"public_access_block": settings})


def _public_write(ctx: CheckContext, row: dict[str, Any]):
    """Publicly writable as AWS decides it: a public write statement not neutralised by
    RestrictPublicBuckets, or a public ACL write grant not neutralised by IgnorePublicAcls."""
    statements = public_statements(row.get("policy"), WRITE_ACTIONS)
    via_policy = bool(statements) and row.get("restrict_public_buckets") is not True
    via_acl = bool(row.get("acl_public_write")) and row.get("ignore_public_acls") is not True
    evidence: dict[str, Any] = {"policy_statements": statements, "acl_public_write": bool(row.get("acl_public_write")),
                                "restrict_public_buckets": row.get("restrict_public_buckets"),
                                "ignore_public_acls": row.get("ignore_public_acls")}
    return fail_if(via_policy or via_acl, evidence)


ROW_RULES = (
    RowRule("S3_PRODUCTION_NO_SSE_KMS", FAMILY, ("s3_buckets",), production, _no_sse_kms,
            detail_calls=("encryption",)),
    RowRule("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", FAMILY, ("s3_buckets",), production, _no_public_access_block,
            detail_calls=("public_access_block", "publicaccessblock")),
    RowRule("S3_PRODUCTION_PUBLIC_WRITE", FAMILY, ("s3_buckets",), production, _public_write,
            detail_calls=("policy", "acl")),
)
REACH = (
    StoreReach("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", FAMILY, S3_READ_WRITE, production),
)


# --- mixed buckets ------------------------------------------------------------------
SEGREGATED = ("production", "synthetic")


def _tag_signals(ctx: CheckContext, tags: dict[str, Any]) -> dict[str, str]:
    """Environment -> the ``tag:...`` match of the params' rule (tags_all, then tags) on one tag set."""
    tags = {str(k): str(v) for k, v in (tags or {}).items()}
    return {env: hit for env in SEGREGATED
            if (hit := tag_match(getattr(ctx.params.classification, env), tags))}


def _name_environment(ctx: CheckContext, segment: str) -> str | None:
    """The one environment whose name patterns match a folder name (None if none or both)."""
    matches = [env for env in SEGREGATED
               if any(fnmatch.fnmatch(segment.lower(), p.lower())
                      for p in getattr(ctx.params.classification, env).name_patterns)]
    return matches[0] if len(matches) == 1 else None


def _folder_signals(ctx: CheckContext, keys: list[str]) -> dict[str, list[str]]:
    """Environment -> the folders (key prefixes) that matched its name patterns, with how many
    sampled keys carried each. Only folders count, never file names: a file named like a
    synthetic pattern inside a production folder is production data. The first (outermost)
    folder that matches decides a key. Deeper folder names are shown hashed (they can hold
    identifiers); full keys never reach evidence."""
    found: dict[str, dict[str, int]] = {}
    for key in keys:
        folders = [s for s in key.split("/")[:-1] if s]
        for depth, folder in enumerate(folders):
            env = _name_environment(ctx, folder)
            if env:
                shown = f"{folder}/" if depth == 0 else f"…/{_masked(folder)}/"
                found.setdefault(env, {}).setdefault(shown, 0)
                found[env][shown] += 1
                break
    return {env: [f"folder {seg} ({n} sampled)" for seg, n in sorted(v.items())][:10] for env, v in found.items()}


def _object_signals(ctx: CheckContext, sample: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Environment -> object tags that match its rule, with counts and the prefix they were sampled under."""
    found: dict[str, dict[str, int]] = {}
    for group in sample:
        where = group.get("prefix") or "(root)"
        for tags in group.get("tags") or []:
            for env, hit in _tag_signals(ctx, tags).items():
                label = f"object {hit} under {where}"
                found.setdefault(env, {}).setdefault(label, 0)
                found[env][label] += 1
    return {env: [f"{label} ({n} sampled)" for label, n in sorted(v.items())][:10] for env, v in found.items()}


def _masked(segment: str) -> str:
    """A deeper path segment, shown as a short salted hash (it may be a record's name)."""
    import hashlib

    return "sha256:" + hashlib.sha256(b"synthaudit-key-segment\x1f" + segment.encode()).hexdigest()[:12]


def _mixed(ctx: CheckContext) -> list[Finding]:
    """Both worlds' data in one bucket: the bucket's own class (its environment, or its tags) and the
    classes of its folders and sampled objects (object tags) together name production and synthetic."""
    out = []
    for row in ctx.rows_or_empty("s3_buckets"):
        signals: dict[str, list[str]] = {}
        for env, hit in _tag_signals(ctx, row.get("tags") or {}).items():
            signals.setdefault(env, []).append(f"bucket {hit}")
        if row.get("environment") in SEGREGATED and not signals:
            signals[row["environment"]] = [f"bucket classified {row['environment']} ({row.get('environment_rule')})"]
        prefixes = [p if p.endswith("/") else p + "/" for p in row.get("key_prefixes") or []]
        keys = sorted(set(prefixes) | set(row.get("key_sample") or []))
        sample = row.get("object_tag_sample") or []
        for found in (_folder_signals(ctx, keys), _object_signals(ctx, sample)):
            for env, labels in found.items():
                signals.setdefault(env, []).extend(labels)
        sampled = [g.get("prefix") or "(root)" for g in sample]
        sampled_prefixes = sum(1 for g in sample if g.get("prefix"))
        evidence = {"signals": {env: sorted(v) for env, v in sorted(signals.items())},
                    "keys_sampled": len(row.get("key_sample") or []),
                    "sample_truncated": bool(row.get("key_sample_truncated")),
                    "object_tags_sampled": {"objects": sum(int(g.get("objects") or 0) for g in sample),
                                            "prefixes": sampled[:20],
                                            "prefixes_not_sampled": max(0, len(prefixes) - sampled_prefixes)}}
        mixed = set(SEGREGATED) <= signals.keys()
        gap = detail_gap(row, ("listobjects", "tagging"))
        if not mixed and gap:
            out.append(ctx.finding("S3_MIXED_ENVIRONMENT_DATA", row, "NOT_ASSESSED", evidence=evidence,
                                   reason=f"detail read failed: {gap}"))
            continue
        out.append(ctx.finding("S3_MIXED_ENVIRONMENT_DATA", row, "FAIL" if mixed else "PASS", evidence=evidence))
    return out


CHECKS: tuple[Check, ...] = (
    *(spec.as_check() for spec in ROW_RULES + REACH),
    Check("S3_MIXED_ENVIRONMENT_DATA", FAMILY, ("s3_buckets",), _mixed),
)
