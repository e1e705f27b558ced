"""Turn each part of a dataset's leak evidence into a 0-100 sub-score and combine them.

Why: a score must mean what its verdict says. Each part's sub-score reaches
``fail_score`` exactly when that part's own rule FAILs, confirmed real-patient leaks
start at ``confirmed_leak_floor``, and the combined score is the largest sub-score,
so "score >= fail_score" and "FAIL" never disagree and more leakage never lowers it.

Formulas (F = fail_score, L = confirmed_leak_floor, eps = BELOW_FAIL_MARGIN):

* share parts (share s of the part's population flagged, tolerated share t from the
  part's own threshold or chance level; the part FAILs when s > t):
  ``s == 0 -> 0``; ``0 < s <= t -> (F - eps) * s / t``;
  ``s > t -> F + (100 - F) * sqrt((s - t) / (1 - t))``
  (so one row above tolerance is already >= F and every row flagged is 100).
* confirmed parts (count c of synthetic rows/files carrying a real patient's data):
  ``c == 0 -> 0``; ``c >= 1 -> 100 - (100 - L) / c`` (one leak scores L, c leaks leave
  (100 - L) / c to go; independent of the dataset's size, so unrelated rows never dilute it).
* combined = max over assessed parts; NOT_ASSESSED when no part could be assessed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from synthaudit.leak.parts import PartResult
from synthaudit.leak.text import FAILING_PATTERNS

BELOW_FAIL_MARGIN = 0.01   # a share exactly at tolerance (part PASSes) stays this far below fail_score
ROUND = 4                  # decimals of every published score

SHARE_FORMULA = "0 if s == 0; (F - eps) * s / t if s <= t; F + (100 - F) * sqrt((s - t) / (1 - t)) if s > t"
CONFIRMED_FORMULA = "0 if c == 0; 100 - (100 - L) / c if c >= 1"
COMBINED_FORMULA = "max over assessed parts of their sub-scores; verdict FAIL iff score >= fail_score"


@dataclass(frozen=True)
class SubScore:
    """One part's contribution: the measured quantity, its tolerance, the formula and the result."""

    part: str
    kind: str                      # share | confirmed | not_assessed
    score: float | None
    measure: str                   # what was counted or measured, in words
    value: float | None            # s (share) or c (count)
    tolerance: float | None = None  # t (share parts)
    count: int | None = None
    population: int | None = None
    components: tuple["SubScore", ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = {"part": self.part, "kind": self.kind, "score": self.score, "measure": self.measure,
                "value": self.value, "tolerance": self.tolerance, "count": self.count, "population": self.population,
                "formula": SHARE_FORMULA if self.kind == "share" else CONFIRMED_FORMULA if self.kind == "confirmed" else None}
        if self.components:
            data["components"] = [c.to_dict() for c in self.components]
        return data


def share_score(share: float, tolerance: float, fail_score: float) -> float:
    """Share parts: at or under tolerance below fail_score, above it from fail_score up to 100."""
    s = min(max(float(share), 0.0), 1.0)
    t = min(max(float(tolerance), 0.0), 1.0)
    if s <= 0.0:
        return 0.0
    if s <= t:
        return max(fail_score - BELOW_FAIL_MARGIN, 0.0) * min(s / t, 1.0)
    return fail_score + (100.0 - fail_score) * math.sqrt((s - t) / (1.0 - t))


def confirmed_score(count: int, floor: float) -> float:
    """Confirmed leaks: any positive count is at least ``floor``; more leaks approach 100."""
    if count <= 0:
        return 0.0
    # max() keeps the floor exact where 100 - (100 - floor) / 1 rounds below it in floating point.
    return max(floor, 100.0 - (100.0 - floor) / count)


def publish(score: float, fail_score: float) -> float:
    """Round to ROUND decimals; where that would cross the fail line, round away from it instead (never flips a verdict)."""
    rounded = round(score, ROUND)
    if (rounded >= fail_score) == (score >= fail_score):
        return rounded
    scaled = score * 10 ** ROUND
    return (math.ceil(scaled) if score >= fail_score else math.floor(scaled)) / 10 ** ROUND


def _share(part: PartResult, measure: str, count: int, population: int, limit: float, fail_score: float) -> SubScore:
    """Counts against a tolerated count ``limit`` (the part FAILs when count > limit)."""
    if population <= 0:
        return SubScore(part.part, "share", 0.0, measure, 0.0, None, count, population)
    s, t = min(count / population, 1.0), min(max(limit, 0.0) / population, 1.0)
    return SubScore(part.part, "share", publish(share_score(s, t, fail_score), fail_score), measure, s, t, count, population)


def _confirmed(part: PartResult, measure: str, count: int, population: int, floor: float) -> SubScore:
    return SubScore(part.part, "confirmed", publish(confirmed_score(count, floor), 0.0), measure, float(count), None,
                    count, population)


def _worst(part: PartResult, components: list[SubScore]) -> SubScore:
    top = max(components, key=lambda c: c.score)
    return SubScore(part.part, top.kind, top.score, top.measure, top.value, top.tolerance, top.count, top.population,
                    components=tuple(components))


def sub_score(part: PartResult, n_synthetic: int, fail_score: float, floor: float) -> SubScore:
    """The part's sub-score from its own metrics and parameters (the same thresholds its verdict uses)."""
    m, p = part.metrics, part.parameters
    if part.status == "NOT_ASSESSED":
        return SubScore(part.part, "not_assessed", None, part.reason or "not assessed", None)
    if part.part == "exact_copies":
        n = m["synthetic_rows"]
        return _share(part, "synthetic rows equal to a production row", m["copies"], n, p["max_share"] * n, fail_score)
    if part.part in ("near_copies", "qi_replay"):
        n = m["synthetic_rows"]
        count = m["near_copies"] if part.part == "near_copies" else m["replays"]
        limit = max(p["max_share"] * n, m.get("chance_level_from_holdout") or 0.0)
        what = ("synthetic rows within near_copy_distance of a production row" if part.part == "near_copies"
                else "synthetic rows replaying a rare production quasi-identifier combination")
        return _share(part, what + " (tolerance: max(max_share x n, chance level))", count, n, limit, fail_score)
    if part.part == "inference_risk":
        s, t = float(m["ci_low"]), float(p["max_risk"])
        return SubScore(part.part, "share", publish(share_score(s, t, fail_score), fail_score),
                        "lower 95% bound of the inference risk (worst secret) against max_risk", s, t)
    if part.part == "image_near_duplicate":
        return _share(part, "synthetic images within the phash distance of a production image",
                      m["near_duplicates"], m["synthetic_images"], 0.0, fail_score)
    if part.part == "identifier_overlap":
        return _confirmed(part, "synthetic rows carrying a production direct identifier",
                          m["rows_with_production_identifiers"], m["synthetic_rows"], floor)
    if part.part == "dicom_header_phi":
        return _confirmed(part, "synthetic DICOM files whose header carries a production patient's PHI",
                          m["files_with_production_phi"], m["dicom_files"], floor)
    if part.part == "canary":
        return _confirmed(part, "synthetic rows with a canary trace", m["rows_with_canary_traces"],
                          m["synthetic_rows"], floor)
    if part.part == "free_text_phi":
        texts = m["texts_scanned"]
        shapes = sum(v for k, v in m["pattern_hits"].items() if k.rstrip("0123456789") in FAILING_PATTERNS)
        return _worst(part, [
            _confirmed(part, "free-text rows naming a production patient's identifiers",
                       m["rows_with_production_identifiers"], n_synthetic, floor),
            _share(part, "SSN/MRN/e-mail/phone shapes in free text per text scanned",
                   shapes, texts, float(p["max_pattern_hits"]), fail_score)])
    raise ValueError(f"leak part {part.part!r} has no sub-score rule in synthaudit.leak.combine")


@dataclass(frozen=True)
class Combined:
    score: float | None
    verdict: str                   # PASS | FAIL | NOT_ASSESSED
    sub_scores: tuple[SubScore, ...]
    summary: dict[str, Any]


def combine(parts: list[PartResult], n_synthetic: int, fail_score: float, floor: float) -> Combined:
    """Sub-score every part; the dataset's score is the largest, FAIL iff it reaches ``fail_score``."""
    subs = tuple(sub_score(p, n_synthetic, fail_score, floor) for p in parts)
    assessed = [s for s in subs if s.score is not None]
    flagged: set[int] = set()
    for p in parts:
        if p.status != "NOT_ASSESSED":
            flagged |= set(p.rows)
    if assessed:
        driver = max(assessed, key=lambda s: s.score)   # first part in order on a tie
        score = driver.score
        verdict = "FAIL" if score >= fail_score else "PASS"
    else:
        driver, score, verdict = None, None, "NOT_ASSESSED"
    summary = {
        "formula": COMBINED_FORMULA,
        "share_formula": SHARE_FORMULA, "confirmed_formula": CONFIRMED_FORMULA,
        "fail_score": fail_score, "confirmed_leak_floor": floor, "below_fail_margin": BELOW_FAIL_MARGIN,
        "weights": "none: the maximum, so each part alone can fail the dataset and sub-threshold parts cannot add up to a FAIL",
        "part_scores": {s.part: s.score for s in subs},
        "sub_scores": {s.part: s.to_dict() for s in subs},
        "driving_part": driver.part if driver and driver.score > 0 else None,
        "parts_at_or_above_fail_score": [s.part for s in assessed if s.score >= fail_score],
        "failed_parts": [p.part for p in parts if p.status == "FAIL"],
        "not_assessed_parts": [s.part for s in subs if s.score is None],
        "rows_flagged": len(flagged),
        "share_of_rows_flagged": round(len(flagged) / n_synthetic, ROUND) if n_synthetic else 0.0,
    }
    return Combined(score, verdict, subs, summary)
