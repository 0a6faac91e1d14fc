"""Each Replicate video model the simulator serves has its own facts (what it renders and
bills), and they agree with the model's published schema: a new video model cannot fall
into another model's behaviour."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from canvastoon_desktop.simulator.billing import replicate_bill
from canvastoon_desktop.simulator.catalog import REPLICATE_MODELS, ReplicateModel
from canvastoon_desktop.simulator.schemas import replicate_model_schema, with_input_defaults

VIDEO_MODELS = [m for m in REPLICATE_MODELS.values() if m.output == "video"]


def _values(prop: dict[str, Any]) -> list[Any]:
    return [True, False] if prop.get("type") == "boolean" else list(prop.get("enum", ()))


@pytest.mark.parametrize("model", VIDEO_MODELS, ids=[m.name for m in VIDEO_MODELS])
def test_a_video_models_facts_name_inputs_its_schema_has(model: ReplicateModel) -> None:
    facts = model.video
    assert facts is not None, f"{model.name} has no VideoFacts"
    props = replicate_model_schema(model.name)["Input"]["properties"]
    assert sorted(facts.short_sides) == sorted(props["resolution"]["enum"])
    named = [facts.first_frame, *facts.price_by, "duration"]
    if facts.fps_input:
        named.append(facts.fps_input)
    assert [name for name in named if name not in props] == []


@pytest.mark.parametrize("model", VIDEO_MODELS, ids=[m.name for m in VIDEO_MODELS])
def test_a_video_model_bills_its_defaults_and_per_second_every_setting(
    model: ReplicateModel,
) -> None:
    facts = model.video
    assert facts is not None
    defaults = with_input_defaults(model.name, {})
    usd, _ = replicate_bill(model.name, defaults, outputs=1, predict_s=None)
    assert usd > 0
    if facts.per_second:  # a price per second exists for every value of what sets it
        props = replicate_model_schema(model.name)["Input"]["properties"]
        for combo in itertools.product(*(_values(props[name]) for name in facts.price_by)):
            inputs = {**defaults, **dict(zip(facts.price_by, combo, strict=True))}
            assert facts.price_key(inputs) in facts.usd, (model.name, combo)
