"""Phase 03's synthetic→production reachability through the data path (``iam/data_path.py``),
as phase 02's reach checks judge it: an object read on an SSE-KMS bucket also needs
``kms:Decrypt`` on its key, IAM database auth needs the database to have it enabled.

A principal whose every path to production misses a link (ciphertext at most), or only lists
key names (``s3:ListBucket``), is still reported, one severity step lower, with the missing
links named; one full path anywhere keeps the catalogue's severity.
"""
from __future__ import annotations

from typing import Any

from synthaudit import arn as aws_arn
from synthaudit.findings import lowered
from synthaudit.iam.data_path import HELD, data_path, needs_of
from synthaudit.iam.keys import KeyResolver

NAMES_ONLY = frozenset({"s3:listbucket", "s3:listbucketversions"})   # key names, not object content


class PathJudge:
    """Data paths over one PolicyStore (its ``data_rows``: stores and keys with their columns)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        rows = store.data_rows.values()
        self.keys = KeyResolver([r for r in rows if r.get("_kind") == "kms_keys"],
                                [r for r in rows if r.get("_kind") == "kms_aliases"])

    def _row(self, resource: str) -> dict | None:
        row = self.store.data_rows.get(resource)
        if row is None and resource.startswith("arn:") and aws_arn.service_of(resource) == "s3":
            row = self.store.data_rows.get(resource.split("/", 1)[0])
        return row

    def _decide(self, principal: str, action: str, resource: str) -> Any:
        try:
            return self.store.evaluate(principal, action, resource)
        except Exception as exc:  # noqa: BLE001 - an undecidable link is named, never guessed
            return f"{type(exc).__name__}: {exc}"

    def evidence(self, principal: str, action: str, resource: str, conditions: list) -> dict[str, Any] | None:
        """The path's evidence (``reach``, ``links``, ``missing``) when the action needs more links."""
        row = self._row(resource)
        if row is None:
            return None
        needs = needs_of(row.get("_kind", ""), row, action, self.keys.key_of)
        if not needs:
            return None
        own = (HELD, ("only if " + " AND ".join(map(str, conditions))) if conditions else "")
        return data_path(principal, action, resource, own, needs, self._decide).evidence()


def severity(paths: list[dict[str, Any]], base: str, evidence: dict[str, Any]) -> str:
    """``base`` when some path reaches data content; one step lower when every path is partial or
    names only, with at least one partial (``evidence`` then says so and names what is missing)."""
    partial = [p["path"] for p in paths if p.get("path", {}).get("reach") == "partial"]
    rest = [p for p in paths if p.get("path", {}).get("reach") != "partial"]
    if not partial or any(p["action"].lower() not in NAMES_ONLY for p in rest):
        return base
    missing = sorted({m for p in partial for m in ([p["missing"]] if isinstance(p["missing"], str) else p["missing"])})
    evidence["reach"] = "partial"
    evidence["missing"] = missing[0] if len(missing) == 1 else missing
    return lowered(base)
