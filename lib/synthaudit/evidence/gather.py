"""Reading what the earlier phases left in a run folder: their scrapbook scraps (else
``findings/<phase>.json``), the snapshot's coverage table, the run's date and scope.

A notebook that is missing, failed or unreadable becomes a phase state that says so,
never a crash: the summary must still report the phases that did run.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from synthaudit import findings as findings_mod
from synthaudit.evidence import exports
from synthaudit.evidence.report import PhaseState
from synthaudit.findings import Finding


def notebook_failed(nb: Any) -> str | None:
    meta = (getattr(nb, "metadata", None) or {}).get("papermill", {}) or {}
    if meta.get("exception") or meta.get("status") == "failed":
        return "the notebook recorded an error (see its error banner)"
    return None


def read_scrapbook(run_dir: Path) -> dict[str, Any]:
    """Notebook name -> scrapbook Notebook; a notebook that cannot be read maps to its error."""
    import scrapbook as sb

    try:
        book = sb.read_notebooks(str(run_dir))
        return {name: book[name] for name in book}
    except Exception:  # one unreadable notebook must not hide the others
        pass
    result: dict[str, Any] = {}
    for path in sorted(run_dir.glob("*.ipynb")):
        try:
            result[path.stem] = sb.read_notebook(str(path))
        except Exception as exc:  # noqa: BLE001 - reported as the phase's error
            result[path.stem] = exc
    return result


def scrap_findings(data: Any, notebook: str) -> tuple[Finding, ...]:
    if not isinstance(data, list):
        raise ValueError(f"{notebook}: scrap 'findings' is not a list")
    return tuple(Finding.from_dict(item) for item in data)


def collect_phases(run_dir: Path, notebooks: Iterable[tuple[str, str]]) -> list[PhaseState]:
    """Each (phase, notebook stem)'s status and findings, from scraps first, then findings/<phase>.json."""
    run_dir = Path(run_dir)
    book = read_scrapbook(run_dir)
    states: list[PhaseState] = []
    for phase, stem in notebooks:
        nb = book.get(stem)
        file_path = findings_mod.phase_findings_path(run_dir, phase)
        error: str | None = None
        scraps: dict[str, Any] = {}
        found: tuple[Finding, ...] | None = None
        source: str | None = None
        if isinstance(nb, Exception):
            error = f"{stem}.ipynb cannot be read: {nb}"
        elif nb is not None:
            error = notebook_failed(nb)
            try:
                scraps = {name: scrap.data for name, scrap in nb.scraps.items()}
            except Exception as exc:  # noqa: BLE001
                error = error or f"{stem}.ipynb: scraps cannot be read: {exc}"
            if "findings" in scraps:
                try:
                    found, source = scrap_findings(scraps["findings"], f"{stem}.ipynb"), "scrap"
                except (ValueError, TypeError, KeyError) as exc:
                    error = error or f"invalid findings scrap: {exc}"
        if found is None and file_path.exists():
            try:
                found, source = tuple(findings_mod.read_json(file_path)), "file"
            except (ValueError, TypeError, KeyError) as exc:
                error = error or f"{file_path.relative_to(run_dir)}: {exc}"
        if nb is None and found is None:
            status = "not run"
            error = error or f"{stem}.ipynb is not in the run folder"
        elif error:
            status = "failed"
        else:
            status = "succeeded"
        states.append(PhaseState(phase, f"{stem}.ipynb", status, source, found or (), error,
                                 tuple(sorted((k, v) for k, v in scraps.items() if k != "findings"))))
    return states


def read_coverage(run_dir: Path) -> pd.DataFrame | None:
    path = Path(run_dir) / "snapshot" / "coverage.parquet"
    if not path.exists():
        return None
    try:
        return pd.read_parquet(path)
    except Exception:  # noqa: BLE001 - shown as missing coverage rather than a crash
        return None


def scope_of(params: Any) -> tuple[tuple[str, str], ...]:
    """What the run was asked to assess, in words an auditor reads."""
    accounts = ", ".join(f"{a.id} ({a.name})" for a in params.accounts)
    trail = params.cloudtrail.source + (f": s3://{params.cloudtrail.bucket}/{params.cloudtrail.prefix}"
                                        if params.cloudtrail.source == "s3" and params.cloudtrail.bucket else "")
    return (
        ("accounts", accounts), ("regions", ", ".join(params.aws.regions)),
        ("CloudTrail source", f"{trail}; review {params.cloudtrail.review_days} days after a "
                              f"{params.cloudtrail.baseline_days}-day baseline"),
        ("datasets scored", ", ".join(d.name for d in params.datasets) or "none"),
        ("fail-on severity", params.thresholds.fail_on),
    )


def run_date(run_dir: Path) -> dt.date:
    when = exports.run_time(run_dir)
    return when.date() if when else dt.datetime.now(dt.timezone.utc).date()
