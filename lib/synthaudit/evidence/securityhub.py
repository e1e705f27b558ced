"""ASFF batches that Security Hub's ``BatchImportFindings`` accepts; the kit never calls it.

A call imports at most 100 findings, into the account and region it is made in, under the
product ARN of that account and region (``arn:aws:securityhub:<region>:<account>:product/
<account>/default``). So the run's findings are grouped by (account, region), a global
resource counted in the run's home region (exports._region_of), and cut into batches of
``MAX_BATCH``. ``write_batches`` writes one request file per batch, which an operator with
Security Hub rights imports in that account and region:

    aws securityhub batch-import-findings --region REGION --cli-input-json file://BATCH.json
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from synthaudit import findings as findings_mod
from synthaudit.evidence.exports import ExportContext, to_asff
from synthaudit.findings import Finding

MAX_BATCH = 100


@dataclass(frozen=True)
class Batch:
    account: str
    region: str
    number: int                      # 1-based within (account, region)
    findings: tuple[dict[str, Any], ...]

    @property
    def name(self) -> str:
        return f"asff-{self.account}-{self.region}-{self.number:03d}.json"

    def request(self) -> dict[str, Any]:
        """The BatchImportFindings input: ``{"Findings": [...]}``."""
        return {"Findings": list(self.findings)}


def batches(findings: Iterable[Finding], ctx: ExportContext) -> list[Batch]:
    """ASFF records grouped by (account, region) in finding order, at most MAX_BATCH a batch."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in findings_mod.sort_findings(findings):
        record = to_asff(f, ctx)
        groups.setdefault((record["AwsAccountId"], record["Resources"][0]["Region"]), []).append(record)
    out: list[Batch] = []
    for (account, region), records in sorted(groups.items()):
        for i in range(0, len(records), MAX_BATCH):
            out.append(Batch(account, region, i // MAX_BATCH + 1, tuple(records[i:i + MAX_BATCH])))
    return out


def write_batches(out_dir: Path, items: list[Batch]) -> list[Path]:
    """One JSON request file per batch (sorted keys: the same run writes the same bytes)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for b in items:
        path = out_dir / b.name
        path.write_text(json.dumps(b.request(), indent=2, sort_keys=True) + "\n")
        paths.append(path)
    return paths
