"""The demo's findings.json is what it was before the last deliberate change of behaviour.

A refactor must leave it byte-identical (after masking what the demo itself draws afresh per run,
see tests/golden/canonical.py). A commit that changes behaviour on purpose rewrites the golden
file with ``python tests/golden/canonical.py RUN_DIR`` and says what changed and why.
"""
from __future__ import annotations

import difflib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import canonical  # noqa: E402


def test_canonical_masks_only_what_a_run_draws_afresh():
    a = '[{"id": "x1", "resource": "arn:aws:rds:us-east-1:1:snapshot:rds:db-2026-12-04-18-20", "evidence": {"version_id": "v1"}}]'
    b = '[{"id": "x2", "resource": "arn:aws:rds:us-east-1:1:snapshot:rds:db-2026-12-05-09-01", "evidence": {"version_id": "v2"}}]'
    c = '[{"id": "x2", "resource": "arn:aws:rds:us-east-1:1:snapshot:rds:other-2026-12-05-09-01", "evidence": {}}]'
    assert canonical.canonical(a) == canonical.canonical(b)
    assert canonical.canonical(a) != canonical.canonical(c)


def test_demo_findings_match_the_golden(full_demo_run):
    now = canonical.canonical((full_demo_run.run_dir / "findings.json").read_text()).splitlines()
    golden = canonical.read_golden().splitlines()
    diff = list(difflib.unified_diff(golden, now, "golden", "this run", lineterm="", n=0))
    assert not diff, "the demo's findings changed:\n" + "\n".join(line[:300] for line in diff[:30])
