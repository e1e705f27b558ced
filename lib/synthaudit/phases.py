"""The registry of phases: the one list the runner, the CLI and the summary read.

Each step names its adapter as ``module:function`` (imported when it runs). The
cloudtrail phase declares IAM's unused-grants step: it needs the snapshot and reads
the events table the review step has just written, so it runs after it, from
runbook 04 and from ``synthaudit cloudtrail`` alike, and its findings follow the
review's in ``findings/cloudtrail.json``. ``reads`` names the phases whose output a phase
reads: the runner runs phases side by side once their inputs have succeeded (leak reads only
its datasets; summary, declaring nothing, reads every earlier phase).
"""
from __future__ import annotations

from synthaudit.errors import UsageError
from synthaudit.phase import Phase, Step

PHASES: tuple[Phase, ...] = (
    Phase("01", "inventory", "01_inventory.ipynb", "Inventory", (
        Step("inventory", "synthaudit.inventory.phase:inventory_step"),
    ), reads=()),
    Phase("02", "segregation", "02_segregation.ipynb", "Segregation tests", (
        Step("segregation", "synthaudit.checks.phase:segregation_step", uses=("snapshot",)),
    ), reads=("inventory",)),
    Phase("03", "iam", "03_iam_review.ipynb", "IAM least-privilege review", (
        Step("iam", "synthaudit.iam.phase:review_step", uses=("snapshot",)),
    ), reads=("inventory",)),
    Phase("04", "cloudtrail", "04_cloudtrail.ipynb", "CloudTrail anomaly review", (
        Step("cloudtrail", "synthaudit.cloudtrail.phase:review_step", uses=("snapshot",)),
        Step("iam_unused_grants", "synthaudit.iam.phase:unused_grants_step", needs=("snapshot",),
             uses=("cloudtrail/events.parquet",)),
    ), reads=("inventory",)),
    Phase("05", "leak", "05_leak_scoring.ipynb", "Synthetic-data leak scoring", (
        Step("leak", "synthaudit.leak.phase:leak_step"),
    ), reads=()),
    Phase("06", "summary", "06_evidence_summary.ipynb", "Evidence summary", (
        Step("summary", "synthaudit.evidence.phase:summary_step"),
    )),
)


def get(name_or_number: str) -> Phase:
    """A phase by name or number (``cloudtrail``, ``04``, ``4``)."""
    token = str(name_or_number).strip()
    for phase in PHASES:
        if phase.matches(token):
            return phase
    raise UsageError(f"unknown phase {token!r}; choose from " + ", ".join(f"{p.number}/{p.name}" for p in PHASES))
