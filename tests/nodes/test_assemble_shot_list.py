"""Assemble Short fed the shot list its videos were made from: each video is cut to its
shot's duration (from its start, so the shot opens on its key frame), shorter videos stay
whole, explicit trims still win, and mismatched lists fail with a clear reason."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import Asset, AssetKind
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.validation import graph_problems
from nodes.assemble import shot_cuts
from tests.support.library_factory import mp4_file
from tests.support.library_sources import registry_with_library_assets, shot_doc

FPS = 12  # the test clips' rate; the cut is rendered at 24 fps
FRAME = 1 / 24


REGISTRY = registry_with_library_assets()


@pytest.fixture
def rig(tmp_path: Path):
    library = Library(tmp_path / "library")
    executor = Executor(REGISTRY, library, PriceTable.load(), adapters={})

    def video(seconds: float, n: int) -> Asset:
        path = mp4_file(tmp_path / f"clip{n}.mp4", n, fps=FPS, seconds=seconds)
        return library.put_file(
            path, AssetKind.VIDEO, "video/mp4", width=72, height=128, duration_s=seconds
        )

    yield library, executor, video
    library.close()


def episode(
    library: Library,
    videos: Sequence[Asset],
    durations: Sequence[float],
    *,
    clips: Sequence[Asset] = (),
    trims: str = "",
) -> tuple[Graph, str]:
    graph = Graph(REGISTRY)
    shots = [library.put_json(shot_doc(i, d)) for i, d in enumerate(durations, start=1)]
    made = graph.create_node(
        "test.library_assets", params={"shas": ",".join(v.sha256 for v in videos)}
    )
    listed = graph.create_node(
        "test.library_assets", params={"shas": ",".join(s.sha256 for s in shots)}
    )
    cut = graph.create_node("assemble_short", params={"trims": trims, "fps": 24})
    for clip in clips:
        one = graph.create_node("test.library_assets", params={"shas": clip.sha256})
        graph.connect(Edge(one.id, "video", cut.id, "clips"))
    graph.connect(Edge(made.id, "videos", cut.id, "shots"))
    graph.connect(Edge(listed.id, "shots", cut.id, "shot_list"))
    return graph, cut.id


def run(executor: Executor, graph: Graph, node: str):
    summary = asyncio.run(executor.run(graph))
    return summary.nodes[node]


def duration(outcome) -> float:
    return media.probe_video_file(outcome.outputs["video"].path).duration_s


@pytest.mark.slow
def test_each_video_is_cut_to_its_shot_and_shorter_ones_stay_whole(rig) -> None:
    library, executor, video = rig
    videos = [video(2.0, 1), video(1.0, 2), video(1.5, 3)]
    graph, cut = episode(library, videos, [1.0, 1.5, 1.5])
    outcome = run(executor, graph, cut)
    assert outcome.status == "done", outcome.error
    # 2.0 → 1.0 (its shot), 1.0 kept whole (shorter than its 1.5 s shot), 1.5 as is
    assert duration(outcome) == pytest.approx(1.0 + 1.0 + 1.5, abs=FRAME)
    assert "1 cut to its shot" in (outcome.note or "")


@pytest.mark.slow
def test_the_cut_keeps_the_start_of_the_clip(rig) -> None:
    """The first frame of a cut shot is its video's first frame (the key frame)."""
    library, executor, video = rig
    long = video(2.0, 7)
    graph, cut = episode(library, [long], [1.0])
    outcome = run(executor, graph, cut)
    assert outcome.status == "done", outcome.error
    first_of_cut = media.video_frame_png(outcome.outputs["video"].path, 0.0)
    first_of_clip = media.video_frame_png(long.path, 0.0)
    # the white bar starts at the left edge and crosses the clip in its 2 s: a cut from the
    # start opens with it at the left (a centred cut would open with it a quarter across)
    assert bar_position(first_of_cut) == pytest.approx(bar_position(first_of_clip), abs=0.1)
    assert bar_position(first_of_cut) < 0.2


def bar_position(png: bytes) -> float:
    """Where the test clip's moving white bar is, 0 (left) to 1 (right)."""
    arr = np.asarray(Image.open(BytesIO(png)).convert("L"), dtype=np.float32)
    return float(np.argmax(arr.mean(axis=0))) / arr.shape[1]


@pytest.mark.slow
def test_explicit_trims_win_over_the_shot_cut(rig) -> None:
    library, executor, video = rig
    intro = video(1.0, 10)
    videos = [video(2.0, 11), video(2.0, 12)]
    # clip 1 is the intro; clips 2 and 3 are shots 1 and 2 (1.0 s each); clip 3 is trimmed
    graph, cut = episode(library, videos, [1.0, 1.0], clips=[intro], trims="3: 0.5-2")
    outcome = run(executor, graph, cut)
    assert outcome.status == "done", outcome.error
    assert duration(outcome) == pytest.approx(1.0 + 1.0 + 1.5, abs=FRAME)
    assert "1 trimmed, 1 cut to its shot" in (outcome.note or "")


def test_lists_of_different_lengths_fail_clearly(rig) -> None:
    library, executor, video = rig
    graph, cut = episode(library, [video(1.0, 20), video(1.0, 21)], [1.0, 1.0, 1.0])
    outcome = run(executor, graph, cut)
    assert outcome.status == "failed"
    assert outcome.error == (
        "the shot list has 3 shots but 2 shot videos came in: connect "
        "the videos made from this shot list (one per shot, in its order)"
    )


def test_a_shot_list_without_shot_videos_is_a_validation_problem() -> None:
    graph = Graph(REGISTRY)
    listed = graph.create_node("test.library_assets", params={"shas": "0" * 64})
    cut = graph.create_node("assemble_short", title="Cut")
    graph.connect(Edge(listed.id, "shots", cut.id, "shot_list"))
    found = [p.message for p in graph_problems(graph)]
    assert "connect the Shot videos made from the shot list" in found


def test_shot_cuts_numbers_clips_after_the_separate_ones() -> None:
    assert shot_cuts([6.0, 5.0, 8.0], [5.0, 5.0, 5.0], first_clip=3) == {3: 5.0, 5: 5.0}
    assert shot_cuts([4.0], [5.0]) == {}
