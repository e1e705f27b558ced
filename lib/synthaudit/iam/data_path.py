"""Effective data access: a data action reaches the data only when every link of its path holds.

An S3 object read on an SSE-KMS bucket also needs ``kms:Decrypt`` on the bucket's key (a
write, ``kms:GenerateDataKey``), which the engine decides over the key policy and the
caller's own policies; IAM database authentication (``rds-db:connect``) works only where
the database has it enabled, the Data API (``rds-data:*``) only where its HTTP endpoint is.
A path whose links all hold is full reach. One with a missing link is partial (ciphertext
at most, or a token the database refuses): still reported, one severity step lower, naming
the missing link. A link the snapshot cannot decide counts as held and is named as
undecided: never rounded down to "missing".

This module only models and decides paths; which store rows need which links is
``needs_of``, and the caller supplies how to ask the engine (``decide``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

HELD, MISSING, UNDECIDED = "held", "missing", "undecided"
# engine outcomes that open a link (conditional: open if its undecided conditions hold)
OPEN = ("allowed", "conditional")

# S3 data action -> the KMS action SSE-KMS adds to it
KMS_FOR_S3 = {"s3:getobject": "kms:Decrypt", "s3:getobjectversion": "kms:Decrypt",
              "s3:putobject": "kms:GenerateDataKey"}
SSE_KMS = ("aws:kms", "aws:kms:dsse")
# (table, data action prefix) -> (store setting column, what the setting is called in evidence)
SETTINGS = {
    ("rds_instances", "rds-db:"): ("iam_database_authentication_enabled", "IAM database authentication enabled"),
    ("rds_clusters", "rds-db:"): ("iam_database_authentication_enabled", "IAM database authentication enabled"),
    ("rds_clusters", "rds-data:"): ("http_endpoint_enabled", "Data API (HTTP endpoint) enabled"),
}


@dataclass(frozen=True)
class Need:
    """One more link a data action needs: a permission (``action`` on ``resource``, asked of the
    engine) or, with ``setting``, a setting of the store itself (True, False or None: unknown)."""

    action: str
    resource: str
    setting: bool | None = None
    is_setting: bool = False
    note: str = ""


@dataclass(frozen=True)
class Link:
    action: str
    resource: str
    state: str                 # held | missing | undecided
    note: str = ""             # the undecided conditions, or why the link could not be decided

    def text(self) -> str:
        return f"{self.action} on {self.resource}"

    def to_dict(self) -> dict[str, str]:
        out = {"link": self.text(), "state": self.state}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class DataPath:
    """A principal's path to the data behind one data action: the action's own link first."""

    principal: str
    action: str
    resource: str
    links: tuple[Link, ...]

    @property
    def complete(self) -> bool:
        return all(link.state != MISSING for link in self.links)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(link.text() for link in self.links if link.state == MISSING)

    @property
    def undecided(self) -> tuple[str, ...]:
        return tuple(link.text() for link in self.links if link.state == UNDECIDED)

    def evidence(self) -> dict[str, Any]:
        """What a finding shows: ``missing`` names the first missing link (the issue's
        ``{"missing": "kms:Decrypt on arn:..."}``); every link with its state follows."""
        out: dict[str, Any] = {"reach": "full" if self.complete else "partial",
                               "links": [link.to_dict() for link in self.links]}
        if self.missing:
            out["missing"] = self.missing[0] if len(self.missing) == 1 else list(self.missing)
        if self.undecided:
            out["undecided"] = list(self.undecided)
        return out


def needs_of(kind: str, row: Mapping[str, Any], action: str,
             key_of: Callable[[Mapping[str, Any]], tuple[str | None, str]]) -> tuple[Need, ...]:
    """The links ``action`` on a ``kind`` row needs besides its own permission.

    ``key_of(row)`` gives the row's KMS key ARN (None when it cannot be resolved) and a note
    ("" when the key is in the snapshot, else why its policy is unknown)."""
    out: list[Need] = []
    kms_action = KMS_FOR_S3.get(action.lower())
    if kind == "s3_buckets" and kms_action and str(row.get("sse_algorithm") or "").lower() in SSE_KMS:
        key, note = key_of(row)
        out.append(Need(kms_action, key or f"the bucket's key {row.get('kms_key_id') or '(not named)'}",
                        note=note if key else note or "the bucket's key could not be resolved"))
    for (table, prefix), (column, label) in SETTINGS.items():
        if kind == table and action.lower().startswith(prefix):
            value = row.get(column)
            out.append(Need(label, row["arn"], setting=value if isinstance(value, bool) else None, is_setting=True,
                            note="" if isinstance(value, bool) else f"{column} is not in the snapshot"))
    return tuple(out)


def link_of(decision: Any) -> tuple[str, str]:
    """(state, note) of a permission link from an engine Decision, or from the error text the
    caller got instead of one."""
    if isinstance(decision, str):
        return UNDECIDED, decision
    outcome = getattr(decision, "outcome", None)
    if outcome in OPEN:
        conditions = tuple(getattr(decision, "conditions", ()) or ())
        return HELD, ("only if " + " AND ".join(map(str, conditions))) if conditions else ""
    return MISSING, str(getattr(decision, "reason", "") or outcome or "")


def data_path(principal: str, action: str, resource: str, own: tuple[str, str], needs: tuple[Need, ...],
              decide: Callable[[str, str, str], Any]) -> DataPath:
    """The path of ``principal``'s ``action`` on ``resource``: ``own`` is the action's own link
    (state, note) as already decided; each need is asked of ``decide`` or read from its setting."""
    links = [Link(action, resource, *own)]
    for need in needs:
        if need.is_setting:
            state = UNDECIDED if need.setting is None else HELD if need.setting else MISSING
            links.append(Link(need.action, need.resource, state, need.note))
        elif need.note:
            links.append(Link(need.action, need.resource, UNDECIDED, need.note))
        else:
            links.append(Link(need.action, need.resource, *link_of(decide(principal, need.action, need.resource))))
    return DataPath(principal, action, resource, tuple(links))
