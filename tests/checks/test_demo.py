"""Phase 02 on the simulated estate: inventory the demo (a real moto server), run the
segregation checks, and compare with the answer key: recall and precision 100% on the
segregation check ids. The key is read here, never by the kit."""
from __future__ import annotations

from pathlib import Path

import pytest
from answer_key import Plant, for_phase
from synthaudit import catalogue
from synthaudit.checks import run_all
from synthaudit.checks.cli import extend  # noqa: F401 - the CLI module imports cleanly
from synthaudit.cli import main
from synthaudit.config import load_params
from synthaudit.findings import dumps

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PARAMS_FILE = REPO / "params" / "demo.yaml"
SEGREGATION = {k for k, v in catalogue.load().items() if v.phase == "segregation"}


def planted_entries() -> tuple[Plant, ...]:
    return for_phase("segregation")


@pytest.fixture(scope="module")
def demo_snapshot(demo_snapshot_dir):
    """The demo estate, inventoried once per test session (tests/conftest.py)."""
    return demo_snapshot_dir


@pytest.fixture(scope="module")
def demo_findings(demo_snapshot):
    return run_all(demo_snapshot, load_params(PARAMS_FILE))


def test_answer_key_has_segregation_entries():
    entries = planted_entries()
    assert any(e.expect == "FAIL" for e in entries) and any(e.expect == "PASS" for e in entries)


def test_recall_and_precision_on_the_answer_key(demo_findings):
    by_key: dict[tuple[str, str], list] = {}
    for f in demo_findings:
        by_key.setdefault((f.check_id, f.resource), []).append(f)
    entries = planted_entries()
    missed = [(e.id, e.check, e.resource, [f.status for f in by_key.get((e.check, e.resource), [])])
              for e in entries if e.expect == "FAIL"
              and not any(f.status == "FAIL" for f in by_key.get((e.check, e.resource), []))]
    flagged_twins = [(e.id, e.check, e.resource, [f.status for f in by_key.get((e.check, e.resource), [])])
                     for e in entries if e.expect == "PASS"
                     and not (by_key.get((e.check, e.resource))
                              and all(f.status == "PASS" for f in by_key[(e.check, e.resource)]))]
    fails = sum(e.expect == "FAIL" for e in entries)
    print(f"\nsegregation answer key: {fails} planted failures, {len(entries) - fails} clean twins; "
          f"recall {(fails - len(missed)) / max(fails, 1):.0%}, twins wrongly flagged or unexamined {len(flagged_twins)}")
    assert not missed, f"planted failures not found: {missed}"
    assert not flagged_twins, f"clean twins not PASS: {flagged_twins}"
    wrong_severity = [(e.id, e.severity, [f.severity for f in by_key[(e.check, e.resource)] if f.status == "FAIL"])
                      for e in entries if e.severity is not None
                      and any(f.severity != e.severity for f in by_key[(e.check, e.resource)] if f.status == "FAIL")]
    assert not wrong_severity, f"planted failures at another severity than planted: {wrong_severity}"


def test_cli_rerun_is_byte_identical_and_exits_1(demo_snapshot, demo_findings, tmp_path):
    """The CLI re-runs the phase on the same snapshot: same bytes as the first run; the demo's
    planted high/critical failures make it exit 1."""
    out = tmp_path / "segregation.json"
    code = main(["segregation", "--snapshot", str(demo_snapshot), "--params", str(PARAMS_FILE), "--out", str(out)])
    assert code == 1
    assert out.read_text() == dumps(demo_findings)


def test_every_finding_is_well_formed(demo_findings):
    assert demo_findings == sorted(demo_findings, key=lambda f: f.sort_key())
    assert len({f.id for f in demo_findings}) == len(demo_findings)
    for f in demo_findings:
        assert f.phase == "segregation" and f.check_id in SEGREGATION
        assert f.resource.startswith("arn:aws:")
        assert f.status != "NOT_ASSESSED" or f.reason
