"""init writes a workspace; a run finds it; proposals from OU names are only proposals."""
from __future__ import annotations

import pytest

from synthaudit.aws.discovery import Organization, OrgAccount
from synthaudit.config import load_params
from synthaudit.errors import WorkspaceError
from synthaudit.workspace import MARKER, Workspace, find_workspace, init_workspace, propose_environment

ORG = Organization("o-abc123def4", "111111111111", (
    OrgAccount("111111111111", "management", "ACTIVE", (), ()),
    OrgAccount("222222222222", "ehr", "ACTIVE", ("ou-r-1", "ou-r-2"), ("Workloads", "Prod Workloads")),
    OrgAccount("333333333333", "lab", "ACTIVE", ("ou-r-3",), ("SyntheticData",)),
    OrgAccount("444444444444", "misc", "ACTIVE", ("ou-r-4",), ("Sandbox",)),
))


def test_init_writes_params_exceptions_readme_and_marker(tmp_path):
    written = init_workspace(tmp_path / "ws")
    names = {p.relative_to(tmp_path / "ws").as_posix() for p in written}
    assert {"params/demo.yaml", "params/example-organisation.yaml", "exceptions.yaml", "README.md", MARKER} <= names
    load_params(tmp_path / "ws" / "params" / "demo.yaml")
    assert (tmp_path / "ws" / "outputs").is_dir()


def test_init_never_overwrites(tmp_path):
    init_workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="exists already"):
        init_workspace(tmp_path)


def test_run_finds_the_workspace_above_the_params_file_then_the_cwd(tmp_path):
    init_workspace(tmp_path / "ws")
    params = tmp_path / "ws" / "params" / "demo.yaml"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert find_workspace(params, cwd=elsewhere) == (tmp_path / "ws").resolve()
    assert find_workspace(None, cwd=tmp_path / "ws" / "params") == (tmp_path / "ws").resolve()
    assert find_workspace(None, cwd=elsewhere) == elsewhere.resolve()
    ws = Workspace(tmp_path / "ws")
    assert ws.outputs == tmp_path / "ws" / "outputs" and ws.cloudtrail_cache.parent == ws.outputs


def test_a_params_file_reached_through_a_symlink_belongs_to_the_symlinks_workspace(tmp_path, monkeypatch):
    """The checkout's params/ is a symlink into the package: the workspace is where the link is."""
    monkeypatch.delenv("SYNTHAUDIT_WORKSPACE", raising=False)
    (tmp_path / "package" / "params").mkdir(parents=True)
    (tmp_path / "package" / "params" / "demo.yaml").write_text("x: 1\n")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / MARKER).write_text("{}\n")
    (tmp_path / "ws" / "params").symlink_to(tmp_path / "package" / "params")
    assert find_workspace(tmp_path / "ws" / "params" / "demo.yaml", cwd=tmp_path) == (tmp_path / "ws").resolve()


def test_the_runners_workspace_wins_in_its_kernels(tmp_path, monkeypatch):
    init_workspace(tmp_path / "ws")
    monkeypatch.setenv("SYNTHAUDIT_WORKSPACE", str(tmp_path / "chosen"))
    assert find_workspace(tmp_path / "ws" / "params" / "demo.yaml") == tmp_path / "chosen"


def test_workspace_runbooks_are_its_own_only_when_present(tmp_path):
    ws = Workspace(tmp_path)
    assert ws.runbooks != tmp_path / "runbooks"
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "01_inventory.ipynb").write_text("{}")
    assert ws.runbooks == tmp_path / "runbooks"


def test_organisation_params_discover_accounts_and_propose_ous(tmp_path):
    init_workspace(tmp_path, organization=ORG, label="acme")
    text = (tmp_path / "params" / "acme.yaml").read_text()
    params = load_params(tmp_path / "params" / "acme.yaml")
    assert params.discovers_accounts and params.organization_id == "o-abc123def4"
    assert params.classification.production.ous == ["ou-r-2"]  # "Prod Workloads"; its parent "Workloads" is not a proposal
    assert params.classification.synthetic.ous == ["ou-r-3"]
    assert "Sandbox (ou-r-4, 1 accounts)" in text and "CONFIRM" in text
    assert "222222222222" not in text


@pytest.mark.parametrize("name, env", [("Production", "production"), ("synthetic-data", "synthetic"),
                                       ("Security", "shared"), ("Sandbox", None)])
def test_proposals_by_ou_name(name, env):
    assert propose_environment(name) == env
