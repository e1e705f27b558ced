"""SessionFactory: assume-role per account, guard on every session, errors become assessment gaps."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from synthaudit.aws.errors import classify_error
from synthaudit.aws.guard import ReadOnlyViolation
from synthaudit.aws.session import SessionFactory
from synthaudit.config import load_params


def test_assumes_the_audit_role_in_each_account(plain_params):
    factory = SessionFactory(load_params(plain_params))
    for account in ("210987654321", "310000000003"):
        ident = factory.caller_identity(account)
        assert ident["Account"] == account
        assert ident["Arn"].endswith("assumed-role/SynthauditReadOnly/synthaudit-audit")


def test_every_session_of_the_factory_is_guarded(plain_params):
    factory = SessionFactory(load_params(plain_params))
    with pytest.raises(ReadOnlyViolation):
        factory.client("210987654321", "s3").create_bucket(Bucket="should-not-exist")
    with pytest.raises(ReadOnlyViolation):
        factory.base_client("iam").create_user(UserName="intruder")
    assert "Buckets" in factory.client("210987654321", "s3").list_buckets()


def test_extra_allowed_widens_only_its_own_factory(plain_params):
    params = load_params(plain_params)
    writer = SessionFactory(params, extra_allowed={("s3", "CreateBucket")})
    writer.client("210987654321", "s3").create_bucket(Bucket="allowed-once")
    with pytest.raises(ReadOnlyViolation):
        SessionFactory(params).client("210987654321", "s3").create_bucket(Bucket="second")
    with pytest.raises(ReadOnlyViolation):
        writer.client("210987654321", "s3").delete_bucket(Bucket="allowed-once")


def test_unimplemented_call_on_the_simulated_estate_is_not_supported(plain_params):
    factory = SessionFactory(load_params(plain_params))
    with pytest.raises(Exception) as err:
        factory.client("210987654321", "cloudtrail").lookup_events()
    gap = classify_error(err.value)
    assert gap.status == "not_supported" and "HTML" in gap.error


def _client_error(code: str, message: str = "m", status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


@pytest.mark.parametrize("exc, status", [
    (_client_error("AccessDenied", "User is not authorized"), "access_denied"),
    (_client_error("AccessDeniedException"), "access_denied"),
    (_client_error("UnauthorizedOperation"), "access_denied"),
    (_client_error("AWSOrganizationsNotInUseException"), "not_enabled"),
    (_client_error("OptInRequired"), "not_enabled"),
    (_client_error("500", "<!doctype html><html>boom</html>", 500), "not_supported"),
    (_client_error("NoSuchBucket"), "error"),
    (NotImplementedError("x"), "not_supported"),
])
def test_classify_error(exc, status):
    assert classify_error(exc).status == status
