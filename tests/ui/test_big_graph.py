"""Hundreds of connected nodes built through the bridge (PySide6 6.12 on Python 3.11 broke
the refcount of None after a few hundred nodes: this is the canary), then undone."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from canvastoon_desktop.core.graph import Edge, Node, new_node_id
from canvastoon_desktop.ui.commands import add_nodes_command

COUNT = 320


@pytest.mark.slow
def test_320_connected_nodes_through_the_bridge(qtbot: Any, window: Any) -> None:
    graph = window.document.graph
    kinds = ("text", "prompt_llm", "image_gen", "video")
    links = {
        "prompt_llm": ("text", "text"),
        "image_gen": ("text", "prompt"),
        "video": ("image", "image"),
    }
    nodes, edges = [], []
    previous = None
    for i in range(COUNT):
        kind = kinds[i % 4]
        node = Node(new_node_id(), kind, position=((i % 20) * 300.0, (i // 20) * 280.0))
        defaults = {
            s.name: s.default for s in graph.registry[kind].param_specs(graph.registry.catalog)
        }
        node.params = defaults
        nodes.append(node)
        if previous is not None and kind in links:
            out_port, in_port = links[kind]
            edges.append(Edge(previous, out_port, node.id, in_port))
        previous = node.id
    assert window.bridge.push(add_nodes_command(graph, nodes, edges, "build"))
    assert len(graph) == COUNT and len(graph.edges) == len(edges)
    window.bridge.fit()
    image = window.viewer.grab()
    assert not image.isNull()
    pipes = window.viewer.all_pipes()
    assert len(pipes) == len(edges)
    gc.collect()
    # a few hundred single edits, each one a command, then all undone
    for node in nodes[:200]:
        window.bridge.select([node.id])
    window.actions_by_name["undo"].trigger()
    assert len(graph) == 0 and window.viewer.all_pipes() == []
    window.actions_by_name["redo"].trigger()
    assert len(graph) == COUNT
    gc.collect()


@pytest.mark.slow
def test_opening_a_graph_places_each_card_before_it_enters_the_scene(
    window: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    """Moving a card that is already in the scene walks every port item in the scene (ports
    ask for scene-position changes), so placing cards afterwards made opening O(N²)."""
    from canvastoon_desktop.core.fileformat import save_graph
    from canvastoon_desktop.core.graph import Graph
    from canvastoon_desktop.ui.node_item import CardItem

    graph = Graph(window.document.graph.registry)
    previous = None
    for i in range(40):
        kind = ("text", "prompt_llm")[i % 2]
        node = graph.create_node(kind, position=(i * 310.0, (i % 3) * 250.0))
        if previous is not None and kind == "prompt_llm":
            graph.edges.append(Edge(previous, "text", node.id, "text"))
        previous = node.id
    path = tmp_path / "forty.ctoon"
    save_graph(graph, path)

    moved_in_scene: list[tuple[float, float]] = []
    place = CardItem.setPos

    def recording_set_pos(self: CardItem, *args: Any) -> None:
        before = self.pos()
        place(self, *args)
        if self.scene() is not None and self.pos() != before:
            moved_in_scene.append((self.pos().x(), self.pos().y()))

    monkeypatch.setattr(CardItem, "setPos", recording_set_pos)
    assert window.open_file(str(path), ask_unsaved=False)
    assert len(window.document.graph) == 40
    assert moved_in_scene == []
    first = next(iter(window.document.graph.nodes.values()))
    assert tuple(window.bridge.card(first.id).xy_pos) == tuple(first.position)
