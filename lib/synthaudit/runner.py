"""``synthaudit run``: execute the registered phases' runbooks in order into a dated, hash-chained run folder.

The phases are ``synthaudit.phases.PHASES``; exit codes are ``synthaudit.exitcodes.ExitCode``.

One kernel per notebook (papermill); phases that do not read each other's output run
side by side (each once the phases it `reads` in ``synthaudit.phases`` have succeeded: 02-04 after 01, 05 at once, 06 last).
A phase whose input failed does not run; what ran is kept, the failed notebook is kept
as far as it got and gets an error banner (papermill writes none for a dead kernel or
a cell timeout), and the manifest records every phase's status, in phase order. ``--resume RUN`` re-runs only the phases that
did not succeed. For the demo estate the runner starts the simulated estate and
stops it by its own handle, also on failure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from synthaudit import findings as findings_mod
from synthaudit import progress
from synthaudit.config import Params, ParamsError, load_params, params_as_dict
from synthaudit.evidence import manifest as manifest_mod
from synthaudit.exitcodes import ExitCode
from synthaudit.phase import Phase
from synthaudit.phases import PHASES, get
from synthaudit.aws.preflight import run_preflight, write_preflight
from synthaudit.errors import SynthauditError
from synthaudit.runbook import RUN_DIR_ENV, resolve_path, run_folder_name
from synthaudit.workspace import WORKSPACE_ENV, Workspace, find_workspace, kit_commit, kit_version
from synthaudit.execution import PhaseResult, now_iso, phase_records, phases_to_run, run_phase, run_phases


@dataclass
class RunOptions:
    params_path: Path
    label: str | None = None
    phases: tuple[str, ...] = ()
    resume: Path | None = None
    fail_on: str | None = None
    outputs: Path | None = None      # default: the workspace's outputs/ (workspace.find_workspace)
    runbooks: Path | None = None     # default: the workspace's own runbooks/, else the packaged ones
    cell_timeout: int | None = 1800
    progress: bool = False           # papermill's per-cell progress bars (they interleave when phases run side by side)
    keep_going: bool = False         # accounts preflight cannot read stay in the run as not assessed
    quiet: bool = False              # no progress lines (phases, inventory units); errors still print


def select_phases(wanted: Sequence[str]) -> list[Phase]:
    """Phases named by number or name (``01``, ``1``, ``inventory``); all when empty."""
    if not wanted:
        return list(PHASES)
    chosen = {get(token) for item in wanted for token in item.split(",")}
    return sorted(chosen, key=lambda p: p.number)


def earlier_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest a resumed run left behind (empty when it left none)."""
    try:
        return manifest_mod.read_manifest(run_dir)
    except (FileNotFoundError, ValueError):
        return {}


def count_blocking(run_dir: Path, fail_on: str) -> int:
    """FAIL findings at or above ``fail_on`` (the combined file when present, else per phase)."""
    combined = run_dir / "findings.json"
    paths = [combined] if combined.exists() else sorted((run_dir / "findings").glob("*.json"))
    items: list[findings_mod.Finding] = []
    for path in paths:
        items.extend(findings_mod.read_json(path))
    return len(findings_mod.at_or_above(items, fail_on))


def _seeded_phi_values(params: Params) -> Future[tuple[str, ...]]:
    """The demo's seeded PHI values (the hygiene scan looks for them), computed on a thread while
    the phases run: the runner process is idle then (the kernels are processes of their own)."""
    def compute() -> tuple[str, ...]:
        if params.estate != "demo":
            return ()
        try:
            from synthaudit.demo.datasets import seeded_phi_values
        except ImportError:
            return ()
        return tuple(seeded_phi_values())

    pool = ThreadPoolExecutor(1, thread_name_prefix="seeded-phi")
    future = pool.submit(compute)
    pool.shutdown(wait=False)  # the thread finishes its one task; nobody waits here
    return future


def _finish_evidence(run_dir: Path, extra: Future[tuple[str, ...]]) -> str | None:
    """Hygiene scan before the manifest; returns an error when a secret or seeded PHI is found."""
    try:
        from synthaudit.evidence.hygiene import scan_run_folder
    except ModuleNotFoundError:
        return None
    hits = scan_run_folder(run_dir, extra_values=extra.result())
    if hits:
        return "evidence hygiene: " + "; ".join(str(h) for h in hits[:20])
    return None


def run(opts: RunOptions) -> tuple[int, Path | None]:
    params_path = resolve_path(opts.params_path)
    params = load_params(params_path)  # raises ParamsError before any AWS call
    workspace = Workspace(find_workspace(params_path))
    opts = replace(opts, outputs=opts.outputs or workspace.outputs, runbooks=opts.runbooks or workspace.runbooks)
    phases = select_phases(opts.phases)
    if opts.resume:
        run_dir = Path(opts.resume).resolve()
        if not run_dir.is_dir():
            raise FileNotFoundError(f"--resume {opts.resume}: no such run folder")
        old = earlier_manifest(run_dir)
        earlier = {p["name"]: p for p in old.get("phases", [])}
        started = old.get("started")
    else:
        label = opts.label or params.label
        run_dir = (opts.outputs / run_folder_name(label)).resolve()
        suffix = 1
        while run_dir.exists():
            suffix += 1
            run_dir = (opts.outputs / f"{run_folder_name(label)}-{suffix}").resolve()
        run_dir.mkdir(parents=True)
        earlier, started = {}, None
    def say(line: str) -> None:
        if not opts.quiet:
            progress.write(line)

    say(f"run folder {run_dir}")

    record: dict[str, Any] = {"started": started or now_iso(), "params_file": str(params_path),
                              "params": params_as_dict(params)}
    estate = None
    phi_values = _seeded_phi_values(params)
    results: list[PhaseResult] = []
    saved_env = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                                                  "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", RUN_DIR_ENV,
                                                  WORKSPACE_ENV, progress.ENV)}
    try:
        if params.estate == "demo" and not params.aws.endpoint_url:
            from synthaudit.demo import start_demo_estate

            say("starting the simulated estate")
            t0 = time.monotonic()
            estate = start_demo_estate()
            os.environ.update(estate.env())
            record["simulated_estate"] = {"endpoint": estate.endpoint_url,
                                          "build_seconds": round(time.monotonic() - t0, 2)}
        os.environ[RUN_DIR_ENV] = str(run_dir)
        os.environ[WORKSPACE_ENV] = str(workspace.root)
        os.environ[progress.ENV] = "0" if opts.quiet else "1"   # kernels report their own progress
        try:
            params, preflight = run_preflight(params, keep_going=opts.keep_going)
        except SynthauditError as exc:
            record["preflight_error"] = str(exc)
            raise
        write_preflight(run_dir, params, preflight)
        record["preflight"] = preflight.as_dict()
        record["caller_identity"] = {
            c.account: {"Account": c.account, "Arn": c.identity, "access": c.access} if c.ok else {"error": c.error}
            for c in preflight.accounts}

        def start(phase: Phase) -> PhaseResult:
            say(f"phase {int(phase.number)}/{len(PHASES)} {phase.name} \u2026")
            result = run_phase(phase, run_dir, params_path, runbooks=opts.runbooks,
                               progress=opts.progress, cell_timeout=opts.cell_timeout)
            if result.status != "succeeded":
                progress.write(f"phase {int(phase.number)}/{len(PHASES)} {phase.name} FAILED: {result.error}")
            return result

        ran: dict[str, PhaseResult] = {}
        try:
            run_phases(phases_to_run(PHASES, phases, earlier), start, ran)
        finally:
            results.extend(phase_records(PHASES, phases, earlier, ran))
        failed = any(r.status == "failed" for r in results)
        hygiene_error = None if failed else _finish_evidence(run_dir, phi_values)
        if hygiene_error:
            failed = True
            record["hygiene_error"] = hygiene_error
            print(f"synthaudit: {hygiene_error}", file=sys.stderr)
    finally:
        if estate is not None:
            estate.stop()
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        record["ended"] = now_iso()
        record["phases"] = [asdict(r) for r in results]
        record["status"] = "failed" if (any(r.status == "failed" for r in results) or record.get("hygiene_error")
                                        or record.get("preflight_error")) else (
            "succeeded" if all(r.status == "succeeded" for r in results) else "partial")
        record["packages"] = manifest_mod.package_versions()
        record["kit"] = {"version": kit_version(), **(kit_commit() or {})}
        manifest_mod.write_manifest(run_dir, record)

    if record["status"] == "failed":
        return ExitCode.FAILED, run_dir
    fail_on = opts.fail_on or params.thresholds.fail_on
    blocking = count_blocking(run_dir, fail_on)
    if blocking:
        print(f"synthaudit: {blocking} findings at or above {fail_on}", file=sys.stderr)
        return ExitCode.FINDINGS, run_dir
    return ExitCode.CLEAN, run_dir


def _cmd_run(args: argparse.Namespace) -> int:
    opts = RunOptions(
        params_path=Path(args.params), label=args.label, phases=tuple(args.phases or ()),
        resume=Path(args.resume) if args.resume else None, fail_on=args.fail_on,
        outputs=Path(args.outputs).resolve() if args.outputs else None,
        runbooks=Path(args.runbooks).resolve() if args.runbooks else None,
        cell_timeout=args.cell_timeout, progress=args.cell_progress and not (args.no_progress or args.quiet), keep_going=args.keep_going,
        quiet=args.quiet,
    )
    try:
        code, run_dir = run(opts)
    except ParamsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    print(run_dir)
    return code


def _cmd_verify(args: argparse.Namespace) -> int:
    from synthaudit.evidence.verify import verify_run

    result = verify_run(Path(args.run), walk_chain=not args.no_chain)
    if args.json:
        print(json.dumps({"ok": result.ok, "runs_checked": result.runs_checked,
                          "problems": [asdict(p) for p in result.problems]}, indent=2))
    else:
        for problem in result.problems:
            print(problem)
        print(f"{'OK' if result.ok else 'FAILED'}: verified {len(result.runs_checked)} run(s): "
              + ", ".join(result.runs_checked))
    return ExitCode.CLEAN if result.ok else ExitCode.FAILED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the runbooks into a dated evidence folder")
    p.add_argument("--params", required=True, help="params YAML (e.g. params/demo.yaml)")
    p.add_argument("--label", help="run folder label (default: params label)")
    p.add_argument("--phases", nargs="*", help="phases to run, by number or name (default: all)")
    p.add_argument("--resume", metavar="RUN", help="re-run only the phases of RUN that did not succeed")
    p.add_argument("--fail-on", choices=list(findings_mod.SEVERITY_ORDER), help="exit 1 at or above this severity")
    p.add_argument("--outputs", help="folder for run folders (default: outputs/)")
    p.add_argument("--runbooks", help=argparse.SUPPRESS)  # tests substitute runbooks
    p.add_argument("--cell-timeout", type=int, default=1800, help="seconds per cell (default 1800)")
    p.add_argument("--cell-progress", action="store_true",
                   help="also show papermill's per-cell progress bars (off by default: the phase lines say where a run is)")
    p.add_argument("--no-progress", action="store_true", help="no per-cell progress bars (the default; kept for schedulers)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="print only errors and, at the end, the run folder (no progress lines or bars)")
    p.add_argument("--keep-going", action="store_true",
                   help="when preflight cannot read some accounts, audit the others and record those as not "
                        "assessed (default: stop before any phase, exit 2)")
    p.set_defaults(func=_cmd_run)
    v = sub.add_parser("verify", help="re-hash a run folder and walk its hash chain")
    v.add_argument("run")
    v.add_argument("--no-chain", action="store_true", help="check this run only")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_cmd_verify)
