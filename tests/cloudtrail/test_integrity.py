"""Digest checks: hashes known from this run's ingest are used, never trusted over a difference."""
from __future__ import annotations

import gzip
import hashlib
import json

from synthaudit.cloudtrail.integrity import content_sha256, verify
from synthaudit.cloudtrail.sources import describe_key

PREFIX = "AWSLogs/111122223333"
LOG_A = f"{PREFIX}/CloudTrail/us-east-1/2026/11/02/111122223333_CloudTrail_us-east-1_20261102T0100Z_a.json.gz"
LOG_B = f"{PREFIX}/CloudTrail/us-east-1/2026/11/02/111122223333_CloudTrail_us-east-1_20261102T0200Z_b.json.gz"
DIGEST = (f"{PREFIX}/CloudTrail-Digest/us-east-1/2026/11/02/"
          "111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261102T2359Z.json.gz")


class CountingSource:
    """In-memory objects; counts reads, and raises for keys named in ``broken``."""

    def __init__(self, objects: dict[str, bytes], broken: set[str] = frozenset()) -> None:
        self.objects, self.broken, self.reads = objects, broken, []

    def read_bytes(self, obj):
        self.reads.append(obj.key)
        if obj.key in self.broken:
            raise PermissionError(f"{obj.key}: access denied")
        return self.objects[obj.key]

    def read_with_metadata(self, obj):
        return self.read_bytes(obj), {}


def _estate(edited_b: bool = False):
    body_a = gzip.compress(json.dumps({"Records": [{"eventName": "A"}]}).encode())
    body_b = gzip.compress(json.dumps({"Records": [{"eventName": "B"}]}).encode())
    digest = {"digestEndTime": "2026-11-02T23:59:59Z", "logFiles": [
        {"s3Object": LOG_A, "hashValue": content_sha256(body_a)},
        {"s3Object": LOG_B, "hashValue": content_sha256(body_b)}]}
    if edited_b:
        body_b = gzip.compress(json.dumps({"Records": []}).encode())
    objects = {LOG_A: body_a, LOG_B: body_b, DIGEST: gzip.compress(json.dumps(digest).encode())}
    listed = [describe_key(key, len(data), hashlib.md5(data).hexdigest()) for key, data in objects.items()]
    return objects, listed


def _problems(report):
    return [(i.object_uri.rsplit("_", 1)[-1], i.problem) for i in report.issues]


def test_known_hashes_spare_the_reads_and_give_the_same_report():
    objects, listed = _estate(edited_b=True)
    cold = CountingSource(objects)
    first = verify(cold, listed, lambda k: k)
    warm = CountingSource(objects)
    known = {key: content_sha256(objects[key]) for key in (LOG_A, LOG_B)}
    second = verify(warm, listed, lambda k: k, known_hashes=known)
    assert first == second
    assert _problems(first) == [("b.json.gz", "hash_mismatch")]
    assert sorted(cold.reads) == sorted([DIGEST, LOG_A, LOG_B]) and warm.reads == [DIGEST]


def test_a_known_hash_that_differs_from_the_digest_is_still_a_mismatch():
    objects, listed = _estate()
    report = verify(CountingSource(objects), listed, lambda k: k, known_hashes={LOG_A: "0" * 64})
    assert _problems(report) == [("a.json.gz", "hash_mismatch")]


def test_a_log_file_that_cannot_be_read_is_a_mismatch_not_a_crash():
    objects, listed = _estate()
    report = verify(CountingSource(objects, broken={LOG_B}), listed, lambda k: k, workers=1)
    assert _problems(report) == [("b.json.gz", "hash_mismatch")]
    assert "unreadable" in report.issues[0].detail
    assert report.files_verified == 2
