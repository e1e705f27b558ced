"""Executing one runbook: a papermill kernel, the failure banner, the two HTML renders.

The runner decides *which* phases run and in what order; this module decides *how*
one notebook runs and is rendered. Each execution also reports where its time went
(kernel start, cells, render) to any listener in ``TIMING_LISTENERS``: the numbers come
from nbclient's hooks and papermill's per-cell metadata, so ``bench/run.py`` can print
them without the runner knowing it is being measured.
"""
from __future__ import annotations

import datetime as dt
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthaudit.kernels import (
    kill_live_kernels,
    lean_save_engine,
    tracked_kernel_manager,
    wait_for_kernels_to_exit,
)
from synthaudit.quickimport import KERNEL_EXEC_LINE, defer_iri_grammar


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class PhaseResult:
    number: str
    name: str
    status: str  # succeeded | failed | not_run
    started: str | None = None
    ended: str | None = None
    seconds: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class CellTiming:
    index: int
    seconds: float
    source: str  # the cell's first line, to recognise it in a table


@dataclass
class PhaseTiming:
    """Where one phase's wall time went, in seconds (None: that step did not happen)."""

    number: str
    name: str
    kernel_start: float | None = None   # execute call -> kernel ready (includes papermill's parameterising)
    cells: float | None = None          # sum of papermill's per-cell durations
    execute: float | None = None        # execute call -> papermill returned (kernel start, cells, shutdown, write)
    render: float | None = None         # both HTML renders and the plotly bundle
    slowest: tuple[CellTiming, ...] = field(default_factory=tuple)


TIMING_LISTENERS: list[Callable[[PhaseTiming], None]] = []


def report_timing(timing: PhaseTiming) -> None:
    for listener in TIMING_LISTENERS:
        listener(timing)


def mark_failed_notebook(path: Path, error: str) -> None:
    """Put an error banner on a partial notebook; papermill adds none for dead kernels and timeouts."""
    import nbformat

    if not path.exists():
        return
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.setdefault("papermill", {})
    if meta.get("exception") and any("synthaudit-error-banner" in c.get("metadata", {}).get("tags", [])
                                      or "papermill-error-cell-tag" in c.get("metadata", {}).get("tags", [])
                                      for c in nb.cells):
        return
    banner = nbformat.v4.new_markdown_cell(
        f'<span style="color:red; font-size:1.5em">This phase failed: {error}</span>\n\n'
        "The cells below ran up to the failure; later cells did not run."
    )
    banner.metadata["tags"] = ["synthaudit-error-banner"]
    nb.cells.insert(0, banner)
    meta["exception"] = True
    meta["status"] = "failed"
    nbformat.write(nb, path)


def describe(exc: BaseException) -> str:
    """One line for the manifest and the console: which cell raised what, or how the kernel ended."""
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        return f"cell {getattr(exc, 'exec_count', '?')} raised {getattr(exc, 'ename', '')}: {getattr(exc, 'evalue', '')}"[:500]
    if name == "DeadKernelError":
        return "the kernel died (killed or out of memory) during execution"
    if name == "CellTimeoutError":
        return f"a cell exceeded the cell timeout: {exc}"[:500]
    return f"{name}: {exc}"[:500]


def execute_phase(phase: Any, run_dir: Path, params_path: Path, *, runbooks: Path,
                  progress: bool = True, cell_timeout: int | None = 1800,
                  timing: PhaseTiming | None = None) -> PhaseResult:
    """Run ``phase.notebook`` from ``runbooks`` into ``run_dir`` in a fresh kernel; never raises but on Ctrl-C."""
    defer_iri_grammar()
    import papermill as pm

    result = PhaseResult(phase.number, phase.name, "failed", started=now_iso())
    source = runbooks / phase.notebook
    output = run_dir / phase.notebook
    start = time.monotonic()
    ready: list[float] = []
    try:
        if not source.exists():
            raise FileNotFoundError(f"runbook {source} is missing")
        pm.execute_notebook(
            str(source), str(output),
            parameters={"params_path": str(params_path), "run_dir": str(run_dir)},
            kernel_name="python3", progress_bar=progress,
            execution_timeout=cell_timeout, log_output=False,
            # The kernel starts in the run folder (never the kit's package or checkout), set per
            # kernel: papermill's cwd= is a process-wide chdir, which phases side by side would race on.
            resources={"metadata": {"path": str(run_dir)}},
            kernel_manager_class=tracked_kernel_manager(),
            engine_name=lean_save_engine(),
            on_notebook_start=lambda **_: ready.append(time.monotonic()),
            extra_arguments=[f"--IPKernelApp.exec_lines={KERNEL_EXEC_LINE}"],
        )
        result.status = "succeeded"
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            result.error = "interrupted"
        else:
            result.error = describe(exc)
        mark_failed_notebook(output, result.error)
        if isinstance(exc, KeyboardInterrupt):
            raise
    finally:
        result.ended = now_iso()
        result.seconds = round(time.monotonic() - start, 2)
        if timing is not None:
            timing.execute = result.seconds
            timing.kernel_start = round(ready[0] - start, 2) if ready else None
            _cell_timings(output, timing)
    return result


def _cell_timings(notebook: Path, timing: PhaseTiming, keep: int = 3) -> None:
    """Per-cell durations as papermill recorded them in the executed notebook's metadata."""
    import json

    try:
        nb = json.loads(notebook.read_text())
    except (OSError, ValueError):
        return
    cells = []
    for index, cell in enumerate(nb.get("cells", [])):
        seconds = (cell.get("metadata", {}).get("papermill") or {}).get("duration")
        if cell.get("cell_type") == "code" and isinstance(seconds, (int, float)):
            text = cell.get("source", "")
            text = "".join(text) if isinstance(text, list) else text
            first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
            cells.append(CellTiming(index, round(seconds, 2), first[:60]))
    timing.cells = round(sum(c.seconds for c in cells), 2)
    timing.slowest = tuple(sorted(cells, key=lambda c: -c.seconds)[:keep])


def render_html(run_dir: Path, notebook: Path) -> list[Path]:
    """Two HTML renders per notebook: full, and without code (for auditors)."""
    import warnings

    defer_iri_grammar()
    import nbformat
    from nbconvert import HTMLExporter

    # scrapbook's scrap mimetype has no HTML form by design; the scraps stay in the .ipynb.
    warnings.filterwarnings("ignore", message="Your element with mimetype.*scrapbook")
    html_dir = run_dir / "html"
    html_dir.mkdir(exist_ok=True)
    nb = nbformat.read(notebook, as_version=4)
    written = []
    for suffix, no_input in (("", False), (".auditor", True)):
        exporter = HTMLExporter(template_name="lab")
        exporter.exclude_input = no_input
        exporter.exclude_input_prompt = no_input
        exporter.exclude_output_prompt = no_input
        body, _ = exporter.from_notebook_node(nb)
        target = html_dir / f"{notebook.stem}{suffix}.html"
        target.write_text(body)
        written.append(target)
    from synthaudit.plots import write_plotly_bundle

    write_plotly_bundle(html_dir)
    return written


def run_phase(phase: Any, run_dir: Path, params_path: Path, *, runbooks: Path,
              progress: bool = True, cell_timeout: int | None = 1800) -> PhaseResult:
    """Execute one phase and render what it left; a render failure is the phase's failure."""
    timing = PhaseTiming(phase.number, phase.name)
    result = execute_phase(phase, run_dir, params_path, runbooks=runbooks, progress=progress,
                           cell_timeout=cell_timeout, timing=timing)
    if (run_dir / phase.notebook).exists():
        start = time.monotonic()
        try:
            render_html(run_dir, run_dir / phase.notebook)
        except Exception as exc:  # noqa: BLE001 - a render failure is the phase's failure
            if result.status == "succeeded":
                result.status, result.error = "failed", f"HTML render failed: {exc}"
        timing.render = round(time.monotonic() - start, 2)
    report_timing(timing)
    return result


def _succeeded_before(earlier: dict[str, dict], phase: Any) -> bool:
    prior = earlier.get(phase.name)
    return bool(prior and prior.get("status") == "succeeded")


def phases_to_run(all_phases: Sequence[Any], selected: Sequence[Any], earlier: dict[str, dict]) -> list[Any]:
    """The selected phases, less those a resumed run already did."""
    return [p for p in all_phases if p in selected and not _succeeded_before(earlier, p)]


def phase_records(all_phases: Sequence[Any], selected: Sequence[Any], earlier: dict[str, dict],
                  ran: dict[str, PhaseResult]) -> list[PhaseResult]:
    """Every phase in order for the manifest: this run's result, a resumed run's success, or why it did not run."""
    records = []
    for phase in all_phases:
        if phase.name in ran:
            records.append(ran[phase.name])
        elif _succeeded_before(earlier, phase):
            prior = earlier[phase.name]
            records.append(PhaseResult(**{k: prior.get(k) for k in PhaseResult.__dataclass_fields__}))
        else:
            earlier_failed = any(r.status == "failed" for r in ran.values() if r.number < phase.number)
            why = ("an earlier phase failed" if earlier_failed
                   else "not selected" if phase not in selected else "interrupted")
            records.append(PhaseResult(phase.number, phase.name, "not_run", error=why))
    return records


# The phases whose outputs each phase reads, by name. 02-04 read the snapshot 01 writes;
# 05 reads only the datasets named in params; 06 gathers everything. A phase not listed
# here waits for every phase before it (the old, sequential rule).
# Of the phases ready at once, the longest starts first, so the critical path (01 -> 04 -> 06) is not held up.
START_FIRST = ("inventory", "cloudtrail", "leak", "segregation", "iam", "summary")


def inputs_of(phase: Any, phases: Sequence[Any]) -> tuple[str, ...]:
    names = [p.name for p in phases]
    wanted = phase.reads
    if wanted is None:
        wanted = tuple(p.name for p in phases if p.number < phase.number)
    return tuple(n for n in wanted if n in names)


def run_phases(phases: Sequence[Any], run_one: Callable[[Any], PhaseResult], done: dict[str, PhaseResult], *,
               workers: int | None = None) -> dict[str, PhaseResult]:
    """Run ``phases`` side by side, each once the phases it reads have succeeded.

    A phase whose input failed (or did not run) does not run and has no entry in ``done``,
    which fills as phases finish, so a caller interrupted by Ctrl-C still knows what ran.
    At most ``workers`` kernels at once (default: the machine's cores).
    """
    workers = max(1, workers or min(4, os.cpu_count() or 1))
    order = {name: i for i, name in enumerate(START_FIRST)}
    pending = sorted(phases, key=lambda p: (order.get(p.name, len(order)), p.number))
    finished: queue.Queue[tuple[Any, PhaseResult | BaseException]] = queue.Queue()
    running: dict[str, threading.Thread] = {}
    dropped: set[str] = set()

    def work(phase: Any) -> None:
        try:
            finished.put((phase, run_one(phase)))
        except BaseException as exc:  # noqa: BLE001 - handed to the scheduling thread
            finished.put((phase, exc))

    try:
        while pending or running:
            _drop_blocked(pending, phases, done, dropped)
            for phase in list(pending):
                if len(running) < workers and all(n in done for n in inputs_of(phase, phases)):
                    pending.remove(phase)
                    thread = threading.Thread(target=work, args=(phase,), name=f"phase-{phase.number}", daemon=True)
                    running[phase.name] = thread
                    thread.start()
            if not running:
                if pending:
                    raise RuntimeError("phases wait on each other: " + ", ".join(p.name for p in pending))
                break
            phase, outcome = finished.get()
            running.pop(phase.name).join()
            if isinstance(outcome, BaseException):
                raise outcome
            done[phase.name] = outcome
    except BaseException as exc:
        kill_live_kernels()  # Ctrl-C or a bug: no kernel outlives the run
        for thread in running.values():
            thread.join(timeout=30)
        while not finished.empty():  # the phases that were running, as far as they got
            phase, outcome = finished.get_nowait()
            if isinstance(outcome, PhaseResult):
                if isinstance(exc, KeyboardInterrupt) and outcome.status == "failed":
                    outcome.error = "interrupted"
                done[phase.name] = outcome
        raise
    finally:
        wait_for_kernels_to_exit()
    return done


def _drop_blocked(pending: list[Any], phases: Sequence[Any], done: dict[str, PhaseResult], dropped: set[str]) -> None:
    """Remove from ``pending`` every phase an input of which failed or was itself dropped."""
    changed = True
    while changed:
        changed = False
        for phase in list(pending):
            if any(n in dropped or (n in done and done[n].status != "succeeded") for n in inputs_of(phase, phases)):
                pending.remove(phase)
                dropped.add(phase.name)
                changed = True
