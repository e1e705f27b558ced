"""The installed tool, as a new user gets it: build the wheel, install it into a new venv outside
the checkout, ``synthaudit init ws && cd ws && synthaudit run --params params/demo.yaml``; the run
folder is inside ws/, ``synthaudit verify`` accepts it, and nothing is written anywhere else
(not into the installed package, not into this checkout).

The new venv gets the wheel itself; its dependencies are seen through a path entry to the test
venv's site-packages (a plain entry: that folder's .pth files, the editable install of this
checkout among them, are not processed), so the test does not download the world again.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


# What the test session itself writes into the checkout while this test runs beside the others (xdist):
# hypothesis' database, pytest's cache and bytecode of the checkout's modules. The run under test imports
# the installed copy (asserted below), so none of these can come from it.
SESSION_WRITES = (".hypothesis/", ".pytest_cache/", "__pycache__/")


def git_status() -> str:
    lines = subprocess.run(["git", "--no-optional-locks", "-C", str(REPO), "status", "--porcelain", "--ignored",
                            "--untracked-files=all"], capture_output=True, text=True, check=True).stdout.splitlines()
    return "\n".join(line for line in lines if not any(part in line for part in SESSION_WRITES))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the tree, so the build leaves nothing (``build/``) in the checkout."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(REPO / "lib", source / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
                   check=True, cwd=work)
    [built] = (work / "dist").glob("synthaudit-*.whl")
    return built


def test_wheel_holds_the_runbooks_and_templates_but_no_answer_key(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert sum(n.startswith("synthaudit/runbooks/") and n.endswith(".ipynb") for n in names) == 6
    assert "synthaudit/templates/params/demo.yaml" in names and "synthaudit/catalogue/segregation.yaml" in names
    assert not [n for n in names if "planted" in n or "answer_key" in n]


@pytest.mark.slow
@pytest.mark.isolated
def test_init_and_run_from_an_installed_wheel(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True)
    new_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip())
    (new_site / "zz_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    installed = new_site / "synthaudit"
    before_pkg, before_repo = tree_state(installed), git_status()

    home = tmp_path / "empty"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SYNTHAUDIT_", "PYTHONPATH"))}
    # nbconvert's templates are data files of the dependencies' prefix, which a real install has in its own
    env.update(PATH=f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}", JUPYTER_PLATFORM_DIRS="1",
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    where = subprocess.run([str(python), "-c", "import synthaudit; print(synthaudit.__file__)"],
                           capture_output=True, text=True, check=True, env=env, cwd=home).stdout
    assert where.startswith(str(new_site)), f"the new venv imports synthaudit from {where}"

    synthaudit = str(env_dir / "bin" / "synthaudit")
    subprocess.run([synthaudit, "init", "ws"], check=True, env=env, cwd=home)
    ws = home / "ws"
    run = subprocess.run([synthaudit, "run", "--params", "params/demo.yaml", "--no-progress"],
                         capture_output=True, text=True, env=env, cwd=ws)
    assert run.returncode == 1, run.stderr[-3000:]  # the demo is planted with findings
    run_dir = Path(run.stdout.strip().splitlines()[-1])
    assert run_dir.parent == (ws / "outputs").resolve()
    verify = subprocess.run([synthaudit, "verify", str(run_dir)], capture_output=True, text=True, env=env, cwd=ws)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["kit"]["version"] and "commit" not in manifest["kit"]  # not run from a checkout
    assert tree_state(installed) == before_pkg, "the run wrote into the installed package"
    assert git_status() == before_repo, "the run wrote into the kit's checkout"
    assert {p.name for p in home.iterdir()} == {"ws"}
