"""``synthaudit segregation``: phase 02 without Jupyter.

``--params F --run RUN_DIR`` runs the registered phase into the run folder (its
findings file, as the runbook writes it). ``--snapshot DIR --params F`` reads any
snapshot and writes the findings as JSON to stdout or --out, optionally only some
checks. Exits 0 (clean), 1 (FAIL findings at or above --fail-on) or 2 (bad input).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from synthaudit.config import load_params
from synthaudit.errors import UsageError
from synthaudit.exitcodes import ExitCode
from synthaudit.findings import at_or_above, dumps
from synthaudit.phase import Phase


def _snapshot_only(args: argparse.Namespace) -> int:
    from synthaudit.checks.phase import segregation_result

    params = load_params(args.params)
    fail_on = args.fail_on or params.thresholds.fail_on
    findings = list(segregation_result(args.snapshot, params, only=args.check or None, edges=False).findings)
    text = dumps(findings)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    counts = Counter(f.status for f in findings)
    blocking = at_or_above(findings, fail_on)
    print(f"segregation: {len(findings)} findings ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); "
          f"{len(blocking)} FAIL at or above {fail_on}", file=sys.stderr)
    return ExitCode.FINDINGS if blocking else ExitCode.CLEAN


def _segregation(phase: Phase):
    def handle(args: argparse.Namespace) -> int:
        from synthaudit.phase_command import phase_handler, require

        if args.snapshot:
            require(args, "segregation --snapshot", "params")
            return _snapshot_only(args)
        if args.out or args.check:
            raise UsageError("synthaudit segregation: --out and --check go with --snapshot")
        return phase_handler(phase)(args)
    return handle


def extend(parser: argparse.ArgumentParser, phase: Phase) -> None:
    parser.description = __doc__.split("\n\n")[1].replace("\n", " ")
    parser.add_argument("--snapshot", help="snapshot folder (<run>/snapshot) or a run folder (instead of --run)")
    parser.add_argument("--out", help="with --snapshot: write findings JSON here instead of stdout")
    parser.add_argument("--check", action="append", metavar="CHECK_ID",
                        help="with --snapshot: run only this check (repeatable)")
    parser.set_defaults(func=_segregation(phase))
