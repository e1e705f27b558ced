"""What a segregation check is: an id, its family, the snapshot tables it reads, and the
function that decides it. Family modules export their checks as a ``CHECKS`` tuple of
these; ``registry`` collects and validates them. This module imports no family and
no registry, so a family never imports the thing that collects it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from synthaudit.findings import Finding
from synthaudit.inventory.schema import TABLES

from synthaudit.checks.context import CheckContext


@dataclass(frozen=True)
class Check:
    id: str
    family: str
    tables: tuple[str, ...]
    run: Callable[[CheckContext], Iterable[Finding]]
    # tables whose rows the check selects by environment: a row there that no classification
    # rule matched (``unknown``) cannot be judged, so it gets NOT_ASSESSED, never silence
    judges: tuple[str, ...] = ()

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(sorted({TABLES[k].service for k in self.tables if k in TABLES}))
