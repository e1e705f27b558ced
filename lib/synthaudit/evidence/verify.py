"""``synthaudit verify RUN``: re-hash a run folder and walk its hash chain.

Any changed, missing or added file, or a broken link to an earlier run, is a
problem named by its path. The chain is walked back as far as the earlier run
folders are present; a link to a folder that is gone is reported, not assumed.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synthaudit.evidence.manifest import MANIFEST, hash_files, read_manifest, sha256_file


@dataclass(frozen=True)
class Problem:
    run: str
    path: str
    kind: str  # changed | missing | added | chain_broken | chain_missing | unreadable

    def __str__(self) -> str:
        return f"{self.run}: {self.kind}: {self.path}"


@dataclass(frozen=True)
class VerifyResult:
    runs_checked: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_folder(run_dir: Path) -> list[Problem]:
    """Compare one folder with its own manifest."""
    run_dir = Path(run_dir)
    try:
        manifest = read_manifest(run_dir)
    except (FileNotFoundError, ValueError) as exc:
        return [Problem(run_dir.name, f"{MANIFEST} ({exc})", "unreadable")]
    recorded = manifest.get("files", {})
    actual = hash_files(run_dir)
    problems = []
    for path in sorted(set(recorded) | set(actual)):
        if path not in actual:
            problems.append(Problem(run_dir.name, path, "missing"))
        elif path not in recorded:
            problems.append(Problem(run_dir.name, path, "added"))
        elif recorded[path]["sha256"] != actual[path]["sha256"]:
            problems.append(Problem(run_dir.name, path, "changed"))
    return problems


def verify_run(run_dir: Path, walk_chain: bool = True) -> VerifyResult:
    """Verify ``run_dir`` and, through previous_manifest links, every earlier run still present."""
    run_dir = Path(run_dir).resolve()
    checked: list[str] = []
    problems: list[Problem] = []
    current = run_dir
    while True:
        checked.append(current.name)
        problems.extend(verify_folder(current))
        if not walk_chain:
            break
        try:
            link = read_manifest(current).get("previous_manifest")
        except (FileNotFoundError, ValueError):
            break
        if not link:
            break
        prev_dir = current.parent / link["run"]
        prev_manifest = prev_dir / MANIFEST
        if not prev_manifest.is_file():
            problems.append(Problem(current.name, f"{link['run']}/{MANIFEST}", "chain_missing"))
            break
        if sha256_file(prev_manifest) != link["sha256"]:
            problems.append(Problem(current.name, f"{link['run']}/{MANIFEST}", "chain_broken"))
        if prev_dir.name in checked:
            break
        current = prev_dir
    return VerifyResult(tuple(checked), tuple(problems))
