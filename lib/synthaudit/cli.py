"""The ``synthaudit`` command. Each area registers its own subcommands.

Exit codes everywhere: 0 clean, 1 findings at or above --fail-on, 2 a phase failed
or the input was invalid.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from synthaudit.config import ParamsError, load_params

EXIT_CLEAN, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2

# Modules exposing ``register(subparsers)``; each adds its subcommands and sets ``func``.
COMMAND_MODULES = (
    "synthaudit.runner",
    "synthaudit.evidence.cli",
    "synthaudit.inventory.cli",
    "synthaudit.checks.cli",
    "synthaudit.iam.cli",
    "synthaudit.cloudtrail.cli",
    "synthaudit.leak.cli",
)


def _params_check(args: argparse.Namespace) -> int:
    params = load_params(args.file)
    print(f"{args.file}: valid ({len(params.accounts)} accounts, regions {', '.join(params.aws.regions)}, "
          f"estate {params.estate}, label {params.label})")
    return EXIT_CLEAN


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synthaudit",
        description="Audit-preparation runbooks for AWS estates that turn production PHI into synthetic data.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 a phase failed or input was invalid.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    params = sub.add_parser("params", help="work with params files")
    params_sub = params.add_subparsers(dest="params_command", required=True)
    check = params_sub.add_parser("check", help="validate a params file (no AWS call)")
    check.add_argument("file")
    check.set_defaults(func=_params_check)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # that area has no commands yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ParamsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
