"""Executing one runbook: a papermill kernel, the failure banner, the two HTML renders.

The runner decides *which* phases run and in what order; this module decides *how*
one notebook runs and is rendered. Each execution also reports where its time went
(kernel start, cells, render) to any listener in ``TIMING_LISTENERS``: the numbers come
from nbclient's hooks and papermill's per-cell metadata, so ``bench/run.py`` can print
them without the runner knowing it is being measured.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthaudit.quickimport import KERNEL_EXEC_LINE, defer_iri_grammar
from synthaudit.runbook import REPO_ROOT


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
            kernel_name="python3", progress_bar=progress, cwd=str(REPO_ROOT),
            execution_timeout=cell_timeout, log_output=False,
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
