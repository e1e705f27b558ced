"""The one exit-code table every ``synthaudit`` command and the runner use."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status tells a scheduler.

    CLEAN (0): the command did its work and found nothing at or above ``--fail-on``.
    FINDINGS (1): it did its work and FAIL findings at or above ``--fail-on`` remain
    (``inventory --strict``: some account, region or service could not be assessed).
    FAILED (2): a phase failed, the input was invalid, or the scope could not be assessed;
    the evidence is incomplete and must not be read as clean.
    """

    CLEAN = 0
    FINDINGS = 1
    FAILED = 2


EPILOG = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 a phase failed or input was invalid."
