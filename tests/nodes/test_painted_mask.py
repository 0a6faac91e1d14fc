"""Painted Mask: serves a mask asset of the library; "Edit mask…" is one reversible graph
edit; a mask must be a grayscale PNG of exactly the image's size."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from canvastoon_desktop.core.assets import AssetKind
from canvastoon_desktop.core.errors import MediaError, RunRefused
from canvastoon_desktop.core.executor import Executor
from canvastoon_desktop.core.fileformat import dumps_graph, parse_graph
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.library import Library
from canvastoon_desktop.core.pricing import PriceTable
from nodes import default_registry
from nodes.painted_mask import attach_mask, mask_node_of, store_mask

REGISTRY = default_registry()


def grey_png(size: tuple[int, int], mode: str = "L") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, 0).save(buf, format="PNG")
    return buf.getvalue()


def test_a_missing_mask_is_a_clear_problem_before_anything_runs(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    executor = Executor(REGISTRY, library, PriceTable.load(), adapters={})
    graph = Graph(REGISTRY)
    node = graph.create_node("painted_mask", params={"mask": "ab" * 32}, title="Mask")
    plan, problems = executor.check(graph)
    assert plan.nodes[node.id].status == "invalid"
    assert "is not in this library" in plan.nodes[node.id].problem
    assert any("paint it again" in str(p) for p in problems)
    graph.set_param(node.id, "mask", "")
    with pytest.raises(RunRefused, match="no mask painted yet: use Edit mask"):
        asyncio.run(executor.run(graph))
    library.close()


def test_the_node_serves_the_stored_mask(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    mask = store_mask(library, grey_png((40, 60)))
    graph = Graph(REGISTRY)
    node = graph.create_node("painted_mask", params={"mask": mask.sha256})
    executor = Executor(REGISTRY, library, PriceTable.load(), adapters={})
    assert executor.plan(graph).nodes[node.id].outputs["mask"].sha256 == mask.sha256
    summary = asyncio.run(executor.run(graph))
    assert summary.nodes[node.id].outputs["mask"].sha256 == mask.sha256
    library.close()


def test_store_mask_insists_on_grey_png_of_the_image_size(tmp_path: Path) -> None:
    library = Library(tmp_path / "library")
    image = library.put_bytes(
        grey_png((40, 60), "RGB"), AssetKind.IMAGE, "image/png", width=40, height=60
    )
    assert store_mask(library, grey_png((40, 60)), image).width == 40
    with pytest.raises(MediaError, match="the mask is 41x60 but the image is 40x60"):
        store_mask(library, grey_png((41, 60)), image)
    with pytest.raises(MediaError, match="grayscale PNG"):
        store_mask(library, grey_png((40, 60), "RGB"), image)
    with pytest.raises(MediaError, match="not a readable PNG"):
        store_mask(library, b"not a png", image)
    library.close()


def test_attach_mask_replaces_the_mask_input_and_reverts(tmp_path: Path) -> None:
    graph = Graph(REGISTRY)
    load = graph.create_node("load_image", params={"path": "a.png"})
    old_mask = graph.create_node("load_image", params={"path": "mask.png"})
    inpaint = graph.create_node("inpaint", position=(400, 100))
    graph.connect(Edge(load.id, "image", inpaint.id, "image"))
    graph.connect(Edge(old_mask.id, "image", inpaint.id, "mask"))
    before = dumps_graph(graph)
    first = "1" * 64
    edit = attach_mask(graph, inpaint.id, first, "2" * 64)
    assert dumps_graph(graph) == before  # worked out, not applied
    edit.apply(graph)
    node = mask_node_of(graph, inpaint.id)
    assert node is not None and node.params == {"mask": first, "image": "2" * 64}
    assert node.position == (140.0, 240.0)
    assert not any(e.src_node == old_mask.id for e in graph.edges)
    second = attach_mask(graph, inpaint.id, "3" * 64, "2" * 64)  # repainting reuses the node
    assert second.new_node is None and second.mask_node_id == node.id
    second.apply(graph)
    assert graph.nodes[node.id].params["mask"] == "3" * 64
    second.revert(graph)
    edit.revert(graph)
    assert dumps_graph(graph) == before
    reloaded = parse_graph(before.encode(), REGISTRY)
    assert len(reloaded.nodes) == 3
    with pytest.raises(Exception, match="no mask input"):
        attach_mask(graph, load.id, first)
