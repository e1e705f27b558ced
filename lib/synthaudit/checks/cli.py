"""``synthaudit segregation``: phase 02 without Jupyter.

Reads a snapshot, runs every segregation check, writes the findings as JSON (stdout
or --out) and exits 0 (clean), 1 (FAIL findings at or above --fail-on) or 2 (bad input).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from synthaudit.config import SEVERITIES, ParamsError, load_params
from synthaudit.findings import at_or_above, dumps

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


def _segregation(args: argparse.Namespace) -> int:
    from synthaudit.checks import run_all
    from synthaudit.checks.context import SnapshotError

    try:
        params = load_params(args.params)
        fail_on = args.fail_on or params.thresholds.fail_on
        findings = run_all(args.snapshot, params, only=args.check or None)
    except (ParamsError, SnapshotError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
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
    return EXIT_FINDINGS if blocking else EXIT_CLEAN


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("segregation", help="phase 02: segregation checks over a snapshot",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", required=True, help="snapshot folder (<run>/snapshot) or a run folder")
    parser.add_argument("--params", required=True, help="params YAML (classification, segregation settings)")
    parser.add_argument("--out", help="write findings JSON here instead of stdout")
    parser.add_argument("--fail-on", choices=SEVERITIES, default=None,
                        help="exit 1 when a FAIL at or above this severity exists (default: params thresholds.fail_on)")
    parser.add_argument("--check", action="append", metavar="CHECK_ID", help="run only this check (repeatable)")
    parser.set_defaults(func=_segregation)
