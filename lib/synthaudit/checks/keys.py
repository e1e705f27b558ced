"""The snapshot's key resolver for the segregation checks (see ``iam.keys``)."""
from __future__ import annotations

from synthaudit.iam.keys import KeyResolver

from synthaudit.checks.context import CheckContext


def key_resolver(ctx: CheckContext) -> KeyResolver:
    return KeyResolver(ctx.rows_or_empty("kms_keys"), ctx.rows_or_empty("kms_aliases"))
