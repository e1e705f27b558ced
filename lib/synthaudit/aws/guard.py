"""The read-only guard: a botocore hook that refuses every non-read call before it is sent.

It is an allow-list, not a deny-list: an operation passes only if its name starts
with a read verb (Get, List, Describe, Head, Lookup, BatchGet, Search) or is named
in ``ALWAYS_ALLOWED``, and is not one of the reads that hand out secrets or
credentials (``NEVER_ALLOWED``). The hook runs at ``before-parameter-build``,
before parameter validation and serialisation, so nothing reaches the wire.
"""
from __future__ import annotations

from typing import Any, Iterable
from synthaudit.errors import ReadOnlyViolation

READ_VERBS = ("Get", "List", "Describe", "Head", "Lookup", "BatchGet", "Search")

# Operations that are reads in effect but do not start with a read verb.
ALWAYS_ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("sts", "AssumeRole"),  # how the kit enters each account; creates nothing persistent
})

# Reads that return secrets, credentials or key material: an audit needs none of them.
NEVER_ALLOWED: frozenset[tuple[str, str]] = frozenset({
    ("secretsmanager", "GetSecretValue"),
    ("secretsmanager", "BatchGetSecretValue"),
    ("ec2", "GetPasswordData"),
    ("kms", "GetParametersForImport"),
    ("sts", "GetSessionToken"),
    ("sts", "GetFederationToken"),
    ("lakeformation", "GetTemporaryGlueTableCredentials"),
    ("lakeformation", "GetTemporaryGluePartitionCredentials"),
    ("lakeformation", "GetDataAccess"),
    ("ssm", "GetParameter"),
    ("ssm", "GetParameters"),
    ("ssm", "GetParametersByPath"),
    ("rds", "GenerateDbAuthToken"),
    ("sts", "GetDelegatedAccessToken"),
    ("sts", "GetWebIdentityToken"),
    ("athena", "GetSessionEndpoint"),
    # Named like reads but change state: GetActivityTask takes a task off the queue.
    ("stepfunctions", "GetActivityTask"),
    # AWS's authorization data files these under "Permissions management"; the kit needs none.
    ("glue", "DescribeConnectionType"),
    ("glue", "DescribeEntity"),
    ("glue", "ListConnectionTypes"),
    ("glue", "ListEntities"),
})

# Every service the kit's sessions talk to; the guard test enumerates all their operations.
KIT_SERVICES = (
    "sts", "organizations", "iam", "s3", "kms", "ec2", "rds", "lambda", "glue", "sagemaker",
    "stepfunctions", "cloudtrail", "config", "lakeformation", "athena", "sqs", "sns",
)


def is_read_operation(service: str, operation: str) -> bool:
    if (service, operation) in NEVER_ALLOWED:
        return False
    if (service, operation) in ALWAYS_ALLOWED:
        return True
    return operation.startswith(READ_VERBS)


class ReadOnlyGuard:
    """Callable hook; ``extra_allowed`` opens named operations for one purpose (e.g. evidence upload)."""

    def __init__(self, extra_allowed: Iterable[tuple[str, str]] = ()) -> None:
        self.extra_allowed = frozenset(extra_allowed)
        self.refused: list[tuple[str, str]] = []

    def allows(self, service: str, operation: str) -> bool:
        return (service, operation) in self.extra_allowed or is_read_operation(service, operation)

    def __call__(self, params: Any = None, model: Any = None, **_: Any) -> None:
        service = model.service_model.service_name
        if not self.allows(service, model.name):
            self.refused.append((service, model.name))
            raise ReadOnlyViolation(
                f"synthaudit is read-only: refused {service}:{model.name} before sending it "
                f"(only reads are allowed; see synthaudit.aws.guard)"
            )


def install_guard(session: Any, guard: ReadOnlyGuard | None = None) -> ReadOnlyGuard:
    """Attach the guard to a boto3 or botocore session; every client it makes is covered."""
    guard = guard or ReadOnlyGuard()
    core = getattr(session, "_session", session)
    core.register("before-parameter-build", guard, unique_id="synthaudit-read-only-guard")
    return guard
