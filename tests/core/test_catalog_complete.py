"""A model declared in the catalog is complete: priced (with the document the price came
from), served by the simulator from its own facts, and — a hosted video model — routed by
its role. Adding a model is four files (CONTRIBUTING.md); this test names the one missed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from canvastoon_desktop.core.catalog import ModelSpec, Provider, Task, default_catalog
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.shots import ROLES
from canvastoon_desktop.simulator import catalog as sim
from canvastoon_desktop.simulator.schemas import aiml_request_schema, replicate_model_schema
from nodes.route import RouteVideo

CATALOG = default_catalog()
HOSTED = [m for m in CATALOG if not m.offline]

#: per task, the models the simulator's AIML route accepts and the request schema it checks
AIML_ROUTES = {
    Task.CHAT: (None, "gpt-4o.json", "/v1/chat/completions"),
    Task.IMAGE: (
        sim.AIML_IMAGE_MODELS,
        "gemini-3-pro-image-preview.json",
        "/v1/images/generations",
    ),
    Task.IMAGE_EDIT: (
        sim.AIML_EDIT_MODELS,
        "gemini-3-pro-image-preview-edit.json",
        "/v1/images/generations",
    ),
    Task.VIDEO: (sim.AIML_VIDEO_MODELS, "hailuo-2.3-fast.json", "/v2/video/generations"),
    Task.SPEECH: (sim.AIML_SPEECH_MODELS, "eleven-multilingual-v2.json", "/v1/tts"),
    Task.MUSIC: (sim.AIML_MUSIC_MODELS, "eleven-music.json", "/v2/generate/audio"),
}


def _unknown_fields(body: dict[str, Any], schema: dict[str, Any], at: str = "") -> list[str]:
    """The fields of ``body`` (nested ones too) that ``schema`` has no property for."""
    props = schema.get("properties", {})
    found = []
    for name, value in body.items():
        if name not in props:
            found.append(at + name)
        elif isinstance(value, dict):
            found += _unknown_fields(value, props[name], f"{at}{name}.")
    return found


def _ids(models: list[ModelSpec]) -> list[str]:
    return [m.id for m in models]


@pytest.mark.parametrize("model", HOSTED, ids=_ids(HOSTED))
def test_a_hosted_model_has_a_price_for_every_setting_and_cites_its_source(
    model: ModelSpec,
) -> None:
    prices = PriceTable.load()
    assert model.id in prices.models, f"resources/prices.json has no entry for {model.id}"
    assert prices.uncovered(model) == []
    citation = prices.citation(model.id)
    assert citation.source, f"{model.id}'s price names no source"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", citation.as_of), f"{model.id}'s price has no as_of"


@pytest.mark.parametrize(
    "model",
    [m for m in HOSTED if m.provider is Provider.REPLICATE],
    ids=_ids([m for m in HOSTED if m.provider is Provider.REPLICATE]),
)
def test_a_replicate_model_has_a_simulator_schema_taking_every_param_and_file(
    model: ModelSpec,
) -> None:
    served = sim.REPLICATE_MODELS.get(model.id)
    assert served is not None, f"simulator/catalog.py does not serve {model.id}"
    inputs = replicate_model_schema(model.id)["Input"]["properties"]
    sent = [*model.params, *model.files]
    assert [p.name for p in sent if p.name not in inputs] == [], "names the schema lacks"
    if model.prompt_required:
        assert "prompt" in inputs
    if model.replicate_version:
        assert served.version == model.replicate_version
    if model.task is Task.VIDEO:
        assert served.video is not None, f"simulator/catalog.py has no VideoFacts for {model.id}"
        resolutions = inputs["resolution"]["enum"]
        assert sorted(served.video.short_sides) == sorted(resolutions)


@pytest.mark.parametrize(
    "model",
    [m for m in HOSTED if m.provider is Provider.AIML],
    ids=_ids([m for m in HOSTED if m.provider is Provider.AIML]),
)
def test_an_aiml_model_is_served_and_its_params_go_by_the_names_aimls_schema_gives(
    model: ModelSpec,
) -> None:
    served, schema_file, route = AIML_ROUTES[model.task]
    schema = aiml_request_schema(schema_file, route)
    assert model.id in (served or schema["properties"]["model"]["enum"])
    every_param_set = {p.name: p.choices[0] if p.choices else 1 for p in model.params}
    body = model.wire_params(every_param_set)
    assert len(body) > 0 or not model.params
    assert _unknown_fields(body, schema) == []


def test_every_hosted_video_model_has_a_shot_role_and_route_video_offers_it() -> None:
    videos = [m for m in HOSTED if m.task is Task.VIDEO]
    choices = {s.name: s for s in RouteVideo.param_specs(CATALOG)}
    for model in videos:
        assert model.role.value in ROLES, f"{model.id}'s role is no shot role"
        for role in ROLES:
            assert model.id in choices[f"{role}_model"].choices


def test_each_shot_role_is_routed_by_default_to_the_catalogs_model_of_that_role() -> None:
    specs = {s.name: s for s in RouteVideo.param_specs(CATALOG)}
    for role in ROLES:
        default = CATALOG[specs[f"{role}_model"].default]
        assert (default.task, default.role.value) == (Task.VIDEO, role)
