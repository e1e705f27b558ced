"""Key references as resources name them (key ARN, key id, alias name or alias ARN), resolved
to key ARNs from the snapshot's keys and aliases: the KMS checks and the data paths of the
reach checks (an SSE-KMS bucket's key) resolve them the same way."""
from __future__ import annotations

from synthaudit import arn as aws_arn

from synthaudit.checks.context import CheckContext


class KeyResolver:
    """Key reference as configured (key ARN, key id, alias name or alias ARN) -> key ARN."""

    def __init__(self, ctx: CheckContext) -> None:
        self.keys = {r["arn"]: r for r in ctx.rows_or_empty("kms_keys")}
        self.by_id = {(r["account"], r["region"], r.get("key_id")): r["arn"] for r in self.keys.values()}
        self.aliases: dict[tuple[str, str, str], str] = {}
        for alias in ctx.rows_or_empty("kms_aliases"):
            target = alias.get("target_key_arn") or self.by_id.get(
                (alias["account"], alias["region"], alias.get("target_key_id")))
            if target:
                self.aliases[(alias["account"], alias["region"], alias["name"])] = target
                self.aliases[(alias["account"], alias["region"], alias["arn"])] = target

    def resolve(self, ref: str | None, account: str, region: str) -> str | None:
        if not ref:
            return None
        parsed = aws_arn.parse(ref)
        if parsed is not None and parsed.service == "kms" and parsed.resource_type == "key":
            return ref
        if parsed is not None and parsed.service == "kms" and parsed.resource_type == "alias":
            return (self.aliases.get((parsed.account, parsed.region, ref))
                    or self.aliases.get((parsed.account, parsed.region, parsed.resource)))
        if ref.startswith("alias/"):
            return self.aliases.get((account, region, ref))
        return self.by_id.get((account, region, ref)) or aws_arn.kms_key(region, account, ref)
