"""Score one dataset pair: read inputs, run every part, combine into a 0-100 score and a verdict.

Each part gets a 0-100 sub-score and the combined score is their maximum
(``synthaudit.leak.combine`` holds the formulas). The verdict is FAIL iff the score
reaches ``fail_score``; NOT_ASSESSED when an input cannot be read or no part could
be assessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthaudit.config import LeakThresholds
from synthaudit.leak import canary, combine, exact, identifiers, imaging, inference, near, replay, text
from synthaudit.leak.dcr import engine_name
from synthaudit.leak.idindex import IdentifierIndex
from synthaudit.leak.normalise import normalise_series
from synthaudit.leak.parts import PartResult
from synthaudit.leak.readers import Reader, Table, resource_of
from synthaudit.leak.redact import Redactor
from synthaudit.leak.schema import Schema, build_schema, distance_columns

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
                "parts": {p.part: {**p.to_dict(), "sub_score": self.sub_score(p.part)} for p in self.parts}}

    def sub_score(self, part: str) -> dict[str, Any] | None:
        """The part's 0-100 sub-score record (formula, measured value, tolerance) from the combination."""
        return ((self.parameters.get("summary") or {}).get("sub_scores") or {}).get(part)


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
    combined = combine.combine(parts, len(sf), th.fail_score, th.confirmed_leak_floor)
    score, verdict, summary = combined.score, combined.verdict, combined.summary
    provenance = {"real": real.provenance.to_dict(), "synthetic": synthetic.provenance.to_dict(),
                  "holdout": holdout.provenance.to_dict() if holdout is not None else None,
                  "rows": {"real": real.rows, "synthetic": synthetic.rows, "holdout": holdout.rows if holdout else None}}
    reason = None if verdict != "NOT_ASSESSED" else "no part could be assessed: " + "; ".join(
        f"{p.part}: {p.reason}" for p in parts)
    return DatasetScore(
        spec.name, resource_of(spec.synthetic), spec.synthetic_account or spec.account, verdict, score, tuple(parts), provenance,
        parameters={"thresholds": th.model_dump(mode="json"), "dcr_engine": engine, "summary": summary},
        schema={"roles": schema.roles, "role_source": schema.source, "distance_columns": kinds,
                "excluded_from_distance": excluded},
        reason=reason,
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
