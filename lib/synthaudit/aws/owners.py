"""Which audited account owns a bucket the params name without saying whose it is.

A params file that discovers its accounts cannot pin the trail bucket's or a dataset's
account by id. Preflight asks each readable account for its buckets (``ListBuckets``: one
read per account) and fills in the owner, so every phase reads the bucket from the account
that holds it; the answer is written into the run's preflight.json, as discovered accounts are.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from synthaudit.config import Params


def bucket_of(location: str | None) -> str | None:
    return urlparse(location).netloc or None if location and location.startswith("s3://") else None


def unowned_buckets(params: Params) -> list[str]:
    """Buckets the params read without naming their account, in order of first mention."""
    wanted = []
    if params.cloudtrail.source == "s3" and params.cloudtrail.bucket and not params.cloudtrail.account:
        wanted.append(params.cloudtrail.bucket)
    for ds in params.datasets:
        if not ds.account:
            wanted += [b for b in (bucket_of(ds.real), bucket_of(ds.holdout)) if b]
        if not (ds.synthetic_account or ds.account):
            wanted += [b for b in (bucket_of(ds.synthetic),) if b]
    return list(dict.fromkeys(wanted))


def find_owners(buckets: Iterable[str], accounts: Iterable[str],
                list_buckets: Callable[[str], list[str]]) -> tuple[dict[str, str], list[str]]:
    """bucket -> owning account among ``accounts`` (first that lists it), and the accounts that
    could not list their buckets (with AWS's error) so a miss can say why."""
    wanted, owners, errors = set(buckets), {}, []
    for account in accounts:
        if not wanted - owners.keys():
            break
        try:
            names = list_buckets(account)
        except (ClientError, BotoCoreError) as exc:
            errors.append(f"{account}: {type(exc).__name__}: {exc}"[:200])
            continue
        for name in sorted(wanted & set(names)):
            owners.setdefault(name, account)
    return owners, errors


def with_owners(params: Params, owners: dict[str, str]) -> Params:
    """``params`` with each unowned bucket's account filled in from ``owners``."""
    data: dict[str, Any] = params.model_dump(mode="json")
    trail = data["cloudtrail"]
    if trail.get("source") == "s3" and trail.get("bucket") in owners and not trail.get("account"):
        trail["account"] = owners[trail["bucket"]]
    for ds in data["datasets"]:  # the same cases as unowned_buckets: an account given explicitly stays
        real = owners.get(bucket_of(ds["real"]) or "")
        synthetic = owners.get(bucket_of(ds["synthetic"]) or "")
        if not (ds.get("account") or ds.get("synthetic_account")) and synthetic and synthetic != real:
            ds["synthetic_account"] = synthetic
        if not ds.get("account") and real:
            ds["account"] = real
    return type(params).model_validate(data)


def missing_owner_problems(buckets: Iterable[str], owners: dict[str, str], errors: list[str]) -> list[str]:
    why = f" (not listable in {'; '.join(errors)})" if errors else ""
    return [f"bucket {b} is named in params without an account, and no audited account owns it{why}: "
            "set cloudtrail.account / datasets[].account to the account that holds it, or audit that account"
            for b in buckets if b not in owners]
