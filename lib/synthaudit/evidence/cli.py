"""Evidence subcommands: ``diff``, ``upload``, ``export securityhub``, ``hygiene``, and phase 06's ``summary`` flags.

Exit codes (``synthaudit.exitcodes``): 0 clean, 1 findings at or above --fail-on, 2 failed
or invalid input (and, for hygiene and upload, a scan hit or a refused upload).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from synthaudit.config import Params, load_params, parse_params
from synthaudit.errors import UsageError
from synthaudit.exitcodes import ExitCode
from synthaudit.phase import Phase


def _run_params(run_dir: Path, params_file: str | None) -> tuple[Params, Path]:
    """--params when given, else the params recorded in the run's manifest."""
    if params_file:
        return load_params(params_file), Path(params_file)
    manifest = Path(run_dir) / "manifest.json"
    if not manifest.exists():
        raise ValueError(f"{run_dir}: no manifest.json to take params from; pass --params FILE")
    data = json.loads(manifest.read_text())
    if not isinstance(data.get("params"), dict):
        raise ValueError(f"{manifest}: has no 'params' mapping; pass --params FILE")
    params_path = data.get("params_file") or str(manifest)
    from synthaudit.aws.preflight import apply_discovered

    # the accounts (and bucket owners) the run discovered, as its phases used them
    return apply_discovered(parse_params(data["params"], f"{manifest} (params)"), run_dir), Path(params_path)


def _cmd_diff(args: argparse.Namespace) -> int:
    from synthaudit.evidence.diff import diff_runs

    result = diff_runs(Path(args.run_a), Path(args.run_b))
    print(json.dumps(result.to_dict(), indent=2, sort_keys=True) if args.json else result.table())
    return ExitCode.CLEAN


def _summary(phase: Phase):
    def handle(args: argparse.Namespace) -> int:
        if args.run and args.run_folder and Path(args.run) != Path(args.run_folder):
            raise UsageError("synthaudit summary: give the run folder once (RUN or --run)")
        return _cmd_summary(args, phase, Path(args.run or args.run_folder or ""))
    return handle


def _cmd_summary(args: argparse.Namespace, phase: Phase, run_dir: Path) -> int:
    from synthaudit import findings as findings_mod
    from synthaudit.evidence import summary
    from synthaudit.runbook import RunContext

    if not str(run_dir) or str(run_dir) == ".":
        raise UsageError("synthaudit summary: RUN (or --run RUN_DIR) required")
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: run folder not found")
    params, params_path = _run_params(run_dir, args.params)
    sealed = (run_dir / "manifest.json").exists()
    if sealed or args.print_only:
        report = summary.build_report(run_dir, params, params_path)
        if sealed and not args.print_only:
            print(f"{run_dir}: sealed by manifest.json; nothing written (files added now would fail verify)",
                  file=sys.stderr)
    else:
        ctx = RunContext(params_path=params_path, params=params, run_dir=run_dir.resolve())
        result = phase.run(ctx)
        ctx.publish(result)
        report = result.details["report"]
    counts = report.counts()
    print(json.dumps(counts, indent=2, sort_keys=True) if args.json else
          "\n".join([f"{run_dir.name}: {counts['findings']} findings "
                     + ", ".join(f"{v} {k}" for k, v in counts["status"].items()),
                     *(f"  phase {k}: {v}" for k, v in counts["phases"].items()),
                     *([f"  warning: {report.countdown.warning}"] if report.countdown and report.countdown.warning else [])]))
    if any(p.status == "failed" for p in report.phases):
        return ExitCode.FAILED
    fail_on = args.fail_on or params.thresholds.fail_on
    return ExitCode.FINDINGS if findings_mod.at_or_above(report.findings, fail_on) else ExitCode.CLEAN


def _cmd_upload(args: argparse.Namespace) -> int:
    from synthaudit.evidence.upload import UploadError, upload_run

    run_dir = Path(args.run)
    params, _ = _run_params(run_dir, args.params)
    try:
        receipt, path = upload_run(run_dir, params, args.bucket, prefix=args.prefix, account=args.account,
                                   region=args.region)
    except UploadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    print(f"uploaded {len(receipt.objects)} files to s3://{receipt.bucket}/{receipt.prefix} "
          f"({receipt.lock_mode} until {receipt.retain_until}); receipt {path}")
    return ExitCode.CLEAN


def _cmd_export_securityhub(args: argparse.Namespace) -> int:
    from synthaudit.evidence import securityhub
    from synthaudit.evidence.diff import run_findings
    from synthaudit.evidence.exports import context_for

    run_dir = Path(args.run)
    params, _ = _run_params(run_dir, args.params)
    found = run_findings(run_dir)
    items = securityhub.batches(found, context_for(run_dir, params))
    out = Path(args.out) if args.out else Path(f"securityhub-{run_dir.resolve().name}")
    paths = securityhub.write_batches(out, items)
    accounts = sorted({b.account for b in items})
    print(f"{len(found)} findings in {len(paths)} batches (at most {securityhub.MAX_BATCH} each) for "
          f"{len(accounts)} accounts, written to {out}/")
    print("import each in its account and region: aws securityhub batch-import-findings "
          "--region REGION --cli-input-json file://BATCH.json")
    return ExitCode.CLEAN


def _cmd_hygiene(args: argparse.Namespace) -> int:
    from synthaudit.evidence.hygiene import report, scan_run_folder

    values: list[str] = []
    if args.phi_values:
        values = [line.strip() for line in Path(args.phi_values).read_text().splitlines() if line.strip()]
    hits = scan_run_folder(Path(args.run), extra_values=values)
    print(report(hits))
    return ExitCode.FAILED if hits else ExitCode.CLEAN


def extend(p: argparse.ArgumentParser, phase: Phase) -> None:
    """Phase 06's command: the run folder as RUN or --run; params default to the run's manifest."""
    p.description = ("Phase 06 without Jupyter: exceptions, exports and summary.html of a run "
                     "(a sealed run is only read).")
    p.add_argument("run_folder", nargs="?", metavar="RUN", help="run folder (same as --run)")
    p.add_argument("--print-only", action="store_true", help="write nothing, print the counts")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=_summary(phase))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="new, resolved, persisting and changed findings between two runs")
    p.add_argument("run_a", metavar="RUN_A", help="earlier run folder")
    p.add_argument("run_b", metavar="RUN_B", help="later run folder")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_diff)

    p = sub.add_parser("upload", help="copy a sealed run folder to an S3 Object Lock bucket (compliance mode)")
    p.add_argument("run", metavar="RUN", help="run folder (must hold manifest.json)")
    p.add_argument("--bucket", help="Object Lock bucket (default: evidence.upload_bucket)")
    p.add_argument("--params", help="params file (default: the params recorded in the run's manifest)")
    p.add_argument("--prefix", help="key prefix (default: the run folder's name)")
    p.add_argument("--account", help="account to assume the audit role in (default: evidence.upload_account)")
    p.add_argument("--region", help="bucket region (default: first of aws.regions)")
    p.set_defaults(func=_cmd_upload)

    p = sub.add_parser("export", help="write a run's findings in a form another service imports")
    export = p.add_subparsers(dest="export_command", required=True, metavar="FORMAT")
    e = export.add_parser(
        "securityhub", help="ASFF batches for Security Hub BatchImportFindings (the kit never calls it)",
        description="Write the run's findings as BatchImportFindings requests: one JSON file per batch, "
                    "one account and region per batch, at most 100 findings each. Global resources are "
                    "placed in the run's home region (the first of aws.regions). Import each file with "
                    "'aws securityhub batch-import-findings --region REGION --cli-input-json file://FILE' "
                    "in that account.")
    e.add_argument("run", metavar="RUN", help="run folder")
    e.add_argument("--out", metavar="DIR", help="folder for the batch files (default: ./securityhub-<run name>)")
    e.add_argument("--params", help="params file (default: the params recorded in the run's manifest)")
    e.set_defaults(func=_cmd_export_securityhub)

    p = sub.add_parser("hygiene", help="scan a run folder for credentials and given PHI values")
    p.add_argument("run", metavar="RUN", help="run folder")
    p.add_argument("--phi-values", help="file with one PHI value per line to look for")
    p.set_defaults(func=_cmd_hygiene)
