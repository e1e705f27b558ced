"""Fabricated run folders for the evidence tests: findings per phase, notebooks with scraps.

A plain module (not conftest.py) so test files import it by a name no other test folder uses.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import nbformat
import yaml

from synthaudit import catalogue, findings as findings_mod
from synthaudit.findings import Finding

PROD, SYNTH, SHARED = "210987654321", "310000000003", "410000000004"
NOTEBOOKS = {"inventory": "01_inventory", "segregation": "02_segregation", "iam": "03_iam_review",
             "cloudtrail": "04_cloudtrail", "leak": "05_leak_scoring"}


def seg(check: str, bucket: str, status: str = "FAIL", **kw) -> Finding:
    """A segregation finding on an S3 bucket (real catalogue entry)."""
    kw.setdefault("account", PROD)
    kw.setdefault("region", "us-east-1")
    kw.setdefault("environment", "production")
    if status == "NOT_ASSESSED":
        kw.setdefault("reason", "access_denied: AccessDenied: no s3:GetBucketPolicy")
    return catalogue.finding(check, f"arn:aws:s3:::{bucket}", status, **kw)


def loose(phase: str, check: str, resource: str, status: str = "FAIL", severity: str = "high", **kw) -> Finding:
    """A finding of a phase whose catalogue another engineer writes (built without the catalogue)."""
    if status == "NOT_ASSESSED":
        kw.setdefault("reason", "not_supported: moto lacks the API")
    return Finding(check_id=check, phase=phase, status=status, severity=severity, resource=resource,
                   title=f"{check.replace('_', ' ').title()} found", **kw)


def scrap_notebook(name: str, findings: Iterable[Finding] | None, failed: bool = False,
                   extra_scraps: dict | None = None) -> nbformat.NotebookNode:
    """An executed-looking notebook with scrapbook scraps, as papermill leaves it."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["papermill"] = {"exception": bool(failed), "parameters": {}}
    cell = nbformat.v4.new_code_cell("sb.glue('findings', items)")
    scraps = dict(extra_scraps or {})
    if findings is not None:
        scraps["findings"] = [f.to_dict() for f in findings]
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={
            "application/scrapbook.scrap.json+json": {"name": k, "data": v, "encoder": "json", "version": 1}},
            metadata={"scrapbook": {"name": k, "data": True, "display": False}})
        for k, v in scraps.items()
    ]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), cell]
    return nb


def make_run(root: Path, name: str, by_phase: dict[str, list[Finding]], *, notebooks: bool = True,
             failed: Iterable[str] = (), missing: Iterable[str] = (), manifest_label: str | None = None,
             extra_scraps: dict[str, dict] | None = None) -> Path:
    """A run folder: findings/<phase>.json for every phase given, plus scrap notebooks."""
    run = root / name
    (run / "findings").mkdir(parents=True, exist_ok=True)
    for phase, items in by_phase.items():
        if phase in missing:
            continue
        findings_mod.write_json(items, findings_mod.phase_findings_path(run, phase))
        if notebooks:
            nb = scrap_notebook(phase, items, failed=phase in failed, extra_scraps=(extra_scraps or {}).get(phase))
            nbformat.write(nb, run / f"{NOTEBOOKS[phase]}.ipynb")
    if manifest_label is not None:
        (run / "manifest.json").write_text(f'{{"params": {{"label": "{manifest_label}"}}, "files": {{}}}}\n')
    return run


def write_params(path: Path, **overrides) -> Path:
    data = {
        "label": "demo", "estate": "aws", "management_account": "100000000001",
        "accounts": [{"id": "100000000001", "name": "management"}, {"id": PROD, "name": "production-phi"},
                     {"id": SYNTH, "name": "synthetic-data"}],
        "aws": {"regions": ["us-east-1"]},
    }
    data.update(overrides)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def baseline_findings() -> dict[str, list[Finding]]:
    """A small estate's findings across phases (what runbooks 01-05 would leave)."""
    return {
        "inventory": [loose("inventory", "INVENTORY_COLLECTION", f"arn:aws:organizations::100000000001:account/o-unknown/{SYNTH}",
                            "NOT_ASSESSED", "info", account=SYNTH)],
        "segregation": [
            seg("S3_SYNTHETIC_ACCESS_TO_PRODUCTION", "phi-claims-prod", evidence={"principals": ["arn:aws:iam::310000000003:role/synth-gen"]}),
            seg("S3_PRODUCTION_NO_SSE_KMS", "phi-archive-prod"),
            seg("S3_PRODUCTION_NO_SSE_KMS", "phi-claims-prod", "PASS"),
            seg("S3_PRODUCTION_NO_PUBLIC_ACCESS_BLOCK", "phi-claims-prod", "NOT_ASSESSED"),
        ],
        "iam": [loose("iam", "IAM_WILDCARD_GRANT", f"arn:aws:iam::{SYNTH}:role/synth-admin", account=SYNTH,
                      environment="synthetic")],
        "cloudtrail": [loose("cloudtrail", "CT_CROSS_ENVIRONMENT_ACCESS", f"arn:aws:iam::{SYNTH}:role/synth-gen",
                             account=SYNTH, environment="synthetic", evidence={"events": 12})],
        "leak": [loose("leak", "LEAK_SCORE", "dataset:claims", "FAIL", "critical",
                       evidence={"dataset": "claims", "score": 47.5})],
    }
