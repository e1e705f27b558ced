"""Seeds the simulated healthcare estate into a moto server, from one process.

``build(endpoint_url)`` makes the same organisation every time: moto's random ids
are seeded first, the organisation ids are pinned by ``moto_launcher``, and the bulk
resources are named from fixed seeds. Every part is entered by assume-role, as the
kit enters a real organisation. What it plants is recorded as it builds
(``Estate.planted``); the answer key under ``tests/answer_keys/`` lists the same
records, and a test proves the committed key matches a fresh build.

Parts: ``estate_org`` (organisation, OUs, SCPs), ``estate_iam`` (audit role, people,
workloads, planted principals), ``estate_storage`` (KMS, S3), ``estate_network``
(VPCs, security groups, peering, endpoints, EC2, EBS), ``estate_services`` (RDS,
Lambda, Glue, SageMaker, Step Functions, Lake Formation), ``estate_governance``
(CloudTrail, Config). Then the hooks of the CloudTrail-log and dataset builders.
"""
from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing as mp
import os
import sys
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthaudit.demo import ids
from synthaudit.demo.estate_core import SEED, Estate
from synthaudit.demo.plant import Plant

HOOKS = ("synthaudit.demo.cloudtrail_logs", "synthaudit.demo.datasets")


def seed_moto(endpoint_url: str | None, seed: int = SEED) -> None:
    """Make moto's own random ids (role ids, EC2 and KMS ids) repeatable (``None``: moto in this process)."""
    if endpoint_url is None:
        from moto.moto_api._internal import mock_random

        mock_random.seed(seed)
        return
    req = urllib.request.Request(f"{endpoint_url}/moto-api/seed?a={seed}", data=b"", method="POST")
    urllib.request.urlopen(req, timeout=30).read()


def build_estate(endpoint_url: str | None) -> Estate:
    """Build everything but the hooks; returns the handle with what it planted and counts."""
    from synthaudit.demo import (estate_exposure, estate_governance, estate_iam, estate_lineage, estate_network,
                                 estate_org, estate_services, estate_storage)

    seed_moto(endpoint_url)
    estate = Estate.connect(endpoint_url)
    steps = [
        ("organisation", estate_org.build_organisation),
        ("default VPCs", _touch_default_vpcs),
        ("audit roles", estate_iam.create_audit_roles),
        ("bulk IAM", lambda e: [estate_iam.build_bulk_iam(e, a) for a in ids.ACCOUNTS]),
        ("planted IAM", estate_iam.build_planted_iam),
        ("KMS and S3", estate_storage.build_storage),
        ("network and EC2", estate_network.build_network),
        ("data services", estate_services.build_services),
        ("CloudTrail and Config", estate_governance.build_governance),
        # the later additions last, so the simulator's random ids of everything above stay as they were
        ("data lineage", estate_lineage.build_lineage),
        ("external exposure", estate_exposure.build_exposure),
        ("object data classes", estate_storage.build_object_class_buckets),
    ]
    for name, step in steps:
        started = time.perf_counter()
        step(estate)
        estate.timings[name] = time.perf_counter() - started
    estate.planted.sort(key=lambda p: int(p.id[1:]))
    return estate


def _touch_default_vpcs(estate: Estate) -> None:
    """moto makes an account's default VPC on first touch: touch every one now, in a fixed order."""
    for account in estate.sessions:
        for region in ids.REGIONS:
            estate.client(account, "ec2", region).describe_vpcs()


def prepare_hooks() -> list[tuple[str, Any]]:
    """Each present hook's files (CloudTrail logs and digests, leak datasets): computation only, no server.
    A hook with no ``prepare()`` gets None and is seeded whole later; an absent hook is skipped."""
    prepared = []
    for name in HOOKS:
        module = _import_hook(name)
        if module is not None:
            prepared.append((name, module.prepare() if hasattr(module, "prepare") else None))
    return prepared


def run_hooks(endpoint_url: str | None, prepared: list[tuple[str, Any]] | None = None) -> list[str]:
    """Upload the builders' files of later phases, in HOOKS order (moto draws S3 version ids in order)."""
    ran = []
    for name, files in prepared if prepared is not None else prepare_hooks():
        module = importlib.import_module(name)
        if files is None:
            module.seed(endpoint_url)
        else:
            module.upload(endpoint_url, files)
        ran.append(name)
    return ran


def _import_hook(name: str) -> Any:
    """The hook's module, or None when it does not exist (a module that fails to import is an error)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def _worker_pool() -> ProcessPoolExecutor:
    """One worker process for the hooks' files. Forked while this process runs a single thread (cheapest:
    nothing to import again); spawned otherwise (a kernel's threads must not be forked)."""
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context(method))


def build(endpoint_url: str | None) -> Estate:
    """Seed the demo organisation into the moto server at ``endpoint_url``, or (``None``) into moto's
    backends in this process, under its in-process mock: how the server process builds the estate
    before it serves (``moto_launcher --build-demo``), about three times faster than over HTTP.

    The estate is built request by request (moto's seeded ids depend on the order), while a
    worker process makes the log files and datasets; they are uploaded once the estate stands.
    """
    with _worker_pool() as pool:
        prepared = pool.submit(prepare_hooks)
        estate = build_estate(endpoint_url)
        run_hooks(endpoint_url, prepared.result())
    return estate


def build_in_this_process(report: Path | None = None) -> Estate:
    """``build(None)`` under moto's in-process mock; the data stays in this process's backends.
    ``report``: where to write what was planted and counted (``BuildReport``), for the tests."""
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    try:
        estate = build(None)
    finally:
        mock.stop(remove_data=False)
    if report is not None:
        BuildReport.of(estate).write(report)
    return estate


@dataclass(frozen=True)
class BuildReport:
    """What a build planted and counted, as a file: the estate is built in the server's process."""

    planted: tuple[Plant, ...]
    counts: dict[tuple[str, str], int]

    @classmethod
    def of(cls, estate: Estate) -> "BuildReport":
        return cls(tuple(estate.planted), dict(estate.counts))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps({"planted": [p.to_dict() for p in self.planted],
                                    "counts": [[a, k, n] for (a, k), n in sorted(self.counts.items())]}))

    @classmethod
    def read(cls, path: Path) -> "BuildReport":
        data = json.loads(path.read_text())
        return cls(tuple(Plant.from_dict(p) for p in data["planted"]), {(a, k): n for a, k, n in data["counts"]})


def _cpu_seconds(pid: int) -> float:
    """User+system CPU of a process (Linux /proc), to report build cost independent of machine load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the demo estate on a fresh moto server and report it.")
    parser.add_argument("--hooks", action="store_true", help="also run the CloudTrail-log and dataset hooks")
    args = parser.parse_args(argv)
    from synthaudit.demo.server import MotoServer

    with MotoServer() as server:
        server_cpu, own_cpu = _cpu_seconds(server.process.pid), time.process_time()
        started = time.perf_counter()
        estate = build_estate(server.endpoint_url)
        built = time.perf_counter() - started
        server_cpu, own_cpu = _cpu_seconds(server.process.pid) - server_cpu, time.process_time() - own_cpu
        hooks = run_hooks(server.endpoint_url) if args.hooks else []
        total = time.perf_counter() - started
    print("  " + ", ".join(f"{k} {v:.1f}s" for k, v in estate.timings.items()))
    print(f"estate built in {built:.1f}s ({len(estate.planted)} answer-key entries); "
          f"with hooks {hooks}: {total:.1f}s")
    print(f"CPU for the build: builder {own_cpu:.1f}s + moto server {server_cpu:.1f}s = {own_cpu + server_cpu:.1f}s "
          f"(requests are sequential: on an idle machine, about the wall time); "
          f"load average now {os.getloadavg()[0]:.1f}")
    kinds = sorted({k for _, k in estate.counts})
    accounts = sorted({a for a, _ in estate.counts})
    print("kind".ljust(28) + "".join(a.rjust(14) for a in accounts))
    for kind in kinds:
        print(kind.ljust(28) + "".join(str(estate.counts.get((a, kind), 0)).rjust(14) for a in accounts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
