"""CloudTrail log-file integrity from digest files: hashes, chain, signature.

A digest (``CloudTrail-Digest/…json.gz``) lists the log files delivered in its hour
with the SHA-256 of each file's *uncompressed* content, and links to the previous
digest by its hash and signature. We check every listed file against the source
(mismatch, missing), every digest against its predecessor (chain), and the RSA
signature when the public key is at hand (``<fingerprint>.pem`` in a public-keys
folder; AWS publishes them via cloudtrail:ListPublicKeys). Log files no digest
lists, where the account/region otherwise has digests, are reported missing a digest.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from synthaudit.cloudtrail.sources import SourceObject


@dataclass(frozen=True)
class IntegrityIssue:
    event_time: dt.datetime | None
    account: str | None
    region: str | None
    object_uri: str
    problem: str  # hash_mismatch | log_missing | chain_broken | signature_invalid | digest_missing | digest_unreadable
    detail: str

    def row(self) -> tuple:
        return (self.event_time, self.account, self.region, self.object_uri, self.problem, self.detail)


@dataclass(frozen=True)
class IntegrityReport:
    digests: int
    files_verified: int
    signatures_verified: int
    signatures_unchecked: int
    issues: tuple[IntegrityIssue, ...]


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")


def _gunzip(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def load_public_keys(folder: Path | None) -> dict[str, Any]:
    """Public keys by fingerprint, from ``<fingerprint>.pem`` / ``.der`` files."""
    keys: dict[str, Any] = {}
    if not folder or not Path(folder).is_dir():
        return keys
    from cryptography.hazmat.primitives import serialization

    for path in sorted(Path(folder).iterdir()):
        data = path.read_bytes()
        if path.suffix == ".pem":
            keys[path.stem] = serialization.load_pem_public_key(data)
        elif path.suffix == ".der":
            keys[path.stem] = serialization.load_der_public_key(data)
    return keys


def signing_string(digest: dict[str, Any], digest_key: str, content: bytes) -> bytes:
    """What CloudTrail signs: end time, digest S3 path, SHA-256 of the digest, previous signature."""
    return "\n".join([
        digest.get("digestEndTime", ""),
        f"{digest.get('digestS3Bucket', '')}/{digest_key}",
        hashlib.sha256(content).hexdigest(),
        digest.get("previousDigestSignature") or "null",
    ]).encode()


def content_sha256(data: bytes) -> str:
    """What a digest records for a log file: the SHA-256 of its uncompressed content; a file that
    does not decompress gets a marker that matches no digest."""
    try:
        return hashlib.sha256(_gunzip(data)).hexdigest()
    except (OSError, EOFError, ValueError) as exc:  # truncated gzip: cannot match any digest
        return f"unreadable ({type(exc).__name__})"


def _log_hash(source, obj: SourceObject) -> str:
    try:
        data = source.read_bytes(obj)
    except Exception as exc:  # noqa: BLE001 - a log file that cannot be read matches no digest
        return f"unreadable ({type(exc).__name__})"
    return content_sha256(data)


def _read_digest(source, obj: SourceObject) -> tuple[dict[str, Any], bytes, str | None] | Exception:
    try:
        raw, metadata = source.read_with_metadata(obj)
        content = _gunzip(raw)
        return json.loads(content), content, metadata.get("signature")
    except Exception as exc:  # noqa: BLE001 - a damaged digest is itself a finding
        return exc


def verify(source, objects: list[SourceObject], uri_of, public_keys: dict[str, Any] | None = None,
           known_hashes: Mapping[str, str] | None = None, workers: int = 8) -> IntegrityReport:
    """Check log files against the digests among ``objects`` (both lists from the same source).

    ``known_hashes`` are content hashes taken when this run's ingest read the same objects (same
    key, size and ETag): a log file is read again only when its hash is not known. Reads run on
    ``workers`` threads; the report is the same as a sequential check's."""
    public_keys = public_keys or {}
    known_hashes = known_hashes or {}
    digests = sorted((o for o in objects if o.kind == "digest"), key=lambda o: o.key)
    logs = {o.key: o for o in objects if o.kind == "log"}
    with ThreadPoolExecutor(max(1, workers)) as pool:
        read = list(pool.map(lambda obj: _read_digest(source, obj), digests))
        wanted = sorted({item.get("s3Object", "") for r in read if not isinstance(r, Exception)
                         for item in r[0].get("logFiles", [])} & logs.keys() - known_hashes.keys())
        hashes = {**known_hashes, **dict(zip(wanted, pool.map(lambda key: _log_hash(source, logs[key]), wanted)))}
    issues: list[IntegrityIssue] = []
    listed: set[str] = set()
    by_key: dict[str, tuple[dict[str, Any], bytes, str | None]] = {}
    files_verified = sig_ok = sig_unchecked = 0
    for obj, outcome in zip(digests, read):
        if isinstance(outcome, Exception):
            issues.append(IntegrityIssue(None, obj.account, obj.region, uri_of(obj.key), "digest_unreadable",
                                         f"{type(outcome).__name__}: {outcome}"[:200]))
            continue
        digest, content, signature = by_key[obj.key] = outcome
        end_time = _parse_time(digest.get("digestEndTime"))
        for item in digest.get("logFiles", []):
            key = item.get("s3Object", "")
            listed.add(key)
            if key not in logs:
                issues.append(IntegrityIssue(end_time, obj.account, obj.region, uri_of(key), "log_missing",
                                             f"listed in digest {obj.key.rsplit('/', 1)[-1]} but not in the source"))
                continue
            actual = hashes[key]
            files_verified += 1
            if actual != item.get("hashValue"):
                issues.append(IntegrityIssue(end_time, obj.account, obj.region, uri_of(key), "hash_mismatch",
                                             f"SHA-256 {actual[:16]}… differs from digest {str(item.get('hashValue'))[:16]}…"))
        if signature and digest.get("digestPublicKeyFingerprint") in public_keys:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives import hashes as crypto_hashes
            from cryptography.hazmat.primitives.asymmetric import padding

            key = public_keys[digest["digestPublicKeyFingerprint"]]
            try:
                key.verify(bytes.fromhex(signature), signing_string(digest, obj.key, content),
                           padding.PKCS1v15(), crypto_hashes.SHA256())
                sig_ok += 1
            except (InvalidSignature, ValueError):
                issues.append(IntegrityIssue(end_time, obj.account, obj.region, uri_of(obj.key), "signature_invalid",
                                             "digest signature does not verify with the trail's public key"))
        else:
            sig_unchecked += 1
    # the chain: each digest names its predecessor by key, hash and signature
    for key, (digest, _content, _sig) in sorted(by_key.items()):
        previous = digest.get("previousDigestS3Object")
        if not previous:
            continue
        obj = next(o for o in digests if o.key == key)
        end_time = _parse_time(digest.get("digestEndTime"))
        if previous not in by_key:
            earliest = min((k for k in by_key if _same_stream(k, key)), default=key)
            if key != earliest or previous in {o.key for o in digests}:
                issues.append(IntegrityIssue(end_time, obj.account, obj.region, uri_of(previous), "chain_broken",
                                             "previous digest named by the chain is missing"))
            continue
        prev_digest, prev_content, prev_sig = by_key[previous]
        if hashlib.sha256(prev_content).hexdigest() != digest.get("previousDigestHashValue"):
            issues.append(IntegrityIssue(end_time, obj.account, obj.region, uri_of(previous), "chain_broken",
                                         "previous digest's SHA-256 differs from the hash the next digest recorded"))
        elif prev_sig and digest.get("previousDigestSignature") and prev_sig != digest["previousDigestSignature"]:
            issues.append(IntegrityIssue(end_time, obj.account, obj.region, uri_of(previous), "chain_broken",
                                         "previous digest's signature differs from the one the next digest recorded"))
    # log files without a digest, where that account/region delivers digests
    streams = {(o.account, o.region) for o in digests}
    if digests:
        newest = max(_parse_time(d[0].get("digestEndTime")) or dt.datetime.min for d in by_key.values()) if by_key else None
        for key, log in sorted(logs.items()):
            if (log.account, log.region) in streams and key not in listed:
                stamp = _log_time(key)
                if newest and stamp and stamp > newest:
                    continue  # newer than the newest digest: its digest is not due yet
                issues.append(IntegrityIssue(stamp, log.account, log.region, uri_of(key), "digest_missing",
                                             "no digest file lists this log file"))
    return IntegrityReport(len(digests), files_verified, sig_ok, sig_unchecked, tuple(issues))


def _same_stream(a: str, b: str) -> bool:
    return a.split("/CloudTrail-Digest/")[0] == b.split("/CloudTrail-Digest/")[0] and \
        a.split("/")[-5] == b.split("/")[-5]


def _log_time(key: str) -> dt.datetime | None:
    name = key.rsplit("/", 1)[-1]
    parts = name.split("_")
    for part in parts:
        if len(part) == 14 and part.endswith("Z") and part[8] == "T":
            return dt.datetime.strptime(part, "%Y%m%dT%H%MZ")
    return None
