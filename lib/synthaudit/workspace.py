"""Where a run lives: the analyst's workspace, never the kit's own package or checkout.

``synthaudit init DIR`` writes a workspace: ``params/`` (the demo's params and a documented
organisation template, or one filled from AWS Organizations), ``exceptions.yaml``, a README and
a marker file. A run finds its workspace by walking up from the params file's folder (then the
current folder) to the nearest folder holding the marker; without one, the current folder is the
workspace. Run folders and the CloudTrail cache go to ``<workspace>/outputs/``. Runbooks come
from the package unless the workspace holds its own copies in ``runbooks/`` (``init --runbooks``).
"""
from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from synthaudit.errors import WorkspaceError

PACKAGE_ROOT = Path(__file__).resolve().parent
TEMPLATES = PACKAGE_ROOT / "templates"
PACKAGED_RUNBOOKS = PACKAGE_ROOT / "runbooks"
MARKER = "synthaudit-workspace.yaml"
# Set by the runner for the kernels it starts (they run in the run folder): the runner's choice of
# workspace, so a phase never guesses another one (and never puts the CloudTrail cache in the evidence).
WORKSPACE_ENV = "SYNTHAUDIT_WORKSPACE"
DISTRIBUTION = "synthaudit"


def kit_version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def kit_checkout() -> Path | None:
    """The git checkout the kit runs from (an editable install), or None for an installed wheel."""
    root = PACKAGE_ROOT.parents[1]
    return root if (root / ".git").exists() and (root / "pyproject.toml").is_file() else None


def kit_commit() -> dict[str, Any] | None:
    """The checkout's commit and whether tracked files changed; read without git's index lock
    (``--no-optional-locks``), so a run never blocks or disturbs a developer's git."""
    root = kit_checkout()
    if root is None:
        return None

    def git(*args: str) -> str:
        return subprocess.run(["git", "--no-optional-locks", "-C", str(root), *args],
                              capture_output=True, text=True, timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": dirty if commit else None}


def find_workspace(params_path: Path | None = None, cwd: Path | None = None) -> Path:
    """``$SYNTHAUDIT_WORKSPACE`` when the runner set it; else the nearest folder at or above the params
    file's folder (as named, symlinks not followed), then the current folder, that holds the marker;
    else the current folder."""
    if os.environ.get(WORKSPACE_ENV):
        return Path(os.environ[WORKSPACE_ENV])
    cwd = (cwd or Path.cwd()).resolve()
    starts = ([Path(os.path.abspath(params_path)).parent] if params_path else []) + [cwd]
    for start in starts:
        for folder in (start, *start.parents):
            if (folder / MARKER).is_file():
                return folder.resolve()
    return cwd


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def cloudtrail_cache(self) -> Path:
        return self.outputs / ".cloudtrail-cache"

    @property
    def runbooks(self) -> Path:
        """The workspace's own runbooks when it has them, else the packaged ones."""
        own = self.root / "runbooks"
        return own if own.is_dir() and any(own.glob("*.ipynb")) else PACKAGED_RUNBOOKS


PROPOSALS = (  # OU name words -> the environment proposed for the analyst to confirm
    ("production", re.compile(r"prod|phi|clinical|live", re.I)),
    ("synthetic", re.compile(r"synth|generat|research[- _]?data", re.I)),
    ("shared", re.compile(r"shared|security|log|audit|infra|network|management", re.I)),
)


def propose_environment(ou_name: str) -> str | None:
    return next((env for env, pattern in PROPOSALS if pattern.search(ou_name)), None)


def organisation_params(org: Any, label: str) -> str:
    """A params file for a discovered organisation: no account listed (discovery), one OU rule per
    proposed environment, every OU shown so the analyst can move it; comments say what to confirm."""
    ous: dict[tuple[str, str], int] = {}
    for acct in org.accounts:
        for ou_id, name in zip(acct.ou_ids, acct.ou_names):
            ous[(ou_id, name)] = ous.get((ou_id, name), 0) + 1
    rules: dict[str, list[str]] = {"production": [], "synthetic": [], "shared": []}
    unplaced = []
    for (ou_id, name), count in sorted(ous.items(), key=lambda item: item[0][1].lower()):
        env = propose_environment(name)
        (rules[env].append(ou_id) if env else unplaced.append(f"{name} ({ou_id}, {count} accounts)"))
    names = {ou_id: name for ou_id, name in ous}
    lines = [
        f"# Params for organisation {org.id}, written by `synthaudit init` from AWS Organizations.",
        "# CONFIRM before the first run: each OU below was put under an environment by its name alone.",
        "# Every key is documented in example-organisation.yaml beside this file.",
        f"label: {label}", "estate: aws", f"organization_id: {org.id}",
        f'management_account: "{org.management_account}"',
        "# No account is listed: the kit reads the organisation's ACTIVE accounts at every run.",
        "accounts: discover", "classification:",
    ]
    for env, ids in rules.items():
        lines.append(f"  {env}:")
        lines.append("    ous: [" + ", ".join(ids) + "]" + (
            "  # " + ", ".join(names[i] for i in ids) if ids else "  # no OU name suggested this environment"))
    if unplaced:
        lines.append("# OUs with no proposed environment (their accounts are 'unknown' until placed):")
        lines.extend(f"#   {text}" for text in unplaced)
    lines += ["cloudtrail:", "  source: s3", "  bucket: null  # the organisation trail's bucket"]
    return "\n".join(lines) + "\n"


WORKSPACE_README = """# synthaudit workspace

Made by `synthaudit init` (synthaudit {version}).

- `params/demo.yaml`: the simulated estate (a moto server the kit starts on loopback).
- `params/example-organisation.yaml`: every key, documented; copy it for your organisation.
{org_line}- `exceptions.yaml`: accepted risks (owner, reason, expiry); point `exceptions_file` at it.
- `outputs/`: one dated, hash-chained folder per run, and the CloudTrail cache.
- `runbooks/`: only if you ran `init --runbooks`; the kit's packaged runbooks are used otherwise.

    synthaudit run --params params/demo.yaml
    synthaudit verify outputs/<run folder>

A run finds this workspace by the `{marker}` file in this folder (searched upwards from the
params file, then from the current folder).
"""


def init_workspace(dest: Path, *, runbooks: bool = False, organization: Any = None,
                   label: str = "organisation") -> list[Path]:
    """Write a workspace into ``dest`` (created if missing); refuses to overwrite a file."""
    dest = dest.resolve()
    planned: dict[Path, bytes] = {
        dest / "params" / "demo.yaml": (TEMPLATES / "params" / "demo.yaml").read_bytes(),
        dest / "params" / "example-organisation.yaml":
            (TEMPLATES / "params" / "example-organisation.yaml").read_bytes(),
        dest / "exceptions.yaml": (TEMPLATES / "exceptions.yaml").read_bytes(),
        dest / MARKER: yaml.safe_dump({"synthaudit_workspace": 1, "created_by": kit_version()}).encode(),
    }
    if organization is not None:
        planned[dest / "params" / f"{label}.yaml"] = organisation_params(organization, label).encode()
    org_line = f"- `params/{label}.yaml`: your organisation, read from AWS Organizations: confirm its OU rules.\n" \
        if organization is not None else ""
    planned[dest / "README.md"] = WORKSPACE_README.format(version=kit_version(), org_line=org_line,
                                                          marker=MARKER).encode()
    if runbooks:
        for notebook in sorted(PACKAGED_RUNBOOKS.glob("*.ipynb")):
            planned[dest / "runbooks" / notebook.name] = notebook.read_bytes()
    existing = [p for p in planned if p.exists()]
    if existing:
        raise WorkspaceError(f"{existing[0]} exists already", path=existing[0],
                             hint="choose an empty folder, or remove the file first")
    for path, content in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (dest / "outputs").mkdir(exist_ok=True)
    return sorted(planned)


def _cmd_init(args: Any) -> int:
    organization = None
    if args.organization:
        from synthaudit.aws.preflight import read_organization_for_init

        organization = read_organization_for_init(args.profile, args.endpoint_url, args.region)
    written = init_workspace(Path(args.dir), runbooks=args.runbooks, organization=organization, label=args.label)
    root = Path(args.dir).resolve()
    for path in written:
        print(path.relative_to(root).as_posix())
    print(f"workspace ready: cd {args.dir} && synthaudit run --params params/demo.yaml")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="write a workspace: params, exceptions, README; runs go to its outputs/",
                       description="Write a workspace into DIR: params/demo.yaml, params/example-organisation.yaml "
                       "(every key documented), exceptions.yaml, a README and a marker file. With --organization, "
                       "also params/LABEL.yaml filled from AWS Organizations (organisation id, management account, "
                       "OU rules proposed by OU name for you to confirm; accounts discovered at each run).")
    p.add_argument("dir", help="the workspace folder (created; existing files are never overwritten)")
    p.add_argument("--runbooks", action="store_true", help="copy the runbooks in, to customise them")
    p.add_argument("--organization", action="store_true",
                   help="read the organisation with the current credentials (management account or delegated admin)")
    p.add_argument("--label", default="organisation", help="name of the organisation's params file and run label")
    p.add_argument("--profile", help="AWS profile for --organization (default: the default credential chain)")
    p.add_argument("--endpoint-url", help=argparse.SUPPRESS)  # tests and simulated estates
    p.add_argument("--region", default="us-east-1", help="region for the Organizations call (default us-east-1)")
    p.set_defaults(func=_cmd_init)
