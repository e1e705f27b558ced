"""Benchmark of phase 04 on >= 1M events in the real S3 layout, side by side with its peers.

    .venv/bin/python bench/cloudtrail.py [--events 1000000] [--folder /tmp/ct-bench] [--threads 2] [--repeat 2]

Prints, from one run: `zcat` of the same files (the floor: decompression alone), the
full detector suite cold (parse .json.gz -> Parquet cache -> 31 detectors), the same
suite warm twice: from the Parquet cache with the classification rebuilt (what a run
with a new snapshot or window pays) and from the cache with the stored classification
(what a re-run over unchanged inputs pays: the classified events and their hourly
rollup are kept in a DuckDB file named by a hash of all their inputs), and pandas
json_normalize on a slice (scaled to events/s). Each measurement runs in its own process so its peak memory (max RSS) is
its own. Targets on 2 cores: cold >= 100k ev/s, warm >= 2M ev/s, peak < 1.5 GB. The
machine is shared, so each row also shows its CPU seconds (all threads) and the 1-minute
load average when it ended; "vs zcat" compares with the fastest zcat of the run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ACCOUNTS = ("210987654321", "310000000003", "410000000004", "100000000001")
REGIONS = ("us-east-1", "eu-west-1")
END = dt.datetime(2026, 11, 20)
DAYS = 90
ACTIONS = (("s3.amazonaws.com", "GetObject"), ("s3.amazonaws.com", "PutObject"), ("kms.amazonaws.com", "Decrypt"),
           ("sts.amazonaws.com", "AssumeRole"), ("ec2.amazonaws.com", "DescribeInstances"),
           ("athena.amazonaws.com", "StartQueryExecution"), ("rds-data.amazonaws.com", "ExecuteStatement"))
TEMPLATE = ('{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","principalId":"AROA{pid}:s",'
            '"arn":"arn:aws:sts::{acct}:assumed-role/{role}/s","accountId":"{acct}","accessKeyId":"ASIA{pid}",'
            '"sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROA{pid}","arn":"arn:aws:iam::{acct}:role/{role}",'
            '"accountId":"{acct}","userName":"{role}"}},"attributes":{{"creationDate":"2026-08-01T00:00:00Z","mfaAuthenticated":"false"}}}}}},'
            '"eventTime":"{time}","eventSource":"{src}","eventName":"{name}","awsRegion":"{region}",'
            '"sourceIPAddress":"10.{a}.{b}.{c}","userAgent":"Boto3/1.34.60 Python/3.11.8","requestParameters":'
            '{{"bucketName":"bucket-{bucket}","key":"data/part-{n}.parquet","Host":"bucket-{bucket}.s3.amazonaws.com"}},'
            '"responseElements":null,"additionalEventData":{{"bytesTransferredIn":0,"SignatureVersion":"SigV4"}},'
            '"requestID":"{rid}","eventID":"{eid}","readOnly":true,"resources":[{{"type":"AWS::S3::Object",'
            '"ARN":"arn:aws:s3:::bucket-{bucket}/data/part-{n}.parquet"}},{{"accountId":"{acct}","type":"AWS::S3::Bucket",'
            '"ARN":"arn:aws:s3:::bucket-{bucket}"}}],"eventType":"AwsApiCall","managementEvent":false,'
            '"recipientAccountId":"{acct}","eventCategory":"Data","tlsDetails":{{"tlsVersion":"TLSv1.3",'
            '"cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"bucket-{bucket}.s3.amazonaws.com"}}}}')


def generate(folder: Path, events: int, per_file: int = 2000) -> int:
    """Write ``events`` records in the S3 layout (one gzip envelope per file); returns files written."""
    rng = random.Random(7)
    files = max(1, events // per_file)
    start = END - dt.timedelta(days=DAYS)
    written = 0
    for f in range(files):
        acct = ACCOUNTS[f % len(ACCOUNTS)]
        region = REGIONS[(f // len(ACCOUNTS)) % len(REGIONS)]
        block = start + dt.timedelta(seconds=int(f * DAYS * 86400 / files))
        records = []
        for i in range(per_file):
            when = block + dt.timedelta(seconds=rng.randrange(3600))
            number = rng.randrange(200)  # each role keeps its own actions, buckets and network: a baseline
            role = f"role-{number:03d}"
            src, name = ACTIONS[(number + i % 2) % len(ACTIONS)]
            records.append(TEMPLATE.format(
                pid=f"{number:016X}", acct=acct, role=role, time=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                src=src, name=name, region=region, a=number % 256, b=7, c=(number * 7) % 256,
                bucket=number % 40, n=number, rid=f"{rng.getrandbits(128):032x}",
                eid=f"{rng.getrandbits(128):032x}"))
        key = (f"AWSLogs/o-bench00001/{acct}/CloudTrail/{region}/{block:%Y/%m/%d}/"
               f"{acct}_CloudTrail_{region}_{block:%Y%m%dT%H%MZ}_{f:016d}.json.gz")
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(('{"Records":[' + ",".join(records) + "]}").encode(), compresslevel=6))
        written += per_file
    return written


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system time of this process (all DuckDB threads): what a run costs on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def phase(args) -> dict:
    """One measurement, in this process."""
    folder = Path(args.folder)
    if args.phase in ("cold", "warm", "reclassify"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
        from synthaudit.cloudtrail.review import review

        if args.phase == "cold":
            shutil.rmtree(folder / "cache", ignore_errors=True)
        if args.phase == "reclassify":  # keep the Parquet cache, drop everything derived from it
            for derived in (folder / "cache").glob("*/derived"):
                shutil.rmtree(derived)
        started, cpu = time.perf_counter(), cpu_seconds()
        result = review(None, folder / f"out-{args.phase}", logs=folder / "logs", cache_dir=folder / "cache",
                        threads=args.threads)
        seconds = time.perf_counter() - started
        return {"events": result.events, "seconds": seconds, "cpu": cpu_seconds() - cpu, "peak_mb": peak_mb(),
                "detectors": len(result.detector_status), "anomalies": len(result.anomalies)}
    if args.phase == "zcat":
        return zcat(folder)
    if args.phase == "pandas":
        import pandas as pd

        files = sorted((folder / "logs").rglob("*.json.gz"))[: args.slice_files]
        started, cpu = time.perf_counter(), cpu_seconds()
        count = 0
        for path in files:
            with gzip.open(path, "rt") as handle:
                frame = pd.json_normalize(json.load(handle)["Records"])
            count += len(frame)
        return {"events": count, "seconds": time.perf_counter() - started, "cpu": cpu_seconds() - cpu,
                "peak_mb": peak_mb()}
    raise SystemExit(f"unknown phase {args.phase}")


def run_child(name: str, args, extra: list[str] = ()) -> dict:
    cmd = [sys.executable, __file__, "--phase", name, "--folder", str(args.folder), "--threads", str(args.threads),
           "--slice-files", str(args.slice_files), *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return {**json.loads(out), "load": os.getloadavg()[0]}


def zcat(folder: Path) -> dict:
    """Decompress every log file with zcat (run in a child of its own, so max RSS is zcat's)."""
    files = sorted(str(p) for p in (folder / "logs").rglob("*.json.gz"))
    started = time.perf_counter()
    for i in range(0, len(files), 200):
        subprocess.run(["zcat", *files[i:i + 200]], check=True, stdout=subprocess.DEVNULL)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"events": len(files) * 2000, "seconds": time.perf_counter() - started,
            "cpu": children.ru_utime + children.ru_stime, "peak_mb": children.ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--folder", default="/tmp/synthaudit-ct-bench")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--slice-files", type=int, default=10, help="files (x2000 events) for the pandas slice")
    parser.add_argument("--repeat", type=int, default=1, help="measure zcat, cold and warm this many times each")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args)))
        return 0
    folder = Path(args.folder)
    logs = folder / "logs"
    if not logs.exists() or sum(1 for _ in logs.rglob("*.json.gz")) * 2000 < args.events:
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        n = generate(logs, args.events)
        print(f"generated {n:,} events in {time.perf_counter() - started:.0f}s under {logs}")
    size = sum(p.stat().st_size for p in logs.rglob("*.json.gz"))
    print(f"{sum(1 for _ in logs.rglob('*.json.gz'))} files, {size / 1e6:.0f} MB gzip; load average {os.getloadavg()}; "
          f"{os.cpu_count()} cpus; duckdb threads {args.threads}")
    rows: list[tuple[str, dict]] = []
    for attempt in range(args.repeat):
        suffix = f" #{attempt + 1}" if args.repeat > 1 else ""
        rows.append((f"zcat (floor){suffix}", run_child("zcat", args)))
        rows.append((f"cold: .json.gz -> cache -> 31 detectors{suffix}", run_child("cold", args)))
        rows.append((f"warm, reclassified: cache -> 31 detectors{suffix}", run_child("reclassify", args)))
        rows.append((f"warm: cache + stored classification{suffix}", run_child("warm", args)))
    rows.append((f"pandas json_normalize ({args.slice_files} files)", run_child("pandas", args)))
    floor = max(row["events"] / row["seconds"] for name, row in rows if name.startswith("zcat"))
    # events per CPU-second: what the run would reach with the cores to itself (the machine is shared)
    print(f"{'measurement':45s} {'events':>10s} {'seconds':>8s} {'events/s':>11s} {'vs zcat':>8s} "
          f"{'cpu s':>7s} {'ev/cpu-s':>9s} {'peak MB':>8s} {'load':>5s}")
    for name, row in rows:
        rate = row["events"] / row["seconds"]
        print(f"{name:45s} {row['events']:>10,} {row['seconds']:>8.2f} {rate:>11,.0f} {rate / floor:>8.2f} "
              f"{row['cpu']:>7.2f} {row['events'] / max(row['cpu'], 1e-9):>9,.0f} {row['peak_mb']:>8.0f} {row['load']:>5.2f}")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
