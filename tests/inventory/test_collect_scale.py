"""Phase 01 at organisation scale: a slow or throttled account does not stall the others.

moto in process; one account's clients get a botocore ``before-send`` handler that
either sleeps (slow) or answers with the service's throttling error (throttled).
"""
from __future__ import annotations

import threading
import time
from collections import Counter

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.core.botocore_stubber import MockRawResponse
from synthaudit.aws.session import SessionFactory
from synthaudit.config import parse_params
from synthaudit.inventory.collect import AccountClock, CallCounter, collect_inventory

# Slow tier: these tests wait on purpose (slow and throttled accounts against a time budget).
pytestmark = pytest.mark.slow

STARTING = "123456789012"  # moto's account for the plain test credentials
FAST = "210000000021"
SLOW = "310000000031"
SERVICES = ("iam", "s3", "kms")  # one of each protocol family (query, rest-xml, json); ec2 is slow in moto

# The error each protocol answers a throttled request with (codes botocore retries as throttles).
THROTTLED = {
    "kms": (400, b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'),
    "iam": (400, (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                  b"<Message>Rate exceeded</Message></Error></ErrorResponse>")),
    "s3": (503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"),
}


@pytest.fixture
def estate(isolated_aws):
    """Three accounts with a few resources each: the starting one, a fast member, a slow member."""
    with mock_aws():
        for account in (STARTING, FAST, SLOW):
            session = _seed_session(account)
            s3 = session.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket=f"bucket-{account}")
            session.client("kms", region_name="us-east-1").create_key(Description=f"key of {account}")
            session.client("iam").create_user(UserName=f"user-{account}")
        yield


def _seed_session(account: str) -> boto3.Session:
    if account == STARTING:
        return boto3.Session(region_name="us-east-1")
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


def _params(**aws):
    return parse_params({"label": "t", "estate": "aws",
                         "accounts": [{"id": a, "name": f"a{a[:2]}"} for a in (STARTING, FAST, SLOW)],
                         "aws": {"regions": ["us-east-1"], **aws}})


class OneBadAccount:
    """A session factory whose clients for ``account`` answer through ``handler`` first."""

    def __init__(self, params, account: str, handler) -> None:
        self.inner = SessionFactory(params)
        self.account = account
        self.handler = handler
        self.made = []

    def client(self, account, service, region=None):
        client = self.inner.client(account, service, region)
        if account == self.account:
            client.meta.events.register_first("before-send.*.*", self.handler)
            self.made.append(client)
        return client


def _by_account(inventory):
    found: dict[str, list[dict]] = {}
    for cov in inventory.coverage:
        found.setdefault(cov["account"], []).append(cov)
    return found


def test_a_slow_account_spends_its_budget_and_the_others_are_read(estate):
    # one worker, so the order is fixed; each of the slow account's requests takes 8 s, the budget is 12 s
    # (generous for the healthy accounts' ~14 requests each, also on a loaded machine)
    params = _params(max_workers=1, account_timeout_seconds=12)
    slow_sends = Counter()

    def slow(event_name, **_):
        slow_sends[event_name.split(".")[1]] += 1
        time.sleep(8)

    started = time.monotonic()
    inventory = collect_inventory(params, OneBadAccount(params, SLOW, slow), services=("s3", "kms"))
    elapsed = time.monotonic() - started
    coverage = _by_account(inventory)

    for account in (STARTING, FAST):
        assert {c["status"] for c in coverage[account]} == {"assessed"}, [c["error"] for c in coverage[account]]
        assert [r for r in inventory.tables["s3_buckets"] if r["account"] == account]
    # s3: ListBuckets (8 s) starts within the budget, GetBucketLocation too unless making the client
    # (assume-role, counted as the account's time) took 4 s on a loaded machine; the next call does not
    slow_cov = {c["service"]: c for c in coverage[SLOW]}
    budget = "account 310000000031: time budget of 12 s (aws.account_timeout_seconds) spent"
    assert slow_cov["s3"]["status"] == "error" and budget in slow_cov["s3"]["error"]
    assert "s3 (global) stopped before its next call" in slow_cov["s3"]["error"]
    assert slow_cov["kms"]["status"] == "error"
    assert budget in slow_cov["kms"]["error"] and "kms (us-east-1) not started" in slow_cov["kms"]["error"]
    assert not [r for r in inventory.tables.get("s3_buckets", []) if r["account"] == SLOW]
    assert set(slow_sends) == {"s3"} and slow_sends["s3"] <= 2  # cut off: not 10 s3 + 4 kms requests x 8 s
    assert elapsed < 90


def test_a_throttled_account_backs_off_is_counted_and_does_not_stall_the_others(estate):
    params = _params(max_workers=4, max_attempts=3)
    sends = Counter()
    lock = threading.Lock()

    def throttle(event_name, **_):
        service = event_name.split(".")[1]
        with lock:
            sends[service] += 1
        status, body = THROTTLED[service]
        return AWSResponse("https://throttled.example", status, {}, MockRawResponse(body))

    counter = CallCounter()
    factory = OneBadAccount(params, SLOW, throttle)
    started = time.monotonic()
    inventory = collect_inventory(params, factory, counter, services=SERVICES)
    elapsed = time.monotonic() - started
    coverage = _by_account(inventory)

    for account in (STARTING, FAST):
        assert {c["status"] for c in coverage[account]} == {"assessed"}, [c["error"] for c in coverage[account]]
    throttled = coverage[SLOW]
    assert {c["status"] for c in throttled} == {"error"}
    assert all(any(code in c["error"] for code in ("Throttling", "RequestLimitExceeded", "SlowDown"))
               for c in throttled), throttled
    # botocore's max_attempts counts retries: every throttled call was sent 1 + 3 times, 3 retries counted each
    calls = sum(sends.values()) // 4
    assert sum(sends.values()) == 4 * calls and calls >= len(throttled)
    assert counter.retries == 3 * calls == inventory.api_retries == inventory.summary()["api_retries"]
    assert set(counter.retries_by_service) <= set(SERVICES)
    # the backoff in effect is botocore's adaptive mode, with the configured attempts
    assert {c.meta.config.retries["mode"] for c in factory.made} == {"adaptive"}
    assert {c.meta.config.retries["total_max_attempts"] for c in factory.made} == {4}
    assert elapsed < 60  # backoff: at most 1 + 2 + 4 s per throttled call, three units in parallel


def test_a_budget_spent_while_a_unit_waits_in_the_queue_is_not_charged(estate):
    """Queue time is not the account's: only the seconds its own units ran count."""
    clock = AccountClock(0.5)
    time.sleep(0.6)
    assert not clock.over(FAST)
    token = clock.start(FAST)
    time.sleep(0.6)
    assert clock.over(FAST)
    clock.stop(FAST, token)
    assert 0.5 < clock.spent(FAST) < 2
    assert not AccountClock(None).over(FAST)


def test_retries_are_zero_on_a_healthy_estate_and_calls_are_counted(estate):
    params = _params(max_workers=2)
    counter = CallCounter()
    inventory = collect_inventory(params, SessionFactory(params), counter, services=SERVICES)
    assert {c["status"] for c in inventory.coverage} == {"assessed"}
    assert counter.retries == 0 and counter.total > 0
    assert inventory.api_calls == dict(sorted(counter.by_service.items()))
