"""Amazon Resource Names: one parser, one writer, and the builders for the ARNs the kit makes.

The rule, used everywhere in the kit: a string is an ARN when it starts with ``arn:`` and
has at least five more colons; the sixth field onwards is the resource, colons and all
(``arn:aws:s3:::bucket/key:with:colons``, ``arn:aws:lambda:r:a:function:name:alias``).
Fields may be empty (S3 has no region or account, IAM no region) and may hold policy
wildcards (``*``, ``?``). Anything else is not an ARN: ``parse`` returns None, it never
raises, so a caller decides what a non-ARN (an account id, ``*``, a bucket URI) means.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

_TYPE_SEPARATORS = ("/", ":")
# services whose resource has no "type/" or "type:" prefix (S3: bucket or bucket/key)
_UNTYPED_SERVICES = frozenset({"s3"})


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def format(self) -> str:
        """The ARN as AWS writes it: six colon-separated fields, empty ones kept."""
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    __str__ = format

    @property
    def resource_type(self) -> str:
        """``role`` of ``role/a/b/name``, ``function`` of ``function:name:alias``; "" for S3 and bare ids."""
        if self.service in _UNTYPED_SERVICES:
            return ""
        cut = _first_separator(self.resource)
        return self.resource[:cut] if cut >= 0 else ""

    @property
    def resource_id(self) -> str:
        """What follows the type and its separator (``a/b/name``, ``name:alias``); the whole resource when untyped."""
        if self.service in _UNTYPED_SERVICES:
            return self.resource
        cut = _first_separator(self.resource)
        return self.resource[cut + 1:] if cut >= 0 else self.resource

    @property
    def name(self) -> str:
        """The last ``/`` segment of the resource: an IAM role or user name without its path."""
        return self.resource.rsplit("/", 1)[-1]

    @property
    def bucket(self) -> str:
        """S3: the bucket of a bucket or object ARN."""
        return self.resource.partition("/")[0]

    @property
    def key(self) -> str:
        """S3: the object key (or prefix) after the bucket; "" for a bucket ARN."""
        return self.resource.partition("/")[2]


def _first_separator(resource: str) -> int:
    found = [i for i in (resource.find(sep) for sep in _TYPE_SEPARATORS) if i >= 0]
    return min(found) if found else -1


def parse(text: object) -> Arn | None:
    """The ARN in ``text``, or None when ``text`` is not one (see the module's rule)."""
    if not isinstance(text, str) or not text.startswith("arn:"):
        return None
    return _parse(text)


@functools.lru_cache(maxsize=65536)
def _parse(text: str) -> Arn | None:
    # the IAM engine asks the same principal and resource ARNs over and over; an Arn is immutable
    parts = text.split(":", 5)
    if len(parts) < 6:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def account_of(text: object) -> str:
    """The account field of an ARN ("" when absent or not an ARN)."""
    arn = parse(text)
    return arn.account if arn else ""


def service_of(text: object) -> str:
    """The service field of an ARN ("" when not an ARN)."""
    arn = parse(text)
    return arn.service if arn else ""


def region_of(text: object) -> str:
    """The region field of an ARN ("" when absent or not an ARN)."""
    arn = parse(text)
    return arn.region if arn else ""


# ---------------------------------------------------------------- builders
def build(service: str, region: str, account: str, resource: str, *, partition: str = "aws") -> str:
    return str(Arn(partition, service, region, account, resource))


def s3_bucket(bucket: str, *, partition: str = "aws") -> str:
    return build("s3", "", "", bucket, partition=partition)


def s3_object(bucket: str, key: str, *, partition: str = "aws") -> str:
    return build("s3", "", "", f"{bucket}/{key}", partition=partition)


def iam(account: str, resource: str, *, partition: str = "aws") -> str:
    """An IAM ARN: ``iam(acct, "role/path/name")``, ``iam(acct, "root")``."""
    return build("iam", "", account, resource, partition=partition)


def iam_role(account: str, name: str, *, partition: str = "aws") -> str:
    """A role ARN from its name (a name may carry its path: ``a/b/name``)."""
    return iam(account, f"role/{name}", partition=partition)


def iam_root(account: str, *, partition: str = "aws") -> str:
    return iam(account, "root", partition=partition)


def organizations_account(management: str, org_id: str, account: str, *, partition: str = "aws") -> str:
    return build("organizations", "", management, f"account/{org_id}/{account}", partition=partition)


def kms_key(region: str, account: str, key_id: str, *, partition: str = "aws") -> str:
    return build("kms", region, account, f"key/{key_id}", partition=partition)


def rds_db_user(region: str, account: str, resource: str = "", *, partition: str = "aws") -> str:
    """IAM database authentication: ``dbuser:<resource id>/<db user>`` (``*/*``: any)."""
    return build("rds-db", region, account, f"dbuser:{resource}", partition=partition)
