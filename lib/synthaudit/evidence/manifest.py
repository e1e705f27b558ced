"""manifest.json: what a run folder holds and how it came to be, chained to the run before.

The manifest lists the SHA-256 of every file in the run folder (except itself),
the params as loaded, package versions, the kit's git commit, the caller identity
per account, start/end times, each phase's status and error, and the SHA-256 of the
previous run's manifest. Editing any file, or any earlier manifest, breaks verify.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from pathlib import Path
from typing import Any, Iterable

MANIFEST = "manifest.json"
SCHEMA_VERSION = 1
# Files beside the evidence that verify must not count (written after the manifest, by design).
UNHASHED = frozenset({MANIFEST})
PACKAGES = (
    "synthaudit", "papermill", "scrapbook", "nbconvert", "nbformat", "ipykernel", "boto3", "botocore",
    "pandas", "pyarrow", "plotly", "duckdb", "sqlglot", "policy_sentry", "moto", "pydantic", "numpy",
    "pydicom", "imagehash",
)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in blocks (run folders and log files can be large)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def evidence_files(run_dir: Path) -> list[Path]:
    """Every regular file of the run folder that the manifest covers, in a stable order."""
    run_dir = Path(run_dir)
    return sorted(
        (p for p in run_dir.rglob("*") if p.is_file() and p.relative_to(run_dir).as_posix() not in UNHASHED),
        key=lambda p: p.relative_to(run_dir).as_posix(),
    )


def hash_files(run_dir: Path) -> dict[str, dict[str, Any]]:
    return {
        p.relative_to(run_dir).as_posix(): {"sha256": sha256_file(p), "size": p.stat().st_size}
        for p in evidence_files(run_dir)
    }


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def previous_manifest(run_dir: Path) -> Path | None:
    """The newest earlier run folder (by name, which sorts by time) in the same outputs folder."""
    run_dir = Path(run_dir).resolve()
    earlier = [
        p for p in run_dir.parent.iterdir()
        if p.is_dir() and p.name < run_dir.name and (p / MANIFEST).is_file()
    ]
    return (max(earlier, key=lambda p: p.name) / MANIFEST) if earlier else None


def organization_id(run_dir: Path) -> str | None:
    """The AWS organisation a run audited: the manifest's ``organization``, else the snapshot's
    raw/organizations.json, else params ``organization_id`` (None when none says)."""
    run_dir = Path(run_dir)
    try:
        manifest = json.loads((run_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        manifest = {}
    manifest = manifest if isinstance(manifest, dict) else {}
    org = manifest.get("organization")
    if isinstance(org, dict) and isinstance(org.get("id"), str):
        return org["id"]
    try:
        raw = json.loads((run_dir / "snapshot" / "raw" / "organizations.json").read_text())
        found = ((raw or {}).get("organization") or {}).get("Id")
        if isinstance(found, str) and found:
            return found
    except (OSError, ValueError, AttributeError):
        pass
    params = manifest.get("params")
    found = params.get("organization_id") if isinstance(params, dict) else None
    return found if isinstance(found, str) and found else None


def write_manifest(run_dir: Path, record: dict[str, Any]) -> Path:
    """Hash the folder and write manifest.json; ``record`` carries params, phases, identity, times."""
    run_dir = Path(run_dir)
    prev = previous_manifest(run_dir)
    org = record.get("organization") or {"id": organization_id(run_dir)}
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "run": run_dir.name,
        **record,
        "organization": org,
        "previous_manifest": (
            {"run": prev.parent.name, "sha256": sha256_file(prev)} if prev else None
        ),
        "files": hash_files(run_dir),
    }
    path = run_dir / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return path


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no manifest (the run did not finish, or this is not a run folder)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: manifest is not valid JSON ({exc})") from None
