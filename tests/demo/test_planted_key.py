"""The answer key is well formed: ids unique, known check ids, ARNs in the documented shapes.

No server needed; the estate tests prove every resource it names exists.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from answer_key import Plant, load
from synthaudit.demo import ids
from synthaudit.demo.estate_org import EXTRA_ACCOUNTS
from synthaudit.findings import SEVERITY_ORDER

REPO = Path(__file__).resolve().parents[2]
ARCHITECTURE = REPO / "docs" / "architecture.md"

# Shapes from docs/architecture.md "Resource naming in findings".
ARN_SHAPES = [
    r"arn:aws:organizations::\d{12}:account/o-[a-z0-9]{10,32}/\d{12}",
    r"arn:aws:organizations::\d{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}",
    r"arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    r"arn:aws:iam::\d{12}:(role|user|instance-profile)(/[\w+=,.@-]+)*/[\w+=,.@-]+",
    r"arn:aws:kms:[a-z]{2}-[a-z]+-\d:\d{12}:key/[0-9a-f-]{36}",
    r"arn:aws:rds:[a-z]{2}-[a-z]+-\d:\d{12}:(db|cluster|snapshot|cluster-snapshot):[a-z][a-z0-9-]*",
    r"arn:aws:ec2:[a-z]{2}-[a-z]+-\d::(snapshot/snap|image/ami)-[0-9a-f]+",  # no account, as AWS writes them
    r"arn:aws:ec2:[a-z]{2}-[a-z]+-\d:\d{12}:(volume/vol|instance/i|vpc/vpc|subnet/subnet"
    r"|security-group/sg|vpc-peering-connection/pcx|vpc-endpoint/vpce)-[0-9a-f]+",
    r"arn:aws:lambda:[a-z]{2}-[a-z]+-\d:\d{12}:function:[\w-]+",
    r"arn:aws:glue:[a-z]{2}-[a-z]+-\d:\d{12}:(connection|job)/[\w-]+",
    r"arn:aws:glue:[a-z]{2}-[a-z]+-\d:\d{12}:table/[\w-]+/[\w-]+",
    r"arn:aws:sagemaker:[a-z]{2}-[a-z]+-\d:\d{12}:(notebook-instance|training-job)/[\w-]+",
    r"arn:aws:states:[a-z]{2}-[a-z]+-\d:\d{12}:stateMachine:[\w-]+",
    r"arn:aws:cloudtrail:[a-z]{2}-[a-z]+-\d:\d{12}:trail/[\w.-]+",
]


def load_key() -> tuple[Plant, ...]:
    return load("estate")


def documented_check_ids() -> set[str]:
    text = ARCHITECTURE.read_text()
    section = text[text.index("## Check ids"):text.index("## Answer key")]
    return set(re.findall(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b", section))


def test_answer_key_entries_have_the_documented_fields():
    entries = load_key()
    assert len(entries) >= 40
    for entry in entries:
        fields = {"id", "expect", "check", "resource", "account", "environment", "description"}
        assert set(entry.to_dict()) == fields | ({"severity"} if entry.severity is not None else set()), entry
        assert entry.severity is None or (entry.expect == "FAIL" and entry.severity in SEVERITY_ORDER), entry
        assert re.fullmatch(r"P\d{2,3}", entry.id), entry
        assert entry.expect in ("FAIL", "PASS"), entry
        assert isinstance(entry.account, str) and entry.account in {*ids.ACCOUNTS, *EXTRA_ACCOUNTS}, entry
        assert entry.environment in ("production", "synthetic", "shared"), entry
        assert len(entry.description) > 20, entry


def test_answer_key_ids_are_unique():
    seen = [e.id for e in load_key()]
    assert len(seen) == len(set(seen))


def test_check_ids_are_documented_in_the_architecture():
    known = documented_check_ids()
    assert "S3_SYNTHETIC_ACCESS_TO_PRODUCTION" in known and "IAM_PRIVILEGE_ESCALATION" in known
    unknown = sorted({e.check for e in load_key()} - known)
    assert unknown == []


@pytest.mark.parametrize("entry", load_key(), ids=lambda e: e.id)
def test_resource_arn_is_well_formed_and_in_its_account(entry):
    arn = entry.resource
    assert any(re.fullmatch(shape, arn) for shape in ARN_SHAPES), arn
    if not arn.startswith("arn:aws:s3:::") and arn.split(":")[4]:  # EBS snapshot / AMI ARNs name no account
        arn_account = arn.split(":")[4]
        if arn.startswith("arn:aws:organizations::"):  # an OU names no account: its finding names the accounts
            arn_account = entry.account if ":ou/" in arn else arn.rsplit("/", 1)[1]
        assert arn_account == entry.account, entry


def test_every_check_with_a_planted_failure_has_a_clean_twin():
    by_check: dict[str, set[str]] = {}
    for e in load_key():
        by_check.setdefault(e.check, set()).add(e.expect)
    lonely = sorted(c for c, expects in by_check.items() if expects != {"FAIL", "PASS"})
    assert lonely == []


def test_one_resource_is_never_both_planted_and_twin_for_one_check():
    verdicts: dict[tuple[str, str], set[str]] = {}
    for e in load_key():
        verdicts.setdefault((e.check, e.resource), set()).add(e.expect)
    assert [k for k, v in verdicts.items() if len(v) > 1] == []
