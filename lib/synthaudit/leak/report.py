"""Findings and leak.json from dataset scores (evidence: counts, positions, parameters; never values)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthaudit.catalogue import finding
from synthaudit.findings import Finding, sort_findings
from synthaudit.leak.parts import PARTS, SCORE_CHECK, PartResult
from synthaudit.leak.score import DatasetScore

PART_CHECKS = {part.name: part.check_id for part in PARTS}


def _part_evidence(ds: DatasetScore, part: PartResult) -> dict[str, Any]:
    data = part.to_dict()
    data.pop("check_id")
    data.pop("status")
    data.pop("reason")
    return {"dataset": ds.name, **data, "sub_score": ds.sub_score(part.part), "provenance": ds.provenance}


def dataset_findings(ds: DatasetScore) -> list[Finding]:
    common = {"account": ds.account, "environment": "synthetic"}
    if not ds.parts:  # an input could not be read: nothing was assessed
        items = [finding(cid, ds.resource, "NOT_ASSESSED", reason=ds.reason, evidence={"dataset": ds.name,
                 "provenance": ds.provenance}, **common) for cid in [*PART_CHECKS.values(), SCORE_CHECK]]
        return items
    items = [finding(p.check_id, ds.resource, p.status, reason=p.reason, evidence=_part_evidence(ds, p), **common)
             for p in ds.parts]
    items.append(finding(SCORE_CHECK, ds.resource, ds.verdict, reason=ds.reason, evidence={
        "dataset": ds.name, "score": ds.score, "summary": ds.parameters.get("summary"),
        "parts": {p.part: p.status for p in ds.parts}, "provenance": ds.provenance}, **common))
    return items


def all_findings(scores: list[DatasetScore]) -> list[Finding]:
    return sort_findings(f for ds in scores for f in dataset_findings(ds))


def leak_document(scores: list[DatasetScore], parameters: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "synthaudit.leak", "version": 1, "parameters": parameters,
            "datasets": [ds.to_dict() for ds in scores]}


def write_leak_json(path: Path, scores: list[DatasetScore], parameters: dict[str, Any]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(leak_document(scores, parameters), indent=2, sort_keys=True, default=_plain) + "\n")
    return path


def _plain(value: Any) -> Any:
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:
        pass
    return str(value)
