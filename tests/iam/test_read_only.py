"""Which grants go beyond reading: the test that decides whether a role named as the audit role is the kit's own."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from synthaudit.iam.read_only import SHOWN, beyond_reading


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_the_kits_shipped_policy_only_reads():
    shipped = json.loads(resources.files("synthaudit.aws").joinpath("audit_role_policy.json").read_text())
    assert beyond_reading([shipped]) == ()


@pytest.mark.parametrize(("document", "expected"), [
    (_doc(_allow(["s3:List*", "ec2:Describe*", "iam:Get*"])), ()),
    (_doc(_allow("s3:GetObject", "arn:aws:s3:::one-bucket/*")), ()),              # content of named buckets: reads
    (_doc(_allow("*")), ("* (every action)", "s3:GetObject on every bucket", "s3:GetObjectVersion on every bucket")),
    (_doc(_allow("s3:GetObject", "arn:aws:s3:::*/*")), ("s3:GetObject on every bucket",)),
    (_doc(_allow("s3:PutObject", "arn:aws:s3:::b/*")), ("s3:PutObject",)),
    (_doc(_allow("iam:PassRole")), ("iam:PassRole",)),
    (_doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
     ("NotAction ['iam:*'] (allows every other action)",)),
    (_doc(_allow("newservice:DoSomething")), ("newservice:DoSomething",)),       # unknown: cannot be shown to read
    (_doc({"Effect": "Deny", "Action": "*", "Resource": "*"}), ()),               # a deny grants nothing
    (json.dumps(_doc(_allow("s3:DeleteObject"))), ("s3:DeleteObject",)),          # documents as text too
])
def test_beyond_reading(document, expected):
    assert beyond_reading([document]) == expected


def test_a_long_list_is_cut_and_counted():
    found = beyond_reading([_doc(_allow("ec2:*"))])
    assert len(found) == SHOWN + 1 and found[-1].startswith("... and ") and found[-1].endswith(" more")
