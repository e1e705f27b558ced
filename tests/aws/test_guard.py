"""The read-only guard, exhaustively: every operation of every service the kit uses."""
from __future__ import annotations

import boto3
import pytest

from synthaudit.aws.guard import (
    ALWAYS_ALLOWED, KIT_SERVICES, NEVER_ALLOWED, ReadOnlyGuard, ReadOnlyViolation, install_guard,
    is_read_operation,
)


@pytest.fixture(scope="module")
def guarded():
    """A guarded session whose transport records (and refuses) anything that would leave the process."""
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name="us-east-1")
    guard = install_guard(session)
    sent: list[str] = []

    def refuse_send(request, **_):
        sent.append(request.url)
        raise AssertionError(f"a request left the process: {request.url}")

    session._session.register("before-send", refuse_send)
    return session, guard, sent


def _all_operations():
    session = boto3.Session(region_name="us-east-1")
    for service in KIT_SERVICES:
        model = session.client(service, endpoint_url="http://127.0.0.1:9").meta.service_model
        for op in model.operation_names:
            yield service, op, model.operation_model(op).name


def _policy_sentry_levels():
    from policy_sentry.querying.actions import get_action_data

    return get_action_data


MUTATING = [(s, op) for s, op, _ in _all_operations() if not is_read_operation(s, op)]
READS = [(s, op) for s, op, _ in _all_operations() if is_read_operation(s, op)]


def test_inventory_of_operations_is_large():
    # Guards against an empty parametrisation passing vacuously.
    assert len(MUTATING) > 1000 and len(READS) > 500


@pytest.mark.parametrize("service", KIT_SERVICES)
def test_every_non_read_operation_is_refused_before_sending(guarded, service):
    session, guard, sent = guarded
    client = session.client(service, endpoint_url="http://127.0.0.1:9")
    ops = [op for s, op in MUTATING if s == service]
    assert ops, service
    for op in ops:
        method = getattr(client, client.meta.method_to_api_mapping and
                         {v: k for k, v in client.meta.method_to_api_mapping.items()}[op])
        with pytest.raises(ReadOnlyViolation, match=f"{service}:{op}"):
            method()
    assert sent == []


def test_reads_are_not_refused_and_reach_the_transport():
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x", region_name="us-east-1")
    install_guard(session)
    reached: list[str] = []

    def capture(request, **_):
        reached.append(request.url)
        raise RuntimeError("stop here")

    session._session.register("before-send", capture)
    with pytest.raises(RuntimeError, match="stop here"):
        session.client("s3", endpoint_url="http://127.0.0.1:9").list_buckets()
    assert reached


def test_allowed_operations_are_reads_by_aws_own_access_levels():
    """An independent oracle: policy_sentry's service authorization data calls each allowed op List or Read."""
    from policy_sentry.querying.actions import get_action_data

    disagreements = []
    checked = 0
    prefixes = {"stepfunctions": "states"}
    for service, op in READS:
        if (service, op) in ALWAYS_ALLOWED:
            continue
        prefix = prefixes.get(service, service)
        data = get_action_data(prefix, op)
        rows = data.get(prefix, []) if isinstance(data, dict) else []
        levels = {r["access_level"] for r in rows if r.get("action", "").lower() == f"{prefix}:{op}".lower()}
        if not levels:
            continue  # API operation without an IAM action of the same name
        checked += 1
        if not levels <= {"List", "Read"}:
            disagreements.append((service, op, sorted(levels)))
    assert checked > 300
    assert disagreements == []


def test_sensitive_reads_are_never_allowed():
    for service, op in NEVER_ALLOWED:
        assert not is_read_operation(service, op)


def test_extra_allowed_opens_only_the_named_operation():
    guard = ReadOnlyGuard(extra_allowed={("s3", "PutObject")})
    assert guard.allows("s3", "PutObject")
    assert not guard.allows("s3", "DeleteObject")
    assert not guard.allows("s3", "PutBucketPolicy")


def test_the_object_tag_sample_is_a_read_the_guard_lets_through():
    """Phase 01 reads object tags (S3_MIXED_ENVIRONMENT_DATA) with GetObjectTagging, never PutObjectTagging."""
    from synthaudit.aws.guard import is_read_operation

    assert is_read_operation("s3", "GetObjectTagging") and is_read_operation("s3", "ListObjectsV2")
    assert not is_read_operation("s3", "PutObjectTagging") and not is_read_operation("s3", "DeleteObjectTagging")
