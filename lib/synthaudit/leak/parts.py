"""The record every leak metric returns: one part of a dataset's score."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_EXAMPLES = 20  # worst offending rows kept in evidence (positions and masks only)


@dataclass(frozen=True)
class PartResult:
    part: str                      # exact_copies, near_copies, ...
    check_id: str                  # catalogue id, e.g. LEAK_EXACT_COPIES
    status: str                    # PASS | FAIL | NOT_ASSESSED
    metrics: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    rows: tuple[int, ...] = ()     # synthetic row positions this part flags
    examples: tuple[dict[str, Any], ...] = ()
    reason: str | None = None
    arrays: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # for plots; not in JSON

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part, "check_id": self.check_id, "status": self.status, "reason": self.reason,
            "metrics": self.metrics, "parameters": self.parameters,
            "flagged_rows": len(self.rows), "row_positions": list(self.rows[:200]),
            "examples": list(self.examples),
        }


def not_assessed(part: str, check_id: str, reason: str, **parameters: Any) -> PartResult:
    return PartResult(part, check_id, "NOT_ASSESSED", parameters=parameters, reason=reason)
