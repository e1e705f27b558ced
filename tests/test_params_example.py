"""params/example-organisation.yaml shows every key of the params model (it says so)."""
from __future__ import annotations

import types
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel

from synthaudit.config import Params, load_params

EXAMPLE = Path(__file__).resolve().parents[1] / "params" / "example-organisation.yaml"


def _models_in(annotation) -> list[type[BaseModel]]:
    """The BaseModel classes an annotation holds (through Optional, list, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _is_list(annotation) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return origin is list


def model_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted key paths of a model; ``[]`` marks a list of sub-models; free-form dicts end the path."""
    keys = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys.add(path)
        for sub in _models_in(field.annotation):
            step = f"{path}[]." if _is_list(field.annotation) else f"{path}."
            keys |= model_keys(sub, step)
    return keys


def document_keys(data, prefix: str = "") -> set[str]:
    keys = set()
    if isinstance(data, dict):
        for name, value in data.items():
            path = f"{prefix}{name}"
            keys.add(path)
            keys |= document_keys(value, f"{path}.")
    elif isinstance(data, list):
        for item in data:
            keys |= document_keys(item, f"{prefix[:-1]}[].")
    return keys


def test_model_walk_sees_nested_and_list_keys():
    keys = model_keys(Params)
    assert {"thresholds.leak.fail_score", "accounts[].id", "cloudtrail.athena.workgroup"} <= keys


def test_example_shows_every_key_of_the_model():
    shown = document_keys(yaml.safe_load(EXAMPLE.read_text()))
    missing = sorted(model_keys(Params) - shown)
    assert not missing, f"{EXAMPLE.name} does not show: {', '.join(missing)}"


def test_example_is_valid():
    load_params(EXAMPLE)
