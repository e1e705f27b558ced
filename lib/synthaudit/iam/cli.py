"""``synthaudit iam [--params F --run RUN_DIR] | expand | can | review``: phase 03 and the engine, as JSON.

Without a subcommand it is the registered phase 03 (the runbook's code path);
``review`` reviews any snapshot and includes unused grants (when the run folder holds
CloudTrail events), which the phase leaves to phase 04.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from synthaudit.exitcodes import ExitCode
from synthaudit.phase import Phase


def expand_policy(document, name: str = "policy") -> list[dict[str, str]]:
    """Concrete actions an identity policy allows on some resource, after its own unconditional denies.

    A Deny removes an action only when it applies to every resource ("*" / NotResource)
    without conditions; a narrower deny leaves the action allowed elsewhere.
    """
    import numpy as np

    from synthaudit.iam.actions import database
    from synthaudit.iam.policy import IDENTITY, parse_policy

    db = database()
    pol = parse_policy(document, name, IDENTITY)
    allowed = np.zeros(len(db), dtype=bool)
    denied = np.zeros(len(db), dtype=bool)
    for s in pol.statements:
        m = np.zeros(len(db), dtype=bool)
        for a in s.actions:
            m |= db.mask(a)
        if s.not_action:
            m = ~m
        if s.effect == "Allow":
            allowed |= m
        elif not s.conditions and (("*" in s.resources and not s.not_resource) or
                                   (s.not_resource and not s.resources)):
            denied |= m
    return [{"action": a, "access_level": db.access_level(a)} for a in db.actions_at(allowed & ~denied)]


def _expand(args: argparse.Namespace) -> int:
    from synthaudit.iam.policy import PolicyError

    path = Path(args.policy)
    try:
        text = path.read_text()
    except OSError as exc:
        print(f"error: {path}: cannot read ({exc.strerror})", file=sys.stderr)
        return ExitCode.FAILED
    try:
        actions = expand_policy(text, str(path))
    except PolicyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    print(json.dumps({"actions": actions}, indent=2))
    return ExitCode.CLEAN


# ``iam can`` exit codes (README, "synthaudit iam can"): scripts can branch on the answer.
CAN_ALLOWED, CAN_DENIED, CAN_ERROR = 0, 1, 2
CAN_EXIT = {"allowed": CAN_ALLOWED, "conditional": CAN_ALLOWED, "denied": CAN_DENIED, "implicit_deny": CAN_DENIED}


def unknown_action_warning(action: str) -> str | None:
    """A warning when ``action`` is not one the IAM database knows (a typo answers implicit_deny)."""
    import difflib

    from synthaudit.iam.actions import database

    if "*" in action or "?" in action:
        return None
    db = database()
    if db.info(action) is not None:
        return None
    prefix = action.split(":", 1)[0].lower() + ":"
    same_service = [n for n in db.names_lower if n.startswith(prefix)]
    close = difflib.get_close_matches(action.lower(), same_service, n=1)
    hint = f" (did you mean {db.canonical(close[0])}?)" if close else (
        "" if same_service else f" (no service prefix {prefix[:-1]!r} is known)")
    return f"warning: {action} is not an action the IAM database knows{hint}; the answer below is for a name no policy grants"


def _can(args: argparse.Namespace) -> int:
    """Exit 0 allowed (or allowed under the conditions listed), 1 denied, 2 error."""
    from synthaudit.iam import PolicyError, PolicyStore

    context = {}
    for item in args.context or []:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"error: --context {item!r}: expected KEY=VALUE", file=sys.stderr)
            return CAN_ERROR
        context[key] = value
    warning = unknown_action_warning(args.action)
    if warning:
        print(warning, file=sys.stderr)
    store = PolicyStore.from_snapshot(args.snapshot)
    try:
        decision = store.evaluate(args.principal, args.action, args.resource, context or None)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return CAN_ERROR
    except PolicyError as exc:
        print(json.dumps({"principal": args.principal, "action": args.action, "resource": args.resource,
                          "outcome": "not_assessed", "reason": str(exc)}, indent=2))
        return CAN_ERROR
    print(json.dumps({**decision.to_dict(), **({"known_action": False} if warning else {})}, indent=2))
    return CAN_EXIT.get(decision.outcome, CAN_ERROR)


def _review(args: argparse.Namespace) -> int:
    from synthaudit import findings as findings_mod
    from synthaudit.config import load_params
    from synthaudit.iam import PolicyStore
    from synthaudit.iam.phase import review_result
    from synthaudit.iam.review import PHASE

    params = load_params(args.params)
    snapshot = Path(args.snapshot)
    store = PolicyStore.from_snapshot(snapshot)
    run_dir = Path(args.run_dir) if args.run_dir else snapshot.parent
    result = review_result(store, params, run_dir, include_unused=True)
    out_dir = Path(args.out) if args.out else run_dir
    path = findings_mod.phase_findings_path(out_dir, PHASE)
    findings_mod.write_json(result.findings, path)
    for err in result.warnings:
        print(f"warning: {err}", file=sys.stderr)
    print(json.dumps({"findings": str(path), "counts": result.scraps["iam_counts"]}, indent=2, sort_keys=True))
    fail_on = args.fail_on or params.thresholds.fail_on
    return ExitCode.FINDINGS if findings_mod.at_or_above(result.findings, fail_on) else ExitCode.CLEAN


def extend(iam: argparse.ArgumentParser, phase: Phase) -> None:
    iam.description = ("Phase 03 (--params F --run RUN_DIR, as the runbook runs it), or the IAM engine: "
                       "expand a policy, ask can, review any snapshot.")
    sub = iam.add_subparsers(dest="iam_command", required=False, metavar="{expand,can,review}")
    ex = sub.add_parser("expand", help="print every concrete action a policy allows, with access levels (JSON)")
    ex.add_argument("policy", help="policy document (JSON file)")
    ex.set_defaults(func=_expand)
    can = sub.add_parser("can", help="can PRINCIPAL do ACTION on RESOURCE? with the deciding statements (JSON)",
                         description="Evaluate one request against a run's snapshot and print the decision with the "
                                     "statements that decided it. An action the IAM database does not know is warned "
                                     "about on stderr.",
                         epilog="exit codes: 0 allowed (or allowed only under the conditions listed), "
                                "1 denied (explicitly or implicitly), 2 error (bad input, unknown principal, "
                                "unreadable policies)")
    can.add_argument("--snapshot", required=True, help="snapshot folder of a run")
    can.add_argument("--context", action="append", metavar="KEY=VALUE",
                     help="request-context value, e.g. aws:SourceVpce=vpce-123 (repeatable)")
    can.add_argument("principal")
    can.add_argument("action")
    can.add_argument("resource")
    can.set_defaults(func=_can)
    rv = sub.add_parser("review", help="run phase 03 and write <out>/findings/iam.json")
    rv.add_argument("--snapshot", required=True, help="snapshot folder of a run")
    rv.add_argument("--params", required=True, help="params file (review window, regions, --fail-on default)")
    rv.add_argument("--out", help="run folder to write findings into (default: the snapshot's run folder)")
    rv.add_argument("--run-dir", help="run folder holding cloudtrail/events.parquet (default: the snapshot's parent)")
    rv.add_argument("--fail-on", choices=["info", "low", "medium", "high", "critical"])
    rv.set_defaults(func=_review)
