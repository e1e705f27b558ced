"""The demo estate's snapshot holds every resource of the answer key, classified as
the key says (``environment``), and every (account, region, service) was assessed.
The key is read here, never by the kit."""
from __future__ import annotations

from pathlib import Path

import pytest
from answer_key import Plant, load_all
from synthaudit.config import load_params
from synthaudit.inventory import Snapshot

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
PARAMS_FILE = REPO / "params" / "demo.yaml"


def keyed_entries() -> list[Plant]:
    return [e for _, e in load_all() if e.environment]


@pytest.fixture(scope="module")
def demo_snapshot(demo_snapshot_dir) -> Snapshot:
    """The demo estate, inventoried once per test session (tests/conftest.py)."""
    return Snapshot(demo_snapshot_dir)


def test_every_answer_key_resource_is_in_the_snapshot_as_classified(demo_snapshot):
    found: dict[str, tuple[str, str, str]] = {}
    for kind in demo_snapshot.kinds():
        table = demo_snapshot.table(kind)
        for arn, env, rule in zip(table.arn, table.environment, table.environment_rule):
            found.setdefault(arn, (kind, env, rule))
    entries = keyed_entries()
    assert len(entries) >= 20
    missing = [(e.id, e.resource) for e in entries if e.resource not in found]
    wrong = [(e.id, e.resource, e.environment, found[e.resource])
             for e in entries if e.resource in found and found[e.resource][1] != e.environment]
    assert missing == [] and wrong == []


def test_demo_fully_assessed_and_nothing_unclassified_in_known_accounts(demo_snapshot):
    cov = demo_snapshot.coverage()
    assert set(cov.status) == {"assessed"}, cov[cov.status != "assessed"].to_dict("records")
    params = load_params(PARAMS_FILE)
    for kind in demo_snapshot.kinds():
        table = demo_snapshot.table(kind)
        unknown = table[(table.environment == "unknown") & table.account.isin(params.account_ids())]
        assert unknown.empty, (kind, unknown.arn.tolist()[:5])
