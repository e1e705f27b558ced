"""S3: production buckets reachable by synthetic principals, buckets mixing both
worlds, and the production bucket guard rails (SSE-KMS, public access block, public write)."""
from __future__ import annotations

import fnmatch
from typing import Any

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
def _tag_signals(ctx: CheckContext, tags: dict[str, Any]) -> dict[str, list[str]]:
    """Environment -> tags of the bucket that the params' classification rule names."""
    found: dict[str, list[str]] = {}
    lowered = {str(k).lower(): str(v).lower() for k, v in (tags or {}).items()}
    for env in ("production", "synthetic"):
        rule = getattr(ctx.params.classification, env)
        for key, values in rule.tags.items():
            value = lowered.get(key.lower())
            if value is not None and value in {v.lower() for v in values}:
                found.setdefault(env, []).append(f"tag:{key}={value}")
    return found


def _name_environment(ctx: CheckContext, segment: str) -> str | None:
    """The one environment whose name patterns match a key segment (None if none or both)."""
    matches = [env for env in ("production", "synthetic")
               if any(fnmatch.fnmatch(segment.lower(), p.lower())
                      for p in getattr(ctx.params.classification, env).name_patterns)]
    return matches[0] if len(matches) == 1 else None


def _key_signals(ctx: CheckContext, keys: list[str]) -> dict[str, list[str]]:
    """Environment -> the key segments (prefix or name parts) that matched its name patterns,
    with how many sampled keys carried each. Full key names stay out of evidence: in a real
    estate they can hold identifiers."""
    found: dict[str, dict[str, int]] = {}
    for key in keys:
        for segment in (s for s in key.split("/") if s):
            env = _name_environment(ctx, segment)
            if env:
                shown = segment if key.startswith(segment + "/") or key == segment else f"…/{_masked(segment)}"
                found.setdefault(env, {}).setdefault(shown, 0)
                found[env][shown] += 1
                break
    return {env: [f"{seg} ({n} sampled)" for seg, n in sorted(v.items())][:10] for env, v in found.items()}


def _masked(segment: str) -> str:
    """A deeper path segment, shown as a short salted hash (it may be a record's name)."""
    import hashlib

    return "sha256:" + hashlib.sha256(b"synthaudit-key-segment\x1f" + segment.encode()).hexdigest()[:12]


def _mixed(ctx: CheckContext) -> list[Finding]:
    out = []
    for row in ctx.rows_or_empty("s3_buckets"):
        tag_env = _tag_signals(ctx, row.get("tags") or {})
        if len(tag_env) > 1:  # conflicting tags on the bucket itself
            signals = tag_env
        else:
            keys = sorted(set(row.get("key_prefixes") or []) | set(row.get("key_sample") or []))
            signals = {env: list(v) for env, v in _key_signals(ctx, keys).items()}
            for env, tags in tag_env.items():
                signals.setdefault(env, []).extend(tags)
        evidence = {"signals": {env: sorted(v) for env, v in sorted(signals.items())},
                    "keys_sampled": len(row.get("key_sample") or []),
                    "sample_truncated": bool(row.get("key_sample_truncated"))}
        mixed = {"production", "synthetic"} <= signals.keys()
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
