"""The JSON Schema instance generator behind structured chat output."""

from __future__ import annotations

import jsonschema
import pytest

from canvastoon_desktop.simulator.jsonschema_gen import generate
from canvastoon_desktop.simulator.textgen import Topic

SCHEMAS = [
    {
        "type": "object",
        "properties": {
            "episode": {"type": "string", "minLength": 5, "maxLength": 40},
            "rating": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "count": {"type": "integer", "minimum": 10, "multipleOf": 5},
            "mood": {"enum": ["calm", "tense", None]},
            "ok": {"type": "boolean"},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
            "maybe": {"type": ["string", "null"]},
            "kind": {"const": "storyboard"},
        },
        "required": ["episode", "rating", "count", "mood", "ok", "tags", "kind"],
        "additionalProperties": False,
    },
    {
        "$defs": {
            "Cut": {
                "type": "object",
                "properties": {
                    "cut_number": {"type": "integer"},
                    "video_prompt": {"type": "string"},
                    "speaker": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
                "required": ["cut_number", "video_prompt", "speaker"],
            }
        },
        "type": "object",
        "properties": {"cuts": {"type": "array", "items": {"$ref": "#/$defs/Cut"}, "maxItems": 10}},
        "required": ["cuts"],
    },
    {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer", "maximum": -3}}, "required": ["b"]},
        ]
    },
    {"type": "array", "items": {"type": "number"}, "minItems": 1},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_generated_values_validate(schema: dict[str, object]) -> None:
    value = generate(schema, Topic("Seven cuts of a rainy idol confession on the rooftop"))
    jsonschema.validate(value, schema)


def test_count_from_the_prompt_and_meaningful_strings() -> None:
    value = generate(SCHEMAS[1], Topic("Give me seven cuts of a rainy idol confession"))
    cuts = value["cuts"]
    assert len(cuts) == 7
    assert [c["cut_number"] for c in cuts] == list(range(1, 8))
    assert all("9:16" in c["video_prompt"] for c in cuts)
    assert any(w in cuts[0]["video_prompt"] for w in ("rainy", "idol", "confession"))


def test_same_topic_same_value_different_topic_different_value() -> None:
    a = generate(SCHEMAS[1], Topic("cats on a train"))
    assert a == generate(SCHEMAS[1], Topic("cats on a train"))
    assert a != generate(SCHEMAS[1], Topic("dogs at the beach"))
