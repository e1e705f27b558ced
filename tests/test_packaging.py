"""environment.yml stays in step with pyproject.toml; outputs/ is ignored but documented."""
from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _norm(spec: str) -> str:
    return re.sub(r"\s+", "", spec.split("#")[0]).lower().replace("_", "-")


def test_environment_yml_lists_what_pyproject_declares():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {_norm(d) for d in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {_norm(d) for d in pip_block if not d.startswith("-e")}
    assert listed == wanted, f"only in environment.yml: {listed - wanted}; only in pyproject: {wanted - listed}"
    assert any(d.startswith("python") and "3.11" in d for d in env["dependencies"] if isinstance(d, str))


def test_scrapbook_six_is_declared():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(_norm(d).startswith("six") for d in deps)


def test_outputs_is_ignored_except_its_readme():
    assert (REPO / "outputs" / "README.md").exists()
    ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "outputs/2026-01-01T0000Z_x/manifest.json"])
    kept = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "outputs/README.md"])
    assert ignored.returncode == 0 and kept.returncode == 1


def test_the_package_holds_no_run_output():
    """Runs (nbval executes the runbooks in the package's folder) write into a workspace, never into
    the package: no outputs/ or CloudTrail cache is in it, tracked or on disk."""
    package = REPO / "lib" / "synthaudit"
    on_disk = [str(p.relative_to(REPO)) for p in package.rglob("*") if p.name in ("outputs", ".cloudtrail-cache")]
    assert on_disk == []
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "lib/synthaudit/runbooks"],
                             capture_output=True, text=True).stdout.split()
    assert [t for t in tracked if not t.endswith(".ipynb")] == []
