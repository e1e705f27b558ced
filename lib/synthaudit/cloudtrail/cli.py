"""``synthaudit cloudtrail [--params F --run RUN_DIR] | scan | athena-ddl``: the CloudTrail review without Jupyter.

Without a subcommand it is the registered phase 04, both of its declared steps (the
review, then IAM's unused grants from the events it wrote), into
``RUN_DIR/findings/cloudtrail.json`` as runbook 04 writes it. ``scan`` reviews any logs
into any folder; given ``--snapshot`` and an ``--out`` of the form ``<run>/cloudtrail``,
it runs the same unused-grants step and appends its findings, as the phase does.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from synthaudit.exitcodes import ExitCode
from synthaudit.findings import at_or_above, write_json
from synthaudit.phase import Phase


def _when(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or time (e.g. 2026-11-01 or 2026-11-01T00:00Z)") from None
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def _scan(args: argparse.Namespace) -> int:
    from synthaudit.cloudtrail.phase import OUT_FOLDER, review_result
    from synthaudit.config import CloudTrailSource, load_params

    params = load_params(args.params) if args.params else None
    sessions = None
    if params is not None and not args.logs and params.cloudtrail.source == "s3":
        from synthaudit.aws.session import SessionFactory

        sessions = SessionFactory(params)
    out = Path(args.out)
    snapshot = Path(args.snapshot) if args.snapshot else None
    result = review_result(params, out, logs=args.logs, sessions=sessions, snapshot_dir=snapshot,
                           start=args.start, end=args.end, cache_dir=Path(args.cache) if args.cache else None)
    review = result.details["review"]
    if snapshot is not None and out.resolve().name == OUT_FOLDER:
        from synthaudit.iam.phase import unused_grants

        days = (params.cloudtrail if params else CloudTrailSource()).review_days
        result = result.merged(unused_grants(snapshot, out.resolve().parent, days))
    elif snapshot is not None:
        print(f"note: unused grants not assessed: they read <run>/{OUT_FOLDER}/events.parquet, "
              f"so --out must be a folder named {OUT_FOLDER}", file=sys.stderr)
    write_json(result.findings, out / "findings.json")
    print(json.dumps({"out": str(out), "window": review.window, **review.summary()}, indent=2, sort_keys=True))
    if result.problem:
        print(f"NOT ASSESSED: {result.problem}")
        return ExitCode.FAILED
    fail_on = args.fail_on or (params.thresholds.fail_on if params else "high")
    return ExitCode.FINDINGS if at_or_above(result.findings, fail_on) else ExitCode.CLEAN


def _ddl(args: argparse.Namespace) -> int:
    from synthaudit.cloudtrail.athena import create_table_sql

    print(create_table_sql(args.table, args.bucket, args.prefix, args.org_id, args.accounts.split(","),
                           args.regions.split(","), args.start_day))
    return ExitCode.CLEAN


def extend(parser: argparse.ArgumentParser, phase: Phase) -> None:
    sub = parser.add_subparsers(dest="cloudtrail_command", required=False, metavar="{scan,athena-ddl}")
    scan = sub.add_parser("scan", help="read trail logs, verify digests, run every detector, write anomalies.json")
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--params", help="params file (cloudtrail.source says where the logs are)")
    source.add_argument("--logs", help="folder or file of CloudTrail logs (S3 layout, JSON array or JSON lines)")
    scan.add_argument("--start", type=_when, help="review window start (default: review_days before the newest event)")
    scan.add_argument("--end", type=_when, help="review window end (default: the newest event)")
    scan.add_argument("--snapshot", help="phase 01 snapshot folder, for environment classification")
    scan.add_argument("--cache", help="Parquet cache folder (default outputs/.cloudtrail-cache)")
    scan.add_argument("--fail-on", choices=["info", "low", "medium", "high", "critical"])
    scan.add_argument("--out", required=True, help="folder for anomalies.json, findings.json, sources.json, events.parquet")
    scan.set_defaults(func=_scan)
    ddl = sub.add_parser("athena-ddl", help="print the Athena CREATE TABLE (partition projection) for a trail bucket")
    ddl.add_argument("--bucket", required=True)
    ddl.add_argument("--accounts", required=True, help="comma-separated account ids")
    ddl.add_argument("--regions", required=True, help="comma-separated regions")
    ddl.add_argument("--org-id", default=None)
    ddl.add_argument("--prefix", default="")
    ddl.add_argument("--table", default="cloudtrail_logs")
    ddl.add_argument("--start-day", default="2020/01/01")
    ddl.set_defaults(func=_ddl)
