"""Copy, paste and duplicate of nodes, as JSON of the core graph format.

The clipboard holds a small ``.ctoon`` document (the selected nodes with their parameters
and the edges among them) under a custom MIME type, plus the same JSON as plain text. A
paste is checked like a file (``fileformat.parse_graph``), gets new ids, keeps its internal
edges and lands offset from the originals, or at a given point.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6 import QtCore

from canvastoon_desktop.core.errors import GraphFileError
from canvastoon_desktop.core.fileformat import graph_to_document, parse_graph
from canvastoon_desktop.core.graph import Edge, Graph, Node, new_node_id
from canvastoon_desktop.core.nodetype import NodeRegistry

NODES_MIME = "application/x-canvastoon-nodes+json"
PASTE_OFFSET = 40.0


def subgraph(graph: Graph, node_ids: Iterable[str]) -> Graph:
    """The chosen nodes and the edges among them (pins and re-rolls dropped: a copy is a
    new node that has not run)."""
    wanted = [n for n in node_ids if n in graph.nodes]
    part = Graph(graph.registry)
    for node_id in wanted:
        clone = graph.nodes[node_id].clone()
        clone.pins, clone.rerolls = {}, {}
        part.nodes[node_id] = clone
    chosen = set(wanted)
    part.edges = [e for e in graph.edges if e.src_node in chosen and e.dst_node in chosen]
    part.meta = {"graph_id": "clipboard"}
    return part


def to_mime(graph: Graph, node_ids: Iterable[str]) -> QtCore.QMimeData | None:
    part = subgraph(graph, node_ids)
    if not part.nodes:
        return None
    text = json.dumps(graph_to_document(part), ensure_ascii=False)
    mime = QtCore.QMimeData()
    mime.setData(NODES_MIME, QtCore.QByteArray(text.encode("utf-8")))
    mime.setText(text)
    return mime


def from_mime(mime: QtCore.QMimeData | None, registry: NodeRegistry) -> Graph | None:
    """The nodes on the clipboard, or None when it holds none (or they do not check out)."""
    if mime is None:
        return None
    if mime.hasFormat(NODES_MIME):
        data = bytes(mime.data(NODES_MIME).data())
    elif mime.hasText() and '"canvastoon-graph"' in mime.text()[:200]:
        data = mime.text().encode("utf-8")
    else:
        return None
    try:
        return parse_graph(data, registry, source="the clipboard")
    except GraphFileError:
        return None


def fresh_copies(
    part: Graph, *, offset: tuple[float, float] | None = None, at: tuple[float, float] | None = None
) -> tuple[list[Node], list[Edge]]:
    """New nodes (new ids) and their edges, placed ``offset`` from the originals or with
    their top-left corner ``at`` a point."""
    if not part.nodes:
        return [], []
    xs = [n.position[0] for n in part.nodes.values()]
    ys = [n.position[1] for n in part.nodes.values()]
    if at is not None:
        dx, dy = at[0] - min(xs), at[1] - min(ys)
    else:
        dx, dy = offset or (PASTE_OFFSET, PASTE_OFFSET)
    mapping = {old: new_node_id() for old in part.nodes}
    nodes = []
    for old, node in part.nodes.items():
        clone = node.clone(mapping[old])
        clone.position = (node.position[0] + dx, node.position[1] + dy)
        nodes.append(clone)
    edges = [
        Edge(mapping[e.src_node], e.src_port, mapping[e.dst_node], e.dst_port) for e in part.edges
    ]
    return nodes, edges
