"""Phase 05: score every dataset named in params, return scores and findings.

``leak_step`` is the phase's step (runbook 05, ``synthaudit leak --run``);
``synthaudit leak run`` calls the same ``leak_result`` with its own output folder, and
``synthaudit leak score`` scores one pair from the command line with the same code.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthaudit.config import Params
from synthaudit.findings import Finding
from synthaudit.leak import dcr
from synthaudit.leak.readers import Reader
from synthaudit.leak.report import all_findings, write_leak_json
from synthaudit.leak.score import DatasetScore, DatasetSpec, score_dataset
from synthaudit.phase import PhaseResult

if TYPE_CHECKING:  # pragma: no cover
    from synthaudit.runbook import RunContext

PHASE = "leak"


@dataclass(frozen=True)
class LeakRun:
    scores: tuple[DatasetScore, ...]
    findings: tuple[Finding, ...]
    parameters: dict[str, Any]


def run_parameters(params: Params) -> dict[str, Any]:
    th = params.thresholds.leak
    return {"thresholds": th.model_dump(mode="json"), "seed": th.seed, "dcr_engine": dcr.engine_name(th.dcr_engine)}


def run_leak_phase(params: Params, sessions: Any = None) -> LeakRun:
    """Score each ``params.datasets`` entry; S3 inputs are read through ``sessions`` (SessionFactory)."""
    th = params.thresholds.leak
    scores = []
    for ds in params.datasets:
        spec = DatasetSpec.from_params(ds)
        reader = Reader(sessions, ds.account)
        syn_reader = Reader(sessions, ds.synthetic_account) if ds.synthetic_account else reader
        scores.append(score_dataset(spec, th, reader, syn_reader))
    return LeakRun(tuple(scores), tuple(all_findings(scores)), run_parameters(params))


def needs_aws(params: Params) -> bool:
    return any(loc and loc.startswith("s3://") for ds in params.datasets for loc in (ds.real, ds.synthetic, ds.holdout))


def write_outputs(run: LeakRun, out_dir: Path) -> Path:
    """leak.json in ``out_dir`` (the score, every part, every parameter)."""
    return write_leak_json(Path(out_dir) / "leak.json", list(run.scores), run.parameters)


def leak_result(params: Params, out_dir: Path, sessions: Any = None) -> PhaseResult:
    """Score the params' datasets, write ``out_dir/leak.json``; the scores as a phase result."""
    run = run_leak_phase(params, sessions)
    path = write_outputs(run, out_dir)
    return PhaseResult(
        findings=run.findings,
        scraps={"leak_scores": {ds.name: {"score": ds.score, "verdict": ds.verdict} for ds in run.scores}},
        details={"leak": run, "leak_json": path},
    )


def leak_step(ctx: RunContext) -> PhaseResult:
    """Phase 05 into ``<run>/leak/``; AWS is reached only when a dataset lives in S3."""
    sessions = ctx.sessions if needs_aws(ctx.params) else None
    return leak_result(ctx.params, ctx.run_dir / "leak", sessions)
