"""The kit's one write: copy a sealed, verified run folder to an S3 bucket under Object Lock.

Every object is put in COMPLIANCE mode with a retain-until date ``retention_days``
(params.evidence) from now, so nobody, the root user included, can delete or
overwrite that version before the date. The session is a SessionFactory of its own
whose guard allows exactly one extra operation, s3:PutObject; every other
non-read call is still refused before it is sent.

The receipt (bucket, keys, version ids, SHA-256, retention read back with
HeadObject) is written *beside* the run folder as ``<run>.upload-receipt.json``,
not inside it: the manifest has sealed the folder and a new file there would
make ``synthaudit verify`` fail. The receipt is uploaded under the same lock, next
to the run's prefix.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from synthaudit.aws.errors import classify_error
from synthaudit.aws.session import SessionFactory
from synthaudit.errors import UploadError

UPLOAD_OPERATIONS = frozenset({("s3", "PutObject")})
RECEIPT_SUFFIX = ".upload-receipt.json"
LOCK_MODE = "COMPLIANCE"


@dataclass(frozen=True)
class UploadedObject:
    path: str            # relative to the run folder
    key: str
    version_id: str
    sha256: str          # hex digest of the bytes sent
    size: int
    lock_mode: str       # as read back with HeadObject
    retain_until: str    # as read back with HeadObject (ISO 8601)


@dataclass(frozen=True)
class Receipt:
    run: str
    bucket: str
    prefix: str
    lock_mode: str
    retention_days: int
    retain_until: str
    uploaded_at: str
    manifest_sha256: str | None
    objects: tuple[UploadedObject, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["objects"] = [asdict(o) for o in self.objects]
        return data


def receipt_path(run_dir: Path) -> Path:
    run_dir = Path(run_dir).resolve()
    return run_dir.parent / f"{run_dir.name}{RECEIPT_SUFFIX}"


def upload_session(params: Any) -> SessionFactory:
    """A SessionFactory whose guard allows reads plus s3:PutObject, nothing else."""
    return SessionFactory(params, extra_allowed=UPLOAD_OPERATIONS)


def _s3_client(sessions: SessionFactory, account: str | None, region: str | None) -> Any:
    if account:
        return sessions.client(account, "s3", region)
    return sessions.base_client("s3", region)


def _explain(exc: BaseException, what: str) -> UploadError:
    gap = classify_error(exc)
    return UploadError(f"{what}: {gap.reason}")


def check_object_lock(client: Any, bucket: str) -> None:
    """Refuse a bucket without Object Lock: evidence there could be deleted or replaced."""
    try:
        conf = client.get_object_lock_configuration(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ObjectLockConfigurationNotFoundError":
            raise UploadError(
                f"bucket {bucket} has no Object Lock: create the evidence bucket with Object Lock enabled "
                f"(aws s3api create-bucket --object-lock-enabled-for-bucket …)") from None
        raise _explain(exc, f"bucket {bucket}: cannot read its Object Lock configuration") from None
    except BotoCoreError as exc:
        raise _explain(exc, f"bucket {bucket}: cannot reach S3") from None
    if conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
        raise UploadError(f"bucket {bucket}: Object Lock is not enabled")


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def upload_run(run_dir: str | Path, params: Any, bucket: str | None = None, *, prefix: str | None = None,
               account: str | None = None, region: str | None = None, now: dt.datetime | None = None,
               sessions: SessionFactory | None = None) -> tuple[Receipt, Path]:
    """Upload every file of the run folder with COMPLIANCE retention; write and upload the receipt."""
    run_dir = Path(run_dir).resolve()
    if not run_dir.is_dir():
        raise UploadError(f"{run_dir}: run folder not found")
    manifest = run_dir / "manifest.json"
    if not manifest.exists():
        raise UploadError(f"{run_dir}: no manifest.json; only a sealed run is uploaded (finish `synthaudit run` first)")
    from synthaudit.evidence.verify import verify_folder

    problems = verify_folder(run_dir)
    if problems:  # locking tampered evidence for years would be worse than not uploading it
        raise UploadError(f"{run_dir}: does not match its manifest, nothing uploaded: "
                          + "; ".join(f"{p.kind}: {p.path}" for p in problems[:20]))
    bucket = bucket or params.evidence.upload_bucket
    if not bucket:
        raise UploadError("no bucket: pass --bucket or set evidence.upload_bucket in params")
    account = account or params.evidence.upload_account
    prefix = f"{run_dir.name}/" if prefix is None else (prefix.rstrip("/") + "/" if prefix else "")
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    retention_days = params.evidence.retention_days
    retain_until = now + dt.timedelta(days=retention_days)

    sessions = sessions or upload_session(params)
    client = _s3_client(sessions, account, region)
    check_object_lock(client, bucket)

    def put(path: Path, key: str) -> UploadedObject:
        body = path.read_bytes()
        try:
            sent = client.put_object(
                Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256",
                ObjectLockMode=LOCK_MODE, ObjectLockRetainUntilDate=retain_until,
            )
            version = sent.get("VersionId")
            if not version:
                raise UploadError(f"s3://{bucket}/{key}: no version id returned; is versioning on?")
            head = client.head_object(Bucket=bucket, Key=key, VersionId=version)
        except (ClientError, BotoCoreError) as exc:
            raise _explain(exc, f"s3://{bucket}/{key}") from None
        digest = hashlib.sha256(body).digest()
        if sent.get("ChecksumSHA256") and sent["ChecksumSHA256"] != base64.b64encode(digest).decode():
            raise UploadError(f"s3://{bucket}/{key}: S3 reports a different SHA-256 than was sent")
        if head.get("ObjectLockMode") != LOCK_MODE:
            raise UploadError(f"s3://{bucket}/{key}: retention not applied (ObjectLockMode={head.get('ObjectLockMode')})")
        return UploadedObject(path.relative_to(run_dir).as_posix() if path.is_relative_to(run_dir) else path.name,
                              key, version, digest.hex(), len(body), head["ObjectLockMode"],
                              _iso(head.get("ObjectLockRetainUntilDate")))

    files = sorted(p for p in run_dir.rglob("*") if p.is_file())
    objects = tuple(put(path, prefix + path.relative_to(run_dir).as_posix()) for path in files)
    receipt = Receipt(
        run=run_dir.name, bucket=bucket, prefix=prefix, lock_mode=LOCK_MODE, retention_days=retention_days,
        retain_until=_iso(retain_until), uploaded_at=_iso(now),
        manifest_sha256=hashlib.sha256(manifest.read_bytes()).hexdigest(), objects=objects,
    )
    out = receipt_path(run_dir)
    out.write_text(json.dumps(receipt.to_dict(), indent=2, sort_keys=True) + "\n")
    receipt_key = (prefix.rstrip("/") if prefix else run_dir.name) + RECEIPT_SUFFIX
    put(out, receipt_key)
    return receipt, out
