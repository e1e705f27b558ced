"""Progress lines on the console of ``synthaudit run``, also from inside its kernels.

The runner sets ``SYNTHAUDIT_PROGRESS=1`` (unless ``--quiet``); its kernels inherit the
environment and the runner's stderr as their process stderr (``sys.__stderr__``: what a cell
prints goes to the notebook instead). A long phase can thus say what it is doing (phase 01:
each account and service as it is read) without anything landing in the evidence.
"""
from __future__ import annotations

import os
import sys

ENV = "SYNTHAUDIT_PROGRESS"


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def report(line: str) -> None:
    """One line on the run's console when progress is on; nothing otherwise (tests, notebooks by hand)."""
    if not enabled():
        return
    stream = sys.__stderr__ or sys.stderr
    try:
        print(f"synthaudit: {line}", file=stream, flush=True)
    except (OSError, ValueError):   # a closed console must not fail a phase
        pass
