"""The ``synthaudit`` command.

Every registered phase gets one subcommand of one shape, ``synthaudit <phase> --params F
--run RUN_DIR`` (``synthaudit.phase_command``); its area's command module may add flags
and subcommands to it (``extend``). Other commands (run, verify, diff, upload, hygiene,
params check) are registered by their modules. Exit codes: ``synthaudit.exitcodes``.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from synthaudit.config import load_params
from synthaudit.errors import SynthauditError
from synthaudit.exitcodes import EPILOG, ExitCode
from synthaudit.helptext import plain_help
from synthaudit.phase_command import add_phase_options, phase_handler
from synthaudit.phases import PHASES
from synthaudit.quickimport import defer_iri_grammar
from synthaudit.workspace import kit_version

# Modules exposing ``register(subparsers)`` for commands that are not a phase.
COMMAND_MODULES = (
    "synthaudit.runner",
    "synthaudit.evidence.cli",
    "synthaudit.workspace",
)

# The module whose ``extend(parser, phase)`` adds a phase command's own flags and subcommands.
PHASE_EXTENSIONS = {
    "inventory": "synthaudit.inventory.cli",
    "segregation": "synthaudit.checks.cli",
    "iam": "synthaudit.iam.cli",
    "cloudtrail": "synthaudit.cloudtrail.cli",
    "leak": "synthaudit.leak.cli",
    "summary": "synthaudit.evidence.cli",
}


def _params_check(args: argparse.Namespace) -> int:
    from synthaudit.params_check import report

    params = load_params(args.file)
    snapshot = Path(args.snapshot) if args.snapshot else None
    if snapshot is not None and not (snapshot / "tables").is_dir():
        raise FileNotFoundError(f"--snapshot {snapshot}: no tables/ folder (give a run's snapshot/ folder)")
    print(report(params, args.file, show_classification=args.show_classification, snapshot_dir=snapshot))
    return ExitCode.CLEAN


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synthaudit",
        description="Audit-preparation runbooks for AWS estates that turn production PHI into synthetic data.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"synthaudit {kit_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    params = sub.add_parser("params", help="work with params files")
    params_sub = params.add_subparsers(dest="params_command", required=True)
    check = params_sub.add_parser("check", help="validate a params file, warn where checks cannot run (no AWS call)")
    check.add_argument("file")
    check.add_argument("--show-classification", action="store_true",
                       help="print how each account would be classified, with the rule that decided")
    check.add_argument("--snapshot", metavar="RUN/snapshot",
                       help="also classify the organisation and a sample of resources of an earlier run's snapshot")
    check.set_defaults(func=_params_check)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for phase in PHASES:
        command = sub.add_parser(phase.name, help=f"phase {phase.number}: {phase.title}",
                                 description=f"Phase {phase.number}, {phase.title}: synthaudit {phase.name} "
                                 "--params F --run RUN_DIR runs the phase into the run folder.", epilog=EPILOG)
        add_phase_options(command)
        command.set_defaults(func=phase_handler(phase))
        extension = PHASE_EXTENSIONS.get(phase.name)
        if extension:
            importlib.import_module(extension).extend(command, phase)
    plain_help(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    defer_iri_grammar()  # every command that touches a notebook imports nbformat, and with it jsonschema
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        code = int(func(args))
        sys.stdout.flush()   # a reader that has gone away shows here, not in an error at exit
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except (SynthauditError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FAILED


def _closed_pipe() -> int:
    """The reader of our output has gone (``synthaudit diff A B | head``): end quietly, as
    command-line tools do on SIGPIPE (exit 141), with stdout pointed at /dev/null so the
    interpreter's last flush has nowhere to fail."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return CLOSED_PIPE


CLOSED_PIPE = 141  # 128 + SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
