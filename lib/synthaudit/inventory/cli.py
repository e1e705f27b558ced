"""``synthaudit inventory --params FILE --run RUN_DIR`` (or ``--out``): phase 01 without Jupyter.

Runs the registered phase (the runbook's code path) and prints a JSON summary
(counts per table and environment, coverage statuses, API calls). Exit 0 when the
snapshot was written; with --strict, 1 when some (account, region, service) was not
assessed (the rest is still complete), 2 on invalid input.
"""
from __future__ import annotations

import argparse
import json

from synthaudit.exitcodes import ExitCode
from synthaudit.phase import Phase


def _inventory(phase: Phase):
    def handle(args: argparse.Namespace) -> int:
        from synthaudit.phase_command import require, run_phase

        require(args, "inventory", "params", "run")
        ctx, result = run_phase(phase, args.params, args.run)
        inventory = result.details["inventory"]
        summary = {"snapshot": str(ctx.snapshot_dir), **inventory.summary(),
                   "not_assessed": [
                       {k: c[k] for k in ("account", "region", "service", "status", "error")}
                       for c in sorted(inventory.coverage, key=lambda c: (c["account"], c["region"], c["service"]))
                       if c["status"] != "assessed"]}
        print(json.dumps(summary, indent=2, sort_keys=True))
        if args.strict and summary["not_assessed"]:
            return ExitCode.FINDINGS
        return ExitCode.CLEAN
    return handle


def extend(parser: argparse.ArgumentParser, phase: Phase) -> None:
    parser.description = ("Phase 01: read every account and region in the params (read-only), classify "
                          "everything and write RUN_DIR/snapshot/; prints a JSON summary.")
    parser.add_argument("--out", dest="run", metavar="RUN_DIR", help="same as --run (the snapshot goes to RUN_DIR/snapshot/)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when any (account, region, service) could not be assessed")
    parser.set_defaults(func=_inventory(phase))
