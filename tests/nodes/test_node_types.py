"""Node declarations: model choice, checks and the rules each node adds."""

from __future__ import annotations

from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.validation import graph_problems
from nodes import default_registry

REGISTRY = default_registry()
CATALOG = REGISTRY.catalog


def problems(graph: Graph) -> list[str]:
    return [f"{p.node_name}: {p.message}" for p in graph_problems(graph)]


def test_image_gen_fed_references_uses_the_edit_model() -> None:
    graph = Graph(REGISTRY)
    gen = graph.create_node("image_gen", params={"prompt": "idol on stage"})
    node_type = REGISTRY["image_gen"]
    params = node_type.effective_params(CATALOG, gen.params)
    assert node_type.resolve_model(CATALOG, params, frozenset()).id == "google/nano-banana-pro"
    assert (
        node_type.resolve_model(CATALOG, params, frozenset({"references"})).id
        == "google/gemini-3-pro-image-edit"
    )
    params["model"] = "local/storyboard-card"
    assert (
        node_type.resolve_model(CATALOG, params, frozenset({"references"})).id
        == "local/storyboard-card-refs"
    )


def test_a_preview_model_cannot_take_references() -> None:
    graph = Graph(REGISTRY)
    ref = graph.create_node("load_image", params={"path": "face.png"})
    gen = graph.create_node(
        "image_gen", params={"model": "prunaai/z-image-turbo", "prompt": "x"}, title="Preview"
    )
    graph.connect(Edge(ref.id, "image", gen.id, "references"))
    assert "Preview: Z-Image Turbo cannot use reference images; choose Nano Banana Pro" in problems(
        graph
    )


def test_nodes_say_what_they_are_missing() -> None:
    graph = Graph(REGISTRY)
    graph.create_node("image_gen", title="Cut")
    graph.create_node("inpaint", title="Clean")
    graph.create_node("video", title="Clip")
    graph.create_node("export", title="Out")
    found = problems(graph)
    assert "Cut: connect a Prompt or write one" in found
    assert "Clean: the Image input is not connected" in found
    assert "Clean: the Mask input is not connected" in found
    assert "Clip: Hailuo 2.3 Fast needs the First frame input connected" in found
    assert "Out: connect something to export" in found


def test_only_veo_takes_a_last_frame() -> None:
    graph = Graph(REGISTRY)
    image = graph.create_node("load_image", params={"path": "a.png"})
    clip = graph.create_node("video", params={"prompt": "spin"}, title="Clip")
    graph.connect(Edge(image.id, "image", clip.id, "image"))
    graph.connect(Edge(image.id, "image", clip.id, "last_frame"))
    assert "Clip: Hailuo 2.3 Fast does not take a last frame" in problems(graph)
    graph.set_param(clip.id, "model", "google/veo-3.1-fast")
    assert not any(p.startswith("Clip") for p in problems(graph))


def test_hailuo_at_1080p_is_refused_for_10_seconds_before_anything_is_sent() -> None:
    graph = Graph(REGISTRY)
    image = graph.create_node("load_image", params={"path": "a.png"})
    clip = graph.create_node(
        "video", params={"prompt": "spin", "resolution": "1080P", "duration": 10}, title="Clip"
    )
    graph.connect(Edge(image.id, "image", clip.id, "image"))
    assert "Clip: Hailuo 2.3 Fast makes 1080P videos of 6 s only; choose 6 s or 768P" in (
        problems(graph)
    )
    graph.set_param(clip.id, "duration", 6)
    assert not any(p.startswith("Clip") for p in problems(graph))


def test_veo_takes_4_6_or_8_seconds_and_gpt_4o_seeds_start_at_1() -> None:
    assert CATALOG["google/veo-3.1-fast"].param("duration").choices == (4, 6, 8)
    graph = Graph(REGISTRY)
    writer = graph.create_node("prompt_llm", params={"seed": 0}, title="Writer")
    assert any(p.startswith("Writer: Seed must be at least 1") for p in problems(graph))
    graph.set_param(writer.id, "seed", 1)
    assert not any(p.startswith("Writer: Seed") for p in problems(graph))


def test_every_model_of_the_spec_is_in_the_catalog_with_9_16_defaults() -> None:
    hosted = {
        "gpt-4o",
        "google/nano-banana-pro",
        "prunaai/z-image-turbo",
        "allenhooo/lama",
        "minimax/hailuo-2.3-fast",
        "bytedance/seedance-1-pro-fast",
        "google/veo-3.1-fast",
    }
    assert hosted <= set(CATALOG.models)
    for model in CATALOG:
        aspect = model.param("aspect_ratio")
        if aspect is not None:
            assert aspect.default == "9:16", model.id
    z_image = CATALOG["prunaai/z-image-turbo"]
    assert z_image.param("height").default > z_image.param("width").default
    roles = {CATALOG[m].role.value for m in hosted}
    assert {"main", "preview", "action", "motion", "cinematic"} <= roles


def test_a_new_node_starts_with_every_default_its_model_included_and_keeps_what_is_given() -> None:
    video = REGISTRY["video"]
    fresh = video.new_params(CATALOG)
    assert fresh["model"] == "minimax/hailuo-2.3-fast"
    assert (fresh["duration"], fresh["resolution"], fresh["prompt"]) == (10, "768P", "")
    veo = video.new_params(CATALOG, {"model": "google/veo-3.1-fast", "prompt": "a bow"})
    assert (veo["duration"], veo["generate_audio"], veo["prompt"]) == (8, True, "a bow")
    assert "enhance_prompt" not in veo  # Hailuo's own param, not Veo's
    graph = Graph(REGISTRY)
    assert graph.create_node("video", params={"prompt": "a bow"}).params == video.new_params(
        CATALOG, {"prompt": "a bow"}
    )
