"""JSON Schema validation with messages that name the offending field."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

__all__ = ["field_path", "problems"]


@cache
def _validator(schema_json: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(schema_json))


def _get_validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return _validator(json.dumps(schema, sort_keys=True))


def field_path(parts: Any, prefix: str = "") -> str:
    """``["messages", 0, "role"]`` → ``messages[0].role``."""
    out = prefix
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "body"


def _describe(err: ValidationError, prefix: str) -> tuple[str, str]:
    path = field_path(err.absolute_path, prefix)
    v = err.validator
    if v == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else "a field"
        name = field_path([*err.absolute_path, missing], prefix)
        return name, f"{name} is required"
    if v == "enum":
        opts = ", ".join(str(o) for o in err.validator_value if o is not None)
        return path, f"{path} must be one of: {opts} (got {err.instance!r})"
    if v == "type":
        return path, f"{path} must be of type {err.validator_value} (got {err.instance!r})"
    if v in ("maximum", "exclusiveMaximum"):
        return path, f"{path} must be less than or equal to {err.validator_value}"
    if v in ("minimum", "exclusiveMinimum"):
        return path, f"{path} must be greater than or equal to {err.validator_value}"
    if v == "maxLength":
        return path, f"{path} must be at most {err.validator_value} characters long"
    if v == "minLength":
        return path, f"{path} must be at least {err.validator_value} characters long"
    if v == "maxItems":
        return path, f"{path} must contain at most {err.validator_value} items"
    if v == "minItems":
        return path, f"{path} must contain at least {err.validator_value} items"
    if v == "additionalProperties":
        return path, f"{path}: {err.message}"
    return path, f"{path}: {err.message}"


def problems(schema: dict[str, Any], instance: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``[(field, message), ...]`` — the most relevant error first; empty when valid."""
    validator = _get_validator(schema)
    errors = list(validator.iter_errors(instance))
    if not errors:
        return []
    best = best_match(errors)
    ordered = [best, *(e for e in errors if e is not best)]
    return [_describe(e, prefix) for e in ordered]
