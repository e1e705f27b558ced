"""Data paths decided by the engine: an SSE-KMS object read needs kms:Decrypt from the key
policy AND the caller's own policies; a database setting the snapshot lacks is undecided."""
import pytest

from synthaudit.findings import lowered
from synthaudit.iam.data_path import HELD, MISSING, UNDECIDED, data_path, link_of, needs_of

from .helpers import ACCT, OTHER, ROLE, doc, stmt, store

BUCKET = "arn:aws:s3:::phi-claims"
KEY = f"arn:aws:kms:us-east-1:{OTHER}:key/k1"
BUCKET_ROW = {"arn": BUCKET, "account": OTHER, "region": "us-east-1", "sse_algorithm": "aws:kms", "kms_key_id": KEY}


def _policies(key_users):
    bucket_policy = doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:GetObject",
                         "Resource": f"{BUCKET}/*"})
    key_policy = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "kms:*",
                      "Resource": "*"},
                     *([{"Effect": "Allow", "Principal": {"AWS": list(key_users)}, "Action": "kms:Decrypt",
                         "Resource": "*"}] if key_users else []))
    return [{"arn": BUCKET, "account": OTHER, "policy": bucket_policy},
            {"arn": KEY, "account": OTHER, "policy": key_policy}]


def _path(identity, key_users):
    s = store(identity, resource_policies=_policies(key_users))
    needs = needs_of("s3_buckets", BUCKET_ROW, "s3:GetObject", lambda row: (KEY, ""))
    own = link_of(s.evaluate(ROLE, "s3:GetObject", f"{BUCKET}/x"))
    return data_path(ROLE, "s3:GetObject", f"{BUCKET}/x", own, needs, s.evaluate)


@pytest.mark.parametrize("identity,key_users,complete", [
    ([stmt("Allow", ["s3:GetObject", "kms:Decrypt"])], [ROLE], True),          # both policies grant it
    ([stmt("Allow", ["s3:GetObject", "kms:Decrypt"])], [], False),             # the key policy does not
    ([stmt("Allow", "s3:GetObject")], [ROLE], False),                           # the identity policy does not
])
def test_sse_kms_read_needs_decrypt_from_key_policy_and_identity(identity, key_users, complete):
    path = _path(identity, key_users)
    assert path.links[0].state == HELD
    assert path.complete is complete
    if not complete:
        assert path.evidence()["missing"] == f"kms:Decrypt on {KEY}"
        assert path.evidence()["reach"] == "partial"


def test_unresolved_key_is_undecided_not_missing():
    needs = needs_of("s3_buckets", BUCKET_ROW, "s3:GetObject", lambda row: (None, "not in the snapshot"))
    path = data_path(ROLE, "s3:GetObject", BUCKET, (HELD, ""), needs, lambda *a: pytest.fail("asked the engine"))
    assert path.complete and path.links[1].state == UNDECIDED and path.undecided


@pytest.mark.parametrize("row,needed", [
    ({"sse_algorithm": "AES256"}, []),
    ({"sse_algorithm": None}, []),
    ({"sse_algorithm": "aws:kms:dsse", "kms_key_id": KEY}, ["kms:Decrypt"]),
])
def test_only_sse_kms_buckets_need_a_key(row, needed):
    full = {"arn": BUCKET, "account": OTHER, "region": "us-east-1", **row}
    assert [n.action for n in needs_of("s3_buckets", full, "s3:GetObject", lambda r: (KEY, ""))] == needed


@pytest.mark.parametrize("value,state", [(True, HELD), (False, MISSING), (None, UNDECIDED)])
def test_iam_database_auth_setting(value, state):
    row = {"arn": f"arn:aws:rds:us-east-1:{ACCT}:cluster:c", "iam_database_authentication_enabled": value}
    needs = needs_of("rds_clusters", row, "rds-db:connect", lambda r: (None, ""))
    path = data_path(ROLE, "rds-db:connect", "x", (HELD, ""), needs, lambda *a: pytest.fail("asked the engine"))
    assert path.links[1].state == state and path.complete is (state != MISSING)


def test_lowered_is_one_step_and_never_below_low():
    assert [lowered(s) for s in ("critical", "high", "medium", "low", "info")] == ["high", "medium", "low", "low", "info"]


@pytest.mark.parametrize("key_users,actions,severity,missing", [
    ([ROLE], ["s3:GetObject", "kms:Decrypt"], "critical", None),           # full reach
    ([], ["s3:GetObject", "kms:Decrypt"], "high", f"kms:Decrypt on {KEY}"),   # ciphertext at most
    ([], ["s3:GetObject", "s3:ListBucket", "kms:Decrypt"], "high", f"kms:Decrypt on {KEY}"),  # + key names only
    ([], ["s3:GetObject", "s3:PutObject", "kms:Decrypt", "kms:GenerateDataKey"], "high",  # both partial
     [f"kms:Decrypt on {KEY}", f"kms:GenerateDataKey on {KEY}"]),
])
def test_phase_03_reach_follows_the_data_path(key_users, actions, severity, missing):
    """IAM_SYNTHETIC_REACHES_PRODUCTION judges a path as phase 02 does: one step lower when no
    path reaches object content, naming what is missing."""
    from synthaudit.iam.review import _StatementIndex, check_reachability

    policies = _policies(key_users)
    policies[0]["policy"] = doc({"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": actions[:-1] if
                                 actions[-1].startswith("kms") else actions, "Resource": [BUCKET, f"{BUCKET}/*"]})
    rows = [{**BUCKET_ROW, "environment": "production", "_kind": "s3_buckets"},
            {"arn": KEY, "account": OTHER, "region": "us-east-1", "environment": "production", "_kind": "kms_keys",
             "key_id": "k1"},
            {"arn": ROLE, "account": ACCT, "environment": "synthetic", "_kind": "iam_roles"}]
    s = store([stmt("Allow", actions)], resource_policies=policies, resources=rows)
    [found], _ = check_reachability(s, _StatementIndex(s))
    assert found.status == "FAIL" and found.severity == severity
    assert found.evidence.get("missing") == missing and (found.evidence.get("reach") == "partial") == bool(missing)
