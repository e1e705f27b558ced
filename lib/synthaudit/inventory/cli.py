"""``synthaudit inventory --params FILE --out RUN_DIR``: phase 01 without Jupyter.

Writes ``RUN_DIR/snapshot/`` and prints a JSON summary (counts per table and
environment, coverage statuses, API calls). Exit 0 when the snapshot was written;
with --strict, 1 when some (account, region, service) was not assessed (the rest
is still complete), 2 on invalid input.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

EXIT_CLEAN, EXIT_GAPS, EXIT_FAILED = 0, 1, 2


def _inventory(args: argparse.Namespace) -> int:
    from synthaudit.inventory.collect import run_inventory
    from synthaudit.runbook import open_run

    run = open_run(args.params, args.out)
    inventory = run_inventory(run.params, run.sessions, run.snapshot_dir)
    summary = {"snapshot": str(run.snapshot_dir), **inventory.summary(),
               "not_assessed": [
                   {k: c[k] for k in ("account", "region", "service", "status", "error")}
                   for c in sorted(inventory.coverage, key=lambda c: (c["account"], c["region"], c["service"]))
                   if c["status"] != "assessed"]}
    print(json.dumps(summary, indent=2, sort_keys=True))
    if args.strict and summary["not_assessed"]:
        return EXIT_GAPS
    return EXIT_CLEAN


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("inventory", help="phase 01: read every account and region into snapshot/",
                                   description="Phase 01: read every account and region in the params (read-only), "
                                   "classify everything and write OUT/snapshot/; prints a JSON summary.")
    parser.add_argument("--params", required=True, type=Path, help="params YAML (see params/example-organisation.yaml)")
    parser.add_argument("--out", required=True, type=Path, help="run folder; the snapshot goes to OUT/snapshot/")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when any (account, region, service) could not be assessed")
    parser.set_defaults(func=_inventory)
