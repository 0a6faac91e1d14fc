"""Episodes offline: a shot list, per-shot runs with characters, routed clips assembled into
the episode, each cut to its shot — and editing one shot re-runs that shot only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import ItemList
from canvastoon_desktop.core.events import NodeCached, NodeDone, NodeItems, RunEvent
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import load_graph
from canvastoon_desktop.core.library.query import provenance
from canvastoon_desktop.core.list_edit import edit_json_item
from nodes import default_registry


def run(executor: Executor, graph, path: Path, targets=None):
    events: list[RunEvent] = []
    summary = asyncio.run(
        executor.run(graph, graph_path=path, on_event=events.append, targets=targets)
    )
    return summary, events


def items_done(events, node_id: str) -> list[int]:
    return sorted(e.item for e in events if isinstance(e, NodeDone) and e.node_id == node_id)


@pytest.mark.slow
def test_the_offline_episode_runs_each_shot_with_its_characters(
    offline_executor: Executor, example_copy
) -> None:
    path = example_copy("offline_episode.ctoon")
    graph = load_graph(path, default_registry())
    summary, events = run(offline_executor, graph, path)
    assert summary.status == "done", {n: o.error for n, o in summary.nodes.items() if o.error}
    library = offline_executor.library
    shots = summary.nodes["shots"].outputs["shots"]
    assert isinstance(shots, ItemList) and len(shots) == 6
    first = library.read_json(shots.items[0])
    assert first["characters"] == ["Mina"] and first["duration"] == 5
    assert [library.read_json(s)["role"] for s in shots.items] == [
        "cinematic",
        "action",
        "motion",
        "cinematic",
        "motion",
        "motion",
    ]
    assert any(isinstance(e, NodeItems) and e.node_id == "cards" and e.count == 6 for e in events)
    clips = summary.nodes["clips"].outputs["video"]
    durations = [round(media.probe_video_file(c.path).duration_s) for c in clips.items]
    assert durations == [5, 4, 4, 4, 6, 6]  # each shot's own duration
    episode = media.probe_video_file(summary.nodes["episode"].outputs["video"].path)
    shot_seconds = sum(library.read_json(s)["duration"] for s in shots.items)
    assert (episode.width, episode.height) == (720, 1280)
    assert abs(episode.duration_s - shot_seconds) <= 1 / 24  # the sum of the shots, ± a frame
    assert summary.nodes["export"].status == "done"
    card_provenance = provenance(library, summary.nodes["cards"].outputs["image"].items[4].sha256)
    assert card_provenance[0].model == "local/storyboard-card-refs"  # both characters' refs
    clip_provenance = provenance(library, clips.items[0].sha256)
    assert clip_provenance[0].model == "local/pan-zoom"  # the model its role was routed to


@pytest.mark.slow
def test_editing_one_shot_reruns_that_shot_only(offline_executor: Executor, example_copy) -> None:
    path = example_copy("offline_episode.ctoon")
    graph = load_graph(path, default_registry())
    summary, _ = run(offline_executor, graph, path, targets=["clips"])
    outputs = summary.nodes["shots"].outputs
    edit_json_item(
        graph,
        offline_executor.library,
        "shots",
        outputs,
        "shots",
        2,
        {"image_prompt": "Mina dances alone under a single spotlight"},
    )
    again, events = run(offline_executor, graph, path, targets=["clips"])
    assert again.status == "done"
    assert items_done(events, "cards") == [2]
    assert items_done(events, "cleanup") == [2]
    assert items_done(events, "clips") == [2]
    cached = sorted(e.item for e in events if isinstance(e, NodeCached) and e.node_id == "cards")
    assert cached == [0, 1, 3, 4, 5]


@pytest.mark.slow
def test_editing_one_line_of_the_story_reruns_that_shot_only(
    offline_executor: Executor, example_copy
) -> None:
    path = example_copy("offline_episode.ctoon")
    graph = load_graph(path, default_registry())
    run(offline_executor, graph, path, targets=["clips"])
    lines = graph.nodes["story"].params["text"].splitlines()
    lines[3] = "The city lights flicker red behind them"
    graph.set_param("story", "text", "\n".join(lines))
    _, events = run(offline_executor, graph, path, targets=["clips"])
    assert items_done(events, "cards") == [3]
    assert items_done(events, "clips") == [3]


def test_a_routes_cache_key_holds_only_the_model_its_shot_uses(tmp_path: Path) -> None:
    from canvastoon_desktop.core.library import Library
    from nodes.route import RouteVideo

    library = Library(tmp_path / "lib")
    catalog = default_registry().catalog
    params = RouteVideo.effective_params(catalog, {})
    action = library.put_json({"role": "action"})
    motion = library.put_json({"role": "motion"})
    before = {
        role: RouteVideo.key_params(library, catalog, params, {"shot": shot})
        for role, shot in (("action", action), ("motion", motion))
    }
    changed = {**params, "action_model": "google/veo-3.1-fast"}
    after = {
        role: RouteVideo.key_params(library, catalog, changed, {"shot": shot})
        for role, shot in (("action", action), ("motion", motion))
    }
    assert before["action"]["model"] == "minimax/hailuo-2.3-fast"
    assert after["action"]["model"] == "google/veo-3.1-fast"
    assert before["motion"] == after["motion"]
