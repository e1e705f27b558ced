"""The demo estate's CloudTrail: 90 days of log files and digests in the trail bucket.

Baseline activity of a few dozen principals with daily rhythms (``cloudtrail_traffic``),
plus the planted anomalies (``cloudtrail_plants``: every detector family; ``cloudtrail_twins``:
the exposure detectors' plants and the clean twins of the first round's), written as records (``cloudtrail_records``) into
log files and signed digests (``cloudtrail_files``). Everything is derived from fixed
ids and one seed, ending at END, so the same build gives the same files and the same
findings. Digests are signed with an RSA key generated per build; its public key is
put under ``public-keys/`` in the bucket, where the kit looks for keys shipped with the logs.

``prepare()`` makes the files without a server (the estate builder runs it while the
estate is being built), ``upload()`` puts them into the trail bucket; ``seed()`` is both.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.config import Config

from synthaudit.demo import ids
from synthaudit.demo.cloudtrail_files import log_files, sign_digests
from synthaudit.demo.cloudtrail_plants import planted_events
from synthaudit.demo.cloudtrail_records import (
    DAYS,
    END,
    QUIET_DAYS,
    SEED,
    START,
    LogWriter,
    day,
)
from synthaudit.demo.cloudtrail_traffic import baseline, quiet_members
from synthaudit.demo.cloudtrail_twins import twin_events
from synthaudit.demo.plant import Plant

__all__ = ["DAYS", "END", "QUIET_DAYS", "START", "TrailFiles", "build", "day", "planted", "prepare", "seed",
           "upload", "write_local"]


@dataclass(frozen=True)
class TrailFiles:
    """Everything the trail bucket receives: log objects, signed digests (key -> (gzip bytes, hex
    signature)), the public key (PEM) and its fingerprint; plus what the files plant."""

    objects: dict[str, bytes]
    digests: dict[str, tuple[bytes, str]]
    public_key_pem: bytes
    fingerprint: str
    plants: tuple[Plant, ...]


def build() -> tuple[dict[str, bytes], list[dict], list[Plant]]:
    """All log objects (key -> gzip bytes), digest documents (unsigned) and the plants, sorted by id."""
    writer = LogWriter()
    baseline(writer, random.Random(SEED))
    quiet_members(writer, random.Random(SEED + 1))
    plants = planted_events(writer)
    plants += twin_events(writer)  # after the first round, so its events keep their ids
    return log_files(writer, plants)


def prepare() -> TrailFiles:
    objects, digests, plants = build()
    signed, pem, fingerprint = sign_digests(digests)
    return TrailFiles(objects, signed, pem, fingerprint, tuple(plants))


def planted() -> tuple[Plant, ...]:
    """What the logs plant (the answer key's records, made by the generator)."""
    return tuple(build()[2])


def write_local(folder: str | Path) -> list[Plant]:
    """The same files into a local folder (for tests and the bench), public key under public-keys/."""
    folder = Path(folder)
    files = prepare()
    for key, data in list(files.objects.items()) + [(k, v[0]) for k, v in files.digests.items()]:
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for key, (_data, signature) in files.digests.items():  # S3 keeps it in object metadata; a folder beside the digest
        (folder / (key + ".signature")).write_text(signature + "\n")
    (folder / "public-keys").mkdir(parents=True, exist_ok=True)
    (folder / "public-keys" / f"{files.fingerprint}.pem").write_bytes(files.public_key_pem)
    return list(files.plants)


def upload(endpoint_url: str | None, files: TrailFiles) -> None:
    """Put the logs, digests (signature in object metadata) and public key into the trail bucket."""
    from synthaudit.demo.estate_core import Estate

    estate = Estate.connect(endpoint_url)
    estate.enter(ids.LOGGING)  # the trail bucket lives in the logging account
    # Over HTTP the puts run side by side: their order varies, and with it how much of moto's seeded stream they
    # take (rejection sampling), so ids drawn after them (the leak datasets' version ids) can differ. In the
    # server's own process (endpoint None) threads gain nothing (one interpreter): one by one, in key order.
    s3 = estate.base.client("s3", endpoint_url=endpoint_url, config=Config(max_pool_connections=16),
                            **estate.credentials[ids.LOGGING])
    puts: list[Callable[[], Any]] = []
    for key, data in files.objects.items():
        puts.append(lambda k=key, d=data: s3.put_object(Bucket=ids.TRAIL_BUCKET, Key=k, Body=d))
    for key, (data, signature) in files.digests.items():
        puts.append(lambda k=key, d=data, s=signature: s3.put_object(
            Bucket=ids.TRAIL_BUCKET, Key=k, Body=d, Metadata={"signature": s, "signature-algorithm": "SHA256withRSA"}))
    puts.append(lambda: s3.put_object(Bucket=ids.TRAIL_BUCKET, Key=f"public-keys/{files.fingerprint}.pem",
                                      Body=files.public_key_pem))
    with ThreadPoolExecutor(12 if endpoint_url else 1) as pool:
        for _ in pool.map(lambda f: f(), puts):
            pass


def seed(endpoint_url: str | None) -> None:
    upload(endpoint_url, prepare())
