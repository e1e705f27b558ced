"""The demo's findings.json in a form that is equal whenever the kit's behaviour is.

A few things in the demo change from run to run without the kit changing: moto names
automated RDS snapshots after the minute they were taken (``rds:NAME-YYYY-MM-DD-HH-MM``),
and a finding's id is a hash of its resource; S3 version ids and a temporary folder's name
reach evidence; counts derived from the AWS managed policies moto bundles change with moto's
release. Those are masked (and the ids of the findings that carry a stamp replaced),
then the list is sorted; everything else must match byte for byte. ``python tests/golden/canonical.py RUN_DIR`` rewrites the stored golden
file: do it only in a commit that changes behaviour on purpose, and say what changed.
"""
from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

GOLDEN = Path(__file__).with_name("demo-findings.canonical.json.gz")
AUTOMATED_STAMP = re.compile(r"(snapshot:rds:[A-Za-z0-9-]+?)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}\b")
# Also drawn afresh by the demo's server or the OS on each run, and kept in evidence today
# (issue 17 makes evidence canonical): S3 object version ids and the CloudTrail staging folder.
VOLATILE = (
    (re.compile(r'("version_id": )"[^"]*"'), r'\1"VERSION"'),
    (re.compile(r"/tmp/synthaudit-ct-[A-Za-z0-9_]+/"), "STAGING/"),
)
# Evidence computed from the AWS managed policy documents that moto bundles (the demo attaches
# AWS managed policies): a moto release that updates them changes these counts, not the kit.
MOTO_DATA_EVIDENCE = {"IAM_UNUSED_GRANTS": ("unused_by_service", "unused_total")}


def canonical(findings_json: str) -> str:
    """One finding per line, stamps masked, sorted: two runs of an unchanged kit give equal text."""
    lines = []
    for finding in json.loads(findings_json):
        for key in MOTO_DATA_EVIDENCE.get(finding.get("check_id"), ()):
            if isinstance(finding.get("evidence"), dict) and key in finding["evidence"]:
                finding["evidence"][key] = "MOTO-DATA"
        text = json.dumps(finding, sort_keys=True)
        for pattern, replacement in VOLATILE:
            text = pattern.sub(replacement, text)
        masked = AUTOMATED_STAMP.sub(r"\1-STAMP", text)
        if masked != text:
            finding = json.loads(masked)
            finding["id"] = "masked"
            masked = json.dumps(finding, sort_keys=True)
        lines.append(masked)
    return "\n".join(sorted(lines)) + "\n"


def write_golden(run_dir: Path) -> None:
    text = canonical((run_dir / "findings.json").read_text())
    GOLDEN.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))


def read_golden() -> str:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as fh:
        return fh.read()


if __name__ == "__main__":
    write_golden(Path(sys.argv[1]))
    print(f"wrote {GOLDEN}")
