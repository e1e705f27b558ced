"""The demo's params as preflight resolves them on the demo estate, for tests that run one phase's
library without the runner (and so without preflight or a snapshot)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

DEMO_PARAMS = Path(__file__).resolve().parents[1] / "params" / "demo.yaml"


def demo_organization() -> dict[str, Any]:
    """The demo estate's organisation in raw/organizations.json's shape, from the builder's own layout
    (estate_org), for tests that classify demo accounts without a snapshot or a server."""
    from synthaudit.demo import ids
    from synthaudit.demo.estate_org import ACCOUNT_PLACEMENT, EXTRA_ACCOUNTS, MANAGEMENT_TAGS, OU_TREE

    def ou(name: str | None) -> str:
        return f"ou-{name.lower()}" if name else "r-root"

    accounts = [{"Id": a, "Name": n, "ParentId": ou(ACCOUNT_PLACEMENT.get(a)),
                 "Tags": [{"Key": k, "Value": v} for k, v in MANAGEMENT_TAGS.items()] if a == ids.MANAGEMENT else []}
                for a, n in {**ids.ACCOUNTS, **EXTRA_ACCOUNTS}.items()]
    return {"organization": {"Id": ids.ORG_ID, "MasterAccountId": ids.MANAGEMENT},
            "ous": [{"Id": ou(n), "Name": n, "ParentId": ou(parent)} for n, parent in OU_TREE], "accounts": accounts}


def resolved_demo_params():
    """params/demo.yaml with what preflight finds on the demo estate (discovered accounts, the
    buckets' owners), the accounts pinned to what the file's OU and tag rules make of them: for
    tests that run one phase's library without the runner."""
    from synthaudit.classify import Classifier
    from synthaudit.config import load_params
    from synthaudit.demo import ids

    params = load_params(DEMO_PARAMS)
    org = demo_organization()
    classifier = Classifier(params, org)
    data = params.model_dump(mode="json")
    data["accounts"] = [{"id": a["Id"], "name": a["Name"], "environment": classifier.account(a["Id"]).environment}
                        for a in org["accounts"]]
    data.update(organization_id=ids.ORG_ID, management_account=ids.MANAGEMENT)
    data["discovery"]["enabled"] = False
    data["cloudtrail"]["account"] = ids.LOGGING
    for ds in data["datasets"]:
        ds.update(account=ids.PRODUCTION, synthetic_account=ids.SYNTHETIC)
    return type(params).model_validate(data)
