"""Pipelines and provenance: Step Functions classification step and tracing, synthetic
outputs labelled as synthetic, and lineage recorded on synthetic datasets."""
from __future__ import annotations

import fnmatch
from typing import Any

from synthaudit.checks.check import Check
from synthaudit.checks.context import CheckContext
from synthaudit.checks.rows import RowRule, detail_gap, fail_if, in_environments, unknown

FAMILY = "pipelines"
synthetic = in_environments("synthetic")
# Synthetic outputs: where a dataset's data or its catalogue entry lives.
OUTPUT_KINDS = ("s3_buckets", "glue_tables")


# --- Step Functions ------------------------------------------------------------------------
def _matches(text: Any, patterns: list[str]) -> bool:
    return isinstance(text, str) and any(fnmatch.fnmatch(text.lower(), p.lower()) for p in patterns)


def is_classification_state(name: str, state: dict[str, Any], patterns: list[str]) -> bool:
    """A state counts as classification/validation when its name, resource or target names match."""
    params = state.get("Parameters") or {}
    candidates = [name, state.get("Resource"), state.get("Comment")]
    if isinstance(params, dict):
        candidates += [params.get(k) for k in ("FunctionName", "JobName", "StateMachineArn", "Name")]
    return any(_matches(c, patterns) for c in candidates)


def _children(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Sub-definitions of Parallel (Branches) and Map (Iterator / ItemProcessor) states."""
    subs = list(state.get("Branches") or [])
    for key in ("Iterator", "ItemProcessor"):
        if isinstance(state.get(key), dict):
            subs.append(state[key])
    return subs


def _next_states(state: dict[str, Any]) -> list[str]:
    nexts = [state.get("Next"), state.get("Default")]
    nexts += [c.get("Next") for c in state.get("Choices") or [] if isinstance(c, dict)]
    nexts += [c.get("Next") for c in state.get("Catch") or [] if isinstance(c, dict)]
    return [n for n in nexts if isinstance(n, str)]


def _ends(state: dict[str, Any]) -> bool:
    """A state where an execution finishes successfully (data has left the pipeline)."""
    return state.get("Type") == "Succeed" or (state.get("End") is True and state.get("Type") != "Fail")


def unvetted_endings(definition: dict[str, Any], patterns: list[str], vetted: bool = False) -> list[str]:
    """States where an execution can finish successfully without having passed a classification
    state: the paths on which data leaves the pipeline unvetted. (A classifier must read its
    input, so tasks before it are expected; what matters is that nothing is released unvetted.)"""
    states = definition.get("States") or {}
    start = definition.get("StartAt")
    found: set[str] = set()
    seen: set[tuple[str, bool]] = set()
    stack: list[tuple[str, bool]] = [(start, vetted)] if isinstance(start, str) else []
    while stack:
        name, ok = stack.pop()
        if (name, ok) in seen or name not in states:
            continue
        seen.add((name, ok))
        state = states[name] if isinstance(states[name], dict) else {}
        if is_classification_state(name, state, patterns):
            ok = True
        subs = _children(state)
        if subs and not ok:
            ok = any(_contains_classification(sub, patterns) for sub in subs)
        if _ends(state) and not ok:
            found.add(name)
        stack.extend((n, ok) for n in _next_states(state))
    return sorted(found)


def _contains_classification(definition: dict[str, Any], patterns: list[str]) -> bool:
    for name, state in (definition.get("States") or {}).items():
        if isinstance(state, dict) and (is_classification_state(name, state, patterns)
                                        or any(_contains_classification(s, patterns) for s in _children(state))):
            return True
    return False


def _classification_step(ctx: CheckContext, row: dict[str, Any]):
    definition = row.get("definition")
    if not isinstance(definition, dict) or "States" not in definition:
        return unknown("state machine definition not available")
    patterns = ctx.seg.classification_step_patterns
    unvetted = unvetted_endings(definition, patterns)
    return fail_if(bool(unvetted), {"endings_without_classification": unvetted, "patterns": patterns,
                                    "start_at": definition.get("StartAt")})


def _tracing(ctx: CheckContext, row: dict[str, Any]):
    if row.get("tracing_enabled") is None:
        return unknown("tracing configuration not reported")
    return fail_if(row.get("tracing_enabled") is not True, {"tracing_enabled": row.get("tracing_enabled")})


# --- labels and lineage ------------------------------------------------------------------------
def _metadata(row: dict[str, Any]) -> dict[str, str]:
    """Tags, plus a table's parameters: where a dataset carries labels and lineage."""
    merged: dict[str, str] = {}
    for source in (row.get("parameters"), row.get("tags")):
        if isinstance(source, dict):
            merged.update({str(k).lower(): str(v) for k, v in source.items()})
    return merged


def _labelled(ctx: CheckContext, row: dict[str, Any]):
    meta = _metadata(row)
    labels = sorted(f"{k}={meta[k.lower()]}" for k, values in ctx.params.classification.synthetic.tags.items()
                    if meta.get(k.lower(), "").lower() in {v.lower() for v in values})
    accepted = {k: v for k, v in sorted(ctx.params.classification.synthetic.tags.items())}
    return fail_if(not labels, {"labels": labels, "accepted_labels": accepted,
                                "classified_by": row.get("environment_rule")})


# What makes a bucket hold a dataset (docs/segregation.md, "Which buckets hold datasets"): object
# suffixes of tabular and image data; log, config and script objects are not datasets.
DATASET_SUFFIXES = (".csv", ".tsv", ".parquet", ".orc", ".avro", ".jsonl", ".ndjson", ".feather", ".arrow",
                    ".xlsx", ".dcm", ".dicom", ".nii", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".zst", ".snappy", ".zip")


def is_dataset_key(key: str) -> bool:
    key = key.lower()
    for suffix in COMPRESSION_SUFFIXES:
        key = key.removesuffix(suffix)
    return key.endswith(DATASET_SUFFIXES)


def _s3_bucket_of(uri: Any) -> str | None:
    return uri[5:].split("/", 1)[0] if isinstance(uri, str) and uri.startswith("s3://") else None


def dataset_signal(ctx: CheckContext, row: dict[str, Any]) -> str | None:
    """Why a bucket counts as holding datasets, or None: named as a dataset's synthetic output in
    params, the location of a Glue table, or tabular/image objects in its key sample."""
    name = row.get("name")
    if any(_s3_bucket_of(d.synthetic) == name for d in ctx.params.datasets):
        return "named in params datasets"
    if any(_s3_bucket_of(t.get("location")) == name for t in ctx.rows_or_empty("glue_tables")):
        return "location of a Glue table"
    keys = [k for k in (row.get("key_sample") or []) if isinstance(k, str) and is_dataset_key(k)]
    if keys:
        return f"dataset objects in its key sample (e.g. {keys[0]})"
    return None


def synthetic_datasets(ctx: CheckContext, row: dict[str, Any]) -> bool:
    """Synthetic Glue tables, and synthetic buckets that hold datasets (or whose objects could not
    be listed: those are NOT_ASSESSED, never passed over)."""
    if row.get("environment") != "synthetic":
        return False
    if "key_sample" not in row:     # a Glue table (a catalogue entry is a dataset)
        return True
    return dataset_signal(ctx, row) is not None or detail_gap(row, ("listobjects",)) is not None


def _lineage(ctx: CheckContext, row: dict[str, Any]):
    meta = _metadata(row)
    signal = dataset_signal(ctx, row) if "key_sample" in row else "a Glue table"
    if signal is None:
        return unknown(f"objects could not be listed, so whether it holds datasets is unknown: "
                       f"{detail_gap(row, ('listobjects',))}")
    recorded: dict[str, str | None] = {}
    for part, keys in sorted(ctx.seg.lineage_keys.items()):
        key = next((k for k in keys if k.lower() in meta), None)
        recorded[part] = f"{key}={meta[key.lower()]}" if key else None
    missing = sorted(p for p, v in recorded.items() if v is None)
    return fail_if(bool(missing), {"lineage": recorded, "missing": missing, "holds_datasets": signal})


ROW_RULES = (
    RowRule("STEPFUNCTIONS_NO_CLASSIFICATION_STEP", FAMILY, ("stepfunctions_state_machines",), synthetic,
            _classification_step),
    RowRule("STEPFUNCTIONS_NO_TRACING", FAMILY, ("stepfunctions_state_machines",), synthetic, _tracing),
    RowRule("SYNTHETIC_OUTPUT_NOT_LABELLED", FAMILY, OUTPUT_KINDS, synthetic, _labelled, detail_calls=("tagging",)),
    RowRule("SYNTHETIC_DATASET_NO_LINEAGE", FAMILY, OUTPUT_KINDS, synthetic_datasets, _lineage,
            detail_calls=("tagging",)),
)

CHECKS: tuple[Check, ...] = tuple(rule.as_check() for rule in ROW_RULES)
