"""The demo's CloudTrail as files: log objects in delivery blocks, one digest a day per
account and region chained to the one before, signed like CloudTrail's (SHA256withRSA),
and the log-file plants (a deleted file, an edited one, a truncated one, a lost digest, a record
whose time cannot be read).
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import random
from collections import defaultdict

from synthaudit.demo import ids
from synthaudit.demo.cloudtrail_records import ORG_PREFIX, SEED, LogWriter, day
from synthaudit.demo.plant import Plant

GAP_BLOCK = (ids.PRODUCTION, ids.HOME_REGION, dt.datetime.combine(day(12), dt.time(0)))   # deleted log file
TAMPERED_BLOCK = (ids.SYNTHETIC, ids.HOME_REGION, dt.datetime.combine(day(6), dt.time(0)))  # edited after delivery
CORRUPT_BLOCK = (ids.LOGGING, ids.HOME_REGION, dt.datetime.combine(day(2), dt.time(12)))   # truncated gzip
NO_DIGEST_DAY = (ids.SYNTHETIC, "eu-west-1", day(3))                                     # digest deleted
DROPPED_BLOCK = (ids.PRODUCTION, ids.HOME_REGION, dt.datetime.combine(day(18), dt.time(12)))  # a record's time rewritten


def mangled(record: dict) -> dict:
    """A copy of ``record`` as a re-shipper might leave it: eventTime rewritten as epoch milliseconds,
    which is no time a CloudTrail reader parses (other ISO forms are read; this record must be counted
    as dropped, never dropped silently)."""
    when = dt.datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return {**record, "eventTime": int(when.timestamp() * 1000),
            "eventID": "0d5c7a9e-3f1b-4e2d-8c6a-5b4f3e2d1c0b", "requestID": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"}


def log_key(account: str, region: str, block: dt.datetime, rng: random.Random) -> str:
    stamp = (block + dt.timedelta(minutes=5)).strftime("%Y%m%dT%H%MZ")
    suffix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(16))
    return (f"{ORG_PREFIX}/{account}/CloudTrail/{region}/{block:%Y/%m/%d}/"
            f"{account}_CloudTrail_{region}_{stamp}_{suffix}.json.gz")


def log_files(writer: LogWriter, plants: list[Plant]) -> tuple[dict[str, bytes], list[dict], list[Plant]]:
    """The written records as log objects (key -> gzip bytes) and unsigned digest documents, with the
    log-file plants (deleted, edited, truncated files, a missing digest) added to ``plants``."""
    plants = list(plants)
    objects: dict[str, bytes] = {}
    digests: list[dict] = []
    per_day: dict[tuple[str, str, dt.date], list[tuple[str, str]]] = defaultdict(list)
    key_rng = random.Random(SEED + 1)
    for (account, region, block) in sorted(writer.files):
        records = sorted(writer.files[(account, region, block)], key=lambda r: (r["eventTime"], r["eventID"]))
        if (account, region, block) == DROPPED_BLOCK:
            records.append(mangled(records[0]))
        body = json.dumps({"Records": records}, separators=(",", ":")).encode()
        key = log_key(account, region, block, key_rng)
        per_day[(account, region, block.date())].append((key, hashlib.sha256(body).hexdigest()))
        if (account, region, block) == GAP_BLOCK:
            plants.append(Plant("CT26", "FAIL", "CT_COVERAGE_GAP",
                                f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{account}", account,
                                "production us-east-1 log file for 00:00-12:00 deleted: twelve hours without events"))
            plants.append(Plant("CT27", "FAIL", "CT_LOG_FILE_INTEGRITY", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "log file listed in its digest is missing from the bucket"))
            continue
        if (account, region, block) == DROPPED_BLOCK:
            plants.append(Plant("CT38", "FAIL", "CT_RECORDS_DROPPED", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "a record whose eventTime a re-shipper rewrote as epoch milliseconds: counted as dropped"))
        if (account, region, block) == TAMPERED_BLOCK:
            body = json.dumps({"Records": records[:-1]}, separators=(",", ":")).encode()
            plants.append(Plant("CT28", "FAIL", "CT_LOG_FILE_INTEGRITY", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "log file edited after delivery (one record removed): hash differs from digest"))
        data = gzip.compress(body, compresslevel=6, mtime=0)
        if (account, region, block) == CORRUPT_BLOCK:
            data = data[: len(data) // 2]
            plants.append(Plant("CT29", "FAIL", "CT_LOG_FILE_UNREADABLE", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "truncated gzip log file"))
            plants.append(Plant("CT29b", "FAIL", "CT_COVERAGE_GAP",
                                f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{account}", account,
                                "the truncated file's twelve hours hold no readable event: a gap in the logging account"))
        if (account, region, block.date()) == NO_DIGEST_DAY and len(plants) and not any(p.id == "CT31" for p in plants):
            plants.append(Plant("CT31", "FAIL", "CT_DIGEST_MISSING", f"arn:aws:s3:::{ids.TRAIL_BUCKET}/{key}", account,
                                "log file of a day whose digest file was deleted"))
        objects[key] = data
    previous: dict[tuple[str, str], str] = {}
    for (account, region, date) in sorted(per_day):
        start = dt.datetime.combine(date, dt.time())
        end = start + dt.timedelta(days=1)
        digest_key = (f"{ORG_PREFIX}/{account}/CloudTrail-Digest/{region}/{date:%Y/%m/%d}/"
                      f"{account}_CloudTrail-Digest_{region}_{ids.TRAIL_NAME}_{ids.HOME_REGION}_{end:%Y%m%dT%H%M%SZ}.json.gz")
        digests.append({
            "key": digest_key, "skip": (account, region, date) == NO_DIGEST_DAY,
            "doc": {
                "awsAccountId": account, "digestStartTime": f"{start:%Y-%m-%dT%H:%M:%SZ}",
                "digestEndTime": f"{end:%Y-%m-%dT%H:%M:%SZ}", "digestS3Bucket": ids.TRAIL_BUCKET,
                "digestS3Object": digest_key, "digestSignatureAlgorithm": "SHA256withRSA",
                "previousDigestS3Bucket": ids.TRAIL_BUCKET if (account, region) in previous else None,
                "previousDigestS3Object": previous.get((account, region)),
                "logFiles": [{"s3Bucket": ids.TRAIL_BUCKET, "s3Object": k, "hashValue": h, "hashAlgorithm": "SHA-256"}
                             for k, h in per_day[(account, region, date)]],
            },
        })
        previous[(account, region)] = digest_key
    return objects, digests, sorted(plants, key=lambda p: p.id)


def sign_digests(digests: list[dict]) -> tuple[dict[str, tuple[bytes, str]], bytes, str]:
    """Chain and sign digests like CloudTrail: key -> (gzip bytes, hex signature); plus public key PEM, fingerprint."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from synthaudit.cloudtrail.integrity import signing_string

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    fingerprint = hashlib.md5(der).hexdigest()
    out: dict[str, tuple[bytes, str]] = {}
    last: dict[str, tuple[str, str]] = {}  # previous digest key -> (sha256 hex, signature)
    for item in digests:
        doc = dict(item["doc"])
        doc["digestPublicKeyFingerprint"] = fingerprint
        prev_key = doc.get("previousDigestS3Object")
        if prev_key:
            prev_hash, prev_sig = last[prev_key]
            doc["previousDigestHashValue"], doc["previousDigestHashAlgorithm"] = prev_hash, "SHA-256"
            doc["previousDigestSignature"] = prev_sig
        content = json.dumps(doc, separators=(",", ":")).encode()
        signature = private.sign(signing_string(doc, item["key"], content), padding.PKCS1v15(), hashes.SHA256()).hex()
        last[item["key"]] = (hashlib.sha256(content).hexdigest(), signature)
        if not item["skip"]:
            out[item["key"]] = (gzip.compress(content, mtime=0), signature)
    return out, pem, fingerprint
