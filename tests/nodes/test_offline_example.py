"""The bundled offline example runs end to end with no key and no network."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from canvastoon_desktop.core import media
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import load_graph
from nodes import default_registry


@pytest.mark.slow
def test_offline_storyboard_runs_end_to_end_and_then_comes_from_the_cache(
    offline_executor: Executor, example_copy
) -> None:
    path: Path = example_copy("offline_storyboard.ctoon")
    graph = load_graph(path, default_registry())
    summary = asyncio.run(offline_executor.run(graph, graph_path=path))
    assert summary.status == "done", {n: o.error for n, o in summary.nodes.items()}
    library = offline_executor.library

    prompt = library.read_text(summary.nodes["image_prompt"].outputs["text"])
    assert "silver jacket" in prompt and "9:16" in prompt
    card = summary.nodes["card"].outputs["image"]
    assert media.probe_image_file(card.path).width == 720
    clip = summary.nodes["clip"].outputs["video"]
    info = media.probe_video_file(clip.path)
    assert (info.width, info.height, info.codec) == (720, 1280, "h264")
    assert abs(info.duration_s - 3.0) < 0.1

    exported = sorted((path.parent / "exports" / "offline_storyboard").iterdir())
    assert [p.suffix for p in exported].count(".mp4") == 1
    sidecar = json.loads(next(p for p in exported if p.name.endswith(".mp4.json")).read_text())
    assert sidecar["produced_by"]["model"] == "local/pan-zoom"
    assert "exported 2 files" in summary.nodes["export"].note

    again = asyncio.run(offline_executor.run(graph, graph_path=path))
    statuses = {node_id: outcome.status for node_id, outcome in again.nodes.items()}
    assert statuses == {
        "idea": "done",
        "mask": "done",
        "image_prompt": "cached",
        "card": "cached",
        "cleanup": "cached",
        "clip": "cached",
        "export": "done",
    }
