"""Key references as resources name them (key ARN, key id, alias name or alias ARN), resolved
to key ARNs from the snapshot's keys and aliases: the KMS checks and the data paths of phase 02's
reach checks and phase 03's reachability (an SSE-KMS bucket's key) resolve them the same way."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from synthaudit import arn as aws_arn


class KeyResolver:
    """Key reference as configured (key ARN, key id, alias name or alias ARN) -> key ARN."""

    def __init__(self, keys: Iterable[Mapping[str, Any]], aliases: Iterable[Mapping[str, Any]]) -> None:
        self.keys = {r["arn"]: r for r in keys}
        self.by_id = {(r.get("account"), r.get("region") or "", r.get("key_id")): r["arn"] for r in self.keys.values()}
        self.aliases: dict[tuple[str, str, str], str] = {}
        for alias in aliases:
            target = alias.get("target_key_arn") or self.by_id.get(
                (alias.get("account"), alias.get("region") or "", alias.get("target_key_id")))
            if target:
                where = (alias.get("account"), alias.get("region") or "")
                self.aliases[(*where, alias.get("name"))] = target
                self.aliases[(*where, alias["arn"])] = target

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

    def key_of(self, row: Mapping[str, Any]) -> tuple[str | None, str]:
        """A resource row's KMS key ARN (``kms_key_id`` as configured), and "" when the key (so its
        key policy) is in the snapshot, else why not (``data_path.needs_of`` asks this)."""
        ref = row.get("kms_key_id")
        key = self.resolve(ref, row.get("account") or "", row.get("region") or "")
        if key is None:
            return None, f"key reference {ref!r} is not among the snapshot's keys and aliases"
        if key not in self.keys:
            return key, "the key is not in the snapshot (account or region not read): its key policy is unknown"
        return key, ""
