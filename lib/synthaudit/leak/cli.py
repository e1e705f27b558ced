"""``synthaudit leak [--params F --run RUN_DIR] | score | run``: phase 05 and one-pair scoring.

Without a subcommand it is the registered phase 05 (``RUN_DIR/leak/leak.json`` and
``RUN_DIR/findings/leak.json``, as runbook 05 writes them). ``run`` scores the params'
datasets into any folder through the same ``leak_result``; ``score`` scores one pair.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from synthaudit.config import LeakThresholds, load_params
from synthaudit.exitcodes import ExitCode
from synthaudit.findings import at_or_above, write_json
from synthaudit.phase import Phase


def extend(leak: argparse.ArgumentParser, phase: Phase) -> None:
    sub = leak.add_subparsers(dest="leak_command", required=False, metavar="{score,run}")
    score = sub.add_parser("score", help="score one production/synthetic pair; writes DIR/leak.json")
    score.add_argument("--real", required=True, help="production sample (CSV/Parquet, path or s3://)")
    score.add_argument("--synthetic", required=True, help="synthetic output made from it")
    score.add_argument("--holdout", help="production rows not used for training (control)")
    score.add_argument("--schema", help="YAML: columns {col: role}, canaries, canary_pattern, mrn_patterns")
    score.add_argument("--params", help="params file for thresholds and AWS access (s3:// inputs)")
    score.add_argument("--account", help="account whose session reads s3:// inputs (with --params)")
    score.add_argument("--name", default="dataset", help="dataset name in the report")
    score.add_argument("--out", required=True, help="output folder for leak.json")
    score.set_defaults(func=_score)
    run = sub.add_parser("run", help="score every dataset in params; writes leak.json and findings")
    run.add_argument("--params", required=True)
    run.add_argument("--out", required=True)
    run.add_argument("--fail-on", default=None, choices=["info", "low", "medium", "high", "critical"])
    run.set_defaults(func=_run)


def _score(args: argparse.Namespace) -> int:
    # imported here, not at module import: every `synthaudit` command builds the whole parser
    from synthaudit.leak.phase import LeakRun, write_outputs
    from synthaudit.leak.readers import InputError, Reader
    from synthaudit.leak.report import all_findings
    from synthaudit.leak.schema import load_schema_file
    from synthaudit.leak.score import DatasetSpec, score_dataset

    params = load_params(args.params) if args.params else None
    th = params.thresholds.leak if params else LeakThresholds()
    options = load_schema_file(args.schema) if args.schema else {}
    spec = DatasetSpec(args.name, args.real, args.synthetic, args.holdout, args.account,
                       columns=dict(options.get("columns") or {}), canaries=tuple(options.get("canaries") or ()),
                       canary_pattern=options.get("canary_pattern"), mrn_patterns=tuple(options.get("mrn_patterns") or ()),
                       schema_origin="schema")
    sessions = None
    if any(loc and loc.startswith("s3://") for loc in (args.real, args.synthetic, args.holdout)):
        if params is None:
            print("error: s3:// inputs need --params (AWS access) and usually --account", file=sys.stderr)
            return ExitCode.FAILED
        from synthaudit.aws.session import SessionFactory
        sessions = SessionFactory(params)
    try:
        result = score_dataset(spec, th, Reader(sessions, args.account))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    run = LeakRun((result,), tuple(all_findings([result])), {"thresholds": th.model_dump(mode="json"), "seed": th.seed})
    path = write_outputs(run, Path(args.out))
    driver = (result.parameters.get("summary") or {}).get("driving_part")
    print(f"{spec.name}: {result.verdict} score={result.score} (fail at {th.fail_score}"
          + (f", driven by {driver}" if driver else "") + f") -> {path}")
    for part in result.parts:
        sub = (result.sub_score(part.part) or {}).get("score")
        print(f"  {part.part:22s} {part.status:13s} sub_score={sub} flagged_rows={len(part.rows)}"
              + (f"  ({part.reason})" if part.reason else ""))
    if result.verdict == "NOT_ASSESSED":
        print(f"  not assessed: {result.reason}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.FINDINGS if result.verdict == "FAIL" else ExitCode.CLEAN


def _run(args: argparse.Namespace) -> int:
    from synthaudit.leak.phase import leak_result, needs_aws

    params = load_params(args.params)
    sessions = None
    if needs_aws(params):
        from synthaudit.aws.session import SessionFactory
        sessions = SessionFactory(params)
    out = Path(args.out)
    result = leak_result(params, out, sessions)
    write_json(result.findings, out / "findings" / "leak.json")
    for ds in result.details["leak"].scores:
        print(f"{ds.name}: {ds.verdict} score={ds.score}")
    fail_on = args.fail_on or params.thresholds.fail_on
    return ExitCode.FINDINGS if at_or_above(result.findings, fail_on) else ExitCode.CLEAN
