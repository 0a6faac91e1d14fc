"""One rule for connections: the canvas's connect, the file loader and validation refuse a
bad connection alike, with the same reason."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from canvastoon_desktop.core.errors import GraphError, GraphFileError
from canvastoon_desktop.core.fileformat import graph_to_document, parse_graph
from canvastoon_desktop.core.graph import Edge, Graph
from canvastoon_desktop.core.validation import graph_problems
from nodes import default_registry

REGISTRY = default_registry()


def _base() -> tuple[Graph, dict[str, str]]:
    """A text feeding a prompt LLM that feeds another, and two image generators, the second
    taking the first's image as a reference."""
    graph = Graph(REGISTRY)
    ids = {
        "text": graph.create_node("text").id,
        "llm1": graph.create_node("prompt_llm").id,
        "llm2": graph.create_node("prompt_llm").id,
        "gen": graph.create_node("image_gen").id,
        "gen2": graph.create_node("image_gen").id,
    }
    graph.connect(Edge(ids["text"], "text", ids["llm1"], "text"))
    graph.connect(Edge(ids["llm1"], "text", ids["llm2"], "text"))
    graph.connect(Edge(ids["text"], "text", ids["gen"], "prompt"))
    graph.connect(Edge(ids["gen"], "image", ids["gen2"], "references"))
    return graph, ids


BAD_EDGES: list[tuple[str, Callable[[dict[str, str]], Edge], str]] = [
    (
        "unknown node",
        lambda n: Edge("ghost", "text", n["llm1"], "text"),
        "there is no node ghost",
    ),
    (
        "unknown output",
        lambda n: Edge(n["text"], "nope", n["llm2"], "text"),
        "Text has no output 'nope'",
    ),
    (
        "unknown input",
        lambda n: Edge(n["text"], "text", n["gen"], "nope"),
        "Image Gen has no input 'nope'",
    ),
    (
        "incompatible types",
        lambda n: Edge(n["gen"], "image", n["llm1"], "text"),
        "an Image output cannot feed a Text input",
    ),
    (
        "duplicate",
        lambda n: Edge(n["text"], "text", n["llm1"], "text"),
        "these ports are already connected",
    ),
    (
        "second connection into a single input",
        lambda n: Edge(n["llm2"], "text", n["gen"], "prompt"),
        "already has a connection",
    ),
    (
        "loop",
        lambda n: Edge(n["gen2"], "image", n["gen"], "references"),
        "this connection would make a loop",
    ),
    ("feeding itself", lambda n: Edge(n["llm1"], "text", n["llm1"], "text"), "feed itself"),
]


def _refused_by_connect(graph: Graph, edge: Edge) -> str:
    with pytest.raises(GraphError) as caught:
        graph.connect(edge)
    return str(caught.value).removeprefix("cannot connect: ")


def _refused_by_loader(graph: Graph, edge: Edge) -> str:
    doc = graph_to_document(graph)
    doc["edges"].append(
        {"from": [edge.src_node, edge.src_port], "to": [edge.dst_node, edge.dst_port]}
    )
    with pytest.raises(GraphFileError) as caught:
        parse_graph(json.dumps(doc).encode(), REGISTRY)
    prefix = f"connection {edge.describe()}: "
    (message,) = [m for _, m in caught.value.problems]
    assert message.startswith(prefix)
    return message.removeprefix(prefix)


def _refused_by_validation(graph: Graph, edge: Edge) -> str:
    graph.edges.append(edge)  # as a file written by another tool could hold it
    (problem,) = [p for p in graph_problems(graph) if p.code in ("connection", "cycle")]
    assert problem.code == ("cycle" if problem.message.endswith("make a loop") else "connection")
    return problem.message.removeprefix(f"connection from {graph.display_name(edge.src_node)}: ")


@pytest.mark.parametrize(
    ("case", "make_edge", "reason"), BAD_EDGES, ids=[c for c, _, _ in BAD_EDGES]
)
def test_connect_load_and_validation_refuse_a_bad_edge_with_the_same_reason(
    case: str, make_edge: Callable[[dict[str, str]], Edge], reason: str
) -> None:
    graph, ids = _base()
    assert [p for p in graph_problems(graph) if p.code in ("connection", "cycle")] == []
    edge = make_edge(ids)
    refusals = {
        "connect": _refused_by_connect(graph.copy(), edge),
        "load": _refused_by_loader(graph, edge),
        "validate": _refused_by_validation(graph.copy(), edge),
    }
    assert len(set(refusals.values())) == 1, refusals
    assert reason in refusals["connect"]


def test_a_refused_edge_is_not_added(tmp_path: object) -> None:
    graph, ids = _base()
    before = list(graph.edges)
    with pytest.raises(GraphError):
        graph.connect(Edge(ids["llm2"], "text", ids["llm1"], "text"))
    assert graph.edges == before
