"""Hundreds of connected nodes built through the bridge (PySide6 6.12 on Python 3.11 broke
the refcount of None after a few hundred nodes: this is the canary), then undone."""

from __future__ import annotations

import gc
from typing import Any

from canvastoon_desktop.core.graph import Edge, Node, new_node_id
from canvastoon_desktop.ui.commands import add_nodes_command

COUNT = 320


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
    qtbot.wait(50)
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
