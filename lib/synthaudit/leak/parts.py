"""The parts of a dataset's leak score, as data, and the record each part's metric returns.

``PARTS`` is the one list of parts: each one's name (its key in leak.json) and the catalogue
check its finding is reported as, in the order ``score.score_tables`` runs them. The metric
modules take their ``Part`` from here; the report and the combination read this list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_EXAMPLES = 20  # worst offending rows kept in evidence (positions and masks only)


@dataclass(frozen=True)
class Part:
    name: str        # exact_copies, near_copies, ...
    check_id: str    # catalogue id, e.g. LEAK_EXACT_COPIES

    def result(self, status: str, **fields: Any) -> "PartResult":
        return PartResult(self.name, self.check_id, status, **fields)

    def not_assessed(self, reason: str, **parameters: Any) -> "PartResult":
        return not_assessed(self.name, self.check_id, reason, **parameters)


EXACT_COPIES = Part("exact_copies", "LEAK_EXACT_COPIES")
NEAR_COPIES = Part("near_copies", "LEAK_NEAR_COPIES")
QI_REPLAY = Part("qi_replay", "LEAK_QI_REPLAY")
IDENTIFIER_OVERLAP = Part("identifier_overlap", "LEAK_IDENTIFIER_OVERLAP")
INFERENCE_RISK = Part("inference_risk", "LEAK_INFERENCE_RISK")
FREE_TEXT_PHI = Part("free_text_phi", "LEAK_FREE_TEXT_PHI")
DICOM_HEADER_PHI = Part("dicom_header_phi", "LEAK_DICOM_HEADER_PHI")
IMAGE_NEAR_DUPLICATE = Part("image_near_duplicate", "LEAK_IMAGE_NEAR_DUPLICATE")
CANARY = Part("canary", "LEAK_CANARY")
PARTS: tuple[Part, ...] = (EXACT_COPIES, NEAR_COPIES, QI_REPLAY, IDENTIFIER_OVERLAP, INFERENCE_RISK, FREE_TEXT_PHI,
                           DICOM_HEADER_PHI, IMAGE_NEAR_DUPLICATE, CANARY)
SCORE_CHECK = "LEAK_SCORE"  # the combined score's finding


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
