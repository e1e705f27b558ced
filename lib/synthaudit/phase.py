"""The one seam between a phase's analysis and whoever runs it (runbook, CLI, runner).

A phase is a sequence of declared steps over one run folder. Each step is a thin
adapter over its area's library function and returns a ``PhaseResult``; the phase
merges them in order. ``RunContext.publish`` then writes ``findings/<phase>.json``
and glues the scraps, the same way from a notebook and from the command line.
A step may belong to another area's analysis (IAM's unused grants need CloudTrail
usage, so phase 04 declares that step): declaring it is what makes the notebook and
``synthaudit cloudtrail`` run it alike.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from synthaudit.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass(frozen=True)
class PhaseResult:
    """What a phase (or one of its steps) produced.

    ``findings`` is None for a phase that judges nothing (inventory): it then writes no
    findings file and glues no ``findings`` scrap. ``tables`` are for display only;
    ``scraps`` are glued under their names; ``details`` hold the area's own result
    objects (a review, a report) for display cells that need more than a table;
    ``phase`` names the findings file (set by ``Phase.run``);
    ``problem`` says why the scope could not be assessed (the CLI exits FAILED).
    """

    phase: str | None = None
    findings: tuple[Finding, ...] | None = None
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    scraps: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    problem: str | None = None
    warnings: tuple[str, ...] = ()

    def merged(self, later: PhaseResult) -> PhaseResult:
        """This result followed by a later step's: findings in step order, names of the later step added."""
        if self.findings is None and later.findings is None:
            findings = None
        else:
            findings = (*(self.findings or ()), *(later.findings or ()))
        return PhaseResult(
            phase=self.phase or later.phase, findings=findings,
            tables={**self.tables, **later.tables}, scraps={**self.scraps, **later.scraps},
            details={**self.details, **later.details},
            problem="; ".join(p for p in (self.problem, later.problem) if p) or None,
            warnings=(*self.warnings, *later.warnings),
        )

    def counts(self) -> dict[str, int]:
        """Findings per status (what the CLI prints)."""
        out: dict[str, int] = {}
        for f in self.findings or ():
            out[f.status] = out.get(f.status, 0) + 1
        return dict(sorted(out.items()))


class PhaseContext(Protocol):
    """What a step is handed (``runbook.RunContext`` is the implementation; a protocol here keeps
    this module free of an import back into the runbook module)."""

    @property
    def run_dir(self) -> Path: ...


@dataclass(frozen=True)
class Step:
    """One declared piece of a phase: its name, the run-folder inputs it needs, its adapter.

    ``needs``: paths inside the run folder that must exist, else the step contributes
    nothing (as when runbook 04 runs without a snapshot). ``uses``: inputs it reads; its
    adapter reports a missing one (NOT_ASSESSED, or an error naming it). ``target`` is
    ``module:function``, imported only when the step runs, so the registry stays cheap to
    import and free of cycles (the summary step's module reads the registry itself).
    """

    name: str
    target: str
    needs: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()

    def function(self) -> Callable[[PhaseContext], PhaseResult]:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)

    def ready(self, ctx: PhaseContext) -> bool:
        return all((ctx.run_dir / need).exists() for need in self.needs)

    def run(self, ctx: PhaseContext) -> PhaseResult:
        return self.function()(ctx) if self.ready(ctx) else PhaseResult()


@dataclass(frozen=True)
class Phase:
    """One runbook: its number, name, notebook, title, declared steps, and the phases whose output
    it reads (the runner starts it once those have succeeded; ``None``: every earlier phase)."""

    number: str
    name: str
    notebook: str
    title: str
    steps: tuple[Step, ...] = field(default=())
    reads: tuple[str, ...] | None = None

    def run(self, ctx: PhaseContext) -> PhaseResult:
        result = PhaseResult(phase=self.name)
        for step in self.steps:
            result = result.merged(replace(step.run(ctx), phase=self.name))
        return result

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def matches(self, token: str) -> bool:
        return token in (self.number, self.number.lstrip("0"), self.name)
