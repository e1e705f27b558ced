"""Column roles (what a column means for privacy) and kinds (how to compare it).

Roles come from params (``datasets[].columns``) or a ``--schema`` YAML; columns
not listed get a role inferred from their name, and the evidence says which.
Kinds (numerical / datetime / categorical, or excluded) are inferred from values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from synthaudit.leak.dcr import CATEGORICAL, DATETIME, NUMERICAL
from synthaudit.leak.readers import InputError

ROLES = ("direct_identifier", "quasi_identifier", "sensitive", "free_text", "image", "dicom", "other")
ATTRIBUTE_ROLES = ("quasi_identifier", "sensitive", "other")  # compared by DCR
NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"ssn|social.?sec|passport|driver|licen[cs]e|mrn|medical.?record|email|e.?mail|phone|mobile|fax"
     r"|^(first|last|given|family|middle|maiden|full)?.?name$|^(first|last|given|family|maiden|surname)$"
     r"|^address|street|^addr", "direct_identifier"),
    (r"birth|dob|zip|postal|post.?code|gender|^sex$|race|ethnic|^age$|county|city|^state$|marital|fips", "quasi_identifier"),
    (r"diagnos|condition|icd|income|expense|coverage|medication|drug|hiv|outcome|sensitive", "sensitive"),
    (r"note|text|comment|narrative|summary|description|free", "free_text"),
    (r"dicom|dcm", "dicom"),
    (r"image|img|png|jpe?g|photo|scan", "image"),
)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
CODE_LIKE = re.compile(r"zip|postal|code|fips|^id$|_id$|phone|ssn|mrn", re.I)


@dataclass(frozen=True)
class Schema:
    """Roles by column, where each role came from, and the options of one dataset."""

    roles: dict[str, str]
    source: dict[str, str]  # column -> "params" | "schema" | "inferred"
    canaries: tuple[dict[str, Any], ...] = ()
    canary_pattern: str | None = None
    mrn_patterns: tuple[str, ...] = ()

    def columns(self, *roles: str) -> list[str]:
        return [c for c, r in self.roles.items() if r in roles]


def infer_role(column: str) -> str:
    name = column.strip().lower()
    for pattern, role in NAME_RULES:
        if re.search(pattern, name):
            return role
    return "other"


def build_schema(columns: list[str], given: dict[str, str] | None = None, origin: str = "params",
                 **options: Any) -> Schema:
    given = dict(given or {})
    roles, source = {}, {}
    for col in columns:
        if col in given:
            roles[col], source[col] = given[col], origin
        else:
            roles[col], source[col] = infer_role(col), "inferred"
    return Schema(roles, source, tuple(options.get("canaries") or ()), options.get("canary_pattern"),
                  tuple(options.get("mrn_patterns") or ()))


def load_schema_file(path: str | Path) -> dict[str, Any]:
    """A ``--schema`` YAML: ``columns: {col: role}`` plus optional canaries, canary_pattern, mrn_patterns."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise InputError(f"{path}: cannot read schema ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with a 'columns' key (column -> role)")
    allowed = {"columns", "canaries", "canary_pattern", "mrn_patterns"}
    unknown = set(data) - allowed
    if unknown:
        raise InputError(f"{path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    cols = data.get("columns") or {}
    if not isinstance(cols, dict):
        raise InputError(f"{path}: 'columns' must map column names to roles")
    for col, role in cols.items():
        if role not in ROLES:
            raise InputError(f"{path}: columns.{col}: role {role!r} is not one of {ROLES}")
    for pattern in [data.get("canary_pattern")] + list(data.get("mrn_patterns") or []):
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise InputError(f"{path}: invalid regex {pattern!r} ({exc})") from None
    return data


def _all_numeric(values: pd.Series) -> bool:
    parsed = pd.to_numeric(values, errors="coerce")
    return bool(parsed.notna().all())


def infer_kind(column: str, real: pd.Series) -> tuple[str | None, str]:
    """(kind, why) for comparing a column by distance; kind None means excluded."""
    values = real.dropna()
    if values.empty:
        return CATEGORICAL, "all missing"
    if pd.api.types.is_bool_dtype(real):
        return CATEGORICAL, "boolean"
    if pd.api.types.is_datetime64_any_dtype(real):
        return DATETIME, "datetime type"
    if pd.api.types.is_numeric_dtype(real):
        return (CATEGORICAL, "code-like name") if CODE_LIKE.search(column) else (NUMERICAL, "numeric type")
    text = values.astype(str).str.strip()
    if text.map(lambda v: bool(ISO_DATE.match(v))).all():
        return DATETIME, "ISO dates"
    if _all_numeric(text):
        if CODE_LIKE.search(column) or text.str.match(r"^0\d").any():
            return CATEGORICAL, "numeric codes"
        return NUMERICAL, "numbers"
    distinct = text.nunique()
    if len(text) >= 50 and distinct >= 0.95 * len(text):
        return None, "near-unique text (an id): excluded from distances"
    return CATEGORICAL, "text categories"


def distance_columns(schema: Schema, real: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Columns compared by DCR ({col: kind}) and the excluded ones with why."""
    kinds, excluded = {}, {}
    for col, role in schema.roles.items():
        if col not in synthetic.columns:
            excluded[col] = "not in synthetic output"
            continue
        if role not in ATTRIBUTE_ROLES:
            excluded[col] = f"role {role}"
            continue
        kind, why = infer_kind(col, real[col])
        if kind is None:
            excluded[col] = why
        else:
            kinds[col] = kind
    return kinds, excluded
