"""Score one dataset pair: read inputs, run every part, combine into a 0-100 score and a verdict.

Combined score = max(100 x share of synthetic rows flagged by any row-level part
(exact / near copy, QI replay, identifier overlap, free-text PHI, DICOM header,
near-duplicate image, canary), 100 x inference risk). The verdict is FAIL when the
score reaches ``fail_score`` or any part FAILs, PASS otherwise; NOT_ASSESSED when
an input cannot be read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthaudit.config import LeakThresholds
from synthaudit.leak import canary, exact, identifiers, imaging, inference, near, replay, text
from synthaudit.leak.dcr import engine_name
from synthaudit.leak.idindex import IdentifierIndex
from synthaudit.leak.normalise import normalise_series
from synthaudit.leak.parts import PartResult
from synthaudit.leak.readers import Reader, Table, resource_of
from synthaudit.leak.redact import Redactor
from synthaudit.leak.schema import Schema, build_schema, distance_columns

ROW_PARTS = ("exact_copies", "near_copies", "qi_replay", "identifier_overlap", "free_text_phi",
             "dicom_header_phi", "image_near_duplicate", "canary")


@dataclass(frozen=True)
class DatasetSpec:
    """What to score (the params Dataset, or the CLI's arguments)."""

    name: str
    real: str
    synthetic: str
    holdout: str | None = None
    account: str | None = None
    synthetic_account: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    canaries: tuple[dict[str, Any], ...] = ()
    canary_pattern: str | None = None
    mrn_patterns: tuple[str, ...] = ()
    schema_origin: str = "params"

    @classmethod
    def from_params(cls, ds: Any) -> "DatasetSpec":
        return cls(ds.name, ds.real, ds.synthetic, ds.holdout, ds.account, ds.synthetic_account, dict(ds.columns),
                   tuple(ds.canaries), ds.canary_pattern, tuple(ds.mrn_patterns))


@dataclass(frozen=True)
class DatasetScore:
    name: str
    resource: str
    account: str | None
    verdict: str                      # PASS | FAIL | NOT_ASSESSED
    score: float | None
    parts: tuple[PartResult, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None

    def part(self, name: str) -> PartResult | None:
        return next((p for p in self.parts if p.part == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "resource": self.resource, "account": self.account, "verdict": self.verdict,
                "score": self.score, "reason": self.reason, "provenance": self.provenance,
                "parameters": self.parameters, "schema": self.schema,
                "parts": {p.part: p.to_dict() for p in self.parts}}


def combine(parts: list[PartResult], n_synthetic: int, fail_score: float) -> tuple[float, str, dict[str, Any]]:
    flagged: set[int] = set()
    per_part = {}
    for p in parts:
        if p.part in ROW_PARTS and p.status != "NOT_ASSESSED":
            flagged |= set(p.rows)
            per_part[p.part] = round(100.0 * len(set(p.rows)) / n_synthetic, 4) if n_synthetic else 0.0
    row_score = 100.0 * len(flagged) / n_synthetic if n_synthetic else 0.0
    inf = next((p for p in parts if p.part == "inference_risk" and p.status != "NOT_ASSESSED"), None)
    inf_score = 100.0 * inf.metrics["risk"] if inf else 0.0
    if inf:
        per_part["inference_risk"] = round(inf_score, 4)
    score = round(max(row_score, inf_score), 4)
    failed = [p.part for p in parts if p.status == "FAIL"]
    verdict = "FAIL" if score >= fail_score or failed else "PASS"
    return score, verdict, {"rows_flagged": len(flagged), "row_score": round(row_score, 4),
                            "inference_score": round(inf_score, 4), "part_scores": per_part,
                            "failed_parts": failed, "fail_score": fail_score,
                            "formula": "max(100 x share of synthetic rows flagged by any row-level part, 100 x inference risk)"}


def _read(reader: Reader, location: str) -> Table:
    return reader.read_table(location)


def score_tables(spec: DatasetSpec, real: Table, synthetic: Table, holdout: Table | None, th: LeakThresholds,
                 reader: Reader, synthetic_reader: Reader | None = None) -> DatasetScore:
    """Every part on already-read tables (readers fetch the files their image/DICOM columns name)."""
    synthetic_reader = synthetic_reader or reader
    rf, sf = real.frame, synthetic.frame
    hf = holdout.frame if holdout is not None else None
    schema: Schema = build_schema(list(rf.columns), spec.columns, spec.schema_origin, canaries=spec.canaries,
                                  canary_pattern=spec.canary_pattern, mrn_patterns=spec.mrn_patterns)
    kinds, excluded = distance_columns(schema, rf, sf)
    common = [c for c in rf.columns if c in sf.columns and schema.roles.get(c) not in ("image", "dicom", "free_text")]
    engine = engine_name(th.dcr_engine)
    parts: list[PartResult] = []
    parts.append(exact.exact_copies(rf, sf, common, th.exact_copy_max_share))
    parts.append(near.near_copies(rf, sf, hf, kinds, near_copy_distance=th.near_copy_distance,
                                  max_share=th.near_copy_max_share, exact_rows=parts[0].rows, engine=engine))
    qis = schema.columns("quasi_identifier")
    parts.append(replay.qi_replay(rf, sf, hf, qis, k=th.k_anonymity, max_share=th.qi_replay_max_share))
    id_cols = schema.columns("direct_identifier")
    holdout_index = IdentifierIndex.build(hf, [c for c in id_cols if c in hf.columns]) if hf is not None else None
    index = IdentifierIndex.build(rf, id_cols, exclude=holdout_index)
    syn_roles = build_schema(list(sf.columns), spec.columns, spec.schema_origin).roles
    name_cols = [c for c, r in syn_roles.items() if r in ("direct_identifier", "other")]
    redactor = Redactor.for_data(real.frame.to_csv(index=False).encode())
    parts.append(identifiers.identifier_overlap(index, sf, skip_columns=schema.columns("image", "dicom"),
                                                name_columns=name_cols, redactor=redactor))
    secrets = schema.columns("sensitive")
    parts.append(inference.inference_risk(rf, sf, hf, qis, secrets, n_attacks=th.inference_attacks, seed=th.seed,
                                          max_risk=th.inference_max_risk, engine=engine))
    parts.append(text.free_text_phi(sf, schema.columns("free_text"), index, spec.mrn_patterns,
                                    max_pattern_hits=th.text_pattern_max_hits))
    syn_dicom = imaging.collect(sf, spec.synthetic, schema.columns("dicom"), synthetic_reader)
    prod_dicom = imaging.collect(rf, spec.real, schema.columns("dicom"), reader)
    births = set()
    for col in qis:
        if "birth" in col.lower() or "dob" in col.lower():
            births |= {v.replace("-", "")[:8] for v in normalise_series(rf[col]).tolist() if v}
    parts.append(imaging.dicom_header_phi(syn_dicom, prod_dicom, index, births))
    syn_img = imaging.collect(sf, spec.synthetic, schema.columns("image"), synthetic_reader) + syn_dicom
    prod_img = imaging.collect(rf, spec.real, schema.columns("image"), reader) + prod_dicom
    parts.append(imaging.image_near_duplicates(syn_img, prod_img, th.image_hash_distance))
    parts.append(canary.canaries(sf, schema.canaries, schema.canary_pattern, kinds, th.near_copy_distance,
                                 id_cols, engine))
    score, verdict, summary = combine(parts, len(sf), th.fail_score)
    provenance = {"real": real.provenance.to_dict(), "synthetic": synthetic.provenance.to_dict(),
                  "holdout": holdout.provenance.to_dict() if holdout is not None else None,
                  "rows": {"real": real.rows, "synthetic": synthetic.rows, "holdout": holdout.rows if holdout else None}}
    return DatasetScore(
        spec.name, resource_of(spec.synthetic), spec.synthetic_account or spec.account, verdict, score, tuple(parts), provenance,
        parameters={"thresholds": th.model_dump(mode="json"), "dcr_engine": engine, "summary": summary},
        schema={"roles": schema.roles, "role_source": schema.source, "distance_columns": kinds,
                "excluded_from_distance": excluded},
    )


def score_dataset(spec: DatasetSpec, th: LeakThresholds, reader: Reader,
                  synthetic_reader: Reader | None = None) -> DatasetScore:
    """Read the inputs and score them; an unreadable input gives NOT_ASSESSED with the reason."""
    synthetic_reader = synthetic_reader or reader
    from synthaudit.aws.errors import classify_error
    from synthaudit.leak.readers import InputError

    tables: dict[str, Table | None] = {"holdout": None}
    provenance: dict[str, Any] = {}
    for role, location in (("real", spec.real), ("synthetic", spec.synthetic), ("holdout", spec.holdout)):
        if location is None:
            continue
        try:
            tables[role] = _read(synthetic_reader if role == "synthetic" else reader, location)
            provenance[role] = tables[role].provenance.to_dict()
        except InputError as exc:
            return _unassessed(spec, f"{role} input unreadable: {exc}", provenance)
        except Exception as exc:  # AWS errors: access denied, missing object, ...
            return _unassessed(spec, f"{role} input {location} unreadable: {classify_error(exc).reason}", provenance)
    for role in ("real", "synthetic"):
        if tables[role].rows == 0:
            return _unassessed(spec, f"{role} input {getattr(spec, role)} has no rows: nothing to compare", provenance)
    return score_tables(spec, tables["real"], tables["synthetic"], tables["holdout"], th, reader, synthetic_reader)


def _unassessed(spec: DatasetSpec, reason: str, provenance: dict[str, Any]) -> DatasetScore:
    return DatasetScore(spec.name, resource_of(spec.synthetic), spec.synthetic_account or spec.account, "NOT_ASSESSED", None,
                        provenance=provenance, reason=reason)
