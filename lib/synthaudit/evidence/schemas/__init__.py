"""JSON Schemas the exports must satisfy, and how they were derived.

The machine that builds the kit has no network, so the schemas are derived from
sources that ship with packages rather than downloaded:

* ``asff.schema.json`` — the AWS Security Finding Format, generated from the
  ``securityhub`` service model inside botocore (``AwsSecurityFinding`` and every
  shape it uses: required members, enums, length limits and patterns), plus the
  constraints the ASFF documentation adds on top of the API model (12-digit
  account ids, ISO 8601 timestamps, the ``Types`` taxonomy namespaces).
  ``derive_asff_schema()`` regenerates it; a test checks the committed file is
  what the installed botocore produces.
* ``ocsf_detection_finding.schema.json`` — OCSF Detection Finding (class 2004),
  generated from ``py_ocsf_models`` 0.10.0 (Prowler's OCSF models) with
  ``DetectionFinding.model_json_schema()``, then tightened to the OCSF spec:
  ``class_uid``/``category_uid`` constants, ``metadata.version`` required, and
  unknown attributes refused. See ``README.md`` in this folder for the command.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ASFF_SCHEMA_PATH = HERE / "asff.schema.json"
OCSF_SCHEMA_PATH = HERE / "ocsf_detection_finding.schema.json"

# The ASFF docs (not the API model) restrict these; see "ASFF required top-level attributes".
ASFF_TYPE_NAMESPACES = (
    "Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors",
    "Sensitive Data Identifications",
)
ISO8601 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
# Resource.Details alone has hundreds of service-specific shapes the kit never fills.
ASFF_OPAQUE_SHAPES = ("ResourceDetails",)


@functools.lru_cache(maxsize=None)
def load_schema(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def asff_schema() -> dict[str, Any]:
    return load_schema(ASFF_SCHEMA_PATH)


def ocsf_schema() -> dict[str, Any]:
    return load_schema(OCSF_SCHEMA_PATH)


def _shape_schema(shape: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of one botocore shape; structures go to $defs so recursion terminates."""
    kind = shape.type_name
    if kind == "structure":
        name = shape.name
        if name in ASFF_OPAQUE_SHAPES:
            return {"type": "object"}
        if name not in defs:
            defs[name] = {}  # placeholder breaks cycles
            props = {member: _shape_schema(sub, defs) for member, sub in shape.members.items()}
            body: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
            if shape.required_members:
                body["required"] = list(shape.required_members)
            defs[name] = body
        return {"$ref": f"#/$defs/{name}"}
    if kind == "list":
        out: dict[str, Any] = {"type": "array", "items": _shape_schema(shape.member, defs)}
        if "min" in shape.metadata:
            out["minItems"] = shape.metadata["min"]
        if "max" in shape.metadata:
            out["maxItems"] = shape.metadata["max"]
        return out
    if kind == "map":
        return {"type": "object", "additionalProperties": _shape_schema(shape.value, defs)}
    if kind == "string":
        out = {"type": "string"}
        if shape.enum:
            out["enum"] = list(shape.enum)
        if "pattern" in shape.metadata:
            out["pattern"] = shape.metadata["pattern"]
        if "min" in shape.metadata:
            out["minLength"] = shape.metadata["min"]
        if "max" in shape.metadata:
            out["maxLength"] = shape.metadata["max"]
        return out
    if kind in ("integer", "long"):
        return {"type": "integer"}
    if kind in ("double", "float"):
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "timestamp":
        return {"type": "string", "pattern": ISO8601}
    return {}


def derive_asff_schema() -> dict[str, Any]:
    """ASFF as JSON Schema, from the botocore securityhub model plus the documented extras."""
    import botocore
    import botocore.session

    model = botocore.session.get_session().get_service_model("securityhub")
    defs: dict[str, Any] = {}
    root = _shape_schema(model.shape_for("AwsSecurityFinding"), defs)
    finding = defs["AwsSecurityFinding"]
    props = finding["properties"]
    props["AwsAccountId"] = {"type": "string", "pattern": r"^\d{12}$"}
    for stamp in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt"):
        if stamp in props:
            props[stamp] = {"type": "string", "pattern": ISO8601}
    namespaces = "|".join(ASFF_TYPE_NAMESPACES)
    props["Types"] = {"type": "array", "items": {"type": "string", "pattern": rf"^({namespaces})(/[^/]+){{0,2}}$"}}
    props["Title"] = {"type": "string", "minLength": 1, "maxLength": 256}
    props["Description"] = {"type": "string", "minLength": 1, "maxLength": 1024}
    props["Id"] = {"type": "string", "minLength": 1, "maxLength": 512}
    props["ProductArn"] = {"type": "string", "pattern": r"^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:\d{12}:product/.+"}
    finding["required"] = sorted(set(finding.get("required", [])) | {"Severity", "Types"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "AWS Security Finding Format (ASFF) findings list",
        "description": (
            f"Derived from botocore {botocore.__version__} securityhub AwsSecurityFinding; "
            "Resource.Details left open; see synthaudit.evidence.schemas."
        ),
        "type": "array",
        "items": root,
        "$defs": defs,
    }


def write_asff_schema() -> Path:
    ASFF_SCHEMA_PATH.write_text(json.dumps(derive_asff_schema(), indent=1, sort_keys=True) + "\n")
    load_schema.cache_clear()
    return ASFF_SCHEMA_PATH


# -- OCSF ------------------------------------------------------------------

def tighten_ocsf(schema: dict[str, Any], ocsf_version: str = "1.5.0") -> dict[str, Any]:
    """Pydantic's schema of DetectionFinding, made as strict as the OCSF spec.

    Pydantic allows nulls and extra keys; OCSF does not have nulls and names every
    attribute, so unknown attributes are refused (extras belong under ``unmapped``).
    """
    defs = schema.get("$defs", {})
    for body in [schema, *defs.values()]:
        if body.get("type") == "object" and "properties" in body:
            body["additionalProperties"] = False
    props = schema["properties"]
    props["class_uid"] = {"const": 2004}
    props["category_uid"] = {"const": 2}
    props["type_uid"] = {"enum": [200400, 200401, 200402, 200403, 200499]}
    schema["required"] = sorted(set(schema["required"]) | {"class_uid", "category_uid"})
    meta = defs["Metadata"]
    meta["required"] = sorted(set(meta.get("required", [])) | {"version"})
    schema["title"] = "OCSF Detection Finding (class_uid 2004) findings list item"
    schema["description"] = (
        f"Derived from py_ocsf_models 0.10.0 DetectionFinding (OCSF {ocsf_version}), tightened to the spec; "
        "see synthaudit.evidence.schemas."
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "OCSF Detection Findings list",
        "type": "array",
        "items": {"$ref": "#/$defs/DetectionFinding"},
        "$defs": {**defs, "DetectionFinding": {k: v for k, v in schema.items() if k != "$defs"}},
    }
