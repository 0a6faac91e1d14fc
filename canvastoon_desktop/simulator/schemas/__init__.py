"""The providers' request schemas, copied into the package (CI has no reference folder).

``aiml/*.json`` are AIML's own OpenAPI 3.0 files, verbatim. ``replicate/*.json`` are copies
of the models' published Cog ``Input``/``Output`` schemas (Replicate publishes them per
model version, not in its API OpenAPI file); each file's ``source`` says where it was
copied from and how faithfully. Validating against them catches a misnamed or out-of-range
field the way Replicate would.
OpenAPI 3.0 is not quite JSON Schema (``nullable``, ``example``), so the loaders convert.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "aiml_request_schema",
    "openapi_to_jsonschema",
    "replicate_input_schema",
    "replicate_model_schema",
    "with_input_defaults",
]

_DROP_KEYS = {"example", "x-order", "nullable"}


def _load(relpath: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(relpath).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def openapi_to_jsonschema(node: Any) -> Any:
    """Turn an OpenAPI 3.0 schema into JSON Schema: ``nullable`` becomes a null type."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP_KEYS:
            continue
        if key in ("properties", "patternProperties", "$defs", "definitions"):
            # a map of names to schemas: the names themselves are never keywords
            out[key] = {name: openapi_to_jsonschema(sub) for name, sub in value.items()}
        else:
            out[key] = openapi_to_jsonschema(value)
    if node.get("nullable") is True:
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        elif t is None and not any(k in out for k in ("anyOf", "oneOf", "allOf", "$ref")):
            pass  # {"nullable": true} alone already accepts anything, null included
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def aiml_request_schema(filename: str, path: str, method: str = "post") -> dict[str, Any]:
    """The JSON request-body schema of one operation in an AIML OpenAPI file."""
    doc = _load(f"aiml/{filename}")
    op = doc["paths"][path][method]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    converted: dict[str, Any] = openapi_to_jsonschema(schema)
    return converted


@cache
def replicate_model_schema(model: str) -> dict[str, Any]:
    """``{"Input": ..., "Output": ...}`` for ``owner/name`` (raises KeyError if unknown)."""
    owner, name = model.split("/", 1)
    try:
        return _load(f"replicate/{owner}__{name}.json")
    except FileNotFoundError:
        raise KeyError(model) from None


@cache
def replicate_input_schema(model: str) -> dict[str, Any]:
    """The model's ``Input`` as JSON Schema (``nullable`` fields accept null), to validate
    a prediction's input against."""
    converted: dict[str, Any] = openapi_to_jsonschema(replicate_model_schema(model)["Input"])
    return converted


def with_input_defaults(model: str, inp: Mapping[str, Any]) -> dict[str, Any]:
    """A prediction's input with the schema's defaults for what it leaves out (what the
    model runs with)."""
    props: dict[str, Any] = replicate_model_schema(model)["Input"]["properties"]
    defaults = {k: p["default"] for k, p in props.items() if "default" in p}
    return {**defaults, **inp}
