"""Editing one shot of an episode: only that shot's work runs again (one image, one cleanup,
one video at the simulator), the episode is assembled again, and the quote says so before
anything is spent — 8 runs per shot node for a new episode, 1 to run and 7 cached after."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from canvastoon_desktop.core.events import NodeCached, NodeDone
from canvastoon_desktop.core.fileformat import save_graph
from canvastoon_desktop.core.list_edit import edit_json_item
from nodes.route import DEFAULT_ROUTES
from tests.episodes.conftest import EpisodeRun, copy_episode, creates, requests_since
from tests.providers.hosted_rig import canvastoon

# a whole episode run (package fixture) behind every test here: end to end
pytestmark = pytest.mark.slow

PER_SHOT = ("cuts", "cleanup", "clips")


def items(events, kind, node: str) -> list[int | None]:
    return sorted(
        (e.item for e in events if isinstance(e, kind) and e.node_id == node),
        key=lambda i: -1 if i is None else i,
    )


def test_editing_one_shots_prompt_reruns_only_that_shot(first_run: EpisodeRun) -> None:
    graph = first_run.graph.copy()
    k = 5
    outputs = first_run.rig.executor.plan(graph, graph_path=first_run.path).nodes["shots"].outputs
    edit_json_item(
        graph,
        first_run.library,
        "shots",
        outputs,
        "shots",
        k,
        {"image_prompt": "Mina alone under one spotlight, rain on the lens"},
    )
    since = len(first_run.sim.log)
    summary, events = first_run.rig.run(graph, graph_path=first_run.path)
    assert summary.status == "done"
    video_model = DEFAULT_ROUTES[first_run.shots[k]["role"]]
    video_route = (
        "aiml.video.create"
        if video_model.startswith("minimax/")
        else "replicate.predictions.create"
    )
    assert creates(requests_since(first_run.sim, since)) == {
        ("aiml.images", "google/gemini-3-pro-image-edit"): 1,
        ("replicate.predictions.create", "allenhooo/lama"): 1,
        (video_route, video_model): 1,
    }
    for node in PER_SHOT:
        assert items(events, NodeDone, node) == [k], node
        assert items(events, NodeCached, node) == [i for i in range(8) if i != k], node
    assert items(events, NodeDone, "episode") == [None]  # the episode is cut again
    assert summary.nodes["shots"].status == "cached"  # pinned with the edit
    new_cut = summary.nodes["episode"].outputs["video"]
    assert new_cut.sha256 != first_run.outputs("episode", "video").sha256


def estimate(path: Path, library: Path) -> dict[str, dict]:
    result = canvastoon(
        "estimate",
        str(path),
        "--json",
        "--library",
        str(library),
        cwd=path.parent,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    return {n["id"]: n for n in json.loads(result.stdout)["nodes"]}


def test_the_quote_of_a_new_episode_counts_every_shot(tmp_path: Path) -> None:
    fresh = copy_episode(tmp_path / "new")
    before = estimate(fresh, tmp_path / "empty-library")
    for node in PER_SHOT:
        assert (before[node]["runs"], before[node]["cached"]) == (8, 0), before[node]
        assert before[node]["cost_usd"]["max"] > 0
    assert before["shots"]["runs"] == 1


def test_after_editing_one_shot_the_quote_runs_that_shot_only(first_run: EpisodeRun) -> None:
    graph = first_run.graph.copy()
    outputs = first_run.summary.nodes["shots"].outputs
    edit_json_item(
        graph,
        first_run.library,
        "shots",
        outputs,
        "shots",
        2,
        {"image_prompt": "Jun in the stairwell, neon leaking through the door"},
    )
    edited = first_run.path.with_name("edited_episode.ctoon")  # beside its characters/
    save_graph(graph, edited)
    first_run.library.flush(wait=True)
    after = estimate(edited, first_run.library.root)
    assert after["shots"]["runs"] == 0  # pinned: nothing to ask the LLM
    assert (after["cuts"]["runs"], after["cuts"]["cached"]) == (1, 7)
    for node in PER_SHOT:
        assert (after[node]["runs"], after[node]["cached"]) == (1, 7), after[node]
