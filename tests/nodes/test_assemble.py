"""Assemble Short: clips joined in connection order then shot order, trimmed as the
``trims`` parameter says, into one 9:16 H.264 MP4 — locally, cached, cancellable."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from canvastoon_desktop.core import media
from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.events import NodeProgress
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.library.query import provenance
from canvastoon_desktop.core.nodetype import NodeRegistry, NodeType
from canvastoon_desktop.core.params import ParamKind, ParamSpec
from canvastoon_desktop.core.ports import Port, PortType
from canvastoon_desktop.core.pricing import PriceTable
from canvastoon_desktop.core.runtime import NodeContext, PortValues, SourceContext
from canvastoon_desktop.core.validation import graph_problems
from nodes import NODE_TYPES, default_registry
from nodes.assemble import TrimError, parse_trims
from tests.support.library_factory import mp4_file


class LibraryVideos(NodeType):
    """Test source: videos already in the library (by hash), one or a list."""

    type_id = "test.library_videos"
    title = "Videos"
    outputs = (Port("video", PortType.VIDEO), Port("videos", PortType.VIDEO, is_list=True))
    params = (ParamSpec("shas", ParamKind.STRING, ""),)
    is_source = True

    def source_outputs(self, ctx: SourceContext) -> Mapping[str, Any]:
        assets = [ctx.library.asset(s) for s in str(ctx.params["shas"]).split(",")]
        from canvastoon_desktop.core.assets import ItemList

        return {"video": assets[0], "videos": ItemList(tuple(assets))}

    async def run(self, ctx: NodeContext, inputs: PortValues) -> Mapping[str, Any]:
        return self.source_outputs(SourceContext(ctx.library, ctx.params, None))


REGISTRY = NodeRegistry(default_registry().catalog, [*NODE_TYPES, LibraryVideos])


@pytest.fixture
def setup(tmp_path: Path):
    library = Library(tmp_path / "library")
    clips = []
    for i, seconds in enumerate((1.0, 1.5, 1.0, 2.0)):
        path = mp4_file(tmp_path / f"clip{i}.mp4", i, fps=12, seconds=seconds)
        clips.append(
            library.put_file(
                path, AssetKind.VIDEO, "video/mp4", width=72, height=128, duration_s=seconds
            )
        )
    executor = Executor(REGISTRY, library, PriceTable.load(), adapters={})
    yield library, clips, executor
    library.close()


def build(clips, trims: str = "", **params) -> tuple[Graph, str]:
    graph = Graph(REGISTRY)
    first = graph.create_node("test.library_videos", params={"shas": clips[0].sha256})
    second = graph.create_node("test.library_videos", params={"shas": clips[1].sha256})
    shots = graph.create_node(
        "test.library_videos", params={"shas": f"{clips[2].sha256},{clips[3].sha256}"}
    )
    cut = graph.create_node("assemble_short", params={"trims": trims, **params})
    graph.connect(Edge(shots.id, "videos", cut.id, "shots"))  # the list, connected first
    graph.connect(Edge(first.id, "video", cut.id, "clips"))
    graph.connect(Edge(second.id, "video", cut.id, "clips"))
    return graph, cut.id


def test_trims_are_parsed_with_clear_errors() -> None:
    trims = parse_trims("1: 0.5-4; 3: 0-6\n 4: 1.5- ; 2:-3")
    assert (trims[1].start_s, trims[1].end_s) == (0.5, 4.0)
    assert (trims[4].start_s, trims[4].end_s) == (1.5, None)
    assert (trims[2].start_s, trims[2].end_s) == (0.0, 3.0)
    for text, words in (
        ("1 0.5-4", "write CLIP: START-END"),
        ("1: 4-2", "ends (2 s) before"),
        ("1: 0-1; 1: 2-3", "trimmed twice"),
        ("0: 0-1", "counted from 1"),
        ("2: -", "give a start, an end or both"),
        ("1: a-2", "CLIP: START-END"),
    ):
        with pytest.raises(TrimError, match=re.escape(words)):
            parse_trims(text)


def test_validation_asks_for_clips_and_reports_bad_trims() -> None:
    graph = Graph(REGISTRY)
    graph.create_node("assemble_short", params={"trims": "1: 5-2"}, title="Cut")
    found = [p.message for p in graph_problems(graph)]
    assert "connect the clips to join (Clips or Shot videos)" in found
    assert any("ends (2 s) before it starts" in m for m in found)


@pytest.mark.slow
def test_clips_then_shots_are_joined_trimmed_into_a_vertical_mp4_and_cached(setup) -> None:
    library, clips, executor = setup
    graph, cut = build(clips, trims="2: 0.5-1.5; 4: 0-1", fps=24)
    events = []
    summary = asyncio.run(executor.run(graph, on_event=events.append))
    assert summary.status == "done", summary.nodes[cut].error
    video = summary.nodes[cut].outputs["video"]
    info = media.probe_video_file(video.path)
    assert (info.width, info.height, info.codec) == (720, 1280, "h264")
    # clip 1 (1.0 s) + clip 2 trimmed to 1.0 s + shot 1 (1.0 s) + shot 2 trimmed to 1.0 s
    assert info.duration_s == pytest.approx(4.0, abs=0.1)
    assert any(isinstance(e, NodeProgress) and e.node_id == cut for e in events)
    assert "4 clips, 2 trimmed" in (summary.nodes[cut].note or "")
    made = provenance(library, video.sha256)[0]
    assert made.model is None and made.cost_usd == 0
    again = asyncio.run(executor.run(graph))
    assert again.nodes[cut].status == "cached"


def test_the_order_is_connection_order_then_the_list(setup) -> None:
    from nodes.assemble import ordered_clips

    _library, clips, executor = setup
    graph, cut = build(clips)
    plan = executor.plan(graph)
    from canvastoon_desktop.core.plan import gather_inputs

    node = graph.nodes[cut]
    inputs, known, _ = gather_inputs(
        graph,
        node,
        REGISTRY["assemble_short"],
        graph.incoming(cut),
        lambda n: plan.nodes[n].outputs,
    )
    assert known
    assert [a.sha256 for a in ordered_clips(inputs)] == [c.sha256 for c in clips]


def test_bad_trims_for_the_clips_fail_with_the_clip_named(setup) -> None:
    _library, clips, executor = setup
    graph, cut = build(clips, trims="7: 0-1")
    summary = asyncio.run(executor.run(graph))
    assert "trims name clip 7, but there are only 4 clips" in summary.nodes[cut].error
    graph, cut = build(clips, trims="2: 0-9")
    summary = asyncio.run(executor.run(graph))
    assert summary.nodes[cut].error.startswith("clip 2: trim end 9.00 s is past the clip's end")


def test_cancelling_stops_the_encoder_and_leaves_nothing(setup) -> None:
    library, clips, executor = setup
    graph, cut = build(clips, size="1080x1920", fps=30)

    async def go():
        run = executor.start(graph)
        started = asyncio.Event()
        run.events.connect(lambda e: started.set() if isinstance(e, NodeProgress) else None)
        await asyncio.wait_for(started.wait(), 10)
        run.cancel()
        return await run.wait()

    summary = asyncio.run(go())
    assert summary.nodes[cut].status == "cancelled", summary.nodes[cut]
    assert not summary.nodes[cut].outputs
    deadline = time.monotonic() + 10  # the encoder thread notices the event and cleans up
    while (
        any(p.stat().st_size for p in (library.root / "tmp").iterdir())
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert not [p for p in (library.root / "tmp").iterdir() if p.stat().st_size > 0]
