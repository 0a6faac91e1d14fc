"""A model declared in the catalog is complete: priced (with the document the price came
from), served by the simulator from its own facts, and — a hosted video model — routed by
its role. Adding a model is four files (CONTRIBUTING.md); this test names the one missed."""

from __future__ import annotations

import re

import pytest

from canvastoon_desktop.core.catalog import ModelSpec, Provider, Task, default_catalog
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.shots import ROLES
from canvastoon_desktop.simulator import catalog as sim
from canvastoon_desktop.simulator.schemas import aiml_request_schema, replicate_model_schema
from nodes.route import RouteVideo

CATALOG = default_catalog()
HOSTED = [m for m in CATALOG if not m.offline]

#: the models the simulator's AIML routes accept, per task
AIML_SERVED = {
    Task.CHAT: tuple(
        aiml_request_schema("gpt-4o.json", "/v1/chat/completions")["properties"]["model"]["enum"]
    ),
    Task.IMAGE: sim.AIML_IMAGE_MODELS,
    Task.IMAGE_EDIT: sim.AIML_EDIT_MODELS,
    Task.VIDEO: sim.AIML_VIDEO_MODELS,
    Task.SPEECH: sim.AIML_SPEECH_MODELS,
    Task.MUSIC: sim.AIML_MUSIC_MODELS,
}


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
def test_an_aiml_model_is_served_by_the_simulators_route_for_its_task(model: ModelSpec) -> None:
    assert model.id in AIML_SERVED[model.task]


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
