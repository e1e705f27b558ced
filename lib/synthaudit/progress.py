"""Progress lines on the console of ``synthaudit run``, also from inside its kernels.

The runner sets ``SYNTHAUDIT_PROGRESS=1`` (unless ``--quiet``); its kernels inherit the
environment and the runner's stderr as their process stderr (``sys.__stderr__``: what a cell
prints goes to the notebook instead). A long phase can thus say what it is doing (phase 01:
each account and service as it is read) without anything landing in the evidence.
"""
from __future__ import annotations

import os
import sys
import threading

ENV = "SYNTHAUDIT_PROGRESS"
_LOCK = threading.Lock()   # collectors report from many threads: whole lines, never interleaved


def enabled() -> bool:
    return os.environ.get(ENV) == "1"


def report(line: str) -> None:
    """One line on the run's console when progress is on; nothing otherwise (tests, notebooks by hand)."""
    if enabled():
        write(line, sys.__stderr__ or sys.stderr)


def write(line: str, stream=None) -> None:
    """``synthaudit: <line>`` in one write (phases side by side, and their kernels, share the console:
    a short single write to it is never interleaved with another)."""
    stream = stream or sys.stderr
    try:
        with _LOCK:
            stream.write(f"synthaudit: {line}\n")
            stream.flush()
    except (OSError, ValueError):   # a closed console must not fail a phase
        pass
