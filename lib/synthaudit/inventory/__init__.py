"""Phase 01: read every account and region (read-only), classify, write ``snapshot/``.

``Snapshot(dir)`` is how later phases read it; ``run_inventory`` is how it is made.
The table schema is in ``schema.py`` and documented in README.md next to this file.
"""
from synthaudit.inventory.snapshot import Snapshot, SnapshotError

__all__ = ["Snapshot", "SnapshotError", "run_inventory"]


def run_inventory(*args, **kwargs):  # imported lazily: readers should not need boto3 loaded
    from synthaudit.inventory.collect import run_inventory as _run

    return _run(*args, **kwargs)
