"""What a runbook's first cell calls: load params, find the run folder, reach AWS.

A runbook runs in three settings: under the runner (run folder and params passed
as papermill parameters), alone with ``papermill … -f params/demo.yaml``, and
under ``pytest --nbval-lax runbooks/`` (run folder from ``SYNTHAUDIT_RUN_DIR``).
For the demo estate run alone, the context starts the simulated estate itself and
stops it when the kernel exits.
"""
from __future__ import annotations

import atexit
import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthaudit import findings as findings_mod
from synthaudit.config import Params, load_params
from synthaudit.phase import PhaseResult

RUN_DIR_ENV = "SYNTHAUDIT_RUN_DIR"


def resolve_path(path: str | os.PathLike[str], base: Path | None = None) -> Path:
    """A path as given (from the current folder), else relative to ``base`` (a params file's folder),
    else to the kit's packaged templates (so a runbook's default ``params/demo.yaml`` works anywhere)."""
    from synthaudit.workspace import TEMPLATES

    candidate = Path(path).expanduser()
    if candidate.is_absolute() or candidate.exists():
        return candidate.resolve()
    for root in (base, TEMPLATES):
        if root is not None and (root / candidate).exists():
            return (root / candidate).resolve()
    return candidate.resolve()


def run_folder_name(label: str, when: dt.datetime | None = None) -> str:
    when = (when or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return f"{when:%Y-%m-%dT%H%MZ}_{label}"


@dataclass
class RunContext:
    params_path: Path
    params: Params
    run_dir: Path
    _sessions: Any = field(default=None, repr=False)
    _estate: Any = field(default=None, repr=False)

    @property
    def snapshot_dir(self) -> Path:
        return self.run_dir / "snapshot"

    @property
    def sessions(self):
        """Guarded SessionFactory (created on first use, so offline phases never touch AWS)."""
        if self._sessions is None:
            from synthaudit.aws.session import SessionFactory

            self._ensure_estate()
            self._sessions = SessionFactory(self.params)
        return self._sessions

    def _ensure_estate(self) -> None:
        if self.params.estate != "demo" or os.environ.get("AWS_ENDPOINT_URL") or self.params.aws.endpoint_url:
            return
        from synthaudit.demo import start_demo_estate

        self._estate = start_demo_estate()
        os.environ.update(self._estate.env())
        atexit.register(self._estate.stop)

    def write_findings(self, phase: str, items: list[findings_mod.Finding]) -> Path:
        path = findings_mod.phase_findings_path(self.run_dir, phase)
        findings_mod.write_json(items, path)
        return path

    def publish(self, result: PhaseResult) -> Path | None:
        """Write ``findings/<phase>.json`` and glue every scrap (inside a kernel): one call per phase.

        The ``findings`` scrap comes first, then the phase's scraps in step order. A phase
        that judges nothing (``findings`` None) writes no file and glues no findings.
        """
        if result.phase is None:
            raise ValueError("publish: the result names no phase (run it through Phase.run)")
        path = None
        if result.findings is not None:
            path = self.write_findings(result.phase, list(result.findings))
        if in_kernel():
            import scrapbook as sb

            if result.findings is not None:
                sb.glue("findings", [f.to_dict() for f in result.findings])
            for name, value in result.scraps.items():
                sb.glue(name, value)
        for warning in result.warnings:
            print("warning:", warning, file=sys.stderr)
        return path

    def read_findings(self, phase: str) -> list[findings_mod.Finding]:
        path = findings_mod.phase_findings_path(self.run_dir, phase)
        return findings_mod.read_json(path) if path.exists() else []


def open_run(params_path: str | os.PathLike[str], run_dir: str | os.PathLike[str] | None = None) -> RunContext:
    """Load params (strictly) and locate or create the run folder."""
    path = resolve_path(params_path)
    params = load_params(path)
    chosen = run_dir or os.environ.get(RUN_DIR_ENV)
    if chosen:
        folder = Path(chosen).expanduser().resolve()
        from synthaudit.aws.preflight import apply_discovered

        params = apply_discovered(params, folder)
    else:
        from synthaudit.workspace import Workspace, find_workspace

        folder = Workspace(find_workspace(path)).outputs / run_folder_name(f"{params.label}-adhoc")
    folder.mkdir(parents=True, exist_ok=True)
    from synthaudit.plots import use_evidence_renderer

    use_evidence_renderer()
    return RunContext(params_path=path, params=params, run_dir=folder)


def in_kernel() -> bool:
    """True inside a Jupyter kernel (papermill, nbval): only there do scraps mean anything."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


