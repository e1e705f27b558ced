"""Bucket owners preflight fills in when params name a bucket without its account."""
from __future__ import annotations

from botocore.exceptions import ClientError

from synthaudit.aws.owners import find_owners, missing_owner_problems, unowned_buckets, with_owners
from synthaudit.config import parse_params

PARAMS = parse_params({
    "label": "t", "estate": "aws", "accounts": "discover",
    "cloudtrail": {"source": "s3", "bucket": "trail-logs"},
    "datasets": [{"name": "d", "real": "s3://phi/real.csv", "holdout": "s3://phi/h.csv",
                  "synthetic": "s3://syn-out/s.csv"},
                 {"name": "pinned", "real": "s3://phi/real.csv", "synthetic": "s3://syn-out/s.csv",
                  "account": "222222222222"}],
})
BUCKETS = {"111111111111": ["other"], "222222222222": ["phi"], "333333333333": ["syn-out", "trail-logs"]}


def lister(denied: tuple[str, ...] = ()):
    def names(account: str) -> list[str]:
        if account in denied:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListBuckets")
        return BUCKETS[account]
    return names


def test_each_unowned_bucket_gets_the_account_that_lists_it():
    assert unowned_buckets(PARAMS) == ["trail-logs", "phi", "syn-out"]
    owners, errors = find_owners(unowned_buckets(PARAMS), sorted(BUCKETS), lister())
    assert owners == {"phi": "222222222222", "syn-out": "333333333333", "trail-logs": "333333333333"} and not errors
    resolved = with_owners(PARAMS, owners)
    assert resolved.cloudtrail.account == "333333333333"
    d, pinned = resolved.datasets
    assert (d.account, d.synthetic_account) == ("222222222222", "333333333333")
    assert (pinned.account, pinned.synthetic_account) == ("222222222222", None)  # an explicit account stays


def test_a_bucket_no_account_owns_is_a_problem_naming_the_accounts_that_could_not_list():
    owners, errors = find_owners(["trail-logs"], ["111111111111", "333333333333"], lister(denied=("333333333333",)))
    assert owners == {} and errors and "333333333333" in errors[0] and "AccessDenied" in errors[0]
    [problem] = missing_owner_problems(["trail-logs"], owners, errors)
    assert "trail-logs" in problem and "cloudtrail.account" in problem and "333333333333" in problem


def test_named_accounts_need_no_lookup():
    pinned = parse_params({"label": "t", "estate": "aws", "accounts": [{"id": "111111111111", "name": "a"}],
                           "cloudtrail": {"source": "s3", "bucket": "b", "account": "111111111111"}})
    assert unowned_buckets(pinned) == []
