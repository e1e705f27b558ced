"""One command shape for every phase: ``synthaudit <phase> --params F --run RUN_DIR``.

``cli.build_parser`` makes one subcommand per registered phase with these options;
each area may then add its own flags and subcommands (``iam expand``, ``cloudtrail
scan`` …). The generic handler runs ``phase.run(ctx)``, publishes the result into
the run folder (``findings/<phase>.json``), prints what it did as JSON and exits by
the one exit-code table. Area commands that do a phase's work call ``run_phase`` too.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from synthaudit import findings as findings_mod
from synthaudit.errors import UsageError
from synthaudit.exitcodes import ExitCode
from synthaudit.phase import Phase, PhaseResult
from synthaudit.runbook import RunContext

SEVERITIES = ("info", "low", "medium", "high", "critical")


def add_phase_options(parser: argparse.ArgumentParser) -> None:
    """The options every phase command takes (validated by the handler: subcommands do not need them)."""
    parser.add_argument("--params", help="params YAML (e.g. params/demo.yaml)")
    parser.add_argument("--run", metavar="RUN_DIR", help="run folder to read earlier phases from and write into")
    parser.add_argument("--fail-on", choices=SEVERITIES, default=None,
                        help="exit 1 when a FAIL at or above this severity exists (default: params thresholds.fail_on)")


def run_phase(phase: Phase, params_path: str | Path, run_dir: str | Path) -> tuple[RunContext, PhaseResult]:
    """Open the run, run the phase's declared steps, publish: what a runbook's work cell does."""
    from synthaudit.runbook import open_run

    ctx = open_run(params_path, run_dir)
    result = phase.run(ctx)
    ctx.publish(result)
    return ctx, result


def exit_code(result: PhaseResult, fail_on: str) -> ExitCode:
    if result.problem:
        return ExitCode.FAILED
    if findings_mod.at_or_above(result.findings or (), fail_on):
        return ExitCode.FINDINGS
    return ExitCode.CLEAN


def require(args: argparse.Namespace, command: str, *names: str) -> None:
    missing = [f"--{n.replace('_', '-')}" for n in names if not getattr(args, n, None)]
    if missing:
        raise UsageError(f"synthaudit {command}: {' and '.join(missing)} required")


def phase_handler(phase: Phase):
    """The generic handler of ``synthaudit <phase>``."""
    def handle(args: argparse.Namespace) -> int:
        require(args, phase.name, "params", "run")
        ctx, result = run_phase(phase, args.params, args.run)
        path = findings_mod.phase_findings_path(ctx.run_dir, phase.name) if result.findings is not None else None
        print(json.dumps({"phase": phase.name, "run": str(ctx.run_dir), "findings": str(path) if path else None,
                          "counts": result.counts(), "problem": result.problem}, indent=2, sort_keys=True))
        return exit_code(result, args.fail_on or ctx.params.thresholds.fail_on)
    return handle
