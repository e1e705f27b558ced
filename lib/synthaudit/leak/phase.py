"""Phase 05 as a function: score every dataset named in params, return scores and findings.

Used by runbook 05 and by ``synthaudit leak run``; ``synthaudit leak score`` scores
one pair from the command line with the same code.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthaudit.config import Params
from synthaudit.findings import Finding
from synthaudit.leak import dcr
from synthaudit.leak.readers import Reader
from synthaudit.leak.report import all_findings, write_leak_json
from synthaudit.leak.score import DatasetScore, DatasetSpec, score_dataset

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
